// What the timeline draws, as plain data: the job bars per worker lane, per lane and time bucket a summary
// of the jobs too dense to draw one by one, the queue track (each wait as a span, or the queue's length per
// time bucket), markers and run separators, for one window. The painter, the overlay and the hit tests read
// only this; one projection makes it from the frames' timeline (bridge/timeline-source.ts). Types only.

import type { JobAbandonReason } from '../../shared/events';
import type { RequestOrigin } from '../../shared/pool-model';
import type { Strategy } from '../../shared/settings';

export type RouteKind = 'sleep' | 'hello' | 'other';

export function routeOf(path: string): RouteKind {
  if (path === '/sleep') return 'sleep';
  if (path === '/') return 'hello';
  return 'other';
}

/** A job a worker ran (or runs): the bar in its worker's lane. */
export interface FrameBar {
  /** The server run it belongs to (runs are counted from 1 as this viewer saw them). */
  runId: number;
  requestId: number;
  workerId: number;
  method: string;
  target: string;
  path: string;
  route: RouteKind;
  origin: RequestOrigin;
  /** When it joined the queue; null if it never did. */
  queuedAt: number | null;
  startedAt: number;
  /** When the worker finished it; null while it runs. */
  finishedAt: number | null;
  /** The HTTP status; null while it has none. */
  status: number | null;
  /** Measured at dispatch on the server's main thread; null when unknown. */
  waitMs: number | null;
  /** Of the run that is (or was last) listening: the only run whose jobs can be hovered and pinned by id. */
  isCurrentRun: boolean;
}

/**
 * A job's stay in the queue, from joining it until a worker took it (or until `now`, while it waits); under strategy
 * 'single', a connection's wait, unread, for the one thread.
 */
export interface FrameQueueSpan {
  runId: number;
  /** null for a connection's wait until its request is read, and for one that closed unread. */
  requestId: number | null;
  /** Strategy 'single': the connection that waited, and whether the thread took it; null for a job's wait. */
  connection: { connectionId: number; wasRead: boolean } | null;
  /** '' while the frame holds no bar of its job (still waiting, or abandoned): only a bar carries the method. */
  method: string;
  target: string;
  route: RouteKind;
  origin: RequestOrigin;
  queuedAt: number;
  /** When a worker took it, when it was abandoned, or `now` while it waits. */
  leftAt: number;
  /** The worker that took it; null while it waits, and for a job that never ran. */
  workerId: number | null;
  /** Why it left the queue without running (job-abandoned); null otherwise. */
  abandonReason: JobAbandonReason | null;
  isWaiting: boolean;
  isCurrentRun: boolean;
}

/**
 * The queue's length over the window, per bucket of a grid aligned to absolute time: bucket k covers
 * [(firstBucketIndex + k) · bucketMs, … + bucketMs).
 */
export interface QueueLengthSteps {
  bucketMs: number;
  firstBucketIndex: number;
  /** Time-average number of waiting jobs over the bucket (up to `now`). */
  meanLength: ArrayLike<number>;
  maxLength: ArrayLike<number>;
  /** Requests refused in the bucket without running: a malformed one (4xx), or 503 when the pool could not take it. */
  rejected: ArrayLike<number>;
}

/**
 * One lane's jobs that are not drawn as bars, per bucket of the timeline's grid (bucket k covers
 * [(firstBucketIndex + k) · bucketMs, … + bucketMs)): how busy they kept the worker and what they were.
 */
export interface LaneSummary {
  workerId: number;
  /** Their run time over the bucket's elapsed length, 0–1. */
  busyFraction: ArrayLike<number>;
  jobs: ArrayLike<number>;
  /** Per bucket, the jobs of each route in ROUTE_ORDER: bucket k's count for route r at k · 3 + r. */
  routes: ArrayLike<number>;
  /** Per bucket, jobs from the burst generator; the rest are external. */
  burstJobs: ArrayLike<number>;
  /**
   * Per bucket, the jobs of each status class ('2xx', '4xx', '5xx', 'other', 'running'; src/shared/wire.ts
   * FrameLaneBuckets): bucket k's count for class s at k · 5 + s.
   */
  statuses: ArrayLike<number>;
}

/** Where LaneSummary.statuses keeps a bucket's 4xx and 5xx answers, and how many classes each bucket has. */
export const STATUS_SLOTS = { clientError: 1, serverError: 2, perBucket: 5 } as const;

/** The routes of LaneSummary.routes, in their order there. */
export const ROUTE_ORDER: readonly RouteKind[] = ['hello', 'sleep', 'other'];

export interface BucketSummaries {
  bucketMs: number;
  firstBucketIndex: number;
  bucketCount: number;
  lanes: LaneSummary[];
}

