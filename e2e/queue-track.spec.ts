// Story 14: a reader of the chapter sees the waiting. After a burst of eight sleepers on four workers, the
// timeline's queue track holds the four jobs that waited, each about one sleep long, and the queue panel,
// empty again, still says how full it got; hovering a wait highlights the job it became. Stop leaves a marker
// for the Stop click, each worker's join and the stop; a restart draws a line between the runs and keeps the
// old run's jobs. axe stays clean throughout.
import { seriousAxeViolations } from './support/accessibility';
import { expect, test } from './support/dashboard';
import { fireSleepBurst, pointFromTrackLabel, SERVER_START_TIMEOUT_MS, screenshotPath, startFromUi } from './support/ui';

/** Long enough that the second wave's wait stands far above a loaded machine's hand-over delays. */
const SLEEP_MS = 3000;

test('the queue track shows the four waits of a burst, markers follow a stop, and a restart draws a run separator', async ({
  page,
  dashboard,
}) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await startFromUi(page, { port: dashboard.bookPort, poolSize: 4, sleepMs: SLEEP_MS });
  await expect(page.locator('[data-testid=timeline-marker][data-kind=start]')).toHaveCount(1);

  await fireSleepBurst(page, 8);
  await expect(page.locator('[data-testid=timeline-bar][data-status="200"]')).toHaveCount(8, { timeout: 6 * SLEEP_MS });
  await expect(page.getByTestId('queue-item')).toHaveCount(0);

  // The second wave waited for the first: four waits, each about one sleep (generous bounds: no tight timing).
  const spans = page.getByTestId('queue-span');
  await expect(spans).toHaveCount(4);
  const waitedIds: string[] = [];
  for (const span of await spans.all()) {
    const waitMs = Number(await span.getAttribute('data-wait-ms'));
    expect(waitMs).toBeGreaterThanOrEqual(0.5 * SLEEP_MS);
    expect(waitMs).toBeLessThanOrEqual(3 * SLEEP_MS);
    waitedIds.push((await span.getAttribute('data-request-id'))!);
  }
  // Each wait is a job that then ran: its request has a bar.
  for (const requestId of waitedIds) {
    await expect(page.locator(`[data-testid=timeline-bar][data-request-id="${requestId}"]`)).toHaveCount(1);
  }

  // The empty queue tells the recent past.
  await expect(page.getByTestId('queue-empty')).toHaveText(/^Empty now · peak 4 waiting, longest wait \d+\.\d s in the last 30 s$/);

  // Hovering a wait shows its job: the details name it, with the wait it had.
  await spans.first().hover();
  await expect(page.getByTestId('request-details')).toContainText(`#${waitedIds[0]}`);
  await expect(page.getByTestId('detail-wait')).toHaveText(/^\d+\.\d s$/);
  // The same wait, reached from the track's label (drawn on the canvas beneath it) as a hand would: still its job.
  await page.mouse.move(0, 0);
  await expect(page.getByTestId('request-details')).not.toContainText(`#${waitedIds[0]}`);
  await pointFromTrackLabel(page, spans.first());
  await expect(page.getByTestId('request-details')).toContainText(`#${waitedIds[0]}`);
  await page.screenshot({ path: screenshotPath('14-queue-track') });
  expect(await seriousAxeViolations(page)).toEqual([]);

  // From here on a 5 min window, so the whole story stays in view however slowly a loaded machine plays it.
  await page.getByRole('combobox', { name: /^Window/ }).selectOption({ label: '5 min' });

  // Stop: markers for the click, each worker's join and the stop.
  await page.getByRole('button', { name: 'Stop server' }).click();
  await expect(page.getByTestId('server-status')).toContainText('Stopped', { timeout: 20_000 });
  await expect(page.locator('[data-testid=timeline-marker][data-kind=stop-requested]')).toHaveCount(1);
  await expect(page.locator('[data-testid=timeline-marker][data-kind=stopped]')).toHaveCount(1);
  const joined = page.locator('[data-testid=timeline-marker][data-kind=worker-joined]');
  await expect(joined).toHaveCount(4);
  const joinedWorkers = await Promise.all((await joined.all()).map((marker) => marker.getAttribute('data-worker-id')));
  expect(joinedWorkers.sort()).toEqual(['0', '1', '2', '3']);
  // The log says when, to the millisecond.
  await expect(page.getByTestId('log')).toContainText(/\d\d:\d\d:\d\d\.\d{3}\s*Server stopped\./);

  // A restart with a smaller pool: a separator between the runs, and the old run's jobs and lanes stay.
  await page.getByLabel('Pool size', { exact: true }).fill('2');
  await page.getByRole('button', { name: 'Start server' }).click();
  await expect(page.getByTestId('server-status')).toContainText('Listening', { timeout: SERVER_START_TIMEOUT_MS });
  const separator = page.getByTestId('run-separator');
  await expect(separator).toHaveCount(1);
  await expect(separator).toHaveAttribute('aria-label', /^Run 2 with 2 workers began at .+; before it, run 1 with 4 workers$/);
  await expect(page.locator('[data-testid=timeline-marker][data-kind=start]')).toHaveCount(2);
  await expect(page.locator('[data-testid=timeline-bar][data-run-id="1"][data-status="200"]')).toHaveCount(8);
  await expect(page.locator('[data-testid=timeline-bar][data-run-id="1"][data-worker-id="3"]')).toHaveCount(2);
  await expect(spans).toHaveCount(4);
  // The picture at 1 min, where both runs are usually still in view and read larger.
  await page.getByRole('combobox', { name: /^Window/ }).selectOption({ label: '1 min' });
  await page.screenshot({ path: screenshotPath('14-restart-separator') });
  expect(await seriousAxeViolations(page)).toEqual([]);
});

