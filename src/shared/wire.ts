// What travels between the main side (Electron main or the dashboard server) and a viewer: frames built
// from the flight recorder one way (bounded by what the viewer shows, never by the traffic), the viewer's
// view, acks, queries and commands the other. Shared by IPC and the WebSocket transport; every message is
// plain JSON (no typed arrays, no Maps), so both transports carry it unchanged.

import type { BookStepId, BookVerdict } from './book';
import type { Command, CommandResult, LoadRunSettings, ScenarioCommandResult } from './commands';
import type { CompareSettings, Comparison } from './compare';
import type { JobAbandonReason, StopReason } from './events';
import type { LiveMetrics } from './live-metrics';
import type { SweepSettings } from './load-settings';
import type { LogLine, PoolCounters, RequestOrigin, RequestRecord, WorkerPhase } from './pool-model';
import type { BurstSummary, PercentilesMs, RouteStats } from './request-stats';
import type { BuiltInScenarioId, Scenario } from './scenarios';
import type { RecorderSettings, ServerSettings, SettingName, Strategy } from './settings';

export type ControllerPhase = 'stopped' | 'starting' | 'listening' | 'stopping';

/** The server controller's own state: what the Start/Stop buttons and the status line show. */
export interface ControllerStatus {
  phase: ControllerPhase;
  /** `http://127.0.0.1:7878` while listening, else null. */
  url: string | null;
  /**
   * The settings of the running server; while stopped, those it last ran with (the initial ones before any run).
   * While starting, the ones being tried; a start that fails leaves them as they were, so a page that opens never
   * shows input that was refused.
   */
  settings: ServerSettings;
  /** The last command's failure, in words for a person (e.g. "Port 7878 is already in use"). */
  lastError: string | null;
  /** The setting lastError is about, when one is (see CommandResult's `field`); absent otherwise. */
  lastErrorField?: SettingName;
  /**
   * While the server runs, what a person should know of it that is not a failure, in words (e.g. that its open-file
   * limit holds fewer connections than it would otherwise); absent when there is nothing to say.
   */
  notice?: string;
}

// ── The frame contract ────────────────────────────────────────────────────────
//
// A viewer says what it shows (`view`); the main side answers with frames, at most one every
// FRAME_INTERVAL_MS and never more than one unacknowledged: the viewer acks each frame once it has
// applied it (`frame-ack`), which is the whole backpressure — a slow viewer gets fewer frames, never a
// backlog. The first frame after a view (and after a resync) is full (`isFull`): it replaces everything
// the viewer holds and is the truth at once (busy workers with their elapsed time, waiting jobs with their
// wait, open connections, the window's timeline back-filled from the recorder). Later frames carry what
// changed; a part that is absent is unchanged.
//
// Times are ms since the Unix epoch on the server's event clock (the same as every event's `at`).

/**
 * The least time between two live frames to one viewer (10 per second at most). The page slides the timeline's
 * window on every paint by itself, so frames only bring what changed; each one costs the server's main thread to
 * build and the page's to apply, and a tenth of a second is as soon as a person sees a change anyway.
 */
export const FRAME_INTERVAL_MS = 100;
/**
 * At or above this many requests per second (the last frame's counters.requestsPerSecond) a live viewer's frames
 * come at most every BUSY_FRAME_INTERVAL_MS. There the panels show what a second holds (jobs per second,
 * utilization over the last second, buckets of the timeline, which slides by itself between frames) rather than
 * requests one by one, so a fifth of a second loses nothing a person reads, and each frame costs the browser a
 * whole update (parse, render, style, layout, paint, raster, composite) that comes out of the server's cores.
 */
