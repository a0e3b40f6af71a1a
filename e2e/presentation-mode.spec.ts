// Story 8: a teacher at a projector (1920×1080). Presentation mode, from ?present=1 or its toggle, sets no text under
// 16 px (every visible text's computed size is walked), keeps the controls to one row and gives the timeline the free
// height; the book's terms can be turned off, and both choices survive a reload. axe stays clean. On a projector down
// to 1280×720 the whole timeline is on screen during a burst.
import type { Locator } from '@playwright/test';
import { seriousAxeViolations } from './support/accessibility';
import { expect, test } from './support/dashboard';
import { textsSmallerThan } from './support/page-measures';
import { expectBusyAndQueued, fireSleepBurst, screenshotPath, startFromUi } from './support/ui';

const MIN_FONT_PX = 16;

/** Each card's top, in whole pixels: one distinct top is one row of cards. */
async function topsOf(cards: Locator): Promise<number[]> {
  return Promise.all((await cards.all()).map(async (card) => Math.round((await card.boundingBox())!.y)));
}

test.use({ viewport: { width: 1920, height: 1080 } });

test('presentation mode at 1920×1080: no text under 16 px, one row of controls, the timeline filling the height', async ({
  page,
  dashboard,
}) => {
  // Normal mode has small print (labels at 11 px): the walk finds it, so it would find a regression too.
  expect((await textsSmallerThan(page, MIN_FONT_PX)).length).toBeGreaterThan(0);

  await page.goto(`${dashboard.dashboardUrl}?present=1`);
  const toggle = page.getByTestId('present-toggle');
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  await startFromUi(page, { port: dashboard.bookPort, poolSize: 4, sleepMs: 4000 });
  await fireSleepBurst(page, 8);
  await expectBusyAndQueued(page, { busy: 4, queued: 4 });
  await expect(page.getByTestId('book-term').first()).toBeVisible();

  expect(await textsSmallerThan(page, MIN_FONT_PX)).toEqual([]);
  // The controls are one compact row: Start and Fire sit side by side.
  const start = (await page.getByRole('button', { name: 'Start server' }).boundingBox())!;
  const fire = (await page.getByRole('button', { name: 'Fire /sleep burst' }).boundingBox())!;
  expect(Math.abs(start.y - fire.y)).toBeLessThan(4);
  // The page fits the screen, and the timeline takes what the rest leaves: it reaches the bottom of the screen.
  const viewportHeight = page.viewportSize()!.height;
  expect(await page.evaluate('document.scrollingElement.scrollHeight')).toBeLessThanOrEqual(viewportHeight + 1);
  const timeline = (await page.getByRole('region', { name: 'Timeline' }).boundingBox())!;
  expect(timeline.height).toBeGreaterThanOrEqual(360);
  const stage = (await page.locator('.timeline-stage').boundingBox())!;
  expect(stage.height).toBeGreaterThan(300);
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.screenshot({ path: screenshotPath('8-presentation') });

  // The book's terms off; a reload keeps that choice and presentation mode (it is in the address).
  await page.getByTestId('book-terms-toggle').uncheck();
  await expect(page.getByTestId('book-term')).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('server-status')).toContainText('Listening');
  await expect(page.getByTestId('present-toggle')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('book-terms-toggle')).not.toBeChecked();
  await expect(page.getByTestId('book-term')).toHaveCount(0);

  // Leaving presentation mode brings the small print back, and takes ?present=1 out of the address.
  await page.getByTestId('present-toggle').click();
  await expect(page.getByTestId('present-toggle')).toHaveAttribute('aria-pressed', 'false');
  expect(new URL(page.url()).searchParams.has('present')).toBe(false);
  expect((await textsSmallerThan(page, MIN_FONT_PX)).length).toBeGreaterThan(0);
  await page.getByTestId('book-terms-toggle').check();
  await expect(page.getByTestId('book-term').first()).toBeVisible();
});

