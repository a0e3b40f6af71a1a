// What viewers receive: frames built from the controller's flight recorder for what each viewer shows
// (src/history/viewer-frames.ts), at most one per FRAME_INTERVAL_MS (BUSY_FRAME_INTERVAL_MS while the server is busy,
// SATURATED_FRAME_INTERVAL_MS while its main thread has no slack, RESTING_FRAME_INTERVAL_MS at rest with nothing new)
// and one unacknowledged per viewer, so a viewer's cost follows its view and its pace, never the traffic; it
// subscribes to no event. Transport-agnostic: IPC and the WebSocket plug in a sink.

import { performance } from 'node:perf_hooks';
import type { Histogram } from 'hdr-histogram-js';
// The builder alone: the package's main entry also loads its log encoder, which this side never needs.
import { build } from 'hdr-histogram-js/dist/HistogramBuilder.js';
import { answerQuery, LiveStats, ViewerFrames } from '../history';
import { validateFrameAck, validateViewerQuery, validateViewerView } from '../shared/viewer-validation';
import {
  BUSY_FRACTION_WINDOW_MS,
  BUSY_FRAME_INTERVAL_MS,
  BUSY_FRAME_REQUESTS_PER_S,
  FRAME_INTERVAL_MS,
  type FrameMemory,
  type FramePace,
  MEMORY_SAMPLE_INTERVAL_MS,
  type QueryResult,
  RESTING_FRAME_INTERVAL_MS,
  SATURATED_BUSY_FRACTION,
  SATURATED_EXIT_BUSY_FRACTION,
  SATURATED_FRAME_INTERVAL_MS,
  type ViewerFrame,
} from '../shared/wire';
import type { ServerController } from './server-controller';

/** A frame not acked within this long is taken as lost: the viewer gets a full frame next. */
export const FRAME_ACK_TIMEOUT_MS = 5_000;
/** A still view (paused or at a cursor) is checked this often for what can still change (the history's start). */
export const STILL_VIEW_CHECK_INTERVAL_MS = 1_000;

export interface FrameSink {
  send(frame: ViewerFrame): void;
  /** true when the transport is backed up (ws.bufferedAmount high): the frame waits for the next turn. */
  isCongested?(): boolean;
}

/** One viewer's link to the publisher, held by its transport. Every method takes untrusted input. */
export interface FrameViewer {
  /** A `view` message: the first starts the frames. Returns an error for a bad view (nothing changes then). */
  setView(view: unknown): string | null;
  /** A `frame-ack` message. Returns an error for a bad seq. */
  ack(seq: unknown): string | null;
  /** A `query` message, answered from the history. */
  query(query: unknown): QueryResult;
  remove(): void;
}

/**
 * How busy the server's main thread was over about the last second, 0–1; null before a whole window was read.
 * Called when a live frame is built (a few times a second at most).
 */
export type BusyFractionSource = () => number | null;

/**
 * This thread's event-loop utilization (the share of wall time it was not waiting for I/O or timers) over windows
 * of at least `windowMs`, read again when asked after a window is over: a few microseconds, and nothing unasked.
 */
export function eventLoopBusyFraction(windowMs = BUSY_FRACTION_WINDOW_MS): BusyFractionSource {
  let mark = performance.eventLoopUtilization();
  let markAt = performance.now();
  let last: number | null = null;
  return () => {
    const at = performance.now();
    if (at - markAt >= windowMs) {
      const current = performance.eventLoopUtilization();
      last = performance.eventLoopUtilization(current, mark).utilization;
      mark = current;
      markAt = at;
    }
    return last;
  };
}

export interface FramePublisherOptions {
  intervalMs?: number;
  /** The least time between live frames at BUSY_FRAME_REQUESTS_PER_S and above; default BUSY_FRAME_INTERVAL_MS. */
  busyIntervalMs?: number;
  /** The request rate from which the busy interval applies; default BUSY_FRAME_REQUESTS_PER_S. */
  busyRequestsPerS?: number;
  /** The most time between live frames at rest while nothing new is recorded; default RESTING_FRAME_INTERVAL_MS. */
  restingIntervalMs?: number;
  /** The least time between live frames while the server's main thread has no slack; default SATURATED_FRAME_INTERVAL_MS. */
  saturatedIntervalMs?: number;
  /** The main thread's busy fraction from which the saturated pace applies (at the busy rate); default SATURATED_BUSY_FRACTION. */
  saturatedBusyFraction?: number;
  /** Below this busy fraction the saturated pace ends; default SATURATED_EXIT_BUSY_FRACTION. */
  saturatedExitBusyFraction?: number;
  /**
   * Where the main thread's busy fraction comes from; default this thread's event-loop utilization, read from when
   * the first viewer comes (eventLoopBusyFraction). Tests inject one so they do not depend on the machine's load.
   */
  busyFraction?: BusyFractionSource;
  ackTimeoutMs?: number;
}