export const BUSY_FRAME_REQUESTS_PER_S = 1_000;
export const BUSY_FRAME_INTERVAL_MS = 2 * FRAME_INTERVAL_MS;
/**
 * While the server's main thread has no slack — it was busy at least SATURATED_BUSY_FRACTION of the last second
 * (its event-loop utilization: that thread accepts, parses and dispatches every request, and builds the frames) — and
 * the rate is at least BUSY_FRAME_REQUESTS_PER_S, a live viewer's frames come at most every
 * SATURATED_FRAME_INTERVAL_MS. There the server is the bottleneck and every frame costs the browser a whole update
 * out of the cores it shares with the server (about 3–4 % of a core per frame per second on a 2-core machine), so
 * a watcher that updates half as often takes that much less from what it watches. Monitoring tools refresh every
 * second or so; between frames running durations still count on the page's clock (the timeline steps with each
 * frame instead of sliding between them: timeline-layers.ts, dataLayerMotion) and Pause is the page's. The page says why it updates less often (the frame's `pace`). The pace goes back to the busy
 * one once the thread is busy less than SATURATED_EXIT_BUSY_FRACTION of a second (hysteresis: no flapping at the edge).
 */
export const SATURATED_FRAME_INTERVAL_MS = 5 * FRAME_INTERVAL_MS;
// Measured on this 2-core machine (4 workers, GET /, no page): the thread is busy 0.2–0.3 of a second at 2,000
// requests/s, 0.45–0.57 at 10,000, 0.8–0.87 when an asked 20,000 is not met, 0.87–0.95 under wrk at saturation.
export const SATURATED_BUSY_FRACTION = 0.85;
export const SATURATED_EXIT_BUSY_FRACTION = 0.7;
/** The server's main thread's busy fraction is read over windows this long (performance.eventLoopUtilization()). */
export const BUSY_FRACTION_WINDOW_MS = 1_000;
/**
 * At rest — the last live frame counted no request in the last second, no job running, none queued, no connection
 * waiting — and while nothing new is recorded (no event, no change of status), a live viewer gets a frame at most
 * this often: each would repeat the last but for its moment (and the live charts' samples of nothing, which wait for
 * it), and cost the browser a whole update. The first event after the rest is sent at the normal pace (the publisher
 * looks every FRAME_INTERVAL_MS). Durations on the page run on its own clock, and the timeline slides by itself.
 */
export const RESTING_FRAME_INTERVAL_MS = 1_000;
/**
 * The same for a replay while it plays: its present is the cursor, which moves only with frames, and its frames cost
 * the page alone, so they come as often as the display needs for smooth motion (30 per second at most).
 */
export const REPLAY_FRAME_INTERVAL_MS = 33;
/** Bounds of a view the main side accepts (validateViewerView); a wider plot is answered as this wide. */
export const VIEW_LIMITS = {
  minWindowMs: 100,
  maxWindowMs: 24 * 60 * 60 * 1000,
  minPlotWidthPx: 1,
  maxPlotWidthPx: 8192,
} as const;
/** Jobs listed in a frame's queue part (the oldest first); the rest are counted in `length`. */
export const MAX_FRAME_QUEUE_JOBS = 50;
/**
 * At or above this many requests per second (the frame's counters.requestsPerSecond) the queue panel shows the
 * queue's length and oldest wait rather than a list that flickers, and a frame lists no queued job.
 */
export const HIGH_RATE_REQUESTS_PER_S = 50;
/**
 * Waits a frame's queue track carries one by one at most: past it, the track is the queue's length per bucket
 * (spans null). As many as the timeline's overlay names; more overlap into a band no one can read one by one.
 */
export const MAX_FRAME_QUEUE_SPANS = 300;
/** New log lines a frame carries at most (the newest kept; the rest counted in `omittedLineCount`). */
export const MAX_FRAME_LOG_LINES = 100;
/** Waiting connections (strategy 'single') listed in a frame, oldest first; the rest are counted in `count`. */
export const MAX_FRAME_WAITING_CONNECTIONS = 50;
/** The main side reads its process's memory at most this often, and only while it builds frames for a viewer. */
export const MEMORY_SAMPLE_INTERVAL_MS = 500;
/** Requests a `requests-in` query returns at most. */
export const MAX_QUERY_REQUESTS = 500;

