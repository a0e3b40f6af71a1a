// Statistics a person can size a pool with, fed one finished request at a time: responses per second, latency
// and queue wait over all routes and per route (`/` and `/sleep` apart: a 5 s sleeper and a 0.5 ms page in one
// histogram answer nothing), a summary of each burst from the burst's own requests, and how busy each worker was
// over the last few seconds. Pure: no DOM, no React, no clock of its own (every call is given `now`), and the
// histogram is passed in (the renderer passes HdrHistogram), so it runs wherever finished requests are.

import { burstTagOf } from './events';
import type { RequestRecord } from './pool-model';
import type { ServerSettings } from './settings';

/** What this module needs of a histogram (HdrHistogram's Histogram has it): integer values, percentiles, reset. */
export interface Histogram {
  recordValue(value: number): void;
  getValueAtPercentile(percentile: number): number;
  readonly totalCount: number;
  reset(): void;
}

export type HistogramFactory = () => Histogram;

/**
 * What the numbers read of a finished request: a full RequestRecord has it, and so does the history's lighter
 * record for the live stats (src/history/request-table.ts finishedInto), whose `path` is only the route's.
 */
export type FinishedRequest = Pick<
  RequestRecord,
  | 'id'
  | 'path'
  | 'userAgent'
  | 'receivedAt'
  | 'startedAt'
  | 'finishedAt'
  | 'sentAt'
  | 'workerId'
  | 'waitMs'
  | 'runMs'
  | 'status'
  | 'abandonReason'
>;

/** A FinishedRequest to fill in again and again (finishedInto): one per reader, nothing allocated per request. */
export function blankFinishedRequest(): FinishedRequest {
  return {
    id: 0,
    path: '',
    userAgent: null,
    receivedAt: 0,
    startedAt: null,
    finishedAt: null,
    sentAt: null,
    workerId: null,
    waitMs: null,
    runMs: null,
    status: null,
    abandonReason: null,
  };
}

/** Routes reported apart, in the order they are shown. Anything but `/` and `/sleep` (404s, parse errors) is "other". */
export const ROUTE_KEYS = ['/', '/sleep', 'other'] as const;
export type RouteKey = (typeof ROUTE_KEYS)[number];

export function routeKeyOf(path: string): RouteKey {
  return path === '/' || path === '/sleep' ? path : 'other';
}

/** Responses per second are averaged over this much recent time. */
export const RATE_WINDOW_MS = 5_000;
const RATE_BUCKET_MS = 250;
const RATE_BUCKET_COUNT = RATE_WINDOW_MS / RATE_BUCKET_MS;
/** Before a run is this old, the rate divides by its age instead of the whole window. */
const MIN_RATE_SPAN_MS = 1_000;
/** Histograms take integers: durations are recorded in microseconds. */
const MICROS_PER_MS = 1_000;

/**
 * A burst's job counts as having waited (for a worker to finish another job) when its time in the queue was at
 * least WAITED_SHARE_OF_RUN of the burst's median run time, and at least WAITED_MIN_MS. Handing a job to a free
 * worker takes microseconds, and on a busy machine a few milliseconds: that is dispatch, not waiting. A job that
 * waited for a worker waited for a good part of another job.
 */
export const WAITED_MIN_MS = 1;
export const WAITED_SHARE_OF_RUN = 0.1;

/** The least time in the queue that counts as having waited, for jobs whose median run time is `medianRunMs`. */
export function waitedThresholdMs(medianRunMs: number): number {
  return Math.max(WAITED_MIN_MS, medianRunMs * WAITED_SHARE_OF_RUN);
}
/** Burst summaries kept, newest first. */
export const MAX_BURST_SUMMARIES = 5;
/** "% busy" is measured over this much recent time (or the worker's life, when shorter). */
export const BUSY_WINDOW_MS = 10_000;
const BUSY_BUCKET_MS = 250;
/** Enough buckets to cover the window whatever its alignment, plus the one being filled. */
const BUSY_BUCKET_COUNT = BUSY_WINDOW_MS / BUSY_BUCKET_MS + 2;

