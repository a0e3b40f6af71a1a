// What viewers receive. FramePublisher: frames built from the controller's flight recorder for what each
// viewer shows (src/history/viewer-frames.ts), at most one per FRAME_INTERVAL_MS and one unacknowledged per
// viewer, so a viewer's cost follows its view and its pace, never the traffic; it subscribes to no event.
// EventPublisher (the event path, kept while a viewer still takes it): a snapshot first, then at most one
// delta per viewer per interval. Transport-agnostic: IPC and the WebSocket plug in a sink.

import type { Histogram } from 'hdr-histogram-js';
// The builder alone: the package's main entry also loads its log encoder, which this side never needs.
import { build } from 'hdr-histogram-js/dist/HistogramBuilder.js';
import { answerQuery, LiveStats, ViewerFrames } from '../history';
import type { ServerEvent } from '../shared/events';
import { PoolModel } from '../shared/pool-model';
import { validateFrameAck, validateViewerQuery, validateViewerView } from '../shared/viewer-validation';
import { type ControllerStatus, FRAME_INTERVAL_MS, type QueryResult, type ViewerFrame, type ViewerMessage } from '../shared/wire';
import type { ServerController } from './server-controller';

// ── frames ───────────────────────────────────────────────────────────────────

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

export interface FramePublisherOptions {
  intervalMs?: number;
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
  /** The live metrics' version this viewer has (null: none yet, or it lost a frame). */
  metricsVersion: number | null;
  timer: NodeJS.Timeout | null;
}

export class FramePublisher {
  private readonly intervalMs: number;
  private readonly ackTimeoutMs: number;
  private readonly viewers = new Set<FrameViewerState>();
  private stats: LiveStats | null = null;
  private statsReadAt = Number.NEGATIVE_INFINITY;
  private unsubscribeStatus: (() => void) | null = null;
  private stillTimer: NodeJS.Timeout | null = null;
  private sentFrameCount = 0;

