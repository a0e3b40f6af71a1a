// The statistics a person sizes a pool with, from finished request records alone: latency and wait per route,
// each burst's summary from its own requests, requests per second that fall to 0 when the server stops, and
// each worker's busy share over the last 10 s. Plain records in, plain numbers out: no server, no clock.

import { build } from 'hdr-histogram-js/dist/HistogramBuilder.js';
import { describe, expect, it } from 'vitest';
import { BURST_USER_AGENT, burstTagOf, burstUserAgent, isBurstUserAgent } from '../src/shared/events';
import { LOAD_USER_AGENT } from '../src/shared/load-settings';
import { type RequestRecord, requestOriginOf } from '../src/shared/pool-model';
import {
  BUSY_WINDOW_MS,
  MAX_BURST_SUMMARIES,
  RATE_WINDOW_MS,
  RequestStats,
  routeKeyOf,
  WAITED_MIN_MS,
  WAITED_SHARE_OF_RUN,
  waitedThresholdMs,
} from '../src/shared/request-stats';

const newHistogram = () => build({ useWebAssembly: false, numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, autoResize: true });

const RUN_AT = 1_000_000;
let nextId = 1;

/** A finished request: arrived at `at`, waited `waitMs`, ran `runMs` on `workerId`, answered at once. */
function finished(
  path: string,
  at: number,
  { waitMs = 0.05, runMs = 0.4, workerId = 0, status = 200, userAgent = null as string | null } = {},
): RequestRecord {
  const startedAt = at + waitMs;
  const finishedAt = startedAt + runMs;
  return {
    id: nextId++,
    connectionId: nextId,
    method: 'GET',
    target: path,
    path,
    remoteAddress: '127.0.0.1',
    userAgent,
    origin: userAgent === null ? 'external' : 'burst',
    receivedAt: at,
    queuedAt: at,
    startedAt,
    finishedAt,
    sentAt: finishedAt + 0.05,
    workerId,
    waitMs,
    runMs,
    status,
    bytes: 100,
    errorCode: null,
    abandonReason: null,
  };
}

/** The book's demo: `size` sleepers of `sleepMs` on `workerCount` workers, in waves, as burst `burstId`. */
function sleepBurst(burstId: number, size: number, workerCount: number, sleepMs: number, at = RUN_AT + 100): RequestRecord[] {
  const userAgent = burstUserAgent({ burstId, size });
  return Array.from({ length: size }, (_, i) => {
    const wave = Math.floor(i / workerCount);
    return finished('/sleep', at, { waitMs: wave * sleepMs, runMs: sleepMs, workerId: i % workerCount, userAgent });
  });
}

const POOL_OF_4 = { strategy: 'pool', workerCount: 4 } as const;

function newStats(): RequestStats {
  const stats = new RequestStats(newHistogram);
  stats.reset(RUN_AT, POOL_OF_4);
  return stats;
}

describe('latency and wait per route', () => {
  it('keeps / and /sleep apart, where one histogram would mix a page and a sleeper', () => {
    const stats = newStats();
    for (let i = 0; i < 100; i++) stats.recordFinished(finished('/', RUN_AT + i, { runMs: 0.4 }));
    for (const record of sleepBurst(1, 8, 4, 5_000)) stats.recordFinished(record);

    const [hello, sleep, ...rest] = stats.routeStats();
    expect(rest).toEqual([]);
    expect(hello).toMatchObject({ route: '/', count: 100 });
    expect(hello!.latencyMs!.p99).toBeLessThan(1);
    expect(sleep).toMatchObject({ route: '/sleep', count: 8 });
    expect(sleep!.latencyMs!.p50).toBeCloseTo(5_000, -1);
    expect(sleep!.latencyMs!.p99).toBeCloseTo(10_000, -1);
    expect(sleep!.waitMs!.p50).toBeLessThan(1);
    expect(sleep!.waitMs!.p99).toBeCloseTo(5_000, -1);
    // Over all routes, the sleepers are only the top 7 %: p50 says nothing about them.
    expect(stats.overallStats().count).toBe(108);
    expect(stats.overallStats().latencyMs!.p50).toBeLessThan(1);
  });

  it('puts everything but / and /sleep under "other", and counts 4xx and 5xx', () => {
    expect(['/', '/sleep', '/nope', '?', '/sleep/'].map(routeKeyOf)).toEqual(['/', '/sleep', 'other', 'other', 'other']);
    const stats = newStats();
    stats.recordFinished(finished('/nope', RUN_AT + 1, { status: 404 }));
    stats.recordFinished(finished('/', RUN_AT + 2, { status: 503 }));
    expect(stats.routeStats().map((route) => [route.route, route.count])).toEqual([
      ['/', 1],
      ['other', 1],
    ]);
    expect(stats.overallStats()).toMatchObject({ clientErrors: 1, serverErrors: 1, waitedTooLong: 0 });
  });

  it('counts a request whose job waited too long as its own outcome, an error too, with its whole wait', () => {
    const stats = newStats();
    const abandoned = finished('/sleep', RUN_AT + 1, { waitMs: 60_000, status: 503 });
    stats.recordFinished({ ...abandoned, startedAt: null, finishedAt: null, workerId: null, runMs: null, abandonReason: 'max-wait' });
    stats.recordFinished(finished('/', RUN_AT + 2, { status: 503 }));
    expect(stats.overallStats()).toMatchObject({ count: 2, serverErrors: 2, waitedTooLong: 1 });
    expect(stats.overallStats().waitMs!.p99).toBeCloseTo(60_000, -2);
    stats.reset(RUN_AT + 70_000, POOL_OF_4);
    expect(stats.overallStats()).toMatchObject({ serverErrors: 0, waitedTooLong: 0 });
  });

  it('ignores requests still open and requests from before the run, and starts over on a new run', () => {
    const stats = newStats();
    stats.recordFinished({ ...finished('/', RUN_AT + 1), sentAt: null });
    stats.recordFinished(finished('/', RUN_AT - 10));
    expect(stats.routeStats()).toEqual([]);
    stats.recordFinished(finished('/', RUN_AT + 1));
    stats.reset(RUN_AT + 5_000, POOL_OF_4);
    expect(stats.routeStats()).toEqual([]);
    expect(stats.overallStats()).toMatchObject({ count: 0, latencyMs: null, waitMs: null });
  });
});

