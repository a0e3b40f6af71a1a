// Story 8: export a trace and find the worker slices in it. A real run is recorded (the book's burst: eight
// sleepers on four workers, two GET / behind them), exported as a Chrome trace, read by DevTools' own trace engine
// (the worker threads, and each job's slice where the recording has it), then opened in the DevTools Performance
// panel that Chromium serves itself. The README's picture (docs/trace-devtools.png) is this story's
// "8-trace-devtools" screenshot, at this size: copied by hand, so a test run never changes a file of the repository.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { TRACE_MAIN_THREAD_NAME, TRACE_PROCESS_NAME, type TraceDocument, traceWorkerThreadName } from '../src/history/trace-export';
import type { ServerEvent, ServerEventOf } from '../src/shared/events';
import { parseRunFile } from '../src/shared/run-file';
import { spawnTsx } from '../test/support/processes';
import { BOOK_BURST, recordBurst } from '../test/support/recorded-run';
import { loadInDevTools } from '../test/support/trace-engine';
import { openInPerformancePanel } from './support/devtools-performance';
import { screenshotPath } from './support/ui';

const PICTURE_SIZE = { width: 1400, height: 800 };

/** A trace and the run it shows. */
interface ExportedRun {
  events: ServerEvent[];
  trace: TraceDocument;
  traceJson: string;
}

/**
 * How the story gets its trace: the run recorded by `npm run serve -- --record`, then `npm run trace`. This is the
 * one step that changes when the trace comes from elsewhere (the UI's Export trace): everything after it checks
 * only the run's events and the trace's text.
 */
async function exportBookBurst(dir: string): Promise<ExportedRun> {
  const runFile = path.join(dir, 'burst.poolscope.jsonl');
  const traceFile = path.join(dir, 'burst.trace.json');
  const { exit, statuses } = await recordBurst(runFile);
  expect(exit.code).toBe(0);
  expect(statuses).toEqual(Array(BOOK_BURST.sleeperCount + BOOK_BURST.helloCount).fill(200));
  const converter = spawnTsx('src/main/trace-cli.ts', [runFile, traceFile]);
  expect((await converter.exited).code, converter.output()).toBe(0);
  const traceJson = readFileSync(traceFile, 'utf8');
  return { events: parseRunFile(readFileSync(runFile, 'utf8')).events, trace: JSON.parse(traceJson) as TraceDocument, traceJson };
}

const workDir = mkdtempSync(path.join(tmpdir(), 'poolscope-trace-story-'));
test.afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const ofType = <T extends ServerEvent['type']>(events: ServerEvent[], type: T) =>
  events.filter((event): event is ServerEventOf<T> => event.type === type);

const WORKER_NAMES = Array.from({ length: BOOK_BURST.workerCount }, (_, id) => traceWorkerThreadName(id));

test('the exported trace of a burst shows each worker as a thread with its jobs, in DevTools', async () => {
  const { events, trace, traceJson } = await exportBookBurst(workDir);

  // As DevTools' trace engine reads it: the process, the main thread and one thread per worker.
  const view = await loadInDevTools(trace.traceEvents);
  expect(view.processNames.get(1)).toBe(TRACE_PROCESS_NAME);
  const threads = new Map(view.threads.map((thread) => [thread.name, thread]));
  expect([...threads.keys()].sort()).toEqual([TRACE_MAIN_THREAD_NAME, ...WORKER_NAMES].sort());
  // The engine lists threads in the order their first slice or instant comes: the recording starts with the
  // workers' spawning, in id order.
  expect(view.threads.map((thread) => thread.name).filter((name) => name?.startsWith('Worker'))).toEqual(WORKER_NAMES);

  // Every job is a slice on the thread of the worker that ran it, from its start to its end in the recording.
  const toUs = (at: number) => (at - trace.otherData.originEpochMs) * 1000;
  const targets = new Map(ofType(events, 'request-received').map((e) => [e.requestId, e.target.split('?')[0]]));
  const ends = new Map(ofType(events, 'job-finished').map((e) => [e.requestId, e.at]));
  const starts = ofType(events, 'job-started');
  expect(starts).toHaveLength(BOOK_BURST.sleeperCount + BOOK_BURST.helloCount);
  for (const start of starts) {
    const name = `GET ${targets.get(start.requestId)} #${start.requestId}`;
    const slice = threads.get(traceWorkerThreadName(start.workerId))!.entries.find((entry) => entry.name === name);
    expect(slice, name).toBeDefined();
    expect(slice!.ph).toBe('X');
    expect(Math.abs(slice!.ts - toUs(start.at))).toBeLessThanOrEqual(0.5);
    expect(Math.abs(slice!.ts + slice!.dur! - toUs(ends.get(start.requestId)!))).toBeLessThanOrEqual(1);
    expect(slice!.args).toMatchObject({ requestId: start.requestId, status: 200, origin: 'external' });
  }
  // Each worker ran two sleepers, the second after waiting for the first.
  for (const name of WORKER_NAMES) {
    const sleeps = threads.get(name)!.entries.filter((entry) => entry.ph === 'X' && entry.name.startsWith('GET /sleep #'));
    expect(sleeps.length, name).toBeGreaterThanOrEqual(1);
    for (const sleep of sleeps) expect(sleep.dur!).toBeGreaterThanOrEqual(BOOK_BURST.sleepMs * 1000 * 0.9);
  }

  // The Performance panel a person opens, with the process and the workers expanded.
  const panel = await openInPerformancePanel(traceJson, { threadCount: 1 + BOOK_BURST.workerCount, ...PICTURE_SIZE });
  try {
    const { page } = panel;
    await expect(page.getByRole('tree', { name: 'Flame chart' })).toBeVisible();
    // The panel ignores thread_sort_index: it lists a process's threads busiest first (most slices and instants),
    // and threads as busy as each other in the engine's order, which is id order for the workers here.
    const entryCount = (name: string) => threads.get(name)!.entries.length;
    const busiestFirst = WORKER_NAMES.map((name, id) => ({ name, id, entries: entryCount(name) }))
      .sort((a, b) => b.entries - a.entries || a.id - b.id)
      .map((worker) => worker.name);
    const listed = (await panel.trackNames()).map((name) => name.replace(/ \(\d+\)$/, '')).filter((name) => name.startsWith('Worker'));
    expect(listed).toEqual(busiestFirst);
    await page.screenshot({ path: screenshotPath('8-trace-devtools') });
  } finally {
    await panel.close();
  }
});