function newHistogram(): Histogram {
  return build({ useWebAssembly: false, numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, autoResize: true });
}

interface FrameViewerState {
  readonly sink: FrameSink;
  readonly frames: ViewerFrames;
  /** The seq of the frame sent and not yet acked; null when none is. */
  inFlightSeq: number | null;
  sentAt: number;
  /** The least time from the last frame to the next after its ack: longer while the server is busy. */
  paceMs: number;
  /** The live metrics' version this viewer has (null: none yet, or it lost a frame). */
  metricsVersion: number | null;
  /**
   * The history's next seq when the last frame sent showed the pool at rest (null: it did not, or the view changed
   * since): until an event comes after it or the status changes, no frame is built for the viewer before the resting
   * interval is over.
   */
  restingSeq: number | null;
  /** The controller's status when that frame was sent. */
  restingStatus: unknown;
  timer: NodeJS.Timeout | null;
}

/** Whether a live frame shows the pool at rest: nothing in it moves with time until something new is recorded. */
function isAtRest(frame: ViewerFrame): boolean {
  return (
    frame.isLive &&
    frame.counters.requestsPerSecond === 0 &&
    frame.queue.length === 0 &&
    frame.waiting.count === 0 &&
    frame.workers.every((worker) => worker.job === null)
  );
}

export class FramePublisher {
  private readonly intervalMs: number;
  private readonly busyIntervalMs: number;
  private readonly busyRequestsPerS: number;
  private readonly restingIntervalMs: number;
  private readonly ackTimeoutMs: number;
  private readonly saturatedIntervalMs: number;
  private readonly saturatedBusyFraction: number;
  private readonly saturatedExitBusyFraction: number;
  private readonly injectedBusyFraction: BusyFractionSource | null;
  private busyFraction: BusyFractionSource | null = null;
  /** The server's main thread had no slack at the last live frame's reading (with hysteresis). */
  private isSaturated = false;
  private readonly viewers = new Set<FrameViewerState>();
  private stats: LiveStats | null = null;
  private statsReadAt = Number.NEGATIVE_INFINITY;
  private unsubscribeStatus: (() => void) | null = null;
  private stillTimer: NodeJS.Timeout | null = null;
  private sentFrameCount = 0;
  private memory: FrameMemory | null = null;

