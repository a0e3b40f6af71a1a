// What a timeline of a window and a width shows, and the live rates a worker card shows: derived on demand
// from the recorder's buckets, request rows and state, at a cost bounded by the width, not the traffic.
//
// Level of detail (Perfetto and Tracy draw slices when they are big enough, summaries when not): the
// window is cut into buckets of the 1-2-5 ladder at least MIN_BUCKET_WIDTH_PX wide, aligned to absolute
// time. Then, per lane and per bucket: a bucket that exactly one job overlaps shows that job as a bar
// (the bar it owns is at least one bucket wide, so it never hides another job); a bucket that several jobs
// overlap shows them summarized — run time as a busy fraction, and the mix of routes, statuses, origins.
// Why per bucket rather than per lane or per window: the switch then happens only where the jobs got too
// dense to draw, so a 5 s /sleep stays a bar while a flood of 1 ms requests beside it, or an hour later,
// becomes buckets; nothing else in the window changes when one region crosses the line; and a lane's bars
// do not all turn into buckets because traffic rose in another part of the window. A bar's run time is
// taken out of the buckets it shares, so bars plus summaries add up to exactly the run time recorded in
// every bucket: where bars turn into a summary (or back) the busy time drawn there does not change.
//
// The queue track switches per window instead, since waits overlap and stack: every wait at least a pixel
// long while there are at most as many as pixels, else the queue's length per bucket (mean and max).
//
// Live and replay take the same path: `now` is the newest moment shown (the present, or a replay cursor).
// What happened after `now` is never shown: the job running at `now` is a running bar, and in replay
// the bucket holding `now` is rebuilt from the events before it.

import type { JobAbandonReason } from '../shared/events';
import { pathOf, type RequestOrigin } from '../shared/pool-model';
import { startingThreadCountOf } from '../shared/settings';
import { VIEW_LIMITS } from '../shared/wire';
import {
  addJobToSums,
  addQueueLengthToSums,
  BUCKET_LEVELS_MS,
  type BucketGrid,
  clearLaneSumsFrom,
  clearQueueSumsFrom,
  emptyLaneSums,
  emptyQueueSums,
  jobClassOf,
  type LaneSums,
  lastBucketOf,
  oneBucketOf,
  overlapsRange,
  type QueueSums,
  routeOfClass,
} from './bucket-store';
import {
  ladderBucketMsAtLeast,
  MAX_LANES,
  ROUTE_CLASSES,
  ROUTE_OTHER,
  type RouteClass,
  routeCodeOf,
  STATUS_RUNNING,
  statusClassOf,
} from './classify';
import { type HistoryParts, type RunInfo, type TimelineMarker, WAIT_CLASS_THRESHOLDS_MS } from './history-parts';
import type { PoolAggregate, RequestRecord, WorkerState } from './pool-state';

/** Buckets are at least this wide: the finest summary a timeline shows. */
export const MIN_BUCKET_WIDTH_PX = 2;
/** Wider plots are treated as this wide (an 8K screen): the answer's size stays bounded whatever is asked. */
export const MAX_PLOT_WIDTH_PX = VIEW_LIMITS.maxPlotWidthPx;
/** Utilization and jobs per second on worker cards are over the last second… */
export const UTILIZATION_WINDOW_MS = 1_000;
/** …and "% busy" over the last 10 seconds. */
export const RECENT_UTILIZATION_WINDOW_MS = 10_000;

export interface TimelineQuery {
  /** The window, ms since the Unix epoch. */
  fromAt: number;
  toAt: number;
  /** Width of the lanes' plot area; the level of detail follows from it. */
  plotWidthPx: number;
  /** The newest moment shown: the present for live, the cursor for replay. Nothing after it is shown. */
  now: number;
  /**
   * A tail for a viewer that holds the rest: the buckets (and the bars reaching them) only from this bucket of the
   * window's grid on, the grid itself chosen for the whole window. A lane with no job in the tail is left out unless
   * its worker exists. Default: the whole window.
   */
  fromBucketIndex?: number;
  /**
   * With fromBucketIndex: the jobs the viewer holds as bars, by `runId:requestId`. A job running at the tail's start
   * is a bar in the tail only if it is one of them (else it stays in the summaries), so that what the viewer keeps
   * before the tail and the tail agree. Default: none.
   */
  barsAcross?: ReadonlySet<string>;
  /** Waits listed one by one at most (default: one per pixel); past it `spans` is null. 0: null without looking. */
  maxQueueSpans?: number;
}

/** A job drawn on its own: its wait (if it queued) and its run. */
export interface JobBar {
  runId: number;
  requestId: number;
  workerId: number;
  method: string;
  path: string;
  route: RouteClass;
  origin: RequestOrigin;
  /** When it joined the queue; null if that is not known (it joined before the history began). */
  queuedAt: number | null;
  startedAt: number;
  /** null while it runs. */
  finishedAt: number | null;
  /** The job's status; null while it runs. */
  status: number | null;
  isRunning: boolean;
  /** Its request left the event history: request() no longer has it. */
  isBeforeHistory: boolean;
}

/**
 * The jobs of a lane that are not drawn as bars, per bucket of the timeline's grid: bucket k covers
 * [(firstBucketIndex + k) · bucketMs, … + bucketMs). Counts are of jobs overlapping the bucket.
 */