  constructor(
    private readonly controller: ServerController,
    options: FramePublisherOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? FRAME_INTERVAL_MS;
    this.ackTimeoutMs = options.ackTimeoutMs ?? FRAME_ACK_TIMEOUT_MS;
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
      metricsVersion: null,
      timer: null,
    };
    this.viewers.add(viewer);
    return {
      setView: (input) => {
        const view = validateViewerView(input);
        if (!view.ok) return view.error;
        viewer.frames.setView(view.value);
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
          this.schedule(viewer, viewer.sentAt + this.intervalMs - this.now());
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
    return answerQuery(this.controller.history, query.value, viewAt);
  }

  dispose(): void {
    for (const viewer of [...this.viewers]) this.removeViewer(viewer);
  }

  private now(): number {
    return this.controller.events.now();
  }

  private startWatching(): void {
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
  }

  private schedule(viewer: FrameViewerState, delayMs: number): void {
    if (viewer.timer) clearTimeout(viewer.timer);
    viewer.timer = setTimeout(() => this.sendFrame(viewer), Math.max(0, delayMs));
  }

  /** The live stats, read up to the newest event at most once per interval (however many viewers ask). */
  private liveStats(): LiveStats {
    const now = this.now();
    this.stats ??= new LiveStats(this.controller.history, newHistogram);
    if (now - this.statsReadAt >= this.intervalMs / 2) {
      this.stats.catchUp();
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
    const stats = this.liveStats();
    const metrics = this.controller.liveMetrics;
    const metricsVersion = metrics.version;
    const frame = viewer.frames.build({
      now,
      status: this.controller.status,
      stats: { version: stats.version, read: (at, state) => stats.summary(at, state) },
      maxAgeMs: this.controller.recorderSettings.historySeconds * 1_000,
      maxEvents: this.controller.recorderSettings.historyEvents,
      panels: viewer.metricsVersion === metricsVersion ? undefined : { metrics: metrics.since(viewer.metricsVersion) },
    });
    if (frame === null) return;
    if (frame.panels !== undefined) viewer.metricsVersion = metricsVersion;
    viewer.inFlightSeq = frame.seq;
    viewer.sentAt = now;
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

  private removeViewer(viewer: FrameViewerState): void {
    if (!this.viewers.delete(viewer)) return;
    if (viewer.timer) clearTimeout(viewer.timer);
    viewer.timer = null;
    if (this.viewers.size === 0) this.stopWatching();
  }
}

// ── events (the path before frames) ─────────────────────────────────────────

export const PUBLISH_INTERVAL_MS = 33;
export const MAX_BUFFERED_EVENTS_PER_VIEWER = 20_000;

export interface ViewerSink {
  send(message: ViewerMessage): void;
  /** true when the transport is backed up (ws.bufferedAmount high) */
  isCongested?(): boolean;
}

export interface EventPublisherOptions {
  intervalMs?: number;
  maxBufferedEventsPerViewer?: number;
}

interface Viewer {
  readonly sink: ViewerSink;
  events: ServerEvent[];
  droppedEventCount: number;
  /** Events were dropped: the next message this viewer gets is a full snapshot. */
  needsSnapshot: boolean;
  /** The status this viewer was last sent; the controller replaces its status object on every change, so identity tells. */
  sentStatus: ControllerStatus;
}

export class EventPublisher {
  private readonly intervalMs: number;
  private readonly maxBufferedEvents: number;
  /** Flush early, before the timer, once a viewer's buffer is this full. */
  private readonly highWaterMark: number;
  private readonly viewers = new Set<Viewer>();
  private model = new PoolModel();
  private unsubscribeEvents: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private isEarlyFlushScheduled = false;

  constructor(
    private readonly controller: ServerController,
    options: EventPublisherOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? PUBLISH_INTERVAL_MS;
    this.maxBufferedEvents = Math.max(1, options.maxBufferedEventsPerViewer ?? MAX_BUFFERED_EVENTS_PER_VIEWER);
    this.highWaterMark = Math.max(1, Math.floor(this.maxBufferedEvents / 2));
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** Sends a snapshot at once (the pool aggregate + controller status), then deltas. Returns remove(). */
  addViewer(sink: ViewerSink): () => void {
    if (this.viewers.size === 0) this.startObserving();
    const viewer: Viewer = { sink, events: [], droppedEventCount: 0, needsSnapshot: false, sentStatus: this.controller.status };
    this.viewers.add(viewer);
    this.sendSnapshot(viewer);
    return () => {
      this.removeViewer(viewer);
    };
  }

  dispose(): void {
    for (const viewer of [...this.viewers]) this.removeViewer(viewer);
  }

  // ── observing ──────────────────────────────────────────────────────────────

  private startObserving(): void {
    // Nothing was observed while nobody watched, so the model may be stale: rebuild it from what the controller knows.
    this.model = this.modelFromController();
    this.unsubscribeEvents = this.controller.events.subscribe((event) => this.onEvent(event));
    this.timer = setInterval(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  private stopObserving(): void {
    this.unsubscribeEvents?.();
    this.unsubscribeEvents = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * A running server's pool as far as the controller knows it: its workers spawned and idle. Jobs already
   * running show up as their events arrive; a job-finished for an unknown request leaves its worker idle.
   */
  private modelFromController(): PoolModel {
    const model = new PoolModel();
    const run = this.controller.currentRun;
    if (!run) return model;
    const at = run.listeningAt;
    for (let workerId = 0; workerId < run.settings.workerCount; workerId++) model.apply({ type: 'worker-spawned', at, workerId });
    model.apply({ type: 'server-listening', at, ...run.settings });
    if (this.controller.status.phase === 'stopping')
      model.apply({ type: 'server-stopping', at: this.controller.events.now(), reason: 'command' });
    return model;
  }

  private onEvent(event: ServerEvent): void {
    this.model.apply(event);
    let needsEarlyFlush = false;
    for (const viewer of this.viewers) {
      if (viewer.needsSnapshot) {
        viewer.droppedEventCount++;
      } else if (viewer.events.length >= this.maxBufferedEvents) {
        this.startDropping(viewer);
        viewer.droppedEventCount++;
      } else {
        viewer.events.push(event);
        if (viewer.events.length >= this.highWaterMark) needsEarlyFlush = true;
      }
    }
    if (needsEarlyFlush && !this.isEarlyFlushScheduled) {
      // Not inline: the listener runs on the server's hot path and must stay cheap.
      this.isEarlyFlushScheduled = true;
      setImmediate(() => {
        this.isEarlyFlushScheduled = false;
        this.flush();
      });
    }
  }

  // ── sending ────────────────────────────────────────────────────────────────

  private flush(): void {
    const status = this.controller.status;
    for (const viewer of [...this.viewers]) {
      if (viewer.sink.isCongested?.() === true) {
        // Adding to a backed-up transport only makes it later; the viewer catches up with a snapshot instead.
        if (viewer.events.length > 0) this.startDropping(viewer);
        continue;
      }
      if (viewer.needsSnapshot) {
        this.sendSnapshot(viewer);
        continue;
      }
      const hasStatusChanged = viewer.sentStatus !== status;
      if (viewer.events.length === 0 && !hasStatusChanged) continue;
      const message: ViewerMessage = {
        kind: 'delta',
        sentAt: this.controller.events.now(),
        events: viewer.events,
        droppedEventCount: viewer.droppedEventCount,
      };
      if (hasStatusChanged) message.status = status;
      viewer.events = [];
      viewer.sentStatus = status;
      this.send(viewer, message);
    }
  }

  private startDropping(viewer: Viewer): void {
    viewer.droppedEventCount += viewer.events.length;
    viewer.events = [];
    viewer.needsSnapshot = true;
  }

  private sendSnapshot(viewer: Viewer): void {
    const snapshot = this.model.snapshot();
    snapshot.counters.droppedEvents = viewer.droppedEventCount;
    viewer.needsSnapshot = false;
    viewer.events = [];
    viewer.sentStatus = this.controller.status;
    this.send(viewer, { kind: 'snapshot', sentAt: this.controller.events.now(), snapshot, status: viewer.sentStatus });
  }

  private send(viewer: Viewer, message: ViewerMessage): void {
    try {
      viewer.sink.send(message);
    } catch (error) {
      // A sink that throws is gone (a closed window or socket); stop feeding it.
      process.emitWarning(`Poolscope viewer removed after a failed send: ${error instanceof Error ? error.message : String(error)}`);
      this.removeViewer(viewer);
    }
  }

  private removeViewer(viewer: Viewer): void {
    if (!this.viewers.delete(viewer)) return;
    if (this.viewers.size === 0) this.stopObserving();
  }
}
