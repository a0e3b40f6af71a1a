// Pure projections from the PoolModel aggregate to what the store holds: the workers, the queue, the
// inspected request and the whole wire view. Each keeps the previous object when nothing in it changed,
// so components that select it (a worker card, the queue list) do not re-render. No clock, no store.

import type { PoolModel, RequestRecord, WorkerState } from '../../shared/pool-model';
import type { ControllerStatus } from '../../shared/wire';
import {
  MAX_LOG_LINES_SHOWN,
  MAX_QUEUE_ITEMS_SHOWN,
  type QueueItemView,
  type RunningJobView,
  type WireState,
  type WorkerDisplayState,
  type WorkerView,
} from '../store/wire-slice';
import type { ConnectionState } from '../transport/transport';

/** The three states tests and styles key on, from the model's finer phase: a stopping worker with a job is still busy. */
export function displayStateOf(worker: WorkerState): WorkerDisplayState {
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

function describeJob(model: PoolModel, requestId: number): RunningJobView {
  const record = model.requests.get(requestId);
  // A request already past retention (or not yet seen) still names its job, if vaguely.
  return { requestId, method: record?.method ?? '?', target: record?.target ?? '?', origin: record?.origin ?? 'external' };
}

function workerViewOf(model: PoolModel, worker: WorkerState): WorkerView {
  return {
    id: worker.id,
    phase: worker.phase,
    state: displayStateOf(worker),
    job: worker.requestId === null ? null : describeJob(model, worker.requestId),
    busySince: worker.busySince,
    jobsDone: worker.jobsDone,
    busyMsTotal: worker.busyMsTotal,
    spawnedAt: worker.spawnedAt,
    replacements: worker.replacements,
  };
}

function isSameWorker(view: WorkerView, worker: WorkerState): boolean {
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

/** One view per spawned worker in id order; an unchanged worker keeps its object, an unchanged pool its array. */
export function projectWorkers(model: PoolModel, previous: WorkerView[]): WorkerView[] {
  const workers: WorkerView[] = [];
  let isSame = true;
  for (const source of model.workers) {
    // A sparse slot (a worker id seen before its spawn) has nothing to show yet.
    if (!source) continue;
    const before = previous[workers.length];
    const view = before && isSameWorker(before, source) ? before : workerViewOf(model, source);
    if (view !== before) isSame = false;
    workers.push(view);
  }
  return isSame && workers.length === previous.length ? previous : workers;
}

/**
 * The oldest MAX_QUEUE_ITEMS_SHOWN waiting jobs. A job shown last time keeps its object wherever it moved
 * in the queue (its fields never change while it waits); the array is kept when no position changed.
 * `now` stands in for the queue time of a job whose record is gone.
 */
export function projectQueue(model: PoolModel, previous: QueueItemView[], now: number): QueueItemView[] {
  const shownCount = Math.min(model.queue.length, MAX_QUEUE_ITEMS_SHOWN);
  const shownBefore = new Map<number, QueueItemView>();
  for (const item of previous) shownBefore.set(item.requestId, item);
  const items: QueueItemView[] = [];
  let isSame = previous.length === shownCount;
  for (let i = 0; i < shownCount; i++) {
    const requestId = model.queue[i]!;
    let item = shownBefore.get(requestId);
    if (!item) {
      const record = model.requests.get(requestId);
      item = { ...describeJob(model, requestId), queuedAt: record?.queuedAt ?? record?.receivedAt ?? now };
    }
    if (previous[i] !== item) isSame = false;
    items.push(item);
  }
  return isSame ? previous : items;
}

function isSameRecord(a: RequestRecord, b: RequestRecord): boolean {
  for (const key of Object.keys(b) as (keyof RequestRecord)[]) if (a[key] !== b[key]) return false;
  return true;
}

/**
 * A copy of the request being inspected, taken now: the model mutates its records in place, and the store
 * must see a new object exactly when the request changed. A request that left the model's retention stays
 * shown as it was last seen.
 */
export function projectInspected(model: PoolModel, previous: RequestRecord | null, requestId: number | null): RequestRecord | null {
  if (requestId === null) return null;
  const record = model.requests.get(requestId);
  if (!record) return previous?.id === requestId ? previous : null;
  return previous !== null && isSameRecord(previous, record) ? previous : { ...record };
}

/** What the bridge knows besides the model. */
export interface WireSources {
  status: ControllerStatus | null;
  connection: ConnectionState | null;
  hasSnapshot: boolean;
  droppedEventCount: number;
  /** The hovered request, else the selected one, else null. */
  inspectedRequestId: number | null;
  /** False to keep the previous log lines (they are published at most a few times a second). */
  isLogDue: boolean;
  now: number;
}

/** The whole wire slice for one frame; every part that did not change keeps its previous object. */
export function projectWire(model: PoolModel, previous: WireState, sources: WireSources): WireState {
  const workers = projectWorkers(model, previous.workers);
  let busyWorkers = 0;
  for (const worker of workers) if (worker.job !== null) busyWorkers++;
  const counters = model.counters;
  const isSameCounters =
    previous.counters.requestsReceived === counters.requestsReceived &&
    previous.counters.responsesSent === counters.responsesSent &&
    previous.counters.rejected === counters.rejected &&
    previous.counters.serverErrors === counters.serverErrors &&
    previous.counters.openConnections === counters.openConnections &&
    previous.counters.droppedEvents === counters.droppedEvents;
  const log = model.log;
  // Lines are only ever appended, so the same last line means the same log.
  const isLogUnchanged = !sources.isLogDue || previous.log[previous.log.length - 1] === log[log.length - 1];
  return {
    status: sources.status ?? previous.status,
    connection: sources.connection ?? previous.connection,
    hasSnapshot: sources.hasSnapshot,
    serverPhase: model.phase,
    host: model.host,
    port: model.port,
    workerCount: model.workerCount,
    sleepMs: model.sleepMs,
    listeningAt: model.listeningAt,
    workers,
    queue: projectQueue(model, previous.queue, sources.now),
    queueLength: model.queue.length,
    inFlightJobs: model.queue.length + busyWorkers,
    counters: isSameCounters ? previous.counters : { ...counters },
    droppedEvents: sources.droppedEventCount,
    log: isLogUnchanged ? previous.log : log.slice(-MAX_LOG_LINES_SHOWN),
    inspectedRequest: projectInspected(model, previous.inspectedRequest, sources.inspectedRequestId),
    modelVersion: model.version,
  };
}

/** Whether the log the store shows lags behind the model's (a line held back until the log is due). */
export function isLogBehind(model: PoolModel, shown: WireState): boolean {
  return shown.log[shown.log.length - 1] !== model.log[model.log.length - 1];
}
