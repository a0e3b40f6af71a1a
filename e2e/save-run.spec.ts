// Story 7a: save a run and export its trace from the live page. A /sleep burst runs on the dashboard's server;
// **Save run…** downloads the flight recorder's history as a run file whose header names the run and whose events
// hold every request of the burst to its answer; **Export trace** downloads the same history as a Chrome trace,
// which DevTools' trace engine reads with a thread per worker and the burst's slices on them, and which opens in the
// Performance panel. Opened again with Open run…, the run's trace is made in the page with the same slices.

import { readFileSync } from 'node:fs';
import type { Download } from '@playwright/test';
import { TRACE_MAIN_THREAD_NAME, type TraceDocument, traceWorkerThreadName } from '../src/history/trace-export';
import type { ServerEvent, ServerEventOf } from '../src/shared/events';
import { parseRunFile, RUN_FILE_VERSION } from '../src/shared/run-file';
import { loadInDevTools } from '../test/support/trace-engine';
import { expect, test } from './support/dashboard';
import { openInPerformancePanel } from './support/devtools-performance';
import { fireSleepBurst, runMenuButton, screenshotPath, startFromUi } from './support/ui';

const WORKER_COUNT = 4;
const BURST_COUNT = 8;
/** Short: the story needs the burst done, not a window to catch it in. */
const SLEEP_MS = 1000;

const ofType = <T extends ServerEvent['type']>(events: ServerEvent[], type: T) =>
  events.filter((event): event is ServerEventOf<T> => event.type === type);

async function textOf(download: Download): Promise<string> {
  return readFileSync(await download.path(), 'utf8');
}

test('Save run… downloads the history with the whole burst, and Export trace a trace with the worker slices', async ({
  page,
  dashboard,
}) => {
  await startFromUi(page, { port: dashboard.bookPort, poolSize: WORKER_COUNT, sleepMs: SLEEP_MS });
  const historyToggle = page.getByTestId('history-settings-toggle');
  await expect(historyToggle).toHaveAttribute('data-history-s', '600');
  await expect(historyToggle).toHaveAttribute('data-history-events', '500000');
  await fireSleepBurst(page, BURST_COUNT);
  const bars = page.locator('[data-testid=timeline-bar][data-path="/sleep"][data-status="200"]');
  await expect(bars).toHaveCount(BURST_COUNT, { timeout: 30_000 });
  // The history has not dropped anything: no notice of where it starts.
  await expect(page.getByTestId('history-notice')).toHaveCount(0);

  const saved = page.waitForEvent('download');
  await (await runMenuButton(page, 'Save run…')).click();
  const runDownload = await saved;
  expect(runDownload.suggestedFilename()).toMatch(/^poolscope-\d{4}-\d{2}-\d{2}-\d{6}\.poolscope\.jsonl$/);
  const run = parseRunFile(await textOf(runDownload));
  expect(run.header).toMatchObject({
    format: 'poolscope-run',
    formatVersion: RUN_FILE_VERSION,
    app: { name: 'Poolscope' },
    clock: 'unix-epoch-ms',
    droppedEventCount: 0,
  });
  expect(run.header.settings).toMatchObject({ port: dashboard.bookPort, workerCount: WORKER_COUNT, sleepMs: SLEEP_MS });
  expect(run.initialState).toBeNull();
  expect(ofType(run.events, 'worker-spawned')).toHaveLength(WORKER_COUNT);
  const sleepers = ofType(run.events, 'request-received').filter((event) => event.target === '/sleep');
  expect(sleepers).toHaveLength(BURST_COUNT);
  for (const sleeper of sleepers) expect(sleeper.userAgent).toMatch(/^poolscope-burst\/1 /);
  const answered = new Map(ofType(run.events, 'response-sent').map((event) => [event.requestId, event.status]));
  for (const sleeper of sleepers) expect(answered.get(sleeper.requestId), `request ${sleeper.requestId}`).toBe(200);
  await page.screenshot({ path: screenshotPath('7a-save-run') });

  const exported = page.waitForEvent('download');
  const exportButton = await runMenuButton(page, 'Export trace');
  await expect(exportButton).toHaveAttribute('data-source', 'live');
  await exportButton.click();
  const traceDownload = await exported;
  expect(traceDownload.suggestedFilename()).toMatch(/^poolscope-[\d-]+\.trace\.json$/);
  const traceJson = await textOf(traceDownload);
  const trace = JSON.parse(traceJson) as TraceDocument;
  const view = await loadInDevTools(trace.traceEvents);
  const workerNames = Array.from({ length: WORKER_COUNT }, (_, id) => traceWorkerThreadName(id));
  const threads = new Map(view.threads.map((thread) => [thread.name, thread]));
  expect([...threads.keys()]).toEqual(expect.arrayContaining([TRACE_MAIN_THREAD_NAME, ...workerNames]));
  // Every sleeper of the burst is a slice on the worker that ran it, as long as it slept.
  const starts = new Map(ofType(run.events, 'job-started').map((event) => [event.requestId, event.workerId]));
  for (const sleeper of sleepers) {
    const name = `GET /sleep #${sleeper.requestId}`;
    const slice = threads.get(traceWorkerThreadName(starts.get(sleeper.requestId)!))!.entries.find((entry) => entry.name === name);
    expect(slice, name).toBeDefined();
    expect(slice!.ph).toBe('X');
    expect(slice!.dur!).toBeGreaterThanOrEqual(SLEEP_MS * 1000 * 0.9);
  }

  // The saved run, opened in the page: Export trace now makes that run's trace in the page, the same slices.
  // (Playwright keeps a download under a generated name: the file is handed over under the name it was saved as.)
  await page.getByTestId('open-run-input').setInputFiles({
    name: runDownload.suggestedFilename(),
    mimeType: 'application/x-ndjson',
    buffer: readFileSync(await runDownload.path()),
  });
  // Opening it starts its replay; while that is shown, Export trace is the replayed run's.
  await expect(page.getByTestId('replay-bar')).toHaveAttribute('data-phase', 'open');
  await expect(await runMenuButton(page, 'Export trace')).toHaveAttribute('data-source', 'recording');
  const exportedFromPage = page.waitForEvent('download');
  await (await runMenuButton(page, 'Export trace')).click();
  const pageTraceDownload = await exportedFromPage;
  expect(pageTraceDownload.suggestedFilename()).toBe(runDownload.suggestedFilename().replace('.poolscope.jsonl', '.trace.json'));
  const pageTrace = JSON.parse(await textOf(pageTraceDownload)) as TraceDocument;
  const jobSlices = (document: TraceDocument) =>
    document.traceEvents
      .filter((event) => event.ph === 'X' && event.name.startsWith('GET /sleep #'))
      .map((event) => [event.name, event.dur]);
  expect(jobSlices(pageTrace)).toEqual(jobSlices(trace));
  // Back to live, Export trace is the live history's again.
  await page.getByRole('button', { name: 'Back to live' }).click();
  await expect(page.getByTestId('replay-bar')).toHaveCount(0);
  await expect(await runMenuButton(page, 'Export trace')).toHaveAttribute('data-source', 'live');

  const panel = await openInPerformancePanel(traceJson, { threadCount: 1 + WORKER_COUNT });
  try {
    await expect(panel.page.getByRole('tree', { name: 'Flame chart' })).toBeVisible();
    await panel.page.screenshot({ path: screenshotPath('7a-export-trace-devtools') });
  } finally {
    await panel.close();
  }
});
