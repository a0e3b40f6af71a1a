// The stats panel's numbers (latency and wait percentiles over all routes and per route, burst summaries,
// busy shares: src/shared/request-stats.ts) kept on the recorder's side for every viewer at once: it follows
// the history as it grows, in bounded steps, so a viewer receives a small summary instead of every request.
// Pure; the histogram is passed in (the main side passes HdrHistogram).

import type { ServerEvent } from '../shared/events';
import { blankFinishedRequest, type HistogramFactory, RequestStats } from '../shared/request-stats';
import type { FrameStats } from '../shared/wire';
import type { EventHistory } from './event-history';
import type { PoolState } from './pool-state';

/**
 * Events read per catchUp() at most, and per follow() beyond those appended since the last one, so a viewer
 * arriving after a long run never stalls the main thread.
 */
export const LIVE_STATS_EVENTS_PER_STEP = 20_000;
/** The events the numbers follow: the rest (most of a busy server's) are skipped without being decoded. */
const COUNTED_EVENT_TYPES: ReadonlySet<ServerEvent['type']> = new Set(['server-listening', 'server-stopped', 'response-sent']);

export class LiveStats {
  private readonly stats: RequestStats;
  private nextSeq: number;
  /** The history's end at the last follow(): what was appended after it is read in full by the next. */
  private followedSeq: number;
  /** Bumped whenever a number may have changed, so a publisher can tell whether to send them again. */
  private changeCount = 0;

  /** The run whose requests are counted: their records are looked up in it (request ids start again each run). */
  private runId: number | undefined;
  /** The one record catchUp() reads each response's request into (EventHistory.finishedRequest): nothing kept per response. */
  private readonly finished = blankFinishedRequest();

  /**
   * Starts from the current run's first event held (the numbers are the current run's); with `atMs` (a replay's
   * moment), from the first event of the run under way then, to be read up to that moment (catchUp's endSeq).
   */
  constructor(
    private readonly history: EventHistory,
    newHistogram: HistogramFactory,
    atMs?: number,
  ) {
    this.stats = new RequestStats(newHistogram);
    const runs = history.runsInPlace();
    const run = atMs === undefined ? runs[runs.length - 1] : runs.findLast((r) => r.startedAt <= atMs);
    this.runId = run?.runId;
    this.nextSeq = run ? history.seqAtOrAfter(run.startedAt) : history.oldestSeq;
    this.followedSeq = history.nextSeq;
    if (run) this.stats.reset(run.listeningAt ?? run.startedAt, run.settings);
    if (run?.stoppedAt != null && (atMs === undefined || run.stoppedAt <= atMs)) this.stats.serverStopped();
  }

  /** The sequence number of the next event to read. */
  get readSeq(): number {
    return this.nextSeq;
  }

  /** Bumped whenever the numbers may have changed. */
  get version(): number {
    return this.changeCount;
  }

  /** Whether every event appended so far has been read. */
  get isCaughtUp(): boolean {
    return this.nextSeq >= this.history.nextSeq;
  }

  /** Whether every event before `endSeq` has been read. */
  isCaughtUpTo(endSeq: number): boolean {
    return this.nextSeq >= endSeq;
  }

  /** Whether the run under way at `atMs` is the one these numbers count. */
  isRunOf(atMs: number): boolean {
    return this.history.runsInPlace().findLast((r) => r.startedAt <= atMs)?.runId === this.runId;
  }

  /** Reads the events appended since the last call, at most `maxEvents` of them, and none from `endSeq` on. */
  catchUp(maxEvents = LIVE_STATS_EVENTS_PER_STEP, endSeq = this.history.nextSeq): void {
    const before = this.nextSeq;
    this.nextSeq = this.history.readEvents(
      this.nextSeq,
      Math.min(maxEvents, endSeq - this.nextSeq),
      (event) => {
        switch (event.type) {
          case 'server-listening':
            this.stats.reset(event.at, event);
            // A new run: its requests are the ones counted from here on.
            this.runId = this.history.runsInPlace().findLast((r) => r.startedAt <= event.at)?.runId;
            break;
          case 'server-stopped':
            this.stats.serverStopped();
            break;
          case 'response-sent': {
            const record = this.history.finishedRequest(event.requestId, this.runId, this.finished);
            if (record) this.stats.recordFinished(record);
            break;
          }
        }
      },
      COUNTED_EVENT_TYPES,
    );
    if (this.nextSeq !== before) this.changeCount++;
  }

  /**
   * For a live viewer: reads every event appended since the last follow(), and at most `maxBacklogEvents` of those
   * from before it (the run so far, for a viewer that just arrived). A bounded step alone falls behind a saturated
   * server (5 events a request at over 20,000 requests a second) until what it has not read leaves the history,
   * and the numbers would count a fraction of the responses.
   */
  follow(maxBacklogEvents = LIVE_STATS_EVENTS_PER_STEP): void {
    const end = this.history.nextSeq;
    const appendedSince = end - Math.max(this.followedSeq, this.nextSeq);
    this.followedSeq = end;
    this.catchUp(Math.max(0, appendedSince) + maxBacklogEvents, end);
  }

  /** The numbers at `now`, with each worker's busy share from the pool's state at `now`. */
  summary(now: number, state: Pick<PoolState, 'workers'> | null): FrameStats {
    const overall = this.stats.overallStats();
    const workers = state?.workers ?? [];
    const activity: Array<{ spawnedAt: number; busySince: number | null } | undefined> = [];
    for (const w of workers) activity[w.id] = w;
    return {
      requestsPerSecond: this.stats.requestsPerSecond(now),
      latencyMs: overall.latencyMs,
      waitMs: overall.waitMs,
      finishedCount: overall.count,
      serverErrors: overall.serverErrors,
      clientErrors: overall.clientErrors,
      waitedTooLong: overall.waitedTooLong,
      routes: this.stats.routeStats(),
      bursts: this.stats.burstSummaries(),
      workerBusyPercent: this.stats.busyShares(now, activity).map((share) => Math.round(share * 100)),
    };
  }
}