test('the empty queue never reads "longest wait 0 ms" after jobs waited, when each wait is shorter than a pixel', async ({
  page,
  dashboard,
}) => {
  // Eight 30 ms sleepers on one worker wait 30 to 210 ms each, all shorter than a pixel of a 5 min window (about
  // 380 ms at this width): the timeline lists none of them, and the panel must say what it does know.
  await page.setViewportSize({ width: 1280, height: 900 });
  await startFromUi(page, { port: dashboard.bookPort, poolSize: 1, sleepMs: 30 });
  await page.getByRole('combobox', { name: /^Window/ }).selectOption({ label: '5 min' });
  await fireSleepBurst(page, 8);
  await expect(page.getByTestId('burst-summary')).toContainText(/done in/, { timeout: 30_000 });
  await expect(page.getByTestId('queue-item')).toHaveCount(0);
  // The mean where the waits were under a pixel; the longest, with its real length, on a machine slow enough to stretch one.
  await expect(page.getByTestId('queue-empty')).toHaveText(
    /^Empty now · peak [1-9]\d* waiting, (mean wait|longest wait) (?!0 ms)[\d.]+ m?s in the last 5 min$/,
  );
});

// Listing 21-11 has no queue: a thread per request starts a thread for each request at once. What its track holds is
// each request's wait for that thread to start, and the track, the legend, each wait and the Queue panel say so.
test("a thread per request's track holds its requests' waits for their new threads, named as such", async ({ page, dashboard }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await startFromUi(page, { port: dashboard.bookPort, sleepMs: 1000, strategy: 'per-request' });
  await fireSleepBurst(page, 4);
  await expect(page.locator('[data-testid=timeline-bar][data-status="200"]')).toHaveCount(4, { timeout: 30_000 });
  await expect(page.getByRole('list', { name: 'Legend' })).toContainText('waiting for its new thread');
  await expect(page.getByRole('list', { name: 'Legend' })).not.toContainText('waiting in queue');
  await expect(page.getByTestId('queue-count')).toHaveText('0 starting');
  // Isolates starting together take longer than a pixel of the 30 s window (about 37 ms here), so waits are drawn (one
  // that started alone on a fast machine may not be: at least one is asked for, and every one drawn is named so).
  const spans = page.getByTestId('queue-span');
  await expect.poll(() => spans.count()).toBeGreaterThan(0);
  for (const span of await spans.all()) {
    await expect(span).toHaveAttribute(
      'title',
      /^#\d+ GET \/sleep waited \d+(\.\d)? (ms|s) for its new thread to start, then ran on thread \d+$/,
    );
  }
  await expect(page.getByTestId('burst-summary').first()).toHaveText(/^4 × \/sleep on a thread each: done in /);
  // Listing 21-11 has no Worker: a lane is a thread's slot, and a job's words name its thread.
  await expect(page.locator('[data-testid=timeline-bar]').first()).toHaveAttribute(
    'title',
    /^#\d+ GET \/sleep on thread \d+, burst, status 200, /,
  );
  await expect(page.getByTestId('queue-empty')).toHaveText(
    /^Empty now · peak \d+ waiting for their threads, longest wait \d+(\.\d)? (ms|s) in the last 30 s$/,
  );
});