export interface LaneBuckets {
  /** Run time of these jobs in the bucket over the bucket's elapsed length (up to `now`), 0–1. */
  busyFraction: Float64Array;
  jobs: Uint32Array;
  /** ROUTE_CLASSES.length per bucket: bucket k's count for route r is at k · 3 + r. */
  routes: Uint32Array;
  /** STATUS_CLASSES.length per bucket, at k · 5 + s; `running` counts jobs still running at `now`. */
  statuses: Uint32Array;
  /** Jobs from the burst generator; the rest are external. */
  burstJobs: Uint32Array;
}

export interface TimelineLane {
  workerId: number;
  /** In time order. */
  bars: JobBar[];
  buckets: LaneBuckets;
}

/**
 * A job's wait in the queue, from joining it until a worker took it, until it was abandoned (job-abandoned),
 * or until `now` while it waits. Under strategy 'single', also a connection's wait, unread, for the one thread
 * (the book's listen backlog): from when it opened until the thread took it or it closed unread.
 */
export interface QueueSpan {
  runId: number;
  /** null for a connection's wait until the thread reads its request, and for one that closed unread. */
  requestId: number | null;
  /** Set for a connection's wait (strategy 'single'); null for a job's. */
  connection: ConnectionWaitOf | null;
  queuedAt: number;
  /** When a worker took it or it was abandoned, or `now` while it waits. */
  leftAt: number;
  /** The worker that took it; null while it waits, and for a job abandoned. */
  workerId: number | null;
  /** Why it left the queue without running; null unless it was abandoned. */
  abandonReason: JobAbandonReason | null;
  isWaiting: boolean;
  route: RouteClass;
  origin: RequestOrigin;
  isBeforeHistory: boolean;
}

export interface ConnectionWaitOf {
  connectionId: number;
  /** The thread took it and read its request; false while it waits, and when it closed unread. */
  wasRead: boolean;
}

export interface QueueBuckets {
  /** Time-average number of waiting jobs (and connections waiting for the single thread) over the bucket's elapsed length. */
  meanLength: Float64Array;
  maxLength: Uint32Array;
  /** Requests received (arrivals). */
  received: Uint32Array;
  /** Requests the server answered itself (parse errors, 503 queue full or shutting down, 408). */
  rejected: Uint32Array;
  /**
   * Jobs that left the queue: for a worker, or abandoned without running (job-abandoned); under strategy 'single',
   * connections that closed unread too.
   */
  dequeued: Uint32Array;
  /**
   * Mean wait of the jobs that left the queue in the bucket (abandoned ones too; under 'single' a job's wait counts
   * its connection's wait for the thread); NaN when none did.
   */
  meanWaitMs: Float64Array;
}

export interface QueueTrack {
  /**
   * Every wait of at least one pixel that overlaps the window, in the order the jobs joined the queue, then
   * the jobs waiting at `now`, then (strategy 'single') the connections' waits in the order they ended, then those
   * waiting at `now`; null when there are more than the width can show (then draw the buckets).
   */
  spans: QueueSpan[] | null;
  buckets: QueueBuckets;
}

export interface Timeline {
  fromAt: number;
  toAt: number;
  now: number;
  /** The grid every bucket array follows. */
  bucketMs: number;
  firstBucketIndex: number;
  bucketCount: number;
  /**
   * The first bucket the bucket arrays hold: they cover [fromBucketIndex, firstBucketIndex + bucketCount). It is
   * firstBucketIndex unless the query asked for a tail.
   */
  fromBucketIndex: number;
  /** Nothing is known before this (recording began, or the buckets kept do not reach further back). */
  knownFromAt: number;
  /** The event history starts here: before it, buckets are aggregates only and details are gone. null: no events held. */
  historyStartAt: number | null;
  /** By worker id. */
  lanes: TimelineLane[];
  queue: QueueTrack;
  /** Markers in the window, oldest first. */
  markers: Array<TimelineMarker & { isBeforeHistory: boolean }>;
  /** Server runs overlapping the window, oldest first: a separator goes where one ends and the next starts. */
  runs: RunInfo[];
}

/** A worker card's figures. Rates are per lane (worker id): a restart inside the window does not reset them. */
export interface WorkerActivity {
  workerId: number;
  phase: WorkerState['phase'];
  /** The job it runs at `now`; null when idle. */
  requestId: number | null;
  busySince: number | null;
  /** How long the current job has run at `now`; null when idle. */
  runningForMs: number | null;
  /** Jobs started per second over the last second. */
  jobsPerSecond: number;
  /** Fraction of the last second it was running jobs, 0–1. */
  utilization: number;
  /** Fraction of the last 10 seconds it was running jobs, 0–1. */
  recentUtilization: number;
}

export interface PoolActivity {
  at: number;
  /** The exact windows the rates are over: [lastSecondFromAt, at] and [recentFromAt, at] (aligned to buckets). */
  lastSecondFromAt: number;
  recentFromAt: number;
  requestsPerSecond: number;
  workers: WorkerActivity[];
  queueLength: number;
  /** How long the oldest waiting job has waited at `now`; null when none waits. */
  oldestWaitMs: number | null;
}

interface RebuiltJob {
  workerId: number;
  fromAt: number;
  toAt: number;
  jobClass: number;
}

