// The one place ViewerMessages enter the renderer: it keeps the PoolModel aggregate, feeds the stats
// collector and the timeline's run journal (timeline-source.ts), and publishes into the store at most once per animation frame, however many deltas came
// in. DOM-free: the frame scheduler and the clock are passed in, so tests drive it under plain Node.

import { PoolModel } from '../../shared/pool-model';
import type { ControllerStatus, ViewerMessage } from '../../shared/wire';
import type { TimelineFrame } from '../components/timeline-frame';
import type { AppStore } from '../store/app-store';
import type { ConnectionState } from '../transport/transport';
import { isLogBehind, projectWire } from './projections';
import { StatsCollector } from './stats-collector';
import { oldestKnownAt, projectTimeline, RunJournal, type TimelineQuery } from './timeline-source';

/** Runs the callback before the next paint (requestAnimationFrame in the page). */
export type FrameScheduler = (callback: () => void) => void;

/** Percentiles change slowly and are costly to read: publish them at most this often. */
export const STATS_PUBLISH_INTERVAL_MS = 250;
/** Nobody reads log lines faster than this, and re-laying out the log every frame is costly under load. */
export const LOG_PUBLISH_INTERVAL_MS = 250;

export interface PoolBridgeOptions {
  scheduleFrame: FrameScheduler;
  /** Epoch ms; the server stamps events on the same machine's clock. */
  now?: () => number;
}

export class PoolBridge {
  private currentModel = new PoolModel();
  private readonly stats = new StatsCollector();
  private readonly journal = new RunJournal();
  private readonly scheduleFrame: FrameScheduler;
  private readonly now: () => number;
  private status: ControllerStatus | null = null;
  private connection: ConnectionState | null = null;
  private droppedEventCount = 0;
  private hasSnapshot = false;
  private isFrameScheduled = false;
  private isWireDirty = false;
  private isStatsDirty = false;
  private lastStatsPublishAt = -Infinity;
  private lastLogPublishAt = -Infinity;
  private publishCount = 0;
  private readonly unsubscribeStore: () => void;

  constructor(
    private readonly store: AppStore,
    options: PoolBridgeOptions,
  ) {
    this.scheduleFrame = options.scheduleFrame;
    this.now = options.now ?? Date.now;
    // The inspected request is a copy taken at publish time, so a new hover or selection needs a publish.
    this.unsubscribeStore = store.subscribe((state, previous) => {
      if (
        state.view.hoveredRequestId !== previous.view.hoveredRequestId ||
        state.view.selectedRequestId !== previous.view.selectedRequestId
      ) {
        this.markWireDirty();
      }
    });
  }

  /** The live aggregate, for the timeline canvas that draws outside React. Replaced on every snapshot. */
  get model(): PoolModel {
    return this.currentModel;
  }

  /** The timeline of a window, from the live model and the runs seen (what the timeline canvas draws). */
  timeline(query: TimelineQuery): TimelineFrame {
    return projectTimeline(this.currentModel, this.journal, query);
  }

  /** The oldest moment the timeline has anything for (earlier runs included); null while it has nothing. */
  timelineStartAt(): number | null {
    return oldestKnownAt(this.currentModel, this.journal);
  }

  /** How many store publishes have happened: one per frame at most, whatever the message rate. */
  get publishes(): number {
    return this.publishCount;
  }

  receive(message: ViewerMessage): void {
    if (message.kind === 'metrics') {
      // Figures the main side computed from every event: they go to the store as they are.
      this.store.getState().workloadActions.receiveMetrics(message.metrics);
      return;
    }
    if (message.kind === 'snapshot') {
      this.currentModel = PoolModel.fromSnapshot(message.snapshot);
      this.currentModel.noteDroppedEvents(this.droppedEventCount);
      this.stats.rebuild(this.currentModel);
      this.journal.rebuild(this.currentModel);
      this.hasSnapshot = true;
      this.setStatus(message.status, false);
    } else {
      // A delta before the first snapshot cannot be placed: the snapshot that follows carries it.
      if (!this.hasSnapshot) return;
      const model = this.currentModel;
      for (const event of message.events) {
        // The journal reads the model as it was before the event (a new run's start archives the old run's jobs).
        this.journal.note(event, model);
        model.apply(event);
      }
      this.droppedEventCount = message.droppedEventCount;
      model.noteDroppedEvents(message.droppedEventCount);
      for (const event of message.events) {
        if (event.type === 'server-listening') this.stats.reset(event.at, event.workerCount);
        else if (event.type === 'server-stopped') this.stats.serverStopped();
        else if (event.type === 'response-sent') {
          const record = model.requests.get(event.requestId);
          if (record) this.stats.recordFinished(record);
        }
      }
      if (message.status) this.setStatus(message.status, true);
    }
    this.isStatsDirty = true;
    this.markWireDirty();
  }

  setConnection(connection: ConnectionState): void {
    if (this.connection === connection) return;
    this.connection = connection;
    this.markWireDirty();
  }

  /** Publishes whatever is pending now instead of on the next frame. */
  flush(): void {
    this.publish(true);
  }

  /** Re-reads the rate against the clock, so requests per second falls to 0 once traffic stops. */
  refreshStats(): void {
    this.isStatsDirty = true;
    this.publishStats(this.now());
  }

  dispose(): void {
    this.unsubscribeStore();
  }

  private setStatus(status: ControllerStatus, isLive: boolean): void {
    const previousError = this.status?.lastError ?? null;
    this.status = status;
    const state = this.store.getState();
    state.viewActions.adoptServerSettings(status.settings);
    // A failure the viewer did not ask for (a server that stopped on an error) is told here; a command's own
    // failure arrives with its result (while it is pending, or already said), so the same words are not repeated.
    const error = status.lastError;
    if (
      isLive &&
      error !== null &&
      error !== previousError &&
      state.commands.pending === null &&
      !state.commands.messages.some((message) => message.text.includes(error))
    ) {
      state.commandActions.showMessage('error', error);
    }
  }

  private markWireDirty(): void {
    this.isWireDirty = true;
    if (this.isFrameScheduled) return;
    this.isFrameScheduled = true;
    this.scheduleFrame(() => this.publish(false));
  }

  private publish(isForced: boolean): void {
    this.isFrameScheduled = false;
    const now = this.now();
    if (this.isWireDirty) {
      this.isWireDirty = false;
      this.publishCount++;
      const isLogDue = isForced || now - this.lastLogPublishAt >= LOG_PUBLISH_INTERVAL_MS;
      const { wire, view, wireActions } = this.store.getState();
      wireActions.publish(
        projectWire(this.currentModel, wire, {
          status: this.status,
          connection: this.connection,
          hasSnapshot: this.hasSnapshot,
          droppedEventCount: this.droppedEventCount,
          inspectedRequestId: view.hoveredRequestId ?? view.selectedRequestId,
          isLogDue,
          now,
        }),
      );
      if (isLogDue) this.lastLogPublishAt = now;
      // A log line held back must still appear once traffic stops.
      else if (isLogBehind(this.currentModel, this.store.getState().wire)) this.markWireDirty();
    }
    if (this.isStatsDirty && (isForced || now - this.lastStatsPublishAt >= STATS_PUBLISH_INTERVAL_MS)) this.publishStats(now);
  }

  private publishStats(now: number): void {
    if (!this.isStatsDirty) return;
    this.isStatsDirty = false;
    this.lastStatsPublishAt = now;
    this.store.getState().statsActions.publish(this.stats.summary(now, this.currentModel.workers));
  }
}