export interface FrameQueue {
  /** Every wait that overlaps the window, in the order the jobs joined the queue; null when there are too many to draw one by one. */
  spans: FrameQueueSpan[] | null;
  steps: QueueLengthSteps;
  /** The most jobs waiting at once in the window. */
  peakLength: number;
  /**
   * The longest wait that overlaps the window (a job still waiting counts with its wait so far); 0 when none waited.
   * null when the frame does not know it: waits shorter than a pixel are left out of `spans`, and past a limit all of
   * them are, so with none listed the longest is not among them. `meanWaitMs` then says what is known.
   */
  longestWaitMs: number | null;
  /** The mean wait of the jobs that left the queue in the frame's buckets; null when none did. */
  meanWaitMs: number | null;
}

/** Public hook values (`data-kind` of `timeline-marker`): keep stable. */
export type MarkerKind = 'start' | 'stop-requested' | 'worker-joined' | 'worker-crashed' | 'worker-replaced' | 'stopped';

export interface FrameMarker {
  at: number;
  kind: MarkerKind;
  runId: number;
  /** The worker, for a worker's own marker (joined, crashed, replaced); otherwise null. */
  workerId: number | null;
}

/** A marker that belongs to one worker's lane rather than to the whole server. */
export function isWorkerMarker(marker: Pick<FrameMarker, 'kind'>): boolean {
  return marker.kind === 'worker-joined' || marker.kind === 'worker-crashed' || marker.kind === 'worker-replaced';
}

/** What the queue track holds: jobs in the channel, connections in the backlog (single), or new threads starting. */
export type WaitKind = 'job' | 'connection' | 'thread-start';

export function waitKindOf(strategy: Strategy | null): WaitKind {
  if (strategy === 'single') return 'connection';
  if (strategy === 'per-request') return 'thread-start';
  return 'job';
}

const QUEUE_TRACK_LABELS: Record<WaitKind, string> = { job: 'Queue', connection: 'Backlog', 'thread-start': 'Start-up' };

/**
 * The track and lane names follow the newest run in the frame: the lanes are the same rows from run to run, and a row
 * is named as the server now running (or last run) names its threads.
 */
export function newestStrategyOf(runs: readonly Pick<FrameRun, 'strategy'>[]): Strategy | null {
  return runs.at(-1)?.strategy ?? null;
}

/** The queue track's name: the pool's queue, the single thread's listen backlog, or a thread per request's start-ups. */
export function queueTrackLabelOf(runs: readonly Pick<FrameRun, 'strategy'>[]): string {
  return QUEUE_TRACK_LABELS[waitKindOf(newestStrategyOf(runs))];
}

/** The strategy of the run `runId`, for words about one job or marker of it. */
export function strategyOfRun(runs: readonly Pick<FrameRun, 'runId' | 'strategy'>[], runId: number): Strategy | null {
  return runs.find((run) => run.runId === runId)?.strategy ?? null;
}

/** One server run as the timeline shows it: its lanes exist from listeningAt to stoppedAt (or `now`). */
export interface FrameRun {
  runId: number;
  listeningAt: number;
  /**
   * The lanes it keeps for its whole life (src/shared/settings.ts fixedThreadCountOf): its pool, or the single
   * thread; its lanes past them are shaded as having no worker. Null for a thread per request, whose threads come
   * and go on the lanes: none of them is shaded.
   */
  fixedThreadCount: number | null;
  /** The server it ran (src/shared/settings.ts STRATEGIES); null when its settings are not known. */
  strategy: Strategy | null;
  /** Its threads in words, for the run separators: "4 workers", "a single thread", "a thread per request". */
  threadsWords: string;
  stoppingAt: number | null;
  stoppedAt: number | null;
}

/** Where one run ended and the next began (a restart): drawn across every lane. */
export interface RunSeparator {
  /** The new run's start. */
  at: number;
  runId: number;
  threadsWords: string;
  previousRunId: number;
  previousThreadsWords: string;
  /** When the previous run stopped; null when unknown. */
  previousStoppedAt: number | null;
}

export interface FrameLane {
  workerId: number;
  /** Drawn dim: the worker has been joined, or belongs to an earlier run only. */
  isDimmed: boolean;
  /** False for a lane only an earlier run had. */
  isInCurrentRun: boolean;
}

export interface TimelineFrame {
  fromAt: number;
  toAt: number;
  /** The newest moment known: running bars and waiting spans end here. */
  now: number;
  /** By worker id, 0 upwards: every worker of the runs in the window and of the current pool. */
  lanes: FrameLane[];
  /** In start order. */
  bars: FrameBar[];
  /** Where jobs are too dense for bars: their summary per lane and bucket. */
  buckets: BucketSummaries;
  queue: FrameQueue;
  /** Oldest first. */
  markers: FrameMarker[];
  /** Runs overlapping the window, oldest first. */
  runs: FrameRun[];
  /** Oldest first. */
  separators: RunSeparator[];
}