/** What a viewer shows: the frames are cut to it. */
export interface ViewerView {
  /** The viewer's own counter for its views; frames built for this view carry it back as `viewId`. */
  id: number;
  /** Length of the timeline's visible window, ms (e.g. 30 000): the window is [at - windowMs, at]. */
  windowMs: number;
  /** Width of the timeline lanes' plot area in CSS px: the timeline's level of detail (and a frame's size) follows from it. */
  plotWidthPx: number;
  /**
   * The view stops moving: with `cursor: 'live'` it stays at the moment of the last frame before the pause
   * (or the moment of the pause, when none was sent yet). While paused a frame is sent only when something it
   * shows can still change (the controller's status, the history's start); leaving pause sends a full frame.
   */
  paused: boolean;
  /** 'live': the present, moving. { at }: the history as it was at `at` (a scrub or a replay cursor), not moving. */
  cursor: 'live' | { at: number };
}

/** A worker as its card shows it at the frame's moment. */
export interface FrameWorker {
  id: number;
  phase: WorkerPhase;
  /** The job it runs; null when idle. */
  job: FrameJob | null;
  /** Jobs started per second over the last second. */
  jobsPerSecond: number;
  /** Fraction of the last second it ran jobs, 0–1. */
  utilization: number;
  /** Fraction of the last 10 seconds it ran jobs, 0–1. */
  recentUtilization: number;
  /** Jobs it finished in this run. */
  jobsDone: number;
  spawnedAt: number;
  /** Crashed threads replaced under this id. */
  replacements: number;
}

/** A job running or waiting at the frame's moment. */
export interface FrameJob {
  requestId: number;
  method: string;
  /** The request-target as sent. */
  target: string;
  /** target without its query string */
  path: string;
  origin: RequestOrigin;
  receivedAt: number;
  /** When it joined the queue; null when not known (it joined before the history began). */
  queuedAt: number | null;
  /** When a worker took it; null while it waits. */
  startedAt: number | null;
  /** At the frame's moment: how long it has waited (waiting) or has run (running). */
  elapsedMs: number;
}

/** Strategy 'pool-while-let': the queue's one lock at the frame's moment. */
export interface FrameLock {
  /** The worker holding it; null while it is free. */
  holderId: number | null;
  /** When the holder took it; null while free. */
  heldSince: number | null;
  /** Workers blocked on it, in the order they began to wait, each with when it began (as many as the pool has workers). */
  waiters: { workerId: number; since: number }[];
}

/** The threads running requests in the frame's run (every strategy has them). */
export interface FrameThreads {
  /** Alive now: the pool's workers, the single thread, or 'per-request''s request threads (starting ones included). */
  live: number;
  /** The most alive at once in this run. */
  peak: number;
  /** 'per-request': the median start-up (spawn to running its request) of the latest request threads, ms; null when none started. */
  startupMedianMs: number | null;
}

/** The server process's memory, as the main side last read it (process.memoryUsage()). */
export interface FrameMemory {
  /** Resident set size of the whole process: every thread's isolate included. */
  rssBytes: number;
  /** The main thread's V8 heap in use, and its size. */
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** When it was read (server clock). */
  sampledAt: number;
}

/** Strategy 'single': a connection accepted and not yet read, while the one thread serves another. */
export interface FrameWaitingConnection {
  connectionId: number;
  remoteAddress: string;
  remotePort: number;
  /** When it was accepted. */
  since: number;
  /** How long it has waited at the frame's moment. */
  waitedMs: number;
}

export interface FrameWaitingConnections {
  /** Connections waiting. */
  count: number;
  /** The first MAX_FRAME_WAITING_CONNECTIONS, oldest (next to be read) first. */
  connections: FrameWaitingConnection[];
}

export interface FrameQueue {
  /** Jobs waiting for a worker. */
  length: number;
  /** How long the oldest waiting job has waited at the frame's moment; null when none waits. */
  oldestWaitMs: number | null;
  /** The first MAX_FRAME_QUEUE_JOBS waiting jobs, oldest (next to start) first; none at HIGH_RATE_REQUESTS_PER_S and above. */
  jobs: FrameJob[];
}