  constructor(
    private readonly controller: ServerController,
    options: FramePublisherOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? FRAME_INTERVAL_MS;
    this.busyIntervalMs = Math.max(this.intervalMs, options.busyIntervalMs ?? BUSY_FRAME_INTERVAL_MS);
    this.busyRequestsPerS = options.busyRequestsPerS ?? BUSY_FRAME_REQUESTS_PER_S;
    this.restingIntervalMs = options.restingIntervalMs ?? RESTING_FRAME_INTERVAL_MS;
    this.ackTimeoutMs = options.ackTimeoutMs ?? FRAME_ACK_TIMEOUT_MS;
    this.saturatedIntervalMs = Math.max(this.busyIntervalMs, options.saturatedIntervalMs ?? SATURATED_FRAME_INTERVAL_MS);
    this.saturatedBusyFraction = options.saturatedBusyFraction ?? SATURATED_BUSY_FRACTION;
    this.saturatedExitBusyFraction = Math.min(
      this.saturatedBusyFraction,
      options.saturatedExitBusyFraction ?? SATURATED_EXIT_BUSY_FRACTION,
    );
    this.injectedBusyFraction = options.busyFraction ?? null;
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** Frames sent to every viewer so far. */
  get framesSent(): number {
    return this.sentFrameCount;
  }

  /** A viewer: nothing is sent to it before its first view. */
  addViewer(sink: FrameSink): FrameViewer {
    if (this.viewers.size === 0) this.startWatching();
    const viewer: FrameViewerState = {
      sink,
      frames: new ViewerFrames(this.controller.history),
      inFlightSeq: null,
      sentAt: 0,
      paceMs: this.intervalMs,
      metricsVersion: null,
      restingSeq: null,
      restingStatus: null,
      timer: null,
    };
    this.viewers.add(viewer);
    return {
      setView: (input) => {
        const view = validateViewerView(input);
        if (!view.ok) return view.error;
        viewer.frames.setView(view.value);
        viewer.restingSeq = null;
        // A new view is answered without waiting for the old view's frame to be acked, but still at most one
        // frame per interval: a page that sends views in a loop cannot make the main side build frames in one.
        viewer.inFlightSeq = null;
        this.schedule(viewer, viewer.sentAt + this.intervalMs - this.now());
        return null;
      },
      ack: (input) => {
        const seq = validateFrameAck(input);
        if (!seq.ok) return seq.error;
        if (viewer.inFlightSeq !== null && seq.value >= viewer.inFlightSeq) {
          viewer.inFlightSeq = null;
          this.schedule(viewer, viewer.sentAt + viewer.paceMs - this.now());
        }
        return null;
      },
      query: (input) => this.query(input, viewer.frames.currentView === null ? undefined : viewer.frames.momentOf(this.now())),
      remove: () => this.removeViewer(viewer),
    };
  }

  /** A `query` (untrusted) answered from the history; `viewAt`: the asking view's moment, default the present. */
  query(input: unknown, viewAt?: number): QueryResult {
    const query = validateViewerQuery(input);
    if (!query.ok) return { ok: false, error: query.error };
    if (query.value.kind === 'comparison') return { ok: true, kind: 'comparison', comparison: this.controller.comparison };
    return answerQuery(this.controller.history, query.value, viewAt);
  }

  dispose(): void {
    for (const viewer of [...this.viewers]) this.removeViewer(viewer);
  }

  private now(): number {
    return this.controller.events.now();
  }

  private startWatching(): void {
    // Read from now on: a window that began before anyone watched would carry load no viewer saw.
    this.busyFraction = this.injectedBusyFraction ?? eventLoopBusyFraction();
    this.unsubscribeStatus = this.controller.onStatusChange(() => {
      for (const viewer of this.viewers) if (viewer.inFlightSeq === null) this.schedule(viewer, 0);
    });
    this.stillTimer = setInterval(() => {
      for (const viewer of this.viewers) if (viewer.inFlightSeq === null && viewer.timer === null) this.schedule(viewer, 0);
    }, STILL_VIEW_CHECK_INTERVAL_MS);
    this.stillTimer.unref();
  }

  private stopWatching(): void {
    this.unsubscribeStatus?.();
    this.unsubscribeStatus = null;
    if (this.stillTimer) clearInterval(this.stillTimer);
    this.stillTimer = null;
    // The stats follow the history only while someone watches; a later viewer reads the run again.
    this.stats = null;
    this.busyFraction = null;
    this.isSaturated = false;
  }

  private schedule(viewer: FrameViewerState, delayMs: number): void {
    if (viewer.timer) clearTimeout(viewer.timer);
    viewer.timer = setTimeout(() => this.sendFrame(viewer), Math.max(0, delayMs));
  }

  /**
   * The process's memory, read again at most every MEMORY_SAMPLE_INTERVAL_MS and only when a frame is built:
   * nothing is read while nobody watches. The same object until then, so a frame carries it only when read.
   */
  private processMemory(now: number): FrameMemory {
    if (this.memory === null || now - this.memory.sampledAt >= MEMORY_SAMPLE_INTERVAL_MS) {
      const usage = process.memoryUsage();
      this.memory = { rssBytes: usage.rss, heapUsedBytes: usage.heapUsed, heapTotalBytes: usage.heapTotal, sampledAt: now };
    }
    return this.memory;
  }

  /** The live stats, read up to the newest event at most once per interval (however many viewers ask). */
  private liveStats(): LiveStats {
    const now = this.now();
    this.stats ??= new LiveStats(this.controller.history, newHistogram);
    if (now - this.statsReadAt >= this.intervalMs / 2) {
      this.stats.follow();
      this.statsReadAt = now;
    }
    return this.stats;
  }

  private sendFrame(viewer: FrameViewerState): void {
    viewer.timer = null;
    if (!this.viewers.has(viewer)) return;
    const now = this.now();
    if (viewer.inFlightSeq !== null) {
      // Not acked in time: the frame (or its ack) was lost; start again from a full frame.
      if (now - viewer.sentAt < this.ackTimeoutMs) return this.schedule(viewer, viewer.sentAt + this.ackTimeoutMs - now);
      viewer.frames.resync();
      viewer.metricsVersion = null;
      viewer.inFlightSeq = null;
    }
    if (viewer.sink.isCongested?.() === true) return this.schedule(viewer, this.intervalMs);
    const metrics = this.controller.liveMetrics;
    const metricsVersion = metrics.version;
    // At rest with nothing new: look again at the normal pace, build nothing until the resting interval is over. The
    // live figures are sampled four times a second whatever happens; at rest their samples wait for that frame.
    if (
      viewer.restingSeq !== null &&
      viewer.restingSeq === this.controller.history.nextSeq &&
      viewer.restingStatus === this.controller.status &&
      now - viewer.sentAt < this.restingIntervalMs
    )
      return this.schedule(viewer, Math.min(this.intervalMs, viewer.sentAt + this.restingIntervalMs - now));
    const stats = this.liveStats();
    const frame = viewer.frames.build({
      now,
      status: this.controller.status,
      stats: { version: stats.version, read: (at, state) => stats.summary(at, state), isOfPresent: true },
      maxAgeMs: this.controller.recorderSettings.historySeconds * 1_000,
      maxEvents: this.controller.recorderSettings.historyEvents,
      panels: viewer.metricsVersion === metricsVersion ? undefined : { metrics: metrics.since(viewer.metricsVersion) },
      memory: this.processMemory(now),
    });
    if (frame === null) return;
    if (frame.panels !== undefined) viewer.metricsVersion = metricsVersion;
    viewer.inFlightSeq = frame.seq;
    viewer.sentAt = now;
    // A view's change is still answered within intervalMs (setView); only the live frames' own pace slows.
    if (frame.isLive) {
      const pace = this.livePace(frame);
      frame.pace = pace;
      viewer.paceMs = pace.intervalMs;
    } else viewer.paceMs = this.intervalMs;
    viewer.restingSeq = isAtRest(frame) ? this.controller.history.nextSeq : null;
    viewer.restingStatus = this.controller.status;
    this.sentFrameCount++;
    try {
      viewer.sink.send(frame);
    } catch (error) {
      process.emitWarning(`Poolscope viewer removed after a failed send: ${error instanceof Error ? error.message : String(error)}`);
      this.removeViewer(viewer);
      return;
    }
    // Wakes up to notice a lost ack; an ack reschedules it sooner.
    this.schedule(viewer, this.ackTimeoutMs);
  }

  /** The pace of the live frames after `frame`: busy at the busy rate, saturated while the main thread has no slack too. */
  private livePace(frame: ViewerFrame): FramePace {
    const busyFraction = this.busyFraction?.() ?? null;
    const isBusy = frame.counters.requestsPerSecond >= this.busyRequestsPerS;
    if (busyFraction !== null)
      this.isSaturated = busyFraction >= (this.isSaturated ? this.saturatedExitBusyFraction : this.saturatedBusyFraction);
    const shownFraction = busyFraction === null ? null : Math.round(busyFraction * 100) / 100;
    if (isBusy && this.isSaturated) return { reason: 'saturated', intervalMs: this.saturatedIntervalMs, serverBusyFraction: shownFraction };
    if (isBusy) return { reason: 'busy', intervalMs: this.busyIntervalMs, serverBusyFraction: shownFraction };
    return { reason: 'normal', intervalMs: this.intervalMs, serverBusyFraction: shownFraction };
  }

  private removeViewer(viewer: FrameViewerState): void {
    if (!this.viewers.delete(viewer)) return;
    if (viewer.timer) clearTimeout(viewer.timer);
    viewer.timer = null;
    if (this.viewers.size === 0) this.stopWatching();
  }
}