/** The bucket holding `now`, rebuilt from the events before `now` (replay: the buckets also hold what came after). */
interface RebuiltBucket {
  jobs: RebuiltJob[];
  queue: QueueSums;
  /** The state at `now`. */
  aggregate: PoolAggregate;
}

interface Summary {
  grid: BucketGrid;
  now: number;
  /** The state at `now`; null when the history does not reach back to it. */
  aggregate: PoolAggregate | null;
  lanes: Map<number, LaneSums>;
  queue: QueueSums;
}

/** A job's class from its request row (exact even when its strings were not recorded), else from its record. */
function jobClassFor(
  parts: HistoryParts,
  runId: number,
  requestId: number,
  record: RequestRecord | undefined,
  statusClass: number,
): number {
  const row = parts.rowOf(runId, requestId);
  if (row !== -1) {
    const slot = parts.table.slotOf(row);
    return jobClassOf(parts.table.routeCodeOf(slot), statusClass, parts.table.isBurst(slot));
  }
  return jobClassOf(record === undefined ? ROUTE_OTHER : routeCodeOf(record.target), statusClass, record?.origin === 'burst');
}

function rebuildBucket(parts: HistoryParts, bucketMs: number, now: number): RebuiltBucket | null {
  const bucketStart = Math.floor(now / bucketMs) * bucketMs;
  const aggregate = parts.aggregateAt(bucketStart, true);
  // Only called when events follow `now`, so this is never the live aggregate; null: the history starts later.
  if (aggregate === null) return null;
  const grid: BucketGrid = { bucketMs, firstIndex: bucketStart / bucketMs, count: 1 };
  const queue = emptyQueueSums(1);
  const jobs: RebuiltJob[] = [];
  const log = parts.log;
  let length = aggregate.waitingLength;
  let lengthSince = bucketStart;
  // Strategy 'single': the connection the thread took last, its wait, and the request read on it (as event-history.ts counts them).
  let takenConnectionId = -1;
  let takenWaitMs = 0;
  let takenRequestId = -1;
  for (let seq = log.firstAtOrAfter(bucketStart); seq < log.nextSeq; seq++) {
    const at = log.atOf(seq);
    if (at > now) break;
    const event = log.decode(seq);
    switch (event.type) {
      case 'request-received':
        queue.received[0]!++;
        if (event.connectionId === takenConnectionId) takenRequestId = event.requestId;
        break;
      case 'request-rejected':
        queue.rejected[0]!++;
        break;
      // As the stored buckets count them (event-history.ts): an abandoned job left the queue too.
      case 'job-started':
      case 'job-abandoned':
        queue.dequeued[0]!++;
        queue.waitMsSum[0]! += event.waitMs + (event.type === 'job-started' && event.requestId === takenRequestId ? takenWaitMs : 0);
        break;
      case 'connection-taken':
        takenConnectionId = event.connectionId;
        takenRequestId = -1;
        takenWaitMs = at - aggregate.waitingSinceOf(event.connectionId);
        if (Number.isNaN(takenWaitMs)) takenWaitMs = 0;
        break;
      case 'connection-closed': {
        const since = aggregate.waitingSinceOf(event.connectionId);
        if (!Number.isNaN(since)) {
          queue.dequeued[0]!++;
          queue.waitMsSum[0]! += at - since;
        }
        break;
      }
      case 'job-finished': {
        const busySince = aggregate.busySinceOf(event.workerId);
        const record = aggregate.requestRecord(event.requestId);
        jobs.push({
          workerId: event.workerId,
          fromAt: Number.isNaN(busySince) ? at - event.runMs : Math.min(busySince, at),
          toAt: at,
          jobClass: jobClassFor(parts, aggregate.runId, event.requestId, record, statusClassOf(event.status)),
        });
        break;
      }
      default:
        break;
    }
    aggregate.apply(event);
    if (aggregate.waitingLength !== length) {
      addQueueLengthToSums(queue, grid, lengthSince, at, length);
      length = aggregate.waitingLength;
      lengthSince = at;
    }
  }
  addQueueLengthToSums(queue, grid, lengthSince, now, length);
  return { jobs, queue, aggregate };
}

/**
 * Every lane's and the queue's buckets on `grid` as a viewer at `now` knew them: stored buckets, the job
 * running at `now` and the queue's open stretch added, anything after `now` taken out.
 */
