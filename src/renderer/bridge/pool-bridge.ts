// The one place ViewerMessages enter the renderer: it keeps the PoolModel aggregate, feeds the stats
// collector, and publishes into the store at most once per animation frame, however many deltas came
// in. DOM-free: the frame scheduler and the clock are passed in, so tests drive it under plain Node.

import { PoolModel, type RequestRecord, type WorkerState } from '../../shared/pool-model';
import type { ControllerStatus, ViewerMessage } from '../../shared/wire';
import type { AppStore } from '../store/app-store';
import type { StatsState } from '../store/stats-slice';
import {
  MAX_LOG_LINES_SHOWN,
  MAX_QUEUE_ITEMS_SHOWN,
  type QueueItemView,
  type WireState,
  type WorkerDisplayState,
  type WorkerView,
} from '../store/wire-slice';
import type { ConnectionState } from '../transport/transport';
import { StatsCollector } from './stats-collector';

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
  private queueItemCache = new Map<number, QueueItemView>();
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

  /** How many store publishes have happened: one per frame at most, whatever the message rate. */
  get publishes(): number {
    return this.publishCount;
  }

  receive(message: ViewerMessage): void {
    if (message.kind === 'snapshot') {
      this.currentModel = PoolModel.fromSnapshot(message.snapshot);
      this.currentModel.noteDroppedEvents(this.droppedEventCount);
      this.stats.rebuild(this.currentModel);
      this.hasSnapshot = true;
      this.setStatus(message.status, false);
    } else {
      // A delta before the first snapshot cannot be placed: the snapshot that follows carries it.
      if (!this.hasSnapshot) return;
      const model = this.currentModel;
      model.applyAll(message.events);
      this.droppedEventCount = message.droppedEventCount;
      model.noteDroppedEvents(message.droppedEventCount);
      for (const event of message.events) {
        if (event.type === 'server-listening') this.stats.reset(event.at);
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
    const actions = this.store.getState().viewActions;
    actions.adoptServerSettings(status.settings);
    // A failure the viewer did not ask for (a server that stopped on an error) is told here; a command's own
    // failure arrives with its result, so the same words are not repeated.
    if (
      isLive &&
      status.lastError !== null &&
      status.lastError !== previousError &&
      this.store.getState().view.message?.text !== status.lastError
    ) {
      actions.showMessage('error', status.lastError);
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
      this.store.setState((state) => ({
        wire: this.buildWire(state.wire, state.view.hoveredRequestId ?? state.view.selectedRequestId, isLogDue),
      }));
      if (isLogDue) this.lastLogPublishAt = now;
      // A log line held back must still appear once traffic stops.
      else if (
        this.store.getState().wire.log[this.store.getState().wire.log.length - 1] !==
        this.currentModel.log[this.currentModel.log.length - 1]
      )
        this.markWireDirty();
    }
    if (this.isStatsDirty && (isForced || now - this.lastStatsPublishAt >= STATS_PUBLISH_INTERVAL_MS)) this.publishStats(now);
  }

  private publishStats(now: number): void {
    if (!this.isStatsDirty) return;
    this.isStatsDirty = false;
    this.lastStatsPublishAt = now;
    const next = this.stats.summary(now);
    if (!sameStats(this.store.getState().stats, next)) this.store.setState({ stats: next });
  }

  private buildWire(previous: WireState, inspectedId: number | null, isLogDue: boolean): WireState {
    const model = this.currentModel;
    const workers = this.buildWorkers(previous.workers);
    const queue = this.buildQueue(previous.queue);
    let busyWorkers = 0;
    for (const w of workers) if (w.job !== null) busyWorkers++;
    const counters = model.counters;
    const sameCounters =
      previous.counters.requestsReceived === counters.requestsReceived &&
      previous.counters.responsesSent === counters.responsesSent &&
      previous.counters.rejected === counters.rejected &&
      previous.counters.serverErrors === counters.serverErrors &&
      previous.counters.openConnections === counters.openConnections &&
      previous.counters.droppedEvents === counters.droppedEvents;
    const log = model.log;
    // Lines are only ever appended, so the same last line means the same log.
    const isLogUnchanged = !isLogDue || previous.log[previous.log.length - 1] === log[log.length - 1];
    return {
      status: this.status ?? previous.status,
      connection: this.connection ?? previous.connection,
      hasSnapshot: this.hasSnapshot,
      serverPhase: model.phase,
      host: model.host,
      port: model.port,
      workerCount: model.workerCount,
      sleepMs: model.sleepMs,
      listeningAt: model.listeningAt,
      workers,
      queue,
      queueLength: model.queue.length,
      inFlightJobs: model.queue.length + busyWorkers,
      counters: sameCounters ? previous.counters : { ...counters },
      droppedEvents: this.droppedEventCount,
      log: isLogUnchanged ? previous.log : log.slice(-MAX_LOG_LINES_SHOWN),
      inspectedRequest: this.inspect(previous.inspectedRequest, inspectedId),
      modelVersion: model.version,
    };
  }

  /** Keeps each unchanged worker's object, so a card whose worker did nothing does not re-render. */
  private buildWorkers(previous: WorkerView[]): WorkerView[] {
    const model = this.currentModel;
    const workers: WorkerView[] = [];
    let isSame = previous.length === model.workers.length;
    for (let i = 0; i < model.workers.length; i++) {
      const source = model.workers[i];
      // A sparse slot (a worker id seen before its spawn) has nothing to show yet.
      if (!source) continue;
      const before = previous[workers.length];
      const view = before && sameWorker(before, source) ? before : this.workerView(source);
      if (view !== before) isSame = false;
      workers.push(view);
    }
    return isSame && workers.length === previous.length ? previous : workers;
  }

  private workerView(worker: WorkerState): WorkerView {
    const record = worker.requestId === null ? undefined : this.currentModel.requests.get(worker.requestId);
    return {
      id: worker.id,
      phase: worker.phase,
      state: displayState(worker),
      job:
        worker.requestId === null
          ? null
          : {
              requestId: worker.requestId,
              method: record?.method ?? '?',
              target: record?.target ?? '?',
              origin: record?.origin ?? 'external',
            },
      busySince: worker.busySince,
      jobsDone: worker.jobsDone,
      busyMsTotal: worker.busyMsTotal,
      spawnedAt: worker.spawnedAt,
      replacements: worker.replacements,
    };
  }

  private buildQueue(previous: QueueItemView[]): QueueItemView[] {
    const model = this.currentModel;
    const shownCount = Math.min(model.queue.length, MAX_QUEUE_ITEMS_SHOWN);
    const items: QueueItemView[] = [];
    const cache = new Map<number, QueueItemView>();
    let isSame = previous.length === shownCount;
    for (let i = 0; i < shownCount; i++) {
      const requestId = model.queue[i]!;
      let item = this.queueItemCache.get(requestId);
      if (!item) {
        const record = model.requests.get(requestId);
        item = {
          requestId,
          method: record?.method ?? '?',
          target: record?.target ?? '?',
          origin: record?.origin ?? 'external',
          queuedAt: record?.queuedAt ?? record?.receivedAt ?? this.now(),
        };
      }
      cache.set(requestId, item);
      if (previous[i] !== item) isSame = false;
      items.push(item);
    }
    this.queueItemCache = cache;
    return isSame ? previous : items;
  }

  private inspect(previous: RequestRecord | null, requestId: number | null): RequestRecord | null {
    if (requestId === null) return null;
    const record = this.currentModel.requests.get(requestId);
    if (!record) return previous?.id === requestId ? previous : null;
    return previous !== null && sameRecord(previous, record) ? previous : { ...record };
  }
}

function displayState(worker: WorkerState): WorkerDisplayState {
  switch (worker.phase) {
    case 'busy':
      return 'busy';
    case 'exited':
      return 'exited';
    case 'stopping':
      return worker.requestId === null ? 'idle' : 'busy';
    default:
      return 'idle';
  }
}

function sameWorker(view: WorkerView, worker: WorkerState): boolean {
  return (
    view.id === worker.id &&
    view.phase === worker.phase &&
    (view.job?.requestId ?? null) === worker.requestId &&
    view.busySince === worker.busySince &&
    view.jobsDone === worker.jobsDone &&
    view.busyMsTotal === worker.busyMsTotal &&
    view.spawnedAt === worker.spawnedAt &&
    view.replacements === worker.replacements
  );
}

function sameRecord(a: RequestRecord, b: RequestRecord): boolean {
  for (const key of Object.keys(b) as (keyof RequestRecord)[]) if (a[key] !== b[key]) return false;
  return true;
}

function sameStats(a: StatsState, b: StatsState): boolean {
  return (
    a.requestsPerSecond === b.requestsPerSecond &&
    a.finishedCount === b.finishedCount &&
    a.serverErrors === b.serverErrors &&
    a.clientErrors === b.clientErrors &&
    a.latencyMs?.p50 === b.latencyMs?.p50 &&
    a.latencyMs?.p95 === b.latencyMs?.p95 &&
    a.latencyMs?.p99 === b.latencyMs?.p99 &&
    a.waitMs?.p50 === b.waitMs?.p50 &&
    a.waitMs?.p95 === b.waitMs?.p95 &&
    a.waitMs?.p99 === b.waitMs?.p99
  );
}