describe('burst summaries', () => {
  it("sum up the book's demo from the burst's own requests: 8 sleepers on 4 workers", () => {
    const stats = newStats();
    for (const record of sleepBurst(1, 8, 4, 5_000)) stats.recordFinished(record);
    // A browser's request in the middle of it is not part of the burst.
    stats.recordFinished(finished('/', RUN_AT + 200, { waitMs: 4_000 }));

    const [summary, ...older] = stats.burstSummaries();
    expect(older).toEqual([]);
    expect(summary).toMatchObject({ burstId: 1, route: '/sleep', size: 8, answered: 8, threads: POOL_OF_4, isComplete: true });
    expect(summary!.lastSentAt - summary!.firstReceivedAt).toBeCloseTo(10_000, -1);
    expect(summary!.latencyP99Ms).toBeCloseTo(10_000, -1);
    expect(summary).toMatchObject({ waitedCount: 4, statusCounts: { 200: 8 } });
    expect(summary!.minWaitedMs).toBeCloseTo(5_000, 5);
    expect(summary!.maxWaitedMs).toBeCloseTo(5_000, 5);
  });

  it('say how far a burst got while it runs, and count each request once however often it is fed', () => {
    const stats = newStats();
    const records = sleepBurst(1, 8, 4, 5_000);
    for (const record of records.slice(0, 4)) stats.recordFinished(record);
    stats.recordFinished(records[0]!);
    expect(stats.burstSummaries()[0]).toMatchObject({ answered: 4, isComplete: false, isCutShort: false, waitedCount: 0 });
  });

  it('count as waited only jobs that waited for a worker, not the few milliseconds of handing a job to a free one', () => {
    const stats = newStats();
    const pages = burstUserAgent({ burstId: 7, size: 3 });
    for (const waitMs of [0.02, WAITED_MIN_MS, 12])
      stats.recordFinished(finished('/', RUN_AT + 1, { waitMs, runMs: 0.5, userAgent: pages }));
    expect(stats.burstSummaries()[0]).toMatchObject({ waitedCount: 2, minWaitedMs: WAITED_MIN_MS, maxWaitedMs: 12 });

    // Sleepers of 2 s handed out in 3 ms on a busy machine did not wait; the second wave did.
    const sleepers = burstUserAgent({ burstId: 8, size: 4 });
    for (const waitMs of [0.1, 3, 2_000, 2_004])
      stats.recordFinished(finished('/sleep', RUN_AT + 1, { waitMs, runMs: 2_000, userAgent: sleepers }));
    expect(waitedThresholdMs(2_000)).toBe(2_000 * WAITED_SHARE_OF_RUN);
    expect(stats.burstSummaries()[0]).toMatchObject({ burstId: 8, waitedCount: 2, minWaitedMs: 2_000, maxWaitedMs: 2_004 });
  });

  it('tell two bursts apart, newest first, keeping the newest few across server runs', () => {
    const stats = newStats();
    for (const record of sleepBurst(1, 4, 4, 100)) stats.recordFinished(record);
    stats.reset(RUN_AT + 60_000, { strategy: 'pool', workerCount: 8 });
    for (let burstId = 2; burstId <= MAX_BURST_SUMMARIES + 2; burstId++) {
      for (const record of sleepBurst(burstId, 2, 8, 100, RUN_AT + 60_000 + burstId)) stats.recordFinished(record);
    }
    const summaries = stats.burstSummaries();
    expect(summaries.map((summary) => summary.burstId)).toEqual([7, 6, 5, 4, 3]);
    expect(summaries.every((summary) => summary.threads?.workerCount === 8)).toBe(true);
  });

  it('mark a burst the server stopped before answering it all as cut short', () => {
    const stats = newStats();
    for (const record of sleepBurst(1, 8, 4, 5_000).slice(0, 5)) stats.recordFinished(record);
    stats.serverStopped();
    expect(stats.burstSummaries()[0]).toMatchObject({ answered: 5, size: 8, isComplete: false, isCutShort: true });
  });
});