function summarize(
  parts: HistoryParts,
  grid: BucketGrid,
  level: number,
  now: number,
  laneIdsOf: (aggregate: PoolAggregate | null) => Iterable<number>,
): Summary {
  const isLive = !(now < parts.lastAt());
  const nowIndex = Math.floor(now / grid.bucketMs) - grid.firstIndex;
  const clearFrom = isLive || nowIndex >= grid.count ? -1 : Math.max(0, nowIndex);
  const rebuilt = clearFrom === nowIndex ? rebuildBucket(parts, grid.bucketMs, now) : null;
  const aggregate = rebuilt?.aggregate ?? parts.aggregateAt(now);
  const oneBucket: BucketGrid = { bucketMs: grid.bucketMs, firstIndex: grid.firstIndex + nowIndex, count: 1 };
  const lanes = new Map<number, LaneSums>();
  for (const workerId of laneIdsOf(aggregate)) {
    const sums = emptyLaneSums(grid.count);
    parts.buckets.sumLane(workerId, level, grid, sums);
    const running = aggregate?.runningJobOf(workerId) ?? null;
    if (!isLive && running !== null && aggregate !== null) {
      // The buckets hold the job running at `now` as it finished later: take that out (a running bar goes back below).
      const row = parts.rowOf(aggregate.runId, running.requestId);
      if (row !== -1) {
        const c = parts.table.columns;
        const slot = parts.table.slotOf(row);
        const finishedAt = c.finishedAt[slot]!;
        if (!Number.isNaN(finishedAt)) {
          const jobClass = jobClassFor(parts, aggregate.runId, running.requestId, undefined, statusClassOf(c.status[slot]!));
          addJobToSums(sums, grid, running.busySince, finishedAt, jobClass, -1);
        }
      }
    }
    if (clearFrom !== -1) {
      clearLaneSumsFrom(sums, clearFrom);
      if (rebuilt !== null) {
        for (const job of rebuilt.jobs) {
          if (job.workerId === workerId) addJobToSums(oneBucketOf(sums, nowIndex), oneBucket, job.fromAt, job.toAt, job.jobClass, 1);
        }
      }
    }
    if (running !== null && aggregate !== null) {
      const jobClass = jobClassFor(parts, aggregate.runId, running.requestId, aggregate.requestRecord(running.requestId), STATUS_RUNNING);
      addJobToSums(sums, grid, running.busySince, Math.max(now, running.busySince), jobClass, 1);
    }
    lanes.set(workerId, sums);
  }
  const queue = emptyQueueSums(grid.count);
  parts.buckets.sumQueue(level, grid, queue);
  // The queue's length since its last change is not in the buckets yet: add it up to `now` (in replay, up to
  // the rebuilt bucket, which has it). A change after `now` means the buckets already hold all before it.
  const open = parts.openQueueSegment();
  if (clearFrom === -1) {
    if (open.sinceAt <= now) addQueueLengthToSums(queue, grid, open.sinceAt, now, open.length);
  } else {
    const rebuiltFromAt = (grid.firstIndex + clearFrom) * grid.bucketMs;
    if (open.sinceAt < rebuiltFromAt) addQueueLengthToSums(queue, grid, open.sinceAt, rebuiltFromAt, open.length);
    clearQueueSumsFrom(queue, clearFrom);
    if (rebuilt !== null) {
      const from = rebuilt.queue;
      queue.lengthMs[nowIndex] = from.lengthMs[0]!;
      queue.maxLength[nowIndex] = from.maxLength[0]!;
      queue.received[nowIndex] = from.received[0]!;
      queue.rejected[nowIndex] = from.rejected[0]!;
      queue.dequeued[nowIndex] = from.dequeued[0]!;
      queue.waitMsSum[nowIndex] = from.waitMsSum[0]!;
    }
  }
  return { grid, now, aggregate, lanes, queue };
}

/** The finest kept level with buckets at most `bucketMs`, moved to coarser ones until one reaches back to `fromAt`. */
function chooseGrid(parts: HistoryParts, fromAt: number, toAt: number, wantedBucketMs: number): { grid: BucketGrid; level: number } {
  let bucketMs = ladderBucketMsAtLeast(wantedBucketMs);
  let level = 0;
  while (level + 1 < BUCKET_LEVELS_MS.length && BUCKET_LEVELS_MS[level + 1]! <= bucketMs) level++;
  while (level + 1 < BUCKET_LEVELS_MS.length && parts.buckets.coverageFromAt(level) > fromAt) {
    level++;
    bucketMs = Math.max(bucketMs, BUCKET_LEVELS_MS[level]!);
  }
  const firstIndex = Math.floor(fromAt / bucketMs);
  const count = Math.max(1, Math.ceil(toAt / bucketMs) - firstIndex);
  return { grid: { bucketMs, firstIndex, count }, level };
}

/** The lanes a run has from its start: its pool's workers, the single thread, none for a thread per request. */
function workerCountOf(run: RunInfo): number {
  return run.settings === null ? 0 : Math.min(startingThreadCountOf(run.settings), MAX_LANES);
}

/** The lanes a window shows: every worker of the runs it overlaps, every worker now, every lane with jobs in it. */
function laneIdsFor(parts: HistoryParts, runs: readonly RunInfo[], aggregate: PoolAggregate | null): Set<number> {
  const ids = new Set<number>();
  for (const run of runs) for (let id = 0; id < workerCountOf(run); id++) ids.add(id);
  if (aggregate !== null) for (const id of aggregate.workerIds()) ids.add(id);
  for (const id of parts.buckets.laneIds()) ids.add(id);
  return ids;
}

/** Runs overlapping the window, as they were known at `now`: later runs, and later steps of a run, are not shown. */
function runsOverlapping(parts: HistoryParts, fromAt: number, toAt: number, now: number): RunInfo[] {
  const known = (at: number | null) => (at !== null && at <= now ? at : null);
  const runs: RunInfo[] = [];
  for (const run of parts.runs()) {
    if (run.startedAt > Math.min(toAt, now) || (known(run.stoppedAt) ?? Number.POSITIVE_INFINITY) < fromAt) continue;
    const listeningAt = known(run.listeningAt);
    const stoppingAt = known(run.stoppingAt);
    runs.push({
      runId: run.runId,
      startedAt: run.startedAt,
      listeningAt,
      settings: listeningAt === null || run.settings === null ? null : { ...run.settings },
      stoppingAt,
      stopReason: stoppingAt === null ? null : run.stopReason,
      stoppedAt: known(run.stoppedAt),
    });
  }
  return runs;
}