/** The current run's counts (they start at 0 with each server start) and its request rate. */
export interface FrameCounters extends PoolCounters {
  /** Requests received per second over the last second. */
  requestsPerSecond: number;
}

/**
 * The stats strip's and panel's numbers: the current run's latency and wait percentiles over all routes and
 * per route (HDR histograms kept on the main side), burst summaries and each worker's recent busy share.
 */
export interface FrameStats {
  /** Responses per second over the last RATE_WINDOW_MS (src/shared/request-stats.ts); 0 once the server stopped. */
  requestsPerSecond: number;
  /** Received → response sent, per finished request of this run; null before the first one. */
  latencyMs: PercentilesMs | null;
  /** Queued → started on a worker, per finished job of this run; null before the first one. */
  waitMs: PercentilesMs | null;
  /** Requests of this run that got a response. */
  finishedCount: number;
  /** Responses with status >= 500 in this run (full-queue 503s and crashed jobs included). */
  serverErrors: number;
  /** Responses with status 400–499 in this run (bad requests, 404s). */
  clientErrors: number;
  /** Requests of this run whose job waited the max wait without a worker taking it, answered 503 (in serverErrors too). */
  waitedTooLong: number;
  /** Latency and wait per route that had a response this run (`/`, `/sleep`, other). */
  routes: RouteStats[];
  /** The latest bursts, newest first. */
  bursts: BurstSummary[];
  /** Per worker id: the whole percent of the last BUSY_WINDOW_MS it spent running jobs. */
  workerBusyPercent: number[];
}

/** New log lines (the book's lines and the server's), oldest first. */
export interface FrameLog {
  lines: LogLine[];
  /** Lines (or events that may have made lines) since the previous frame that are not in `lines`: show "N more". */
  omittedLineCount: number;
}

/** What the flight recorder holds: the UI says from when the history starts once it has dropped old events. */
export interface FrameHistory {
  /** The oldest event held; null while none is. */
  firstAt: number | null;
  /** The earliest moment whose state is known (a view before it shows nothing). */
  knownFromAt: number;
  /** Events held / dropped so far (by age or by count). */
  eventCount: number;
  evictedCount: number;
  /** The bounds: --history-s and --history-events. */
  maxAgeMs: number;
  maxEvents: number;
}

/** A server run the history knows, for separators, the scrub bar and replay. */
export interface FrameRun {
  runId: number;
  startedAt: number;
  listeningAt: number | null;
  settings: ServerSettings | null;
  stoppingAt: number | null;
  stopReason: StopReason | null;
  stoppedAt: number | null;
}

/** A job drawn on its own on a lane (see src/history/timeline.ts: a bucket that exactly one job overlaps). */
export interface FrameBar {
  runId: number;
  requestId: number;
  workerId: number;
  method: string;
  path: string;
  route: '/' | '/sleep' | 'other';
  origin: RequestOrigin;
  queuedAt: number | null;
  startedAt: number;
  /** null while it runs. */
  finishedAt: number | null;
  status: number | null;
  isRunning: boolean;
  /** Its request left the event history: a `request` query no longer finds it. */
  isBeforeHistory: boolean;
}

/**
 * Per bucket of the timeline's grid, the jobs of a lane that are not drawn as bars. Arrays are as long as the
 * part of the grid the frame carries (see FrameTimeline.fromBucketIndex); index k is bucket fromBucketIndex + k.
 */
export interface FrameLaneBuckets {
  /** Run time of those jobs in the bucket over the bucket's elapsed length, 0–1. */
  busyFraction: number[];
  jobs: number[];
  /** 3 per bucket, in ROUTE_CLASSES order ('/', '/sleep', 'other'): bucket k's count for route r at k·3 + r. */
  routes: number[];
  /** 5 per bucket, in STATUS_CLASSES order ('2xx', '4xx', '5xx', 'other', 'running'), at k·5 + s. */
  statuses: number[];
  /** Jobs from the burst generator; the rest are external. */
  burstJobs: number[];
}

