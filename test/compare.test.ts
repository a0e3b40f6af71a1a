// Compare… through real servers: the scenario against each strategy on a fresh server, the table's readings
// from each run's own recording, the refusals (before it starts, and of every command that would touch its server
// while it runs), and a cancel that leaves no server running.

import { afterEach, describe, expect, it } from 'vitest';
import { ServerController } from '../src/main/server-controller';
import {
  type CompareActivity,
  type CompareRow,
  type CompareSettings,
  compareRowOf,
  compareTimelineOf,
  refusalWhileComparing,
  validateCompareSettings,
} from '../src/shared/compare';
import { BUILT_IN_SCENARIOS } from '../src/shared/scenarios';
import type { Strategy } from '../src/shared/settings';
import { testSettings } from './support/settings';

let controllers: ServerController[] = [];

afterEach(async () => {
  await Promise.all(controllers.map((controller) => controller.dispose()));
  controllers = [];
});

function newController(): ServerController {
  const controller = new ServerController({ initialSettings: testSettings() });
  controllers.push(controller);
  return controller;
}

function compareSettings(strategies: Strategy[], sleepMs: number): CompareSettings {
  return { scenario: BUILT_IN_SCENARIOS['sleep-burst-8'], strategies, settings: testSettings({ workerCount: 4, sleepMs }) };
}

function progressOf(controller: ServerController): CompareActivity | null {
  return controller.liveMetrics.current().compare;
}

function makespanOf(rows: readonly CompareRow[], strategy: Strategy): number {
  return rows.find((row) => row.strategy === strategy)?.makespanMs ?? Number.NaN;
}

