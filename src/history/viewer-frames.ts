// A viewer's frames (src/shared/wire.ts ViewerFrame), built from the flight recorder for what the viewer
// shows: its view (window, width, pause, cursor) plus what it was sent last. Whatever the traffic, a frame is
// bounded by the pool size, MAX_FRAME_QUEUE_JOBS, MAX_FRAME_QUEUE_SPANS, MAX_FRAME_LOG_LINES and the plot's width. Pure (no clock of
// its own, no Node), so a replay in the page builds frames from a loaded recording the same way.

import { logLineOf } from '../shared/pool-model';
import type { Strategy } from '../shared/settings';
import {
  type ControllerStatus,
  type FrameHistory,
  type FrameJob,
  type FrameLaneBuckets,
  type FrameLog,
  type FrameMemory,
  type FramePanels,
  type FrameQueue,
  type FrameQueueBuckets,
  type FrameRun,
  type FrameStats,
  type FrameThreads,
  type FrameTimeline,
  type FrameWaitingConnection,
  type FrameWaitingConnections,
  type FrameWorker,
  HIGH_RATE_REQUESTS_PER_S,
  MAX_FRAME_LOG_LINES,
  MAX_FRAME_QUEUE_JOBS,
  MAX_FRAME_QUEUE_SPANS,
  MAX_FRAME_WAITING_CONNECTIONS,
  MAX_QUERY_REQUESTS,
  type QueriedRequest,
  type QueryResult,
  VIEW_LIMITS,
  type ViewerFrame,
  type ViewerQuery,
  type ViewerView,
} from '../shared/wire';
import { bookVerdictOf } from './book-verdicts';
import type { EventHistory } from './event-history';
import type { RunInfo } from './history-parts';
import type { PoolState, RequestRecord } from './pool-state';
import type { LaneBuckets, QueueBuckets, Timeline } from './timeline';

/**
 * A live view's stats are read again at least this often, new events or not: requests per second (over the last
 * RATE_WINDOW_MS) falls to 0 once traffic stops, and the workers' busy shares move while a long job runs.
 */
export const STATS_REFRESH_INTERVAL_MS = 500;
/**
 * A live view's stats are sent at most this often while new events keep coming: a person reads the numbers a few
 * times a second (the page shows them at most every 100 ms), and each read takes every percentile again.
 */
export const STATS_MIN_INTERVAL_MS = 250;
/**
 * While more lines come than a frame carries (a flood: `omittedLineCount` > 0), the log is sent at most this often,
 * as a sample of the newest lines: nobody reads thousands of lines a second (the page shows a busy log once a
 * second), and at saturation the lines were most of every frame's bytes and of its log scan.
 */
export const FLOODED_LOG_INTERVAL_MS = 1_000;
/** A timeline tail is sent at most for this long in a row; then it is sent whole (bars that left the history, a moved start). */
export const WHOLE_TIMELINE_INTERVAL_MS = 1_000;
/** A full frame's log: the last MAX_FRAME_LOG_LINES lines among at most this many recent events. */
export const LOG_BACKFILL_EVENTS = 20_000;
/** New events scanned for log lines per frame at most (the newest; the rest are counted as omitted). */
export const LOG_SCAN_EVENTS_PER_FRAME = 4 * MAX_FRAME_LOG_LINES;

/** What the caller knows that the history does not: the controller's status, the live stats, other panels. */
export interface FrameContext {
  /** The present on the server's event clock. */
  now: number;
  /** The controller's status (null in a replay: no controller); a new object means it changed. */
  status: ControllerStatus | null;
  /**
   * The stats' version and a way to read them; the stats are sent again when the version moved. `isOfPresent`: the
   * numbers count every event up to the newest (the live stats), whatever moment is asked for, so a still view
   * (paused, scrolled back) keeps those it had when it left the present instead.
   */
  stats?: { version: number; read: (at: number, state: PoolState | null) => FrameStats; isOfPresent?: boolean } | null;
  /** The history's bounds, for the UI's "history starts at". */
  maxAgeMs: number;
  maxEvents: number;
  panels?: FramePanels;
  /** The process's memory as last read (null in a replay: no process); a new object means it was read again. */
  memory?: FrameMemory | null;
}

interface SentTimeline {
  bucketMs: number;
  now: number;
  /** The bars the viewer holds across the start of the next tail (the bucket holding `now`), by `runId:requestId`. */
  barsAcross: Set<string>;
  hasSpans: boolean;
  wholeAt: number;
}

