// Turns the controller's event stream into messages for viewers: a snapshot first, then at most one
// delta per viewer per interval. Bounded per viewer; a viewer that falls behind loses events (counted)
// and is resynchronised with a fresh snapshot. Transport-agnostic: IPC and the WebSocket plug in a sink.

import type { ServerEvent } from '../shared/events';
import { PoolModel } from '../shared/pool-model';
import type { ControllerStatus, ViewerMessage } from '../shared/wire';
import type { ServerController } from './server-controller';

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
    // The controller's live figures travel beside the events, as their own small messages.
    const removeMetrics = this.controller.liveMetrics.addViewer(sink);
    return () => {
      removeMetrics();
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