export interface PercentilesMs {
  p50: number;
  p95: number;
  p99: number;
}

/** Latency (received → response sent) and queue wait (queued → taken by a worker) of a set of requests. */
export interface LatencyStats {
  /** Requests that got a response. */
  count: number;
  /** null before the first response. */
  latencyMs: PercentilesMs | null;
  /** null until a request whose job waited for a worker got its response: it ran, or it waited too long (the server's other refusals never queue). */
  waitMs: PercentilesMs | null;
}

export interface RouteStats extends LatencyStats {
  route: RouteKey;
}

export interface OverallStats extends LatencyStats {
  /** Responses with status >= 500 (full-queue 503s and crashed jobs included). */
  serverErrors: number;
  /** Responses with status 400–499 (bad requests, 404s). */
  clientErrors: number;
  /** Requests whose job waited the server's max wait without a worker taking it (503 QUEUE_WAIT_EXCEEDED); counted in serverErrors too. */
  waitedTooLong: number;
}

/** The threads a burst's requests ran on: its run's server and pool size (stats-wording.ts says them in words). */
export type BurstThreads = Pick<ServerSettings, 'strategy' | 'workerCount'>;

/** One burst, from its own requests (they carry its id in their User-Agent, events.ts). */
export interface BurstSummary {
  burstId: number;
  /** The route every request of the burst asked for. */
  route: RouteKey;
  /** Requests the burst sent. */
  size: number;
  /** Of them, answered so far. */
  answered: number;
  /** The server the burst's requests were answered by: its strategy and pool size; null when not known. */
  threads: BurstThreads | null;
  /** The first request's arrival and the last response's departure (epoch ms). */
  firstReceivedAt: number;
  lastSentAt: number;
  /** Nearest-rank p99 of the answered requests' latencies. */
  latencyP99Ms: number;
  /** Requests that waited (waitedThresholdMs of the burst's median run time, or more), and the shortest and longest of those waits. */
  waitedCount: number;
  minWaitedMs: number | null;
  maxWaitedMs: number | null;
  /** Answers by status, e.g. { 200: 8 } or { 200: 4, 503: 4 }. */
  statusCounts: Record<number, number>;
  /** Every request answered. */
  isComplete: boolean;
  /** The server stopped before every request was answered: the rest never arrived. */
  isCutShort: boolean;
}

class LatencyHistograms {
  readonly latency: Histogram;
  readonly wait: Histogram;
  count = 0;

  constructor(newHistogram: HistogramFactory) {
    this.latency = newHistogram();
    this.wait = newHistogram();
  }

  record(record: FinishedRequest, sentAt: number): void {
    this.count++;
    this.latency.recordValue(Math.max(0, Math.round((sentAt - record.receivedAt) * MICROS_PER_MS)));
    if (record.waitMs !== null) this.wait.recordValue(Math.max(0, Math.round(record.waitMs * MICROS_PER_MS)));
  }

  reset(): void {
    this.count = 0;
    this.latency.reset();
    this.wait.reset();
  }

  stats(): LatencyStats {
    return { count: this.count, latencyMs: percentilesOf(this.latency), waitMs: percentilesOf(this.wait) };
  }
}

function percentilesOf(histogram: Histogram): PercentilesMs | null {
  if (histogram.totalCount === 0) return null;
  return {
    p50: histogram.getValueAtPercentile(50) / MICROS_PER_MS,
    p95: histogram.getValueAtPercentile(95) / MICROS_PER_MS,
    p99: histogram.getValueAtPercentile(99) / MICROS_PER_MS,
  };
}

/** Nearest rank, as test/support/percentile.ts defines it: always a measured value. */
function nearestRank(sortedAscending: readonly number[], p: number): number {
  return sortedAscending[Math.max(0, Math.ceil((p * sortedAscending.length) / 100) - 1)]!;
}