// The projectors and laptops a class meets: the stats strip heads the side column and the threads' line sits in the
// Workers panel's head (and below 760 px high the boxes are tighter), so the whole stage (queue track, four lanes,
// time axis) is on screen. On a 1024×768 projector (XGA) the title bar's toggles and status sit in two rows beside the
// name, Start and Stop beside the bursts, and the four cards are dense.
for (const [width, height] of [
  [1440, 900],
  [1366, 768],
  [1280, 800],
  [1280, 720],
  [1024, 768],
] as const) {
  test(`presentation mode on a ${width}×${height} projector: four workers in a row and the whole timeline on screen during a burst`, async ({
    page,
    dashboard,
  }) => {
    await page.setViewportSize({ width, height });
    await page.goto(`${dashboard.dashboardUrl}?present=1`);
    await startFromUi(page, { port: dashboard.bookPort, poolSize: 4, sleepMs: 4000 });
    await fireSleepBurst(page, 8);
    await expectBusyAndQueued(page, { busy: 4, queued: 4 });
    await expect(page.getByTestId('book-term').first()).toBeVisible();

    expect(await page.evaluate('document.scrollingElement.scrollHeight')).toBeLessThanOrEqual(height + 1);
    const cardTops = await topsOf(page.getByTestId('worker'));
    expect(new Set(cardTops).size, `worker cards' tops: ${cardTops.join(', ')}`).toBe(1);
    // The stage (queue track, four lanes and the time axis) ends inside the window, with no need to scroll the column.
    const stage = (await page.locator('.timeline-stage').boundingBox())!;
    expect(stage.y + stage.height).toBeLessThanOrEqual(height);
    // The numbers a class follows are on screen too, beside the workers.
    const statistics = page.locator('.column-side').getByRole('region', { name: 'Statistics' });
    await expect(statistics).toBeVisible();
    for (const testId of ['stat-rps', 'stat-p50', 'stat-p99', 'stat-wait-p99', 'stat-queue', 'stat-errors']) {
      const tile = (await statistics.getByTestId(testId).boundingBox())!;
      expect(tile.y + tile.height, testId).toBeLessThanOrEqual(height);
    }
    await expect(page.getByTestId('thread-stats')).toBeVisible();
    await page.screenshot({ path: screenshotPath(`8-presentation-${width}x${height}`) });
  });
}

// Eight threads on a projector: two rows of full cards pushed the lanes off a 768 px screen. Five to eight cards share
// one row, each its name, its state and its time; the same for a pool of 8 and for eight threads of a thread per request
// (whose Thread limit leaves Start and Stop no room beside the settings at 1280 px: they share the bursts' row).
const PROJECTOR_SIZES = [
  [1366, 768],
  [1280, 720],
] as const;
for (const [strategy, sizes] of [
  ['pool', PROJECTOR_SIZES],
  ['per-request', PROJECTOR_SIZES],
] as const) {
  test(`presentation mode with eight ${strategy === 'pool' ? 'workers' : 'request threads'}: one row of cards and the whole timeline on screen`, async ({
    page,
    dashboard,
  }) => {
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.goto(`${dashboard.dashboardUrl}?present=1`);
    await startFromUi(page, { port: dashboard.bookPort, poolSize: 8, sleepMs: 4000, strategy });
    await fireSleepBurst(page, 8);
    const busyCards = page.locator('[data-testid=worker][data-state=busy]');
    await expect(busyCards).toHaveCount(8);
    for (const [width, height] of sizes) {
      await page.setViewportSize({ width, height });
      const cardTops = await topsOf(busyCards);
      expect(new Set(cardTops).size, `at ${width}×${height}, worker cards' tops: ${cardTops.join(', ')}`).toBe(1);
      const stage = (await page.locator('.timeline-stage').boundingBox())!;
      expect(stage.y + stage.height, `at ${width}×${height}, the stage's bottom`).toBeLessThanOrEqual(height);
    }
    // On a 1024 px projector eight in a row would be narrower than their names: two rows of four, each name whole.
    // A pool's lanes still share what height is left, down to their labels' own, so its time axis stays on screen; a
    // thread per request's third row of controls (Thread limit, the pool size's note) and longer threads' line do not
    // leave room for that: its column scrolls.
    await page.setViewportSize({ width: 1024, height: 768 });
    const narrowTops = await topsOf(busyCards);
    expect(new Set(narrowTops).size, `at 1024×768, worker cards' tops: ${narrowTops.join(', ')}`).toBe(2);
    if (strategy === 'pool') {
      const narrowStage = (await page.locator('.timeline-stage').boundingBox())!;
      expect(narrowStage.y + narrowStage.height, "at 1024×768, the stage's bottom").toBeLessThanOrEqual(768);
    }
    const cutNames = await page.evaluate(`[...document.querySelectorAll('[data-testid=worker] .worker-name')]
      .filter((name) => name.scrollWidth > name.clientWidth || name.getBoundingClientRect().right > name.closest('[data-testid=worker]').getBoundingClientRect().right)
      .map((name) => name.textContent)`);
    expect(cutNames).toEqual([]);
    await page.setViewportSize({ width: 1366, height: 768 });
    // Each card still says whose it is, that it is busy, and for how long.
    const first = busyCards.first();
    await expect(first.locator('.worker-name')).toHaveText(strategy === 'pool' ? /^Worker \d$/ : /^Thread \d$/);
    await expect(first.getByText('busy', { exact: true })).toBeVisible();
    await expect(first.getByTestId('worker-elapsed')).toBeVisible();
    expect(await textsSmallerThan(page, MIN_FONT_PX)).toEqual([]);
    await page.screenshot({ path: screenshotPath(`8-presentation-8-${strategy}`) });
  });
}

