// Story 7, replaying a run: the dashboard records (`--record FILE`) a /sleep burst of 8 on 4 workers; the person
// opens that file with Open run…, and the page says plainly it shows a replay. Scrubbing to the burst shows the
// four busy workers and the four queued jobs as they were; Next event moves the cursor to the next thing that
// happened; 16× plays the rest to the end; Back to live shows the live server again, which kept running meanwhile.

import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import type { ServerEvent } from '../src/shared/events';
import { seriousAxeViolations } from './support/accessibility';
import { expect, test } from './support/dashboard';
import { expectBusyAndQueued, fireSleepBurst, runMenuButton, screenshotPath, startFromUi } from './support/ui';

/** Wide on purpose: the burst's first wave is the stretch the scrub must land in. */
const SLEEP_MS = 3_000;
const RECORDING = join(tmpdir(), `poolscope-replay-story-${process.pid}.poolscope.jsonl`);
const FILE_NAME = 'burst.poolscope.jsonl';

test.use({ dashboardArgs: ['--record', RECORDING], viewport: { width: 1280, height: 900 } });
test.afterAll(() => rmSync(RECORDING, { force: true }));

interface RecordedFile {
  text: string;
  historyStartsAt: number;
  events: ServerEvent[];
}

/** The run file as the dashboard has written it so far (it writes every event-loop turn). */
function readRecording(): RecordedFile {
  const text = readFileSync(RECORDING, 'utf8');
  const [headerLine, ...eventLines] = text.split('\n').filter((line) => line.length > 0);
  const header = JSON.parse(headerLine!) as { historyStartsAt: number };
  return { text, historyStartsAt: header.historyStartsAt, events: eventLines.map((line) => JSON.parse(line) as ServerEvent) };
}

/** Drags the scrub bar's thumb to `cursorMs` into the run (a native slider: the thumb's travel is its width less the thumb). */
async function dragTo(page: Page, slider: Locator, fromMs: number, cursorMs: number, durationMs: number): Promise<void> {
  const box = (await slider.boundingBox())!;
  const thumbPx = 16;
  const xOf = (ms: number) => box.x + thumbPx / 2 + ((box.width - thumbPx) * ms) / durationMs;
  const y = box.y + box.height / 2;
  await page.mouse.move(xOf(fromMs), y);
  await page.mouse.down();
  for (const fraction of [0.25, 0.5, 0.75, 1]) await page.mouse.move(xOf(fromMs + (cursorMs - fromMs) * fraction), y, { steps: 3 });
  await page.mouse.up();
}

const cursorMsOf = async (bar: Locator): Promise<number> => Number(await bar.getAttribute('data-cursor-ms'));

/** The timeline's hover targets the moment a step's frame shows: the jobs a pointer can reach, and whether they wait to catch up. */
interface HoverTargetsAtStep {
  isStale: boolean;
  reachableRequestIds: string[];
}

/**
 * Clicks Next event and reads the timeline's job elements in the very task the replay bar shows the new moment (a
 * person's pointer may rest on the timeline as they step): the request ids a pointer can reach there, and whether
 * the overlay says it is still placed for the step before (then its elements let the pointer through to the canvas).
 */
async function stepAndReadHoverTargets(page: Page, cursorMs: number): Promise<HoverTargetsAtStep | null> {
  return page.evaluate(`new Promise((resolve) => {
    const bar = document.querySelector('[data-testid=replay-bar]');
    const before = bar.getAttribute('data-cursor-ms');
    const next = [...document.querySelectorAll('button')].find((button) => button.textContent === 'Next event');
    // A step to a moment within the same whole ms shows no change to wait for: nothing to read then.
    if (before === '${cursorMs}') {
      next.click();
      resolve(null);
      return;
    }
    const observer = new MutationObserver(() => {
      if (bar.getAttribute('data-cursor-ms') === before) return;
      observer.disconnect();
      const stage = document.querySelector('[data-testid=timeline-data]').parentElement;
      const jobs = [...document.querySelectorAll('[data-testid=timeline-bar]')];
      resolve({
        isStale: stage.hasAttribute('data-overlay-stale'),
        reachableRequestIds: jobs.filter((job) => getComputedStyle(job).pointerEvents !== 'none').map((job) => job.dataset.requestId).sort(),
      });
    });
    observer.observe(bar, { attributes: true });
    next.click();
  })`);
}

const requestIdsOf = async (page: Page): Promise<string[]> =>
  (
    await page
      .getByTestId('timeline-bar')
      .evaluateAll((jobs) => jobs.map((job) => (job as unknown as { dataset: { requestId: string } }).dataset.requestId))
  ).sort();