export interface FrameLane {
  workerId: number;
  /** In start order: every bar overlapping [fromBucketIndex · bucketMs, now]. */
  bars: FrameBar[];
  buckets: FrameLaneBuckets;
}

/** A job's wait in the queue, or a connection's for the single thread (see src/history/timeline.ts QueueSpan). */
export interface FrameQueueSpan {
  runId: number;
  /** null for a connection's wait until its request is read, and for one that closed unread. */
  requestId: number | null;
  /** Strategy 'single': the connection that waited, unread, and whether the thread took it; null for a job's wait. */
  connection: { connectionId: number; wasRead: boolean } | null;
  queuedAt: number;
  /** When a worker took it, or the frame's moment while it waits. */
  leftAt: number;
  workerId: number | null;
  /** Why it left the queue without running (e.g. its max wait passed); null unless it was abandoned. */
  abandonReason: JobAbandonReason | null;
  isWaiting: boolean;
  route: '/' | '/sleep' | 'other';
  origin: RequestOrigin;
  isBeforeHistory: boolean;
}

/** One key per span of a frame: a job's wait by its request, a connection's wait by its connection. */
export function queueSpanKeyOf(span: Pick<FrameQueueSpan, 'runId' | 'requestId' | 'connection'>): string {
  return span.connection === null ? `${span.runId}:${span.requestId}` : `${span.runId}:connection ${span.connection.connectionId}`;
}

export interface FrameQueueBuckets {
  meanLength: number[];
  maxLength: number[];
  received: number[];
  rejected: number[];
  dequeued: number[];
  /** Mean wait of the jobs that left the queue in the bucket; null when none did. */
  meanWaitMs: Array<number | null>;
}

export interface FrameMarker {
  at: number;
  kind:
    | 'server-started'
    | 'server-listening'
    | 'stop-requested'
    | 'worker-stopping'
    | 'worker-joined'
    | 'worker-crashed'
    | 'worker-replaced'
    | 'server-stopped';
  runId: number;
  workerId: number | null;
  stopReason: StopReason | null;
  exitCode: number | null;
  isBeforeHistory: boolean;
}

/**
 * The timeline of the view's window at the view's width (EventHistory.timeline), whole or as a tail.
 * - mode 'whole': replace the timeline held.
 * - mode 'tail': the grid (bucketMs) is the one held; drop buckets before firstBucketIndex, keep those in
 *   [firstBucketIndex, fromBucketIndex) as held, replace everything from fromBucketIndex on with what this
 *   carries: bucket arrays, the bars overlapping [fromBucketIndex · bucketMs, now] (a bar held that ends
 *   before that stays; every other held bar is replaced), and the queue's spans likewise. A lane held that a
 *   tail leaves out had no job from fromBucketIndex on: keep it, empty from there. A tail starts at the bucket
 *   that held the previous frame's moment (the buckets before it are closed and do not change) and is all the
 *   main side builds for it; the timeline comes whole again at least once a second.
 * Its size is bounded by plotWidthPx, never by the traffic. Fractions and means carry at most 4 decimals.
 */
export interface FrameTimeline {
  mode: 'whole' | 'tail';
  fromAt: number;
  toAt: number;
  /** The newest moment shown (the frame's moment). */
  now: number;
  bucketMs: number;
  /** The whole window's grid: buckets [firstBucketIndex, firstBucketIndex + bucketCount). */
  firstBucketIndex: number;
  bucketCount: number;
  /** The first bucket this message carries (= firstBucketIndex when whole). */
  fromBucketIndex: number;
  /** Nothing is known before this. */
  knownFromAt: number;
  /** The event history starts here: before it only buckets, no bars or details. null: no events held. */
  historyStartAt: number | null;
  /** By worker id. */
  lanes: FrameLane[];
  queue: {
    /**
     * Waits of at least a pixel while they fit and are at most MAX_FRAME_QUEUE_SPANS, else null (draw the queue
     * buckets); null → non-null switches send 'whole'.
     */
    spans: FrameQueueSpan[] | null;
    buckets: FrameQueueBuckets;
  };
  /** Markers in the window, oldest first (always the whole window's: they are few). */
  markers: FrameMarker[];
  /** Runs overlapping the window, oldest first. */
  runs: FrameRun[];
}

