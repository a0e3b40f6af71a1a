// Save run… and Export trace through the dashboard's real sockets: a real server's history, saved while a sleeper
// runs whose start the bounded history has dropped, comes back from the download as exactly the history's events
// after the state they start from; its trace loads in DevTools' trace engine with the worker threads and the
// sleeper's slice; other sites may not download it; and the history's length is a validated command.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TRACE_MAIN_THREAD_NAME, type TraceDocument, traceWorkerThreadName } from '../src/history/trace-export';
import { type RunningDashboard, startDashboard } from '../src/main/dashboard-server';
import { exportFileName, writeHistoryExport } from '../src/main/history-export';
import { ServerController } from '../src/main/server-controller';
import { parseRunFile, RUN_FILE_VERSION } from '../src/shared/run-file';
import { DASHBOARD_EXPORT_PATHS } from '../src/shared/wire';
import { HELD_REQUEST_WORKER, HeldJobs } from './support/held-jobs';
import { httpGet } from './support/http-client';
import { testSettings } from './support/settings';
import { loadInDevTools } from './support/trace-engine';

let root: string;
let cleanups: Array<() => Promise<void> | void> = [];
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'poolscope-history-export-'));
  mkdirSync(path.join(root, 'renderer'));
  writeFileSync(path.join(root, 'renderer', 'index.html'), '<!doctype html><title>Poolscope</title>');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
const holds = new HeldJobs();

afterEach(async () => {
  holds.releaseAll();
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
  holds.dispose();
});

const SLEEP_MS = 5_000;
const HISTORY_EVENTS = 1_000;

/**
 * A dashboard whose server runs one long sleeper on worker 0 while enough GET / pass through worker 1 that the
 * history (1,000 events) has dropped the sleeper's start. The sleeper is a held job (test/support/held-jobs.ts): it
 * runs until the test ends, however long the GET / take on a loaded machine.
 */
async function dashboardMidSleep(): Promise<{ dashboard: RunningDashboard; controller: ServerController; sleeper: Promise<unknown> }> {
  const controller = new ServerController({
    initialSettings: testSettings({ sleepMs: SLEEP_MS }),
    recorder: { historyEvents: HISTORY_EVENTS },
    workerScript: HELD_REQUEST_WORKER,
  });
  const dashboard = await startDashboard({ controller, uiPort: 0, rendererDir: path.join(root, 'renderer') });
  cleanups.push(async () => {
    await dashboard.close();
    await controller.dispose();
  });
  expect(await controller.execute({ type: 'start-server', settings: testSettings({ sleepMs: SLEEP_MS }) })).toEqual({ ok: true });
  const port = Number(new URL(controller.status.url!).port);
  const sleeper = httpGet(port, holds.hold());
  while (controller.history.stateAt(controller.events.now())?.workers.every((w) => w.phase !== 'busy')) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // One at a time, so the sleeper keeps worker 0 and each GET / goes to worker 1.
  while (controller.history.evictedCount < 50) expect((await httpGet(port, '/')).status).toBe(200);
  return { dashboard, controller, sleeper };
}