/** One viewer's frame state: its view and what it was sent. */
export class ViewerFrames {
  private view: ViewerView | null = null;
  private needsFull = true;
  private seq = 0;
  /** The moment a paused live view stays at. */
  private frozenAt: number | null = null;
  private lastAt: number | null = null;
  private sentStatus: ControllerStatus | null = null;
  private sentMemory: FrameMemory | null = null;
  private sentStatsVersion = -1;
  private sentStats: FrameStats | null = null;
  private statsReadAt = Number.NEGATIVE_INFINITY;
  private sentRunsKey = '';
  private sentHistoryKey = '';
  private logSeq = 0;
  /** The last log part sent left lines out: the next one waits FLOODED_LOG_INTERVAL_MS after it. */
  private isLogFlooded = false;
  private logSentAt = Number.NEGATIVE_INFINITY;
  private sentTimeline: SentTimeline | null = null;
  /** Set when a frame was sent for a paused or cursor view: until the view changes, only what can change is sent. */
  private isStill = false;

  constructor(private readonly history: EventHistory) {}

  get currentView(): ViewerView | null {
    return this.view;
  }

  /** The viewer shows this now: the next frame is full and follows it. */
  setView(view: ViewerView): void {
    // Pausing keeps the moment last shown, through scroll-backs (a cursor view) and back to the window's end; only
    // leaving pause lets go of it.
    if (!view.paused) this.frozenAt = null;
    else if (view.cursor === 'live' && this.frozenAt === null) this.frozenAt = this.lastAt;
    this.view = view;
    this.needsFull = true;
    this.isStill = false;
  }

  /** The next frame replaces everything the viewer holds (e.g. after a transport hiccup). */
  resync(): void {
    this.needsFull = true;
    this.isStill = false;
  }

  /** The moment the view shows at `now`. */
  momentOf(now: number): number {
    const view = this.view;
    if (view === null || view.cursor === 'live') return view?.paused ? (this.frozenAt ?? now) : now;
    return view.cursor.at;
  }

  /**
   * The next frame, or null when nothing the viewer shows can have changed (a still view whose status, stats and
   * history are as sent) or no view was given yet.
   */
  build(context: FrameContext): ViewerFrame | null {
    const view = this.view;
    if (view === null) return null;
    const isFull = this.needsFull;
    const at = this.momentOf(context.now);
    if (view.paused && view.cursor === 'live' && this.frozenAt === null) this.frozenAt = at;
    const isLive = view.cursor === 'live' && !view.paused;
    const history = this.history;
    const historyPart = this.historyPart(context, isFull);
    const statusChanged = context.status !== null && context.status !== this.sentStatus;
    if (this.isStill && !isFull && !statusChanged && historyPart === undefined && context.panels === undefined) return null;

    const state = history.stateAt(at);
    const activity = history.activity(at);
    const frame: ViewerFrame = {
      kind: 'frame',
      seq: ++this.seq,
      viewId: view.id,
      sentAt: context.now,
      at,
      isLive,
      isFull,
      workers: [],
      queue: { length: 0, oldestWaitMs: null, jobs: [] },
      strategy: state?.settings?.strategy ?? null,
      threads: { live: 0, peak: 0, startupMedianMs: null },
      lock: null,
      waiting: { count: 0, connections: [] },
      counters: {
        requestsReceived: state?.counters.requestsReceived ?? 0,
        responsesSent: state?.counters.responsesSent ?? 0,
        rejected: state?.counters.rejected ?? 0,
        serverErrors: state?.counters.serverErrors ?? 0,
        openConnections: state?.connections.length ?? 0,
        requestsPerSecond: wireNumber(activity.requestsPerSecond),
      },
      run: {
        runId: state?.runId ?? 0,
        phase: state?.phase ?? 'stopped',
        settings: state?.settings ?? null,
        listeningAt: state?.listeningAt ?? null,
      },
    };
    if (state !== null) {
      // Jobs pass through the queue faster than a list can show them: the page shows its length and oldest wait.
      const listedQueueJobs = frame.counters.requestsPerSecond >= HIGH_RATE_REQUESTS_PER_S ? 0 : MAX_FRAME_QUEUE_JOBS;
      const jobs = jobsOf(state, at, listedQueueJobs);
      const byWorker = new Map(activity.workers.map((w) => [w.workerId, w]));
      frame.workers = state.workers.map((w): FrameWorker => {
        const rates = byWorker.get(w.id);
        return {
          id: w.id,
          phase: w.phase,
          job: w.requestId === null ? null : (jobs.get(w.requestId) ?? null),
          jobsPerSecond: wireNumber(rates?.jobsPerSecond ?? 0),
          utilization: wireNumber(rates?.utilization ?? 0),
          recentUtilization: wireNumber(rates?.recentUtilization ?? 0),
          jobsDone: w.jobsDone,
          spawnedAt: w.spawnedAt,
          replacements: w.replacements,
        };
      });
      frame.queue = queueOf(state, jobs, at, listedQueueJobs);
      frame.threads = threadsOf(state);
      frame.lock = state.lock === null ? null : { ...state.lock, waiters: state.lock.waiters.map((w) => ({ ...w })) };
      frame.waiting = waitingOf(state, at);
    }
    if (isFull || statusChanged) {
      if (context.status !== null) frame.status = context.status;
      this.sentStatus = context.status;
    }
    const memory = context.memory ?? null;
    if (memory !== null && (isFull || memory !== this.sentMemory)) frame.memory = memory;
    this.sentMemory = memory;
    const stats = this.statsPart(context, at, state, isFull, isLive);
    if (stats !== undefined) frame.stats = stats;
    if (historyPart !== undefined) frame.history = historyPart;
    const runs = this.runsPart(at, isFull);
    if (runs !== undefined) frame.runs = runs;
    const log = this.logPart(at, isFull, isLive);
    if (log !== undefined) frame.log = log;
    const timeline = this.timelinePart(view, at, isFull || !this.isStill);
    if (timeline !== undefined) frame.timeline = timeline;
    if (context.panels !== undefined) frame.panels = context.panels;

    this.needsFull = false;
    this.lastAt = at;
    this.isStill = !isLive;
    return frame;
  }