/** The bar of a request row (the job's row is in the history). */
function barOfRow(parts: HistoryParts, row: number, now: number, runningAt: number | null): JobBar {
  const table = parts.table;
  const c = table.columns;
  const slot = table.slotOf(row);
  const firstEventSeq = c.firstEventSeq[slot]!;
  const received = parts.log.decode(firstEventSeq);
  const target = received.type === 'request-received' ? received.target : '?';
  const finishedAt = c.finishedAt[slot]!;
  const isRunning = runningAt !== null || Number.isNaN(finishedAt) || finishedAt > now;
  const queuedAt = c.queuedAt[slot]!;
  return {
    runId: c.runId[slot]!,
    requestId: c.requestId[slot]!,
    workerId: c.workerId[slot]!,
    method: received.type === 'request-received' ? received.method : '?',
    path: pathOf(target),
    route: table.routeOf(slot),
    origin: table.originOf(slot),
    queuedAt: Number.isNaN(queuedAt) ? null : queuedAt,
    startedAt: c.startedAt[slot]!,
    finishedAt: isRunning ? null : finishedAt,
    status: isRunning ? null : c.status[slot]!,
    isRunning,
    isBeforeHistory: false,
  };
}

/** The bar of the job running at `now` whose request is older than the history: what the state knows of it. */
function barOfRecord(runId: number, workerId: number, busySince: number, record: RequestRecord | undefined, requestId: number): JobBar {
  return {
    runId,
    requestId,
    workerId,
    method: record?.method ?? '?',
    path: record?.path ?? '?',
    route: ROUTE_CLASSES[record === undefined ? ROUTE_OTHER : routeCodeOf(record.target)]!,
    origin: record?.origin ?? 'external',
    queuedAt: record?.queuedAt ?? null,
    startedAt: busySince,
    finishedAt: null,
    status: null,
    isRunning: true,
    isBeforeHistory: true,
  };
}

/** A job taken out of a lane's sums as a bar. */
interface TakenBar {
  bar: JobBar;
  row: number;
  jobClass: number;
  /** Where its run time ends in the sums: its finish, or `now` while it runs. */
  toAt: number;
}

/**
 * Takes the jobs that own a bucket out of the lane's sums and returns them as bars (see the header). `barsAcross`
 * (a tail): the jobs the viewer holds as bars, by `runId:requestId`; the job running at the part's start on this
 * lane stays as the viewer holds it, a bar or part of a summary, since the viewer keeps what came before the part.
 */