describe('the live history as a download', () => {
  it('Save run streams the history: the state at its start, then exactly its events', async () => {
    const { dashboard, controller } = await dashboardMidSleep();
    const expectedState = controller.history.initialState();
    const expectedEvents = [...controller.history.events()];
    const reply = await httpGet(dashboard.port, DASHBOARD_EXPORT_PATHS.run, {
      Host: `127.0.0.1:${dashboard.port}`,
      'Sec-Fetch-Site': 'same-origin',
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-disposition']).toMatch(/^attachment; filename="poolscope-\d{4}-\d{2}-\d{2}-\d{6}\.poolscope\.jsonl"$/);
    expect(reply.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.headers['content-security-policy']).toContain("frame-ancestors 'none'");

    const file = parseRunFile(reply.body);
    expect(file.header).toMatchObject({ formatVersion: RUN_FILE_VERSION, droppedEventCount: controller.history.evictedCount });
    expect(file.header.settings).toMatchObject({ workerCount: 2, sleepMs: SLEEP_MS });
    expect(file.header.strategy).toBe(file.header.settings.strategy);
    // No traffic ran between the request and the snapshot: the file is the history as it was.
    expect(file.events).toEqual(expectedEvents);
    expect(file.initialState).toEqual(expectedState);
    const sleeping = file.initialState!.workers.find((w) => w.phase === 'busy');
    expect(sleeping, 'the sleeper, started before the history').toBeDefined();
    expect(file.initialState!.requests.find((r) => r.id === sleeping!.requestId)?.target).toMatch(/^\/hold\?/);
  });

  it('Export trace streams a trace that DevTools reads, the sleeper running on its worker since it started', async () => {
    const { dashboard, controller } = await dashboardMidSleep();
    const busy = controller.history.initialState().workers.find((w) => w.phase === 'busy')!;
    const reply = await httpGet(dashboard.port, DASHBOARD_EXPORT_PATHS.trace, { Host: `127.0.0.1:${dashboard.port}` });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-disposition']).toMatch(/^attachment; filename="poolscope-[\d-]+\.trace\.json"$/);
    const trace = JSON.parse(reply.body) as TraceDocument;
    const view = await loadInDevTools(trace.traceEvents);
    const names = view.threads.map((thread) => thread.name);
    expect(names).toEqual(expect.arrayContaining([TRACE_MAIN_THREAD_NAME, traceWorkerThreadName(0), traceWorkerThreadName(1)]));
    const lane = view.threads.find((thread) => thread.name === traceWorkerThreadName(busy.id))!;
    const sleep = lane.entries.find((entry) => entry.name === `GET /hold #${busy.requestId} (unfinished)`);
    expect(sleep, 'the sleeper, still running').toBeDefined();
    expect(Math.abs(sleep!.ts - (busy.busySince! - trace.otherData.originEpochMs) * 1000)).toBeLessThanOrEqual(1);
    const other = view.threads.find((thread) => thread.name === traceWorkerThreadName(1 - busy.id))!;
    expect(other.entries.filter((entry) => entry.ph === 'X' && entry.name.startsWith('GET / #')).length).toBeGreaterThan(10);
  });

  it('is refused to another site, and to a page that names another host', async () => {
    const { dashboard } = await dashboardMidSleep();
    const host = `127.0.0.1:${dashboard.port}`;
    for (const site of ['cross-site', 'same-site']) {
      const reply = await httpGet(dashboard.port, DASHBOARD_EXPORT_PATHS.run, { Host: host, 'Sec-Fetch-Site': site });
      expect(reply.status, site).toBe(403);
      expect(reply.body).toContain("only from the dashboard's own page");
    }
    expect((await httpGet(dashboard.port, DASHBOARD_EXPORT_PATHS.trace, { Host: `evil.example:${dashboard.port}` })).status).toBe(403);
    // A browser too old for Sec-Fetch-Site still names the site whose script asks.
    const foreign = await httpGet(dashboard.port, DASHBOARD_EXPORT_PATHS.run, { Host: host, Origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toContain("only from the dashboard's own page");
  });

  it('is written to a file as the Electron save dialog chose, renamed into place once complete', async () => {
    const { controller } = await dashboardMidSleep();
    const file = path.join(root, exportFileName('run', new Date(2026, 10, 29, 15, 38, 26)));
    expect(path.basename(file)).toBe('poolscope-2026-11-29-153826.poolscope.jsonl');
    const expectedEvents = [...controller.history.events()];
    await writeHistoryExport(controller, 'run', file);
    expect(existsSync(`${file}.partial`)).toBe(false);
    const parsed = parseRunFile(readFileSync(file, 'utf8'));
    expect(parsed.events.slice(0, expectedEvents.length)).toEqual(expectedEvents);
  });
});

describe("the history's length", () => {
  it('is a validated command: a bad value names its field, a good one bounds the history at once', async () => {
    const controller = new ServerController({ initialSettings: testSettings() });
    cleanups.push(() => controller.dispose());
    expect(await controller.execute({ type: 'set-history', settings: { historySeconds: 0, historyEvents: 5_000 } })).toEqual({
      ok: false,
      error: 'History (s) must be between 1 and 86400 (got 0)',
      field: 'historySeconds',
    });
    expect(controller.status.lastError).toBeNull();
    expect(await controller.execute({ type: 'set-history', settings: { historySeconds: 30, historyEvents: 2_000 } })).toEqual({ ok: true });
    expect(controller.recorderSettings).toEqual({ historySeconds: 30, historyEvents: 2_000 });
    expect(controller.history.bounds).toEqual({ maxAgeMs: 30_000, maxEvents: 2_000 });
  });
});