  // ── parts ──────────────────────────────────────────────────────────────────

  /** The stats when they changed: new events read, or (live) the moving figures after STATS_REFRESH_INTERVAL_MS. */
  private statsPart(context: FrameContext, at: number, state: PoolState | null, isFull: boolean, isLive: boolean): FrameStats | undefined {
    const source = context.stats;
    if (!source) return undefined;
    // A paused picture is one moment: counting the responses that came after it would mix two (a worker's share
    // grown past what its running job shows, a burst answered that the queue still holds).
    if (!isLive && source.isOfPresent === true && this.sentStats !== null) return isFull ? this.sentStats : undefined;
    const hasNewEvents = isFull || source.version !== this.sentStatsVersion;
    const sinceReadMs = at - this.statsReadAt;
    if (!hasNewEvents && !(isLive && sinceReadMs >= STATS_REFRESH_INTERVAL_MS)) return undefined;
    if (!isFull && isLive && sinceReadMs < STATS_MIN_INTERVAL_MS) return undefined;
    const stats = source.read(at, state);
    this.statsReadAt = at;
    this.sentStatsVersion = source.version;
    if (!hasNewEvents && this.sentStats !== null && haveSameMovingFigures(stats, this.sentStats)) return undefined;
    this.sentStats = stats;
    return stats;
  }

  private historyPart(context: FrameContext, isFull: boolean): FrameHistory | undefined {
    const h = this.history;
    const part: FrameHistory = {
      firstAt: h.firstAt,
      knownFromAt: h.knownFromAt,
      eventCount: h.eventCount,
      evictedCount: h.evictedCount,
      maxAgeMs: context.maxAgeMs,
      maxEvents: context.maxEvents,
    };
    // Counts move with every event: what a person reads is where the history starts (to the second) and whether it dropped any.
    const key = `${Math.floor(part.knownFromAt / 1_000)}|${part.evictedCount > 0}|${part.firstAt === null}|${part.maxAgeMs}|${part.maxEvents}`;
    if (!isFull && key === this.sentHistoryKey) return undefined;
    this.sentHistoryKey = key;
    return part;
  }