function extractBars(
  parts: HistoryParts,
  summary: Summary,
  workerId: number,
  sums: LaneSums,
  knownFromAt: number,
  barsAcross: ReadonlySet<string> | null,
): JobBar[] {
  const { grid, now, aggregate } = summary;
  const bars: JobBar[] = [];
  const size = grid.bucketMs;
  const running = aggregate?.runningJobOf(workerId) ?? null;
  const index = parts.laneIndexes[workerId];
  const table = parts.table;
  const finishedKey = (slot: number) => {
    const f = table.columns.finishedAt[slot]!;
    return Number.isNaN(f) ? Number.POSITIVE_INFINITY : f;
  };
  const lastIndex = Math.min(grid.count - 1, Math.floor(now / size) - grid.firstIndex);
  const runningBar = (): TakenBar => {
    const runId = aggregate!.runId;
    const record = aggregate!.requestRecord(running!.requestId);
    const row = parts.rowOf(runId, running!.requestId);
    const bar =
      row === -1
        ? barOfRecord(runId, workerId, running!.busySince, record, running!.requestId)
        : barOfRow(parts, row, now, running!.busySince);
    bar.startedAt = running!.busySince;
    const jobClass = jobClassFor(parts, runId, running!.requestId, record, STATUS_RUNNING);
    return { bar, row, jobClass, toAt: Math.max(now, running!.busySince) };
  };
  const rowBar = (row: number): TakenBar => {
    const slot = table.slotOf(row);
    const jobClass = jobClassOf(table.routeCodeOf(slot), statusClassOf(table.columns.status[slot]!), table.isBurst(slot));
    return { bar: barOfRow(parts, row, now, null), row, jobClass, toAt: table.columns.finishedAt[slot]! };
  };
  // Bars come out in time order; a bucket is looked at again after a bar ends in it, so skip the jobs taken.
  let isRunningTaken = false;
  let lastRow = -1;
  let lastToAt = Number.NEGATIVE_INFINITY;
  /** The job across a tail's start that the viewer holds inside a summary: never a bar here. */
  let summaryRow = -1;
  /**
   * The first job of the lane finished by `now` that starts before `beforeAt` and passes `accept`, looked for from the
   * first one finishing at or after `fromAt` (the lane's index is in start order); -1 when none.
   */
  const findRow = (fromAt: number, beforeAt: number, accept: (row: number, startedAt: number, finishedAt: number) => boolean): number => {
    if (index === undefined) return -1;
    for (let p = index.lowerBound(fromAt, finishedKey); p < index.end; p++) {
      const row = index.rowAt(p);
      if (!table.holds(row)) continue;
      const slot = table.slotOf(row);
      const startedAt = table.columns.startedAt[slot]!;
      const finishedAt = table.columns.finishedAt[slot]!;
      // Not finished by `now`: that is the running job.
      if (startedAt >= beforeAt || Number.isNaN(finishedAt) || finishedAt > now) return -1;
      if (accept(row, startedAt, finishedAt)) return row;
    }
    return -1;
  };
  const take = (taken: TakenBar) => {
    bars.push(taken.bar);
    lastRow = taken.row;
    lastToAt = taken.toAt;
    addJobToSums(sums, grid, taken.bar.startedAt, taken.toAt, taken.jobClass, -1);
  };
  if (barsAcross !== null && aggregate !== null) {
    const startAt = grid.firstIndex * size;
    const keyOf = (runId: number, requestId: number) => `${runId}:${requestId}`;
    if (running !== null && running.busySince < startAt) {
      isRunningTaken = true;
      if (barsAcross.has(keyOf(aggregate.runId, running.requestId))) take(runningBar());
    } else {
      const row = findRow(startAt, startAt, (_, __, finishedAt) => finishedAt > startAt);
      const slot = row === -1 ? -1 : table.slotOf(row);
      if (slot !== -1 && barsAcross.has(keyOf(table.columns.runId[slot]!, table.columns.requestId[slot]!))) take(rowBar(row));
      else summaryRow = row;
    }
  }
  for (let i = 0; i <= lastIndex; i++) {
    if (sums.jobs[i] !== 1) continue;
    const bucketStart = (grid.firstIndex + i) * size;
    const bucketEnd = bucketStart + size;
    if (bucketEnd <= knownFromAt) continue;
    let taken: TakenBar | null = null;
    if (
      running !== null &&
      aggregate !== null &&
      !isRunningTaken &&
      overlapsRange(running.busySince, Math.max(now, running.busySince), bucketStart, bucketEnd)
    ) {
      isRunningTaken = true;
      taken = runningBar();
    } else {
      const row = findRow(
        bucketStart,
        bucketEnd,
        (candidate, startedAt, finishedAt) =>
          candidate !== lastRow &&
          candidate !== summaryRow &&
          startedAt >= lastToAt &&
          overlapsRange(startedAt, finishedAt, bucketStart, bucketEnd),
      );
      if (row !== -1) taken = rowBar(row);
    }
    // No bar: the job's request left the history, so the bucket stays a summary (aggregates only).
    if (taken === null) continue;
    take(taken);
    // Look at the bar's last bucket again: with the bar taken out, another job may own it now.
    const barLast = lastBucketOf(taken.bar.startedAt, taken.toAt, size) - grid.firstIndex;
    i = Math.max(i, barLast) - 1;
  }
  return bars;
}

function waitSpans(
  parts: HistoryParts,
  summary: Summary,
  fromAt: number,
  toAt: number,
  minVisibleMs: number,
  maxSpans: number,
): QueueSpan[] | null {
  const { now, aggregate } = summary;
  const table = parts.table;
  const c = () => table.columns;
  let index = parts.dequeued;
  for (let k = WAIT_CLASS_THRESHOLDS_MS.length - 1; k >= 0; k--) {
    if (WAIT_CLASS_THRESHOLDS_MS[k]! <= minVisibleMs) {
      index = parts.waitClasses[k]!;
      break;
    }
  }
  const spans: QueueSpan[] = [];
  const historyStartAt = parts.firstAt() ?? Number.POSITIVE_INFINITY;
  for (let p = index.lowerBound(fromAt, (slot) => c().leftQueueAt[slot]!); p < index.end; p++) {
    const row = index.rowAt(p);
    if (!table.holds(row)) continue;
    const slot = table.slotOf(row);
    const queuedAt = c().queuedAt[slot]!;
    const leftAt = c().leftQueueAt[slot]!;
    // The queue is FIFO: jobs leave it in the order they joined (an abandoned one is the oldest waiting).
    if (queuedAt >= toAt || queuedAt > now) break;
    // Still waiting at `now` (replay): it comes from the state below.
    if (leftAt > now) continue;
    if (leftAt - queuedAt < minVisibleMs || !overlapsRange(queuedAt, leftAt, fromAt, toAt)) continue;
    if (spans.length === maxSpans) return null;
    const workerId = c().workerId[slot]!;
    spans.push({
      runId: c().runId[slot]!,
      requestId: c().requestId[slot]!,
      connection: null,
      queuedAt,
      leftAt,
      workerId: workerId === -1 ? null : workerId,
      abandonReason: table.abandonReasonOf(slot),
      isWaiting: false,
      route: table.routeOf(slot),
      origin: table.originOf(slot),
      isBeforeHistory: false,
    });
  }
  if (aggregate !== null) {
    for (const job of aggregate.queued()) {
      if (now - job.queuedAt < minVisibleMs || !overlapsRange(job.queuedAt, now, fromAt, toAt)) continue;
      if (spans.length === maxSpans) return null;
      const record = aggregate.requestRecord(job.requestId);
      spans.push({
        runId: aggregate.runId,
        requestId: job.requestId,
        connection: null,
        queuedAt: job.queuedAt,
        leftAt: now,
        workerId: null,
        abandonReason: null,
        isWaiting: true,
        route: ROUTE_CLASSES[routeOfClass(jobClassFor(parts, aggregate.runId, job.requestId, record, STATUS_RUNNING))]!,
        origin: record?.origin ?? 'external',
        isBeforeHistory: job.queuedAt < historyStartAt,
      });
    }
  }
  return connectionWaitSpans(parts, summary, fromAt, toAt, minVisibleMs, maxSpans, spans);
}