/**
 * Further panels that ride in frames, each present only when it changed: `metrics`, the main side's live
 * figures (the queueing window, the charts' samples since the viewer's last, Run load and Sweep… progress).
 * They do not depend on the view: a viewer applies them even from a frame built for an older view.
 */
export interface FramePanels {
  metrics?: LiveMetrics;
}

/** One frame to one viewer: the state at `at` as its view shows it. */
export interface ViewerFrame {
  kind: 'frame';
  /** 1, 2, 3 … per viewer connection; ack each with { kind: 'frame-ack', seq }. */
  seq: number;
  /** The view (ViewerView.id) this frame was built for; frames for an older view may be ignored (still ack them). */
  viewId: number;
  /** When it was built (server clock). */
  sentAt: number;
  /** The moment it shows: the present (live), the pause moment, or the cursor. */
  at: number;
  /** Live and moving: at is the present. */
  isLive: boolean;
  /** Replace everything held (first frame, new view, after a resync); else absent parts are unchanged. */
  isFull: boolean;
  /** The controller's status: in every full frame and whenever it changed. */
  status?: ControllerStatus;
  /** Always: small and bounded by the pool size. */
  workers: FrameWorker[];
  queue: FrameQueue;
  /** How the frame's run serves requests (its settings'); null before any run listened. */
  strategy: Strategy | null;
  /** Always: the threads that run requests. */
  threads: FrameThreads;
  /** Always: the while-let queue's lock; null under the other strategies. */
  lock: FrameLock | null;
  /** Always: strategy 'single''s connections waiting to be read (empty otherwise). */
  waiting: FrameWaitingConnections;
  /** In full frames and whenever the main side read it again (at most every MEMORY_SAMPLE_INTERVAL_MS); never in a replay. */
  memory?: FrameMemory;
  counters: FrameCounters;
  /** The server run shown (0 before any); its phase and settings, as the history knows them. */
  run: {
    runId: number;
    phase: 'stopped' | 'starting' | 'listening' | 'stopping';
    settings: ServerSettings | null;
    listeningAt: number | null;
  };
  /** In full frames and when the numbers changed (live: at most every 250 ms, STATS_MIN_INTERVAL_MS). */
  stats?: FrameStats;
  /**
   * In full frames (the last MAX_FRAME_LOG_LINES lines) and when there are new lines; while lines come faster
   * than a frame carries (the last log left some out), at most once a second (FLOODED_LOG_INTERVAL_MS).
   */
  log?: FrameLog;
  /** In full frames and whenever the window moved or its content changed. */
  timeline?: FrameTimeline;
  /** Every run the history knows, oldest first: in full frames and when it changed. */
  runs?: FrameRun[];
  /** In full frames and when it changed. */
  history?: FrameHistory;
  panels?: FramePanels;
  /** In every live frame from the main side: how often the live frames come now, and why. */
  pace?: FramePace;
}

/**
 * The live frames' pace. 'normal': every FRAME_INTERVAL_MS (or RESTING_FRAME_INTERVAL_MS at rest); 'busy': at
 * BUSY_FRAME_REQUESTS_PER_S and above; 'saturated': the server's main thread had no slack (SATURATED_FRAME_INTERVAL_MS),
 * which the page says in words.
 */
export interface FramePace {
  reason: 'normal' | 'busy' | 'saturated';
  /** The least time between two live frames after this one, ms. */
  intervalMs: number;
  /** The server's main thread's busy fraction over the last second read, 0–1 (2 decimals); null before one was read. */
  serverBusyFraction: number | null;
}