/** A burst's requests as they finish; each request counts once, however often it is fed (a snapshot re-feeds them). */
class BurstTally {
  readonly seen = new Set<number>();
  readonly latenciesMs: number[] = [];
  readonly waitsMs: number[] = [];
  readonly runsMs: number[] = [];
  readonly statusCounts: Record<number, number> = {};
  firstReceivedAt = Infinity;
  lastSentAt = -Infinity;
  threads: BurstThreads | null = null;
  isCutShort = false;
  private cached: BurstSummary | null = null;

  constructor(
    readonly burstId: number,
    readonly route: RouteKey,
    readonly size: number,
  ) {}

  add(record: FinishedRequest, sentAt: number, threads: BurstThreads | null): void {
    if (this.seen.has(record.id)) return;
    this.seen.add(record.id);
    this.cached = null;
    this.latenciesMs.push(sentAt - record.receivedAt);
    if (record.waitMs !== null) this.waitsMs.push(record.waitMs);
    if (record.runMs !== null) this.runsMs.push(record.runMs);
    const status = record.status ?? 0;
    this.statusCounts[status] = (this.statusCounts[status] ?? 0) + 1;
    this.firstReceivedAt = Math.min(this.firstReceivedAt, record.receivedAt);
    this.lastSentAt = Math.max(this.lastSentAt, sentAt);
    this.threads ??= threads;
  }

  get isComplete(): boolean {
    return this.seen.size >= this.size;
  }

  cutShort(): void {
    if (this.isComplete || this.isCutShort) return;
    this.isCutShort = true;
    this.cached = null;
  }

  summary(): BurstSummary {
    if (this.cached) return this.cached;
    const latencies = [...this.latenciesMs].sort((a, b) => a - b);
    const runs = [...this.runsMs].sort((a, b) => a - b);
    const threshold = waitedThresholdMs(runs.length === 0 ? 0 : nearestRank(runs, 50));
    const waited = this.waitsMs.filter((waitMs) => waitMs >= threshold);
    this.cached = {
      burstId: this.burstId,
      route: this.route,
      size: this.size,
      answered: this.seen.size,
      threads: this.threads,
      firstReceivedAt: this.firstReceivedAt,
      lastSentAt: this.lastSentAt,
      latencyP99Ms: nearestRank(latencies, 99),
      waitedCount: waited.length,
      minWaitedMs: waited.length === 0 ? null : Math.min(...waited),
      maxWaitedMs: waited.length === 0 ? null : Math.max(...waited),
      statusCounts: { ...this.statusCounts },
      isComplete: this.isComplete,
      isCutShort: this.isCutShort,
    };
    return this.cached;
  }
}

/**
 * How long each worker ran jobs, per BUSY_BUCKET_MS slice of time, over the last BUSY_WINDOW_MS: one small ring
 * per worker, so "% busy" is a recent share and not the worker's whole life. A job is added when it finishes;
 * the caller adds the running job's part from its start time.
 */
class BusyWindow {
  private readonly busyMs: Float64Array[] = [];
  private readonly bucketIds: Float64Array[] = [];

  reset(): void {
    this.busyMs.length = 0;
    this.bucketIds.length = 0;
  }

  addJob(workerId: number, startedAt: number, finishedAt: number): void {
    if (!(finishedAt > startedAt)) return;
    let busyMs = this.busyMs[workerId];
    let bucketIds = this.bucketIds[workerId];
    if (!busyMs || !bucketIds) {
      busyMs = new Float64Array(BUSY_BUCKET_COUNT);
      bucketIds = new Float64Array(BUSY_BUCKET_COUNT).fill(-1);
      this.busyMs[workerId] = busyMs;
      this.bucketIds[workerId] = bucketIds;
    }
    // Only the part that can still fall in a window matters: a job longer than the ring adds its recent end.
    const from = Math.max(startedAt, finishedAt - BUSY_BUCKET_COUNT * BUSY_BUCKET_MS);
    for (let bucketId = Math.floor(from / BUSY_BUCKET_MS); bucketId * BUSY_BUCKET_MS < finishedAt; bucketId++) {
      const slot = bucketId % BUSY_BUCKET_COUNT;
      if (bucketIds[slot] !== bucketId) {
        bucketIds[slot] = bucketId;
        busyMs[slot] = 0;
      }
      const bucketStart = bucketId * BUSY_BUCKET_MS;
      busyMs[slot]! += Math.min(finishedAt, bucketStart + BUSY_BUCKET_MS) - Math.max(from, bucketStart);
    }
  }