/**
 * Strategy 'single''s waits, added to `spans`: each connection that waited, unread, for the one thread, ended or
 * waiting at `now`; null when they make more than `maxSpans`.
 */
function connectionWaitSpans(
  parts: HistoryParts,
  summary: Summary,
  fromAt: number,
  toAt: number,
  minVisibleMs: number,
  maxSpans: number,
  spans: QueueSpan[],
): QueueSpan[] | null {
  const { now, aggregate } = summary;
  const table = parts.table;
  const historyStartAt = parts.firstAt() ?? Number.POSITIVE_INFINITY;
  for (const wait of parts.connectionWaits.endedFrom(fromAt)) {
    // Ended after `now` (replay): waiting at `now`, so it comes from the state below.
    if (wait.endedAt > now) break;
    if (wait.endedAt - wait.sinceAt < minVisibleMs || !overlapsRange(wait.sinceAt, wait.endedAt, fromAt, toAt)) continue;
    if (spans.length === maxSpans) return null;
    const row = wait.requestId === -1 ? -1 : parts.rowOf(wait.runId, wait.requestId);
    // Its request as known at `now`: read just after the thread took the connection.
    const slot = row === -1 || !(table.columns.receivedAt[table.slotOf(row)]! <= now) ? -1 : table.slotOf(row);
    const workerId = slot === -1 ? -1 : table.columns.workerId[slot]!;
    spans.push({
      runId: wait.runId,
      requestId: slot === -1 ? null : wait.requestId,
      connection: { connectionId: wait.connectionId, wasRead: wait.wasRead },
      queuedAt: wait.sinceAt,
      leftAt: wait.endedAt,
      workerId: workerId === -1 ? null : workerId,
      abandonReason: null,
      isWaiting: false,
      route: slot === -1 ? 'other' : table.routeOf(slot),
      origin: slot === -1 ? 'external' : table.originOf(slot),
      isBeforeHistory: wait.sinceAt < historyStartAt,
    });
  }
  if (aggregate !== null) {
    for (const waiting of aggregate.waitingConnectionsInPlace()) {
      if (now - waiting.since < minVisibleMs || !overlapsRange(waiting.since, now, fromAt, toAt)) continue;
      if (spans.length === maxSpans) return null;
      spans.push({
        runId: aggregate.runId,
        requestId: null,
        connection: { connectionId: waiting.connectionId, wasRead: false },
        queuedAt: waiting.since,
        leftAt: now,
        workerId: null,
        abandonReason: null,
        isWaiting: true,
        route: 'other',
        origin: 'external',
        isBeforeHistory: waiting.since < historyStartAt,
      });
    }
  }
  return spans;
}

/** Elapsed length of each grid bucket at `now` (the bucket holding `now` is partly elapsed; later ones not at all). */
function elapsedMs(grid: BucketGrid, i: number, now: number): number {
  const start = (grid.firstIndex + i) * grid.bucketMs;
  return Math.max(0, Math.min(start + grid.bucketMs, now) - start);
}