/** Details on demand, answered from the flight recorder; bounded. */
export type ViewerQuery =
  /**
   * The requests behind a bar, a lane's bucket or a stretch of the queue: track is a worker id (jobs whose run
   * on it overlaps [fromAt, toAt)) or 'queue' (jobs whose wait overlaps it). At most `limit` (≤ MAX_QUERY_REQUESTS).
   * `at`: the newest moment the view shows (its cursor); default the present.
   */
  | { kind: 'requests-in'; track: number | 'queue'; fromAt: number; toAt: number; limit: number; at?: number }
  /**
   * One request's full record; runId defaults to the newest run that has it. `at`: as it was known at that moment
   * (the view's, when it is not the live now); default everything recorded.
   */
  | { kind: 'request'; requestId: number; runId?: number; at?: number }
  /** The Book panel's verdict of a step (src/shared/book.ts) on a run's events; runId defaults to the newest run. */
  | { kind: 'book-verdict'; step: BookStepId; runId?: number }
  /** The latest Compare… with each finished run's recorded events (not from the history: the comparison keeps its own). */
  | { kind: 'comparison' };

/** A request as the history knows it: the record plus its server run. */
export interface QueriedRequest extends RequestRecord {
  runId: number;
  /**
   * Strategy 'single': how long its connection waited, accepted and unread, for the one thread before the request
   * was read (receivedAt); null when it did not wait.
   */
  connectionWaitMs: number | null;
  /** The server its run ran (how the views name the thread it ran on); null when the run's settings are not known. */
  strategy: Strategy | null;
}

export type QueryResult =
  | {
      ok: true;
      kind: 'requests-in';
      /** In time order (a lane's by start, the queue's by joining it), the first `limit`. */
      requests: QueriedRequest[];
      /** How many match in the event history. */
      total: number;
      /** Part of the range is older than the event history: its requests are gone (only buckets count them). */
      isPartlyBeforeHistory: boolean;
    }
  /** request: null when the history does not hold it (never was, or left it). */
  | { ok: true; kind: 'request'; request: QueriedRequest | null }
  /** verdict: null when the history holds no such run whole (none ran yet, or its first events left the history). */
  | { ok: true; kind: 'book-verdict'; verdict: BookVerdict | null }
  /** comparison: null before any comparison ran. */
  | { ok: true; kind: 'comparison'; comparison: Comparison | null }
  | { ok: false; error: string };

/** WebSocket frames from a dashboard page (IPC uses invoke() and send() instead). */
export type DashboardClientFrame =
  /** `id` is the page's own counter; the answer carries it back. */
  | { kind: 'command'; id: number; command: Command }
  /** The controller's status now; `id` is the page's own counter, the status-result carries it back. */
  | { kind: 'status'; id: number }
  /** What the page shows: the first starts its frames (a full one at once), each later one re-cuts them. */
  | { kind: 'view'; view: ViewerView }
  /** The frame `seq` is applied: the next one may come. */
  | { kind: 'frame-ack'; seq: number }
  /** `id` is the page's own counter; the query-result carries it back. */
  | { kind: 'query'; id: number; query: ViewerQuery };

/** Path of the dashboard's WebSocket endpoint on its own HTTP server. */
export const DASHBOARD_WS_PATH = '/ws';

/** What Save run… and Export trace write from the live history: the run file, or its Chrome trace. */
export type HistoryExportKind = 'run' | 'trace';
export const HISTORY_EXPORT_KINDS = ['run', 'trace'] as const satisfies readonly HistoryExportKind[];
/**
 * The dashboard's downloads of the live history (GET, streamed, `Content-Disposition: attachment`): the page
 * follows a link to one. Same origin only, like the rest of the dashboard.
 */
export const DASHBOARD_EXPORT_PATHS = { run: '/export/run', trace: '/export/trace' } as const satisfies Record<HistoryExportKind, string>;

/** How a save went: the file written, a refusal in words for a person, or the person closed the dialog. */
export type SaveResult = { ok: true; filePath: string | null } | { ok: false; error: string } | { ok: false; isCanceled: true };