describe('requests per second', () => {
  it('averages the responses of the last few seconds, and falls to 0 the moment the server stops', () => {
    const stats = newStats();
    const now = RUN_AT + 20_000;
    for (let i = 0; i < 50; i++) stats.recordFinished(finished('/', now - 1_000 - i * 10));
    expect(stats.requestsPerSecond(now)).toBeCloseTo(50 / (RATE_WINDOW_MS / 1_000), 5);
    expect(stats.requestsPerSecond(now + RATE_WINDOW_MS)).toBe(0);
    stats.serverStopped();
    expect(stats.requestsPerSecond(now)).toBe(0);
  });
});

describe('busy share over the last 10 s', () => {
  it("measures the recent window, not the worker's whole life", () => {
    const stats = newStats();
    const now = RUN_AT + 60_000;
    // Busy for the first 40 s of its life, then idle for 15 s, then one 5 s job that just ended.
    stats.recordFinished(finished('/sleep', RUN_AT, { waitMs: 0, runMs: 40_000 }));
    stats.recordFinished(finished('/sleep', now - 5_000, { waitMs: 0, runMs: 5_000 }));
    expect(stats.busyShares(now, [{ spawnedAt: RUN_AT, busySince: null }])[0]).toBeCloseTo(0.5, 2);
  });

  it('counts a running job up to now, and measures a young worker over its life', () => {
    const stats = newStats();
    const now = RUN_AT + 30_000;
    const shares = stats.busyShares(now, [
      { spawnedAt: RUN_AT, busySince: now - 2_500 },
      { spawnedAt: now - 2_000, busySince: now - 1_000 },
      undefined,
    ]);
    expect(shares[0]).toBeCloseTo(2_500 / BUSY_WINDOW_MS, 5);
    expect(shares[1]).toBeCloseTo(0.5, 5);
    expect(shares[2]).toBe(0);
  });

  it('never exceeds 1 and is 0 for a worker that ran nothing', () => {
    const stats = newStats();
    const now = RUN_AT + 30_000;
    stats.recordFinished(finished('/sleep', now - 12_000, { waitMs: 0, runMs: 11_000 }));
    const [busy, idle] = stats.busyShares(now, [
      { spawnedAt: RUN_AT, busySince: now - 1_000 },
      { spawnedAt: RUN_AT, busySince: null },
    ]);
    expect(busy).toBeCloseTo(1, 2);
    expect(busy).toBeLessThanOrEqual(1);
    expect(idle).toBe(0);
  });
});

describe("a burst's User-Agent", () => {
  it('names the burst and its size, and still reads as a burst to every observer', () => {
    const userAgent = burstUserAgent({ burstId: 3, size: 8 });
    expect(userAgent).toBe('poolscope-burst/1 (burst 3 of 8)');
    expect(burstTagOf(userAgent)).toEqual({ burstId: 3, size: 8 });
    expect([userAgent, BURST_USER_AGENT, 'curl/8.5.0', null, 'poolscope-burst/10'].map(isBurstUserAgent)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(burstTagOf(BURST_USER_AGENT)).toBeNull();
    expect(requestOriginOf(userAgent)).toBe('burst');
  });

  it("tells the load generator's requests from a burst's and from outside traffic", () => {
    expect(
      [LOAD_USER_AGENT, burstUserAgent({ burstId: 1, size: 2 }), 'curl/8.5.0', null, 'poolscope-load/10'].map(requestOriginOf),
    ).toEqual(['load', 'burst', 'external', 'external', 'external']);
  });
});