  /** Busy time of finished jobs between `from` and `to`; a bucket cut by `from` counts pro rata. */
  finishedBusyMs(workerId: number, from: number, to: number): number {
    const busyMs = this.busyMs[workerId];
    const bucketIds = this.bucketIds[workerId];
    if (!busyMs || !bucketIds) return 0;
    let total = 0;
    for (let slot = 0; slot < BUSY_BUCKET_COUNT; slot++) {
      const bucketStart = bucketIds[slot]! * BUSY_BUCKET_MS;
      const overlap = Math.min(to, bucketStart + BUSY_BUCKET_MS) - Math.max(from, bucketStart);
      if (bucketIds[slot]! >= 0 && overlap > 0) total += (busyMs[slot]! * overlap) / BUSY_BUCKET_MS;
    }
    return total;
  }
}

/** What busyShares needs to know of a worker right now. */
export interface WorkerActivity {
  spawnedAt: number;
  /** When its running job started; null while idle. */
  busySince: number | null;
}

export class RequestStats {
  private readonly overall: LatencyHistograms;
  private readonly byRoute: Map<RouteKey, LatencyHistograms>;
  private readonly busy = new BusyWindow();
  private readonly bursts = new Map<number, BurstTally>();
  private runStartedAt: number | null = null;
  private runThreads: BurstThreads | null = null;
  private serverErrors = 0;
  private clientErrors = 0;
  private waitedTooLong = 0;
  /** Ring of per-bucket response counts; rateBucketIds says which RATE_BUCKET_MS slice each slot holds. */
  private readonly rateCounts = new Float64Array(RATE_BUCKET_COUNT);
  private readonly rateBucketIds = new Float64Array(RATE_BUCKET_COUNT).fill(-1);

  constructor(newHistogram: HistogramFactory) {
    this.overall = new LatencyHistograms(newHistogram);
    this.byRoute = new Map(ROUTE_KEYS.map((route) => [route, new LatencyHistograms(newHistogram)]));
  }

  /**
   * A new server run starts from zero: rate, histograms, busy shares. Burst summaries stay (newest
   * MAX_BURST_SUMMARIES), so a burst on the new pool size can be compared with one on the old.
   */
  reset(runStartedAt: number | null, runThreads: BurstThreads | null = null): void {
    this.overall.reset();
    for (const histograms of this.byRoute.values()) histograms.reset();
    this.busy.reset();
    this.runStartedAt = runStartedAt;
    this.runThreads = runThreads === null ? null : { strategy: runThreads.strategy, workerCount: runThreads.workerCount };
    this.serverErrors = 0;
    this.clientErrors = 0;
    this.waitedTooLong = 0;
    this.stopRate();
  }

  /** The server stopped: nothing more is answered, so the rate is 0 now; a burst not fully answered never will be. */
  serverStopped(): void {
    this.stopRate();
    for (const burst of this.bursts.values()) burst.cutShort();
  }

  /** Counts a request whose response has been sent; ignores one that is unfinished or from an earlier run. */
  recordFinished(record: FinishedRequest): void {
    const sentAt = record.sentAt;
    if (sentAt === null) return;
    if (this.runStartedAt !== null && record.receivedAt < this.runStartedAt) return;
    const status = record.status ?? 0;
    if (status >= 500) this.serverErrors++;
    else if (status >= 400) this.clientErrors++;
    if (record.abandonReason === 'max-wait') this.waitedTooLong++;
    this.overall.record(record, sentAt);
    this.byRoute.get(routeKeyOf(record.path))!.record(record, sentAt);
    if (record.workerId !== null && record.startedAt !== null) {
      this.busy.addJob(record.workerId, record.startedAt, record.finishedAt ?? sentAt);
    }
    this.countResponse(sentAt);
    this.tallyBurst(record, sentAt);
  }