export type DashboardServerFrame =
  | ViewerFrame
  | { kind: 'command-result'; id: number; result: CommandResult }
  | { kind: 'status-result'; id: number; status: ControllerStatus }
  | { kind: 'query-result'; id: number; result: QueryResult }
  /** A view or a frame-ack the main side refused (nothing changed): why, in one line. */
  | { kind: 'refused'; refused: 'view' | 'frame-ack'; error: string };

/** IPC channel names: the only place they are written. */
export const IPC_CHANNELS = {
  /** renderer → main, invoke: a Command; resolves to a CommandResult. */
  command: 'poolscope:command',
  /** renderer → main, invoke: the current ControllerStatus. */
  status: 'poolscope:status',
  /** renderer → main, send: a ViewerView; the first starts frames to this window, each later one re-cuts them. */
  view: 'poolscope:view',
  /** renderer → main, send: the frame with this seq is applied. */
  frameAck: 'poolscope:frame-ack',
  /** renderer → main, send: stop the frames to this window. */
  unwatch: 'poolscope:unwatch',
  /** main → renderer: a ViewerFrame. */
  frame: 'poolscope:frame',
  /** renderer → main, invoke: a ViewerQuery; resolves to a QueryResult. */
  query: 'poolscope:query',
  /** renderer → main, invoke: a HistoryExportKind; main asks where (a save dialog), writes it and resolves to a SaveResult. */
  saveHistory: 'poolscope:save-history',
} as const;

/** The frames a viewer watches, returned by PoolscopeApi.watch. */
export interface FrameSubscription {
  /** The viewer now shows this (a new window, width, pause or cursor): the next frame is full and follows it. */
  setView(view: ViewerView): void;
  /** The frame `seq` is applied; until then no further frame is sent. */
  ack(seq: number): void;
  /** Stops the frames. */
  close(): void;
}

/** The API the preload exposes as `window.poolscope`, and the dashboard's WebSocket client implements too. */
export interface PoolscopeApi {
  startServer(settings: ServerSettings): Promise<CommandResult>;
  stopServer(): Promise<CommandResult>;
  fireBurst(path: '/sleep' | '/', count: number): Promise<CommandResult>;
  startLoad(settings: LoadRunSettings): Promise<CommandResult>;
  cancelLoad(): Promise<CommandResult>;
  startSweep(settings: SweepSettings): Promise<CommandResult>;
  cancelSweep(): Promise<CommandResult>;
  /**
   * Fires a scenario (a built-in's id or { groups }) at the running server; resolves once every request has closed
   * (or the run timed out) with each request's status and timings. Never rejects.
   */
  runScenario(scenario: Scenario | BuiltInScenarioId, options?: { timeoutMs?: number }): Promise<ScenarioCommandResult>;
  /** The flight recorder's bounds (the history's length), applied at once. */
  setHistory(settings: RecorderSettings): Promise<CommandResult>;
  /** Compare…: the scenario against each strategy, each on a fresh server; refused while a server runs. */
  startCompare(settings: CompareSettings): Promise<CommandResult>;
  cancelCompare(): Promise<CommandResult>;
  /** The controller's status now, asked of the main side (a watching viewer also gets it in every frame that changed it). */
  getStatus(): Promise<ControllerStatus>;
  /** Starts frames for this view (a full one first); the listener must ack each frame it applied. */
  watch(view: ViewerView, listener: (frame: ViewerFrame) => void): FrameSubscription;
  /** Details on demand from the flight recorder. */
  query(query: ViewerQuery): Promise<QueryResult>;
}

/**
 * Save run… and Export trace of the live history, where the main side writes the file: the Electron preload asks
 * the main process, which shows a save dialog. (The dashboard's page downloads from DASHBOARD_EXPORT_PATHS.)
 */
export interface PoolscopeSaveApi {
  saveHistory(kind: HistoryExportKind): Promise<SaveResult>;
}