  /** The runs when what is known of them at `at` changed; read in place, copied only to be sent. */
  private runsPart(at: number, isFull: boolean): FrameRun[] | undefined {
    const runs = this.history.runsInPlace();
    let knownCount = runs.length;
    while (knownCount > 0 && runs[knownCount - 1]!.startedAt > at) knownCount--;
    const last = runs[knownCount - 1];
    const key = last
      ? `${knownCount}|${runs[0]!.runId}|${last.runId}|${knownBy(last.listeningAt, at)}|${knownBy(last.stoppingAt, at)}|${knownBy(last.stoppedAt, at)}`
      : '';
    if (!isFull && key === this.sentRunsKey) return undefined;
    this.sentRunsKey = key;
    return runsKnownAt(runs, at);
  }

  private logPart(at: number, isFull: boolean, isLive: boolean): FrameLog | undefined {
    const history = this.history;
    // Events at the moment shown count as shown (a microsecond is below the clock's resolution of interest).
    // Live is the newest event on, except in a replay, whose history goes on past the moment it shows.
    const lastAt = history.lastAt;
    const end = isLive && (lastAt === null || at >= lastAt) ? history.nextSeq : history.seqAtOrAfter(at + 0.001);
    if (isFull) {
      const lines = lastLinesBefore(history, Math.max(history.oldestSeq, end - LOG_BACKFILL_EVENTS), end, MAX_FRAME_LOG_LINES);
      this.logSeq = end;
      this.isLogFlooded = false;
      this.logSentAt = at;
      return { lines, omittedLineCount: 0 };
    }
    if (!isLive || end <= this.logSeq) return undefined;
    // A flood: its lines wait (and are counted) until the interval passed.
    if (this.isLogFlooded && at - this.logSentAt < FLOODED_LOG_INTERVAL_MS) return undefined;
    const from = Math.max(this.logSeq, end - LOG_SCAN_EVENTS_PER_FRAME);
    const skippedEvents = Math.max(0, from - Math.max(this.logSeq, history.oldestSeq));
    const { lines, omitted } = lastLines(history, from, end, MAX_FRAME_LOG_LINES);
    this.logSeq = end;
    if (lines.length === 0 && skippedEvents === 0) return undefined;
    this.isLogFlooded = omitted + skippedEvents > 0;
    this.logSentAt = at;
    return { lines, omittedLineCount: omitted + skippedEvents };
  }

  /**
   * The window's timeline: whole in a full frame and every WHOLE_TIMELINE_INTERVAL_MS, else only its tail from the
   * bucket that held the previous frame's moment. The closed buckets before it do not change (the viewer keeps
   * them), so the tail is all that is built: its cost follows the frame interval, not the window.
   */
  private timelinePart(view: ViewerView, at: number, isWanted: boolean): FrameTimeline | undefined {
    if (!isWanted) return undefined;
    const sent = this.sentTimeline;
    const build = (fromBucketIndex: number | undefined, maxQueueSpans: number) =>
      this.history.timeline({
        fromAt: at - view.windowMs,
        toAt: at,
        plotWidthPx: Math.min(view.plotWidthPx, VIEW_LIMITS.maxPlotWidthPx),
        now: at,
        maxQueueSpans,
        ...(fromBucketIndex === undefined || sent === null ? {} : { fromBucketIndex, barsAcross: sent.barsAcross }),
      });
    const canTail = !this.needsFull && sent !== null && at >= sent.now && at - sent.wholeAt < WHOLE_TIMELINE_INTERVAL_MS;
    // While the window has too many waits to list, a tail does not look for them: the next whole timeline does.
    let timeline = canTail
      ? build(Math.floor(sent.now / sent.bucketMs), sent.hasSpans ? MAX_FRAME_QUEUE_SPANS : 0)
      : build(undefined, MAX_FRAME_QUEUE_SPANS);
    let isTail = canTail && timeline.bucketMs === sent.bucketMs && (timeline.queue.spans !== null) === sent.hasSpans;
    // The grid changed (the history no longer reaches back at this resolution) or the waits crossed the limit.
    if (canTail && !isTail) timeline = build(undefined, MAX_FRAME_QUEUE_SPANS);
    isTail &&= canTail;
    const part = frameTimelineOf(timeline, isTail ? 'tail' : 'whole', timeline.fromBucketIndex);
    // Every bar the viewer holds that reaches the next tail is in this part (it reaches this part's start too).
    const nextTailAt = Math.floor(at / timeline.bucketMs) * timeline.bucketMs;
    const barsAcross = new Set<string>();
    for (const lane of part.lanes) {
      for (const bar of lane.bars) {
        if (bar.startedAt < nextTailAt && (bar.finishedAt === null || bar.finishedAt > nextTailAt))
          barsAcross.add(`${bar.runId}:${bar.requestId}`);
      }
    }
    this.sentTimeline = {
      bucketMs: timeline.bucketMs,
      now: at,
      barsAcross,
      hasSpans: timeline.queue.spans !== null,
      wholeAt: isTail && sent !== null ? sent.wholeAt : at,
    };
    return part;
  }
}