async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('Compare…', () => {
  it('runs 8 × /sleep on single, per-request and pool, each on a fresh server, and reads each run as the book predicts', async () => {
    const sleepMs = 400;
    const controller = newController();

    expect(
      await controller.execute({ type: 'start-compare', settings: compareSettings(['single', 'per-request', 'pool'], sleepMs) }),
    ).toEqual({
      ok: true,
    });
    await until(() => progressOf(controller)?.phase === 'done');

    expect(progressOf(controller)?.runs.map((run) => [run.strategy, run.state, run.answered])).toEqual([
      ['single', 'done', 8],
      ['per-request', 'done', 8],
      ['pool', 'done', 8],
    ]);
    expect(controller.status.phase).toBe('stopped');
    const comparison = controller.comparison!;
    const rows = comparison.runs.map(compareRowOf);
    const makespan = Object.fromEntries(rows.map((row) => [row.strategy, row.makespanMs ?? Number.NaN])) as Record<Strategy, number>;
    // Loose bounds: the shared machine may be slow, never fast beyond what the sleeps allow.
    expect(makespan.single).toBeGreaterThanOrEqual(8 * sleepMs - 5);
    expect(makespan.pool).toBeGreaterThanOrEqual(2 * sleepMs - 5);
    expect(makespan['per-request']).toBeGreaterThanOrEqual(sleepMs - 5);
    expect(makespan.pool).toBeLessThan(makespan.single);
    // per-request runs all eight at once: one sleep past its slowest thread's start-up (a fresh isolate each, slow
    // here where each thread loads TypeScript), where the pool takes two sleeps and the single thread eight.
    const perRequest = comparison.runs.find((run) => run.strategy === 'per-request')!;
    const slowestStartupMs = Math.max(...perRequest.events.flatMap((event) => (event.type === 'thread-started' ? [event.startupMs] : [])));
    expect(makespan['per-request']! - slowestStartupMs).toBeLessThan(3 * sleepMs);
    expect(rows.map((row) => [row.strategy, row.errors, row.requestCount])).toEqual([
      ['single', 0, 8],
      ['per-request', 0, 8],
      ['pool', 0, 8],
    ]);
    const threads = Object.fromEntries(rows.map((row) => [row.strategy, row.peakThreads]));
    expect(threads.pool).toBe(4);
    expect(threads['per-request']).toBe(8);
    expect(threads.single).toBe(1);
    for (const row of rows) {
      expect(row.sleepLatencyMs!.p99).toBeGreaterThanOrEqual(row.sleepLatencyMs!.p50);
      expect(row.rootLatencyMs).toBeNull();
      expect(row.peakRssBytes).toBeGreaterThan(0);
    }
    // Each run is a whole recording of its own server, from its start to its stop, at the settings asked.
    for (const run of comparison.runs) {
      expect(run.events.filter((event) => event.type === 'server-listening')).toHaveLength(1);
      expect(run.events.at(-1)?.type).toBe('server-stopped');
      expect(run.events.find((event) => event.type === 'server-listening')).toMatchObject({
        strategy: run.strategy,
        sleepMs,
        workerCount: 4,
      });
      expect(compareTimelineOf(run.events).requests).toHaveLength(8);
    }
  }, 120_000);

  it('refuses while a server runs, and a bad choice of strategies, saying why', async () => {
    const controller = newController();
    expect(await controller.execute({ type: 'start-server', settings: testSettings() })).toEqual({ ok: true });
    expect(await controller.execute({ type: 'start-compare', settings: compareSettings(['pool'], 50) })).toEqual({
      ok: false,
      error: 'Stop the server first: Compare starts a fresh server for each strategy (the server is listening)',
    });
    expect(validateCompareSettings({ ...compareSettings([], 50) })).toEqual({
      ok: false,
      error: 'Choose at least one strategy to compare',
    });
    expect(validateCompareSettings({ ...compareSettings(['pool', 'pool'], 50) })).toEqual({
      ok: false,
      error: 'Strategy pool is chosen twice',
    });
    expect(validateCompareSettings({ ...compareSettings(['fork' as Strategy], 50) })).toMatchObject({ ok: false, error: /must be one of/ });
  });

  it('owns the server while it runs: a burst, a load, a scenario, a start, a stop and a sweep are refused in its words, and its runs hold its traffic alone', async () => {
    const sleepMs = 300;
    const controller = newController();
    const load = { ratePerS: 40, durationS: 5, mix: [{ path: '/', weight: 1 }], arrivals: 'constant', connections: 4, timeoutMs: 10_000 };
    const refused = [
      { type: 'fire-burst', path: '/sleep', count: 4 },
      { type: 'fire-burst', path: '/', count: 20 },
      { type: 'start-load', settings: load },
      { type: 'run-scenario', scenario: 'sleep-then-root' },
      { type: 'start-server', settings: testSettings() },
      { type: 'stop-server' },
      { type: 'start-sweep', settings: { workerCounts: [1, 2], sleepMs: 50, load } },
    ] as const;
    expect(await controller.execute({ type: 'start-compare', settings: compareSettings(['single', 'pool'], sleepMs) })).toEqual({
      ok: true,
    });
    // Mid-run: the first strategy's server listens and its scenario is under way.
    await until(() => controller.status.phase === 'listening' && (progressOf(controller)?.runs[0]?.answered ?? 0) >= 1);

    for (const command of refused) {
      const result = await controller.execute(command);
      expect(result, command.type).toEqual({ ok: false, error: refusalWhileComparing(command.type) });
      expect(result.ok ? '' : result.error).toMatch(/^A comparison is running/);
    }
    // The same words a viewer's buttons say (src/shared/compare.ts), and the commands it lets through still act.
    expect(refusalWhileComparing('fire-burst')).toBe(
      "A comparison is running: a burst would mix with its scenario's traffic. Cancel it first, or wait for it to finish",
    );
    expect(controller.status).toMatchObject({ phase: 'listening', lastError: refusalWhileComparing('stop-server') });
    expect(await controller.execute({ type: 'cancel-load' })).toEqual({ ok: false, error: 'No load is running' });
    expect(await controller.execute({ type: 'set-history', settings: controller.recorderSettings })).toEqual({ ok: true });
    expect(progressOf(controller)).toMatchObject({ phase: 'running', index: 0, isCancelled: false });

    await until(() => progressOf(controller)?.phase === 'done');
    expect(controller.status.phase).toBe('stopped');
    // Untouched: each run is its own server, started and stopped once by the comparison, serving the scenario's eight
    // /sleep and nothing else, every one answered.
    const rows = controller.comparison!.runs.map(compareRowOf);
    expect(rows.map((row) => [row.strategy, row.state, row.requestCount, row.errors])).toEqual([
      ['single', 'done', 8, 0],
      ['pool', 'done', 8, 0],
    ]);
    for (const run of controller.comparison!.runs) {
      expect(run.events.filter((event) => event.type === 'server-listening')).toHaveLength(1);
      expect(run.events.filter((event) => event.type === 'server-stopped')).toHaveLength(1);
      const received = run.events.flatMap((event) => (event.type === 'request-received' ? [event] : []));
      expect(received.map((event) => event.target)).toEqual(Array(8).fill('/sleep'));
      for (const event of received) expect(event.userAgent).toContain('(scenario sleep-burst-8)');
    }
    expect(makespanOf(rows, 'single')).toBeGreaterThanOrEqual(8 * sleepMs - 5);
  }, 120_000);

  it('cancels mid-run: the server stops, the partial run is kept and marked, the rest never start', async () => {
    const controller = newController();
    const started: string[] = [];
    controller.events.subscribe((event) => {
      if (event.type === 'server-listening') started.push(event.strategy);
    });
    await controller.execute({ type: 'start-compare', settings: compareSettings(['single', 'pool'], 1_000) });
    await until(() => controller.status.phase === 'listening' && (progressOf(controller)?.runs[0]?.answered ?? 0) >= 1);
    expect(await controller.execute({ type: 'start-server', settings: testSettings() })).toMatchObject({
      ok: false,
      error: 'A comparison is running and starts its own servers: cancel it first',
    });

    expect(await controller.execute({ type: 'cancel-compare' })).toEqual({ ok: true });
    await until(() => progressOf(controller)?.phase === 'done');

    expect(controller.status.phase).toBe('stopped');
    expect(started).toEqual(['single']);
    expect(progressOf(controller)).toMatchObject({ isCancelled: true, runs: [{ state: 'cancelled' }, { state: 'cancelled' }] });
    const [partial] = controller.comparison!.runs;
    expect(controller.comparison).toMatchObject({ isCancelled: true });
    expect(partial).toMatchObject({ strategy: 'single', state: 'cancelled', outcome: 'cancelled' });
    expect(partial!.events.at(-1)?.type).toBe('server-stopped');
    expect(await controller.execute({ type: 'cancel-compare' })).toEqual({ ok: false, error: 'No comparison is running' });
  });
});