export function buildTimeline(parts: HistoryParts, query: TimelineQuery): Timeline {
  const { fromAt, now } = query;
  for (const [name, value] of [
    ['fromAt', fromAt],
    ['toAt', query.toAt],
    ['now', now],
  ] as const) {
    if (!Number.isFinite(value)) throw new RangeError(`timeline(): ${name} must be a finite time in ms (got ${value})`);
  }
  const toAt = Math.max(query.toAt, fromAt);
  const plotWidthPx = Math.min(MAX_PLOT_WIDTH_PX, Math.max(1, Math.floor(query.plotWidthPx) || 1));
  const msPerPx = (toAt - fromAt) / plotWidthPx;
  const window = chooseGrid(parts, fromAt, toAt, msPerPx * MIN_BUCKET_WIDTH_PX);
  const level = window.level;
  const windowEndIndex = window.grid.firstIndex + window.grid.count;
  const fromIndex = Math.min(
    windowEndIndex - 1,
    Math.max(window.grid.firstIndex, Math.floor(query.fromBucketIndex ?? Number.NEGATIVE_INFINITY)),
  );
  // The part built: the whole window's grid, or its tail.
  const isTail = fromIndex > window.grid.firstIndex;
  const grid: BucketGrid = { bucketMs: window.grid.bucketMs, firstIndex: fromIndex, count: windowEndIndex - fromIndex };
  const knownFromAt = Math.max(parts.recordingStartAt(), parts.buckets.coverageFromAt(level));
  const runs = runsOverlapping(parts, fromAt, toAt, now);
  const summary = summarize(parts, grid, level, now, (aggregate) => laneIdsFor(parts, runs, aggregate));
  const mustShow = new Set<number>();
  for (const run of runs) for (let id = 0; id < workerCountOf(run); id++) mustShow.add(id);
  if (summary.aggregate !== null) for (const id of summary.aggregate.workerIds()) mustShow.add(id);

  const lanes: TimelineLane[] = [];
  for (const workerId of [...summary.lanes.keys()].sort((a, b) => a - b)) {
    const sums = summary.lanes.get(workerId)!;
    if (!mustShow.has(workerId) && !sums.jobs.some((n) => n !== 0)) continue;
    const bars = extractBars(parts, summary, workerId, sums, knownFromAt, isTail ? (query.barsAcross ?? new Set()) : null);
    const busyFraction = new Float64Array(grid.count);
    for (let i = 0; i < grid.count; i++) {
      const elapsed = elapsedMs(grid, i, now);
      busyFraction[i] = elapsed > 0 ? Math.min(1, Math.max(0, sums.busyMs[i]! / elapsed)) : 0;
    }
    lanes.push({
      workerId,
      bars,
      buckets: { busyFraction, jobs: sums.jobs, routes: sums.routes, statuses: sums.statuses, burstJobs: sums.burstJobs },
    });
  }

  const q = summary.queue;
  const meanLength = new Float64Array(grid.count);
  const meanWaitMs = new Float64Array(grid.count);
  for (let i = 0; i < grid.count; i++) {
    const elapsed = elapsedMs(grid, i, now);
    meanLength[i] = elapsed > 0 ? q.lengthMs[i]! / elapsed : 0;
    meanWaitMs[i] = q.dequeued[i]! > 0 ? q.waitMsSum[i]! / q.dequeued[i]! : Number.NaN;
  }
  const maxQueueSpans = Math.min(plotWidthPx, Math.max(0, Math.floor(query.maxQueueSpans ?? plotWidthPx)));
  const spans = maxQueueSpans === 0 ? null : waitSpans(parts, summary, fromAt, toAt, msPerPx, maxQueueSpans);

  const historyStartAt = parts.firstAt();
  const markers: Timeline['markers'] = [];
  for (const marker of parts.markers()) {
    if (marker.at < fromAt || marker.at > Math.min(toAt, now)) continue;
    markers.push({ ...marker, isBeforeHistory: historyStartAt === null || marker.at < historyStartAt });
  }

  return {
    fromAt,
    toAt,
    now,
    bucketMs: grid.bucketMs,
    firstBucketIndex: window.grid.firstIndex,
    bucketCount: window.grid.count,
    fromBucketIndex: grid.firstIndex,
    knownFromAt,
    historyStartAt,
    lanes,
    queue: {
      spans,
      buckets: { meanLength, maxLength: q.maxLength, received: q.received, rejected: q.rejected, dequeued: q.dequeued, meanWaitMs },
    },
    markers,
    runs,
  };
}

/** The finest kept level of at least `bucketMs` that reaches back to `fromAt`, and the grid from there to `now`. */
function recentGrid(parts: HistoryParts, now: number, windowMs: number, bucketMs: number): { grid: BucketGrid; level: number } {
  return chooseGrid(parts, now - windowMs, now, bucketMs);
}

export function poolActivity(parts: HistoryParts, now: number): PoolActivity {
  // 10 ms buckets for the last second and 100 ms ones for the last 10 s: windows exact to 1 %.
  const short = recentGrid(parts, now, UTILIZATION_WINDOW_MS, UTILIZATION_WINDOW_MS / 100);
  const recent = recentGrid(parts, now, RECENT_UTILIZATION_WINDOW_MS, RECENT_UTILIZATION_WINDOW_MS / 100);
  const workersOf = (aggregate: PoolAggregate | null) => aggregate?.workerIds() ?? [];
  const shortSummary = summarize(parts, short.grid, short.level, now, workersOf);
  const recentSummary = summarize(parts, recent.grid, recent.level, now, workersOf);
  const shortFromAt = short.grid.firstIndex * short.grid.bucketMs;
  const recentFromAt = recent.grid.firstIndex * recent.grid.bucketMs;
  const shortMs = Math.max(now - shortFromAt, Number.MIN_VALUE);
  const recentMs = Math.max(now - recentFromAt, Number.MIN_VALUE);
  const sum = (values: ArrayLike<number>) => {
    let total = 0;
    for (let i = 0; i < values.length; i++) total += values[i]!;
    return total;
  };
  const aggregate = shortSummary.aggregate;
  const workers: WorkerActivity[] = [];
  for (const [workerId, shortSums] of shortSummary.lanes) {
    const w = aggregate!.workerState(workerId)!;
    workers.push({
      workerId,
      phase: w.phase,
      requestId: w.requestId,
      busySince: w.busySince,
      runningForMs: w.busySince === null ? null : Math.max(0, now - w.busySince),
      jobsPerSecond: (sum(shortSums.started) * 1000) / shortMs,
      utilization: Math.min(1, sum(shortSums.busyMs) / shortMs),
      recentUtilization: Math.min(1, sum(recentSummary.lanes.get(workerId)?.busyMs ?? []) / recentMs),
    });
  }
  const oldestQueuedAt = aggregate?.oldestQueuedAt ?? null;
  return {
    at: now,
    lastSecondFromAt: shortFromAt,
    recentFromAt,
    requestsPerSecond: (sum(shortSummary.queue.received) * 1000) / shortMs,
    workers,
    queueLength: aggregate?.queueLength ?? 0,
    oldestWaitMs: oldestQueuedAt === null ? null : Math.max(0, now - oldestQueuedAt),
  };
}