// ── conversions ──────────────────────────────────────────────────────────────

/** The stats that move with the clock alone, without new events: the rate and the busy shares. */
function haveSameMovingFigures(a: FrameStats, b: FrameStats): boolean {
  return (
    a.requestsPerSecond === b.requestsPerSecond &&
    a.workerBusyPercent.length === b.workerBusyPercent.length &&
    a.workerBusyPercent.every((percent, i) => percent === b.workerBusyPercent[i])
  );
}

function frameRunOf(run: Readonly<RunInfo>): FrameRun {
  return {
    runId: run.runId,
    startedAt: run.startedAt,
    listeningAt: run.listeningAt,
    settings: run.settings && { ...run.settings },
    stoppingAt: run.stoppingAt,
    stopReason: run.stopReason,
    stoppedAt: run.stoppedAt,
  };
}

/** A moment of a run as known at `at`: null (not yet) when it is later. */
function knownBy(momentAt: number | null, at: number): number | null {
  return momentAt !== null && momentAt <= at ? momentAt : null;
}

/**
 * The runs as they were known at `at`: none that began later, and no later listening or stop. Live it changes
 * nothing; a replay's history knows how each run ends, and a moment before that must not tell.
 */
function runsKnownAt(runs: readonly Readonly<RunInfo>[], at: number): FrameRun[] {
  const known: FrameRun[] = [];
  for (const run of runs) {
    if (run.startedAt > at) break;
    const frameRun = frameRunOf(run);
    if (frameRun.listeningAt !== null && frameRun.listeningAt > at) {
      frameRun.listeningAt = null;
      frameRun.settings = null;
    }
    if (frameRun.stoppingAt !== null && frameRun.stoppingAt > at) {
      frameRun.stoppingAt = null;
      frameRun.stopReason = null;
    }
    if (frameRun.stoppedAt !== null && frameRun.stoppedAt > at) frameRun.stoppedAt = null;
    known.push(frameRun);
  }
  return known;
}

function jobOf(record: RequestRecord, at: number): FrameJob {
  const startedAt = record.startedAt;
  const since = startedAt ?? record.queuedAt ?? record.receivedAt;
  return {
    requestId: record.id,
    method: record.method,
    target: record.target,
    path: record.path,
    origin: record.origin,
    receivedAt: record.receivedAt,
    queuedAt: record.queuedAt,
    startedAt,
    elapsedMs: Math.max(0, at - since),
  };
}

/**
 * The jobs a frame names (the workers' and the first `listedQueueJobs` of the queue), by request id: one pass over
 * the requests in flight.
 */
function jobsOf(state: PoolState, at: number, listedQueueJobs: number): Map<number, FrameJob> {
  const wanted = new Set<number>();
  for (const w of state.workers) if (w.requestId !== null) wanted.add(w.requestId);
  for (let i = 0; i < state.queue.length && i < listedQueueJobs; i++) wanted.add(state.queue[i]!.requestId);
  const jobs = new Map<number, FrameJob>();
  for (const record of state.requests) if (wanted.has(record.id)) jobs.set(record.id, jobOf(record, at));
  return jobs;
}