  requestsPerSecond(nowMs: number): number {
    const newestBucketId = Math.floor(nowMs / RATE_BUCKET_MS);
    let count = 0;
    for (let slot = 0; slot < RATE_BUCKET_COUNT; slot++) {
      const bucketId = this.rateBucketIds[slot]!;
      if (bucketId > newestBucketId - RATE_BUCKET_COUNT && bucketId <= newestBucketId) count += this.rateCounts[slot]!;
    }
    if (count === 0) return 0;
    const runAgeMs = this.runStartedAt === null ? RATE_WINDOW_MS : nowMs - this.runStartedAt;
    const spanMs = Math.min(RATE_WINDOW_MS, Math.max(MIN_RATE_SPAN_MS, runAgeMs));
    return (count * 1_000) / spanMs;
  }

  overallStats(): OverallStats {
    return { ...this.overall.stats(), serverErrors: this.serverErrors, clientErrors: this.clientErrors, waitedTooLong: this.waitedTooLong };
  }

  /** The routes that had a response this run, in ROUTE_KEYS order. */
  routeStats(): RouteStats[] {
    const routes: RouteStats[] = [];
    for (const [route, histograms] of this.byRoute) if (histograms.count > 0) routes.push({ route, ...histograms.stats() });
    return routes;
  }

  /** The newest MAX_BURST_SUMMARIES bursts, newest first. */
  burstSummaries(): BurstSummary[] {
    return Array.from(this.bursts.values(), (burst) => burst.summary()).sort((a, b) => b.burstId - a.burstId);
  }

  /**
   * The share of the last BUSY_WINDOW_MS (or of its life, when shorter) each worker spent running jobs, 0..1,
   * indexed by worker id; a running job counts up to `now`.
   */
  busyShares(nowMs: number, workers: ReadonlyArray<WorkerActivity | undefined>): number[] {
    return Array.from(workers, (worker, workerId) => {
      if (!worker) return 0;
      const from = Math.max(nowMs - BUSY_WINDOW_MS, worker.spawnedAt);
      const spanMs = nowMs - from;
      if (spanMs <= 0) return 0;
      const runningMs = worker.busySince === null ? 0 : Math.max(0, nowMs - Math.max(from, worker.busySince));
      return Math.min(1, (this.busy.finishedBusyMs(workerId, from, nowMs) + runningMs) / spanMs);
    });
  }

  private stopRate(): void {
    this.rateCounts.fill(0);
    this.rateBucketIds.fill(-1);
  }

  private countResponse(sentAt: number): void {
    const bucketId = Math.floor(sentAt / RATE_BUCKET_MS);
    const slot = bucketId % RATE_BUCKET_COUNT;
    if (this.rateBucketIds[slot] !== bucketId) {
      this.rateBucketIds[slot] = bucketId;
      this.rateCounts[slot] = 0;
    }
    this.rateCounts[slot]!++;
  }

  private tallyBurst(record: FinishedRequest, sentAt: number): void {
    const tag = burstTagOf(record.userAgent);
    if (tag === null) return;
    let burst = this.bursts.get(tag.burstId);
    if (!burst) {
      burst = new BurstTally(tag.burstId, routeKeyOf(record.path), tag.size);
      this.bursts.set(tag.burstId, burst);
      // Bounded: the oldest burst goes once there are more than MAX_BURST_SUMMARIES.
      if (this.bursts.size > MAX_BURST_SUMMARIES) this.bursts.delete(Math.min(...this.bursts.keys()));
      if (!this.bursts.has(tag.burstId)) return;
    }
    burst.add(record, sentAt, this.runThreads);
  }
}
