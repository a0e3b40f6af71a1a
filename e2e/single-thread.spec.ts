// Story 9: the book's single-threaded server (listing 21-10). A GET /sleep from outside holds the one thread; a
// GET / sent half a second later is accepted but not read: the page shows it waiting as a connection, with its
// wait, while /sleep runs, and it is answered only once the sleep is over.
import { httpGet } from '../test/support/http-client';
import { expect, test } from './support/dashboard';
import { screenshotPath, startFromUi } from './support/ui';

/** Long enough that a loaded 2-core machine still shows the waiting connection while the sleep runs. */
const SLEEP_MS = 5_000;
const ROOT_AFTER_MS = 500;

test.use({ viewport: { width: 1280, height: 800 } });

test('a GET / waits, not yet read, behind a GET /sleep on the single thread, and is answered only after the sleep', async ({
  page,
  dashboard,
}) => {
  await startFromUi(page, { port: dashboard.bookPort, poolSize: 4, sleepMs: SLEEP_MS, strategy: 'single' });
  // One thread whatever the pool size says, and the field says it does not apply.
  await expect(page.getByTestId('worker')).toHaveCount(1);
  await expect(page.getByTestId('pool-size-note')).toContainText('Not used by Single thread');
  await expect(page.getByTestId('running-settings')).toContainText('Single thread (21-10)');
  // The title bar's tagline gives way to those running settings: shown with room for a few words, or not at all (it
  // read "T…" here). Run in the page, as text: the specs compile without the DOM's types.
  const tagline = (await page.evaluate(`(() => {
    const element = document.querySelector('.tagline');
    return {
      widthEm: element.getBoundingClientRect().width / parseFloat(getComputedStyle(element).fontSize),
      isShown: element.firstElementChild.getClientRects().length > 0,
    };
  })()`)) as { widthEm: number; isShown: boolean };
  expect(!tagline.isShown || tagline.widthEm >= 12, `tagline ${JSON.stringify(tagline)}`).toBe(true);

  const sleepSentAt = Date.now();
  const sleeping = httpGet(dashboard.bookPort, '/sleep').then((reply) => ({ ...reply, answeredAt: Date.now() }));
  await page.waitForTimeout(ROOT_AFTER_MS);
  const root = httpGet(dashboard.bookPort, '/').then((reply) => ({ ...reply, answeredAt: Date.now() }));

  const waiting = page.getByTestId('waiting-connection');
  await expect(waiting).toHaveCount(1);
  await expect(waiting).toContainText('not yet read');
  const sinceMs = Number(await waiting.getAttribute('data-since-ms'));
  expect(sinceMs).toBeGreaterThan(0);
  // While it waits, the one thread still runs /sleep and no request of the waiting connection is known.
  await expect(page.locator('[data-testid=worker][data-state=busy]')).toContainText('/sleep');
  await expect(page.getByTestId('queue-item')).toHaveCount(0);
  // The Queue panel's caption speaks of this server, which has no channel.
  const queuePanel = page.getByRole('region', { name: 'Queue' });
  await expect(queuePanel.getByTestId('book-term').first()).toContainText('listen backlog');
  await expect(queuePanel).not.toContainText('mpsc');
  await page.mouse.move(0, 0);
  await page.screenshot({ path: screenshotPath('9-single-waiting') });

  const [slept, answered] = await Promise.all([sleeping, root]);
  expect([slept.status, answered.status]).toEqual([200, 200]);
  // The response times tell it: / was answered only after /sleep, having waited out the rest of the sleep (a lower
  // bound on the test's clock, which a late delivery only lengthens)...
  expect(answered.answeredAt - sleepSentAt).toBeGreaterThanOrEqual(SLEEP_MS);
  await expect(waiting).toHaveCount(0);
  const rootBar = page.locator('[data-testid=timeline-bar][data-path="/"]');
  await expect(rootBar).toHaveCount(1);
  // ...and the timeline, on the server's clock, runs / only once /sleep's job is over. (Which answer a loaded test
  // process reads first, when both arrived while it waited for the CPU, is not the server's order. A bar's whole ms
  // are rounded outward, start down and end up: a start at the previous end can read 1 ms before it.)
  const sleepBar = page.locator('[data-testid=timeline-bar][data-path="/sleep"]');
  await expect(sleepBar).toHaveAttribute('data-status', '200');
  expect(Number(await rootBar.getAttribute('data-from-ms'))).toBeGreaterThanOrEqual(Number(await sleepBar.getAttribute('data-to-ms')) - 1);
  await expect(page.getByTestId('thread-stats')).toHaveAttribute('data-live', '1');
  await page.screenshot({ path: screenshotPath('9-single-answered') });
});