/** The middle of the sorted values (the mean of the two middle ones for an even count); null for none. */
export function medianOf(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function threadsOf(state: PoolState): FrameThreads {
  return { live: state.threads.live, peak: state.threads.peak, startupMedianMs: medianOf(state.threads.recentStartupMs) };
}

/**
 * The single thread's waiting connections, the oldest MAX_FRAME_WAITING_CONNECTIONS, with their addresses: one
 * pass over the open connections fills the listed ones in (a full server holds thousands open).
 */
function waitingOf(state: PoolState, at: number): FrameWaitingConnections {
  const waiting = state.waitingConnections;
  const listedById = new Map<number, FrameWaitingConnection>();
  const connections: FrameWaitingConnection[] = [];
  for (let i = 0; i < waiting.length && i < MAX_FRAME_WAITING_CONNECTIONS; i++) {
    const { connectionId, since } = waiting[i]!;
    const listed = { connectionId, remoteAddress: '', remotePort: 0, since, waitedMs: Math.max(0, at - since) };
    connections.push(listed);
    listedById.set(connectionId, listed);
  }
  let unfilled = listedById.size;
  for (let i = 0; i < state.connections.length && unfilled > 0; i++) {
    const open = state.connections[i]!;
    const listed = listedById.get(open.id);
    if (listed === undefined) continue;
    listed.remoteAddress = open.remoteAddress;
    listed.remotePort = open.remotePort;
    unfilled--;
  }
  return { count: waiting.length, connections };
}

function queueOf(state: PoolState, jobs: Map<number, FrameJob>, at: number, listedQueueJobs: number): FrameQueue {
  const head = state.queue.slice(0, listedQueueJobs);
  const oldest = state.queue[0];
  return {
    length: state.queue.length,
    oldestWaitMs: oldest === undefined ? null : Math.max(0, at - oldest.queuedAt),
    jobs: head.map(
      (job): FrameJob =>
        jobs.get(job.requestId) ?? {
          // Its request-received left the history: what the queue itself knows.
          requestId: job.requestId,
          method: '',
          target: '',
          path: '',
          origin: 'external',
          receivedAt: job.queuedAt,
          queuedAt: job.queuedAt,
          startedAt: null,
          elapsedMs: Math.max(0, at - job.queuedAt),
        },
    ),
  };
}

/** The log lines among events [from, end), the last `max` of them, and how many more there were. */
function lastLines(history: EventHistory, from: number, end: number, max: number): { lines: FrameLog['lines']; omitted: number } {
  const lines: FrameLog['lines'] = [];
  let total = 0;
  // Lines are worded as the running strategy's listing prints them; a run that starts in the range changes it.
  let strategy: Strategy | null = null;
  history.readEvents(from, end - from, (event) => {
    if (event.type === 'server-listening') strategy = event.strategy;
    strategy ??= history.runsInPlace().findLast((run) => run.startedAt <= event.at)?.settings?.strategy ?? 'pool';
    const text = logLineOf(event, strategy);
    if (text === null) return;
    total++;
    lines.push({ at: event.at, text });
    if (lines.length > 2 * max) lines.splice(0, lines.length - max);
  });
  const kept = lines.length > max ? lines.slice(-max) : lines;
  return { lines: kept, omitted: total - kept.length };
}

/**
 * The last `max` log lines among events [from, end), read backwards in chunks: a full frame at any moment (a
 * scrub of a long replay) reads a few hundred events, not the whole LOG_BACKFILL_EVENTS, when lines are frequent.
 */
function lastLinesBefore(history: EventHistory, from: number, end: number, max: number): FrameLog['lines'] {
  const chunks: Array<FrameLog['lines']> = [];
  let found = 0;
  for (let chunkEnd = end; chunkEnd > from && found < max; ) {
    const chunkFrom = Math.max(from, chunkEnd - LOG_SCAN_EVENTS_PER_FRAME);
    const { lines } = lastLines(history, chunkFrom, chunkEnd, max);
    chunks.push(lines);
    found += lines.length;
    chunkEnd = chunkFrom;
  }
  return chunks.reverse().flat().slice(-max);
}

/**
 * Fractions and means travel with this many decimals: a ten-thousandth of a lane's height or of a ms is below what
 * any view shows, and a full double's 17 digits were most of a whole timeline's bytes.
 */
const WIRE_DECIMALS = 4;
const WIRE_SCALE = 10 ** WIRE_DECIMALS;

/** A number as a frame carries it (see WIRE_DECIMALS). */
export function wireNumber(value: number): number {
  return Math.round(value * WIRE_SCALE) / WIRE_SCALE;
}

function slice(values: ArrayLike<number>, from: number, to: number, isFractional = false): number[] {
  const out = new Array<number>(Math.max(0, to - from));
  for (let i = from; i < to; i++) out[i - from] = isFractional ? wireNumber(values[i]!) : values[i]!;
  return out;
}

function laneBucketsOf(b: LaneBuckets, from: number, to: number): FrameLaneBuckets {
  return {
    busyFraction: slice(b.busyFraction, from, to, true),
    jobs: slice(b.jobs, from, to),
    routes: slice(b.routes, from * 3, to * 3),
    statuses: slice(b.statuses, from * 5, to * 5),
    burstJobs: slice(b.burstJobs, from, to),
  };
}

function queueBucketsOf(b: QueueBuckets, from: number, to: number): FrameQueueBuckets {
  return {
    meanLength: slice(b.meanLength, from, to, true),
    maxLength: slice(b.maxLength, from, to),
    received: slice(b.received, from, to),
    rejected: slice(b.rejected, from, to),
    dequeued: slice(b.dequeued, from, to),
    meanWaitMs: slice(b.meanWaitMs, from, to, true).map((ms) => (Number.isNaN(ms) ? null : ms)),
  };
}

/**
 * The wire form of a timeline: plain arrays, from bucket `fromBucketIndex` on (and the bars and spans reaching it),
 * which the timeline holds (its own fromBucketIndex or later).
 */
export function frameTimelineOf(timeline: Timeline, mode: 'whole' | 'tail', fromBucketIndex: number): FrameTimeline {
  const offset = fromBucketIndex - timeline.fromBucketIndex;
  const end = timeline.firstBucketIndex + timeline.bucketCount - timeline.fromBucketIndex;
  const count = timeline.bucketCount;
  const tailFromAt = fromBucketIndex * timeline.bucketMs;
  const isWhole = mode === 'whole';
  return {
    mode,
    fromAt: timeline.fromAt,
    toAt: timeline.toAt,
    now: timeline.now,
    bucketMs: timeline.bucketMs,
    firstBucketIndex: timeline.firstBucketIndex,
    bucketCount: count,
    fromBucketIndex,
    knownFromAt: timeline.knownFromAt,
    historyStartAt: timeline.historyStartAt,
    lanes: timeline.lanes.map((lane) => ({
      workerId: lane.workerId,
      bars: isWhole ? lane.bars : lane.bars.filter((bar) => bar.finishedAt === null || bar.finishedAt >= tailFromAt),
      buckets: laneBucketsOf(lane.buckets, offset, end),
    })),
    queue: {
      spans:
        timeline.queue.spans === null
          ? null
          : isWhole
            ? timeline.queue.spans
            : timeline.queue.spans.filter((span) => span.isWaiting || span.leftAt >= tailFromAt),
      buckets: queueBucketsOf(timeline.queue.buckets, offset, end),
    },
    markers: timeline.markers,
    runs: runsKnownAt(timeline.runs, timeline.now),
  };
}

/**
 * Details on demand: a `query` answered from the history, bounded by MAX_QUERY_REQUESTS. `viewAt` is the moment
 * the asking view shows (its cursor), used when the query does not name one.
 */
export function answerQuery(history: EventHistory, query: ViewerQuery, viewAt?: number): QueryResult {
  // Asked for by id, with the moment its view shows when that is not the live now (live: the newest record).
  if (query.kind === 'request') {
    const request = history.request(query.requestId, query.runId, query.at);
    return { ok: true, kind: 'request', request: request && queriedRequestsOf(history, [request])[0]! };
  }
  // A verdict is about a whole run, wherever the asking view's cursor is.
  if (query.kind === 'book-verdict') return { ok: true, kind: 'book-verdict', verdict: bookVerdictOf(history, query.step, query.runId) };
  // A comparison keeps its own recordings, outside the history: only the live main side answers it.
  if (query.kind === 'comparison') return { ok: true, kind: 'comparison', comparison: null };
  const now = query.at ?? viewAt;
  const list = history.requestsIn({
    track: query.track,
    fromAt: query.fromAt,
    toAt: query.toAt,
    limit: Math.min(query.limit, MAX_QUERY_REQUESTS),
    ...(now === undefined ? {} : { now }),
  });
  const requests = queriedRequestsOf(history, list.requests);
  return { ok: true, kind: 'requests-in', requests, total: list.total, isPartlyBeforeHistory: list.isPartlyBeforeHistory };
}

/** Requests as a query answers them: each with its connection's wait and its run's strategy. */
function queriedRequestsOf(history: EventHistory, requests: readonly (RequestRecord & { runId: number })[]): QueriedRequest[] {
  const strategyByRun = new Map(history.runsInPlace().map((run) => [run.runId, run.settings?.strategy ?? null]));
  return requests.map((request) => ({
    ...request,
    connectionWaitMs: history.connectionWaitMsOf(request.runId, request.id),
    strategy: strategyByRun.get(request.runId) ?? null,
  }));
}