// Listing 21-21 on a projector: its two listings' captions (the loop that keeps the lock, and the fix) took five lines
// over the cards and each waiting card repeated the book's words, which pushed the timeline's lanes, where the sleeps
// run one after another, off a 768 px screen. In presentation mode the captions sit in the side column, once.
test("presentation mode with a while-let pool and the book's terms: the listings beside the cards, the whole timeline on screen", async ({
  page,
  dashboard,
}) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto(`${dashboard.dashboardUrl}?present=1`);
  await startFromUi(page, { port: dashboard.bookPort, poolSize: 4, sleepMs: 3000, strategy: 'pool-while-let' });
  await fireSleepBurst(page, 4);
  await expectBusyAndQueued(page, { busy: 1, queued: 3 });
  const workersPanel = page.getByRole('region', { name: 'Workers', exact: true });
  await expect(workersPanel.getByTestId('queue-lock')).toContainText("holds the queue's lock for its whole job · 3 waiting");
  const listings = page.locator('.column-side').getByTestId('workers-book-panel');
  await expect(listings).toContainText('Listing 21-21');
  await expect(listings).toContainText('The fix, listing 21-20');
  await expect(workersPanel.getByTestId('book-term')).toHaveCount(0);
  for (const [width, height] of [
    [1366, 768],
    [1280, 800],
    [1280, 720],
    [1024, 768],
  ] as const) {
    await page.setViewportSize({ width, height });
    const cardTops = await topsOf(page.getByTestId('worker'));
    expect(new Set(cardTops).size, `at ${width}×${height}, worker cards' tops: ${cardTops.join(', ')}`).toBe(1);
    // Each card's states ("waiting for the lock", "holds the lock") stay inside it, narrow cards included. Run in the
    // page, as text: the specs compile without the DOM's types.
    const pillsOutsideCards = await page.evaluate(`[...document.querySelectorAll('[data-testid=worker] .pill')]
      .filter((pill) => {
        const card = pill.closest('[data-testid=worker]').getBoundingClientRect();
        const box = pill.getBoundingClientRect();
        return box.left < card.left || box.right > card.right + 0.5;
      })
      .map((pill) => pill.textContent)`);
    expect(pillsOutsideCards, `at ${width}×${height}`).toEqual([]);
    const stage = (await page.locator('.timeline-stage').boundingBox())!;
    expect(stage.y + stage.height, `at ${width}×${height}, the stage's bottom`).toBeLessThanOrEqual(height);
    const listingsBox = (await listings.boundingBox())!;
    expect(listingsBox.y + listingsBox.height, `at ${width}×${height}, the listings' bottom`).toBeLessThanOrEqual(height);
  }
  await page.screenshot({ path: screenshotPath('8-presentation-while-let-1280x720') });
  // Out of presentation mode the captions are over the cards again, and the waiting cards say theirs.
  await page.getByTestId('present-toggle').click();
  await expect(page.getByTestId('workers-book-panel')).toHaveCount(0);
  await expect(workersPanel.locator('[data-testid=book-term][data-place=workers-while-let]')).toBeVisible();
  await expect(workersPanel.locator('[data-testid=book-term][data-place=worker-waiting-for-lock]').first()).toBeVisible();
});

test("the pool size's note, under a strategy without a pool, covers none of the controls in presentation mode or a narrow window", async ({
  page,
  dashboard,
}) => {
  // The note hangs under Pool size; where the row wraps (a laptop's 1280 px in presentation mode, an 800 px window) the
  // strategy, Start server and the settings' message come next, and where it does not (1366 px) the bursts' row: it
  // must not be drawn over any of them.
  const note = page.getByTestId('pool-size-note');
  // Run in the page, as text: the specs compile without the DOM's types.
  const coveredByNote = (): Promise<string[]> =>
    page.evaluate(`(() => {
      const note = document.querySelector('[data-testid=pool-size-note]');
      const box = note.getBoundingClientRect();
      return [...note.closest('section').querySelectorAll('label, input, select, button, .field-error')]
        .filter((element) => {
          const other = element.getBoundingClientRect();
          const isShown = element.textContent.trim() !== '' || element.tagName === 'INPUT' || element.tagName === 'SELECT';
          return isShown && other.left < box.right && other.right > box.left && other.top < box.bottom && other.bottom > box.top;
        })
        .map((element) => element.tagName.toLowerCase() + ' "' + element.textContent.trim().slice(0, 30) + '"');
    })()`);
  for (const [width, height, isPresenting] of [
    [1366, 768, true],
    [1280, 800, true],
    [1280, 720, true],
    [800, 600, true],
    [800, 600, false],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.goto(`${dashboard.dashboardUrl}${isPresenting ? '?present=1' : ''}`);
    await page.getByTestId('strategy-select').selectOption('per-request');
    await expect(note).toContainText('Not used by Thread per request');
    // Where the settings stay on one row, the bursts come next (1366 px in presentation mode).
    expect(await coveredByNote(), `at ${width} px${isPresenting ? ', presenting' : ''}, no message`).toEqual([]);
    // With a settings message showing too: it sits on the line under the settings.
    await page.getByLabel('Port', { exact: true }).fill('99999');
    await expect(page.getByTestId('settings-error')).toContainText('Port must be between');
    expect(await coveredByNote(), `at ${width} px${isPresenting ? ', presenting' : ''}`).toEqual([]);
    await page.screenshot({ path: screenshotPath(`8-pool-note-${width}${isPresenting ? '-presenting' : ''}`) });
  }
});