// Listing 21-10 has no channel either: its one thread reads one connection at a time, and what waits is connections,
// accepted and unread, in the listen backlog. The track holds those waits, each handed over to the request read on its
// connection, and the legend, the Queue panel, the stats and the request's details count them.
test("a single thread's track holds the connections waiting unread for it, and its stats count those waits", async ({
  page,
  dashboard,
}) => {
  const sleepMs = 1000;
  await page.setViewportSize({ width: 1280, height: 900 });
  await startFromUi(page, { port: dashboard.bookPort, sleepMs, strategy: 'single' });
  await expect(page.getByRole('list', { name: 'Legend' })).toContainText('connection waiting for the single thread');
  await fireSleepBurst(page, 4);
  // Listing 21-10 has no Worker: its card is the thread, and so is each job's lane.
  await expect(page.getByTestId('worker').locator('.worker-name')).toHaveText(['Thread']);
  // While the thread sleeps, the connections behind it wait: they are the queue, in the panel's count and on the track.
  await expect(page.getByTestId('queue-count')).toHaveText(/^[1-3] waiting$/);
  await expect(page.locator('[data-testid=queue-span][data-waiting=true][data-connection-id]').first()).toHaveAttribute(
    'title',
    /^connection \d+ waiting for \d+(\.\d)? (ms|s), not yet read: the single thread is serving another connection$/,
  );
  await expect(page.locator('[data-testid=timeline-bar][data-status="200"]')).toHaveCount(4, { timeout: 30_000 });

  // Afterwards: three waits of about one, two and three sleeps, each ending where the thread read its request.
  const waits = page.locator('[data-testid=queue-span][data-connection-id]');
  await expect(waits).toHaveCount(3);
  const waitsMs: number[] = [];
  for (const span of await waits.all()) {
    await expect(span).toHaveAttribute(
      'title',
      /^connection \d+ waited \d+(\.\d)? s for the single thread, then the thread read its request #\d+ GET \/sleep$/,
    );
    waitsMs.push(Number(await span.getAttribute('data-wait-ms')));
    const requestId = await span.getAttribute('data-request-id');
    await expect(page.locator(`[data-testid=timeline-bar][data-request-id="${requestId}"]`)).toHaveCount(1);
  }
  waitsMs.sort((a, b) => a - b);
  // Generous bounds: each waited for the sleeps before it, whatever a loaded machine adds.
  for (let k = 0; k < 3; k++) expect(waitsMs[k]!).toBeGreaterThanOrEqual((k + 1) * sleepMs * 0.9);
  await expect(page.getByTestId('queue-empty')).toHaveText(
    /^Empty now · peak 3 connections waiting for the single thread, longest wait \d+(\.\d)? s in the last 30 s$/,
  );
  // The stats count the same waits; the details of a request say its connection waited.
  await expect(page.getByTestId('stat-wait-p99')).toHaveText(/^\d+(\.\d)? s$/);
  await waits.last().hover();
  await expect(page.getByTestId('detail-wait')).toHaveAttribute('data-connection-wait-ms', /^\d+(\.\d+)?$/);
  await expect(page.getByTestId('detail-wait')).toContainText('its connection unread, for the single thread');
  await expect(page.getByTestId('burst-summary').first()).toHaveText(/^4 × \/sleep on the single thread: done in /);
  await page.screenshot({ path: screenshotPath('14-single-backlog') });
  expect(await seriousAxeViolations(page)).toEqual([]);
});