/** The pool as the recording has it at `at`: workers busy with a job, and jobs waiting for one. */
function poolAt(events: readonly ServerEvent[], at: number): { busyCount: number; queuedCount: number } {
  let queued = 0;
  let started = 0;
  let finished = 0;
  let abandoned = 0;
  for (const event of events) {
    if (event.at > at) break;
    if (event.type === 'job-queued') queued++;
    else if (event.type === 'job-started') started++;
    else if (event.type === 'job-finished') finished++;
    // A job is abandoned instead of starting (its client left while it waited).
    else if (event.type === 'job-abandoned') abandoned++;
  }
  return { busyCount: started - finished, queuedCount: queued - started - abandoned };
}

test('a recorded burst replays as it was: scrub to it, step, play at 16×, then back to live', async ({ page, dashboard }) => {
  // Live: the burst the recording will hold.
  await startFromUi(page, { port: dashboard.bookPort, poolSize: 4, sleepMs: SLEEP_MS });
  await fireSleepBurst(page, 8);
  await expectBusyAndQueued(page, { busy: 4, queued: 4 });
  // Both waves done: every sleeper answered.
  await expect(page.locator('[data-testid=timeline-bar][data-path="/sleep"][data-status="200"]')).toHaveCount(8, {
    timeout: 6 * SLEEP_MS,
  });
  await expect(page.locator('[data-testid=worker][data-state=busy]')).toHaveCount(0);

  // Open the recording as a person would (the file picker behind Open run…).
  await expect.poll(() => readRecording().events.filter((e) => e.type === 'response-sent').length).toBe(8);
  const recording = readRecording();
  const chooser = page.waitForEvent('filechooser');
  await (await runMenuButton(page, 'Open run…')).click();
  await (await chooser).setFiles({ name: FILE_NAME, mimeType: 'application/x-ndjson', buffer: Buffer.from(recording.text) });

  const bar = page.getByTestId('replay-bar');
  await expect(bar).toHaveAttribute('data-phase', 'open');
  await expect(page.getByRole('heading', { name: `Replay of ${FILE_NAME}` })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Back to live' })).toBeVisible();
  // The server's buttons belong to the live server: they say so instead of acting.
  const fire = page.getByRole('button', { name: 'Fire /sleep burst' });
  await expect(fire).toHaveAttribute('aria-disabled', 'true');
  await expect(page.getByTestId('replay-controls-note')).toContainText('Back to live');
  // Run load, Queueing and Sweep… drive the live server: a note stands in their place.
  await expect(page.getByTestId('replay-live-only')).toContainText('Back to live');
  await expect(page.getByRole('button', { name: 'Run load' })).toHaveCount(0);

  // The replay's span: from the recording's start to its last event; the cursor starts at the beginning.
  const startAt = Math.min(recording.historyStartsAt, recording.events[0]!.at);
  const endAt = recording.events.at(-1)!.at;
  const durationMs = Number(await bar.getAttribute('data-duration-ms'));
  expect(durationMs).toBe(Math.round(endAt - startAt));
  await expect(bar).toHaveAttribute('data-cursor-ms', '0');
  // At its start, before the server was started, the run had no pool: said of the run, not "Start the server".
  await expect(page.getByRole('region', { name: 'Workers' })).toContainText('No workers at this moment of the recorded run.');

  // Scrub into the first wave: four sleepers started, the other four waiting, for SLEEP_MS.
  const started = recording.events.filter((e) => e.type === 'job-started' && e.waitMs < SLEEP_MS / 2);
  expect(started).toHaveLength(4);
  const firstWaveAt = Math.max(...started.map((e) => e.at)) - startAt;
  const slider = page.getByRole('slider', { name: 'Replay position' });
  await dragTo(page, slider, 0, firstWaveAt + SLEEP_MS / 2, durationMs);
  // The bar's cursor is the moment of the frame shown, which comes a frame or more after the drag: read once it is
  // the moment the slider was left at (both from one render), not a frame from the middle of the drag.
  let scrubbedMs = Number.NaN;
  await expect
    .poll(async () => {
      const { shownMs, askedMs } = await bar.evaluate((element) => {
        const section = element as unknown as { dataset: { cursorMs?: string }; querySelector(selector: string): { value: string } | null };
        return {
          shownMs: Number(section.dataset.cursorMs),
          askedMs: Math.round(Number(section.querySelector('input[type=range]')?.value)),
        };
      });
      scrubbedMs = shownMs;
      return shownMs === askedMs;
    })
    .toBe(true);
  expect(scrubbedMs).toBeGreaterThan(firstWaveAt + 100);
  expect(scrubbedMs).toBeLessThan(firstWaveAt + SLEEP_MS - 100);
  const busy = page.locator('[data-testid=worker][data-state=busy]');
  await expect(busy).toHaveCount(4);
  await expect(page.getByTestId('queue-item')).toHaveCount(4);
  // As they were: each sleeper's start and each wait's start are the recorded ones, and the cards count to the cursor.
  const busySince = await Promise.all((await busy.all()).map(async (card) => Number(await card.getAttribute('data-busy-since'))));
  expect(busySince.sort()).toEqual(started.map((e) => e.at).sort());
  await expect(page.getByTestId('worker-elapsed').first()).toHaveText(/^for \d+(\.\d+)? (ms|s)$/);
  await expect(page.locator('[data-testid=timeline-bar][data-path="/sleep"]')).toHaveCount(4);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: screenshotPath('7-replay-burst') });
  expect(await seriousAxeViolations(page)).toEqual([]);
  // A sleeper's details at the cursor, inside its run: running, as it was then, not the 200 it answered later.
  await page.locator('[data-testid=timeline-bar][data-path="/sleep"][data-status=""]').first().click();
  await expect(page.getByTestId('detail-status')).toContainText('running');
  await expect(page.getByTestId('detail-status')).not.toContainText('200');
  await expect(page.getByTestId('detail-total')).toContainText('so far');

  // Next event: the cursor goes to the next moment something happened (the first sleeper's end), and shows it;
  // event by event on, a freed worker takes a waiting job. The workers' ends and the next starts can
  // interleave (a second sleeper may end before the first freed worker claims its job), so each step is checked
  // against what the recording says at that moment.
  const cursorAt = startAt + scrubbedMs;
  const later = recording.events.filter((e) => e.at > cursorAt + 0.5);
  expect(later[0]!.type).toBe('job-finished');
  const nextStart = later.find((e) => e.type === 'job-started')!;
  // A step goes to the next moment: events stamped at the same moment are one step.
  const moments = [...new Set(later.map((e) => e.at))].filter((at) => at <= nextStart.at);
  for (const at of moments) {
    const targets = await stepAndReadHoverTargets(page, Math.round(at - startAt));
    await expect.poll(() => cursorMsOf(bar)).toBe(Math.round(at - startAt));
    const { busyCount, queuedCount } = poolAt(recording.events, at);
    await expect(busy).toHaveCount(busyCount);
    await expect(page.getByTestId('queue-item')).toHaveCount(queuedCount);
    // What a pointer reached at the step was this step's jobs, never the step before's: either the overlay had
    // caught up, or its elements let the pointer through to the canvas (painted at the step) until it did.
    await expect(bar.page().locator('[data-overlay-stale]')).toHaveCount(0);
    if (targets !== null && !targets.isStale) expect(targets.reachableRequestIds).toEqual(await requestIdsOf(page));
    else if (targets !== null) expect(targets.reachableRequestIds).toEqual([]);
  }
  // The last step reached a freed worker taking a waiting job.
  expect(poolAt(recording.events, nextStart.at).queuedCount).toBeLessThan(4);

  // Play at 16×: the cursor runs on to the end of the recording; the second wave ran and everything finished.
  await page.getByRole('button', { name: 'Speed 16×' }).click();
  await expect(bar).toHaveAttribute('data-speed', '16');
  // (At 16× the rest of the run may be over before a look could catch it playing: the end is what is checked.)
  await page.getByRole('button', { name: 'Play' }).click();
  await expect.poll(() => cursorMsOf(bar), { timeout: 30_000 }).toBe(durationMs);
  await expect(bar).toHaveAttribute('data-playing', 'false');
  await expect(busy).toHaveCount(0);
  await expect(page.getByTestId('queue-item')).toHaveCount(0);
  await expect(page.locator('[data-testid=timeline-bar][data-path="/sleep"]')).toHaveCount(8);
  // The sleeper inspected since the scrub, at the end: answered.
  await expect(page.getByTestId('detail-status')).toContainText('200');
  await page.screenshot({ path: screenshotPath('7-replay-played') });

  // One button on the page is named Pause while the replay plays: the replay's. The timeline's own is named for
  // what it holds still, so neither a screen reader's user nor getByRole has to guess which moves the replay.
  // (At a quarter speed, so the run is still playing when it is looked at.)
  await page.getByRole('button', { name: 'Speed 0.25×' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect(bar).toHaveAttribute('data-playing', 'true');
  await expect(page.getByRole('button', { name: 'Pause timeline', exact: true })).toHaveCount(1);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(bar).toHaveAttribute('data-playing', 'false');

  // Back to live (from the keyboard): the live server, still listening, and its buttons act again. The focus goes
  // to Run ▾, where the run was opened, not to the page itself as the bar goes away.
  await page.getByRole('button', { name: 'Back to live' }).focus();
  await page.keyboard.press('Enter');
  await expect(bar).toHaveCount(0);
  await expect(page.getByTestId('run-menu-toggle')).toBeFocused();
  await expect(page.getByTestId('server-status')).toContainText(`Listening on http://127.0.0.1:${dashboard.bookPort}`);
  await expect(fire).not.toHaveAttribute('aria-disabled', 'true');
  await expect(page.getByRole('button', { name: 'Run load' })).toBeVisible();
  await fireSleepBurst(page, 8);
  await expectBusyAndQueued(page, { busy: 4, queued: 4 });
  await page.screenshot({ path: screenshotPath('7-replay-back-to-live') });
});
