// Pure projections from the frames the page holds to what the store holds: the workers, the queue and the
// whole wire view. Each keeps the previous object when nothing in it changed, so components that select it
// (a worker card, the queue list) do not re-render. No clock, no store.

import type { LogLine, ServerPhase } from '../../shared/pool-model';
import { SETTING_NAMES, type ServerSettings, startingThreadCountOf } from '../../shared/settings';
import {
  type ControllerStatus,
  type FrameJob,
  type FrameLock,
  type FrameMemory,
  type FrameThreads,
  type FrameWaitingConnections,
  type FrameWorker,
  HIGH_RATE_REQUESTS_PER_S,
  type QueriedRequest,
} from '../../shared/wire';
import {
  type BucketRequests,
  type LockView,
  MAX_QUEUE_ITEMS_SHOWN,
  type QueueItemView,
  type RunningJobView,
  type ThreadStatsView,
  type WaitingConnectionView,
  type WireState,
  type WorkerDisplayState,
  type WorkerView,
} from '../store/wire-slice';
import type { ConnectionState } from '../transport/transport';
import type { HeldFrames } from './held-frames';

/**
 * A worker starting more jobs than this per second runs jobs too short to follow one by one: its card shows
 * the rate and the utilization instead of a job that is gone before it can be read.
 */
export const HIGH_RATE_JOBS_PER_S = 20;
/** At a high rate, the card shows the job it runs only once it has run this long (a /sleep, a slow request). */
export const SEEN_JOB_MIN_MS = 100;

/** The states tests and styles key on, from the worker's finer phase: a stopping worker with a job is still busy. */
export function displayStateOf(worker: Pick<FrameWorker, 'phase' | 'job'>): WorkerDisplayState {
  switch (worker.phase) {
    case 'busy':
      return 'busy';
    case 'exited':
      return 'exited';
    case 'waiting-for-lock':
      return 'waiting-for-lock';
    case 'stopping':
      return worker.job === null ? 'idle' : 'busy';
    default:
      return 'idle';
  }
}

function jobViewOf(job: FrameJob): RunningJobView {
  return { requestId: job.requestId, method: job.method, target: job.target, origin: job.origin };
}

/** The job a card shows: every job at low rates; at high rates only one that has run long enough to be seen. */
function shownJobOf(worker: FrameWorker): FrameJob | null {
  const job = worker.job;
  if (job === null) return null;
  if (worker.jobsPerSecond < HIGH_RATE_JOBS_PER_S || job.elapsedMs >= SEEN_JOB_MIN_MS) return job;
  return null;
}

function workerViewOf(worker: FrameWorker, lockHolderId: number | null): WorkerView {
  const job = shownJobOf(worker);
  const isHighRate = worker.jobsPerSecond >= HIGH_RATE_JOBS_PER_S;
  // At a high rate a worker counts as busy while it is mostly busy, not for the instant a frame caught a job.
  const isRateShown = isHighRate && worker.phase !== 'exited' && worker.phase !== 'waiting-for-lock';
  const state = isRateShown ? (job !== null || worker.utilization >= 0.5 ? 'busy' : 'idle') : displayStateOf(worker);
  return {
    id: worker.id,
    // At a high rate the instant's busy or idle flips at every frame: the card's phase says what its state says.
    phase: isRateShown && (worker.phase === 'busy' || worker.phase === 'idle') ? (state === 'busy' ? 'busy' : 'idle') : worker.phase,
    state,
    job: job === null ? null : jobViewOf(job),
    busySince: job?.startedAt ?? null,
    jobsDone: worker.jobsDone,
    spawnedAt: worker.spawnedAt,
    replacements: worker.replacements,
    // Rounded as shown, so a card re-renders only when what it says changes.
    jobsPerSecond: Math.round(worker.jobsPerSecond),
    utilization: Math.round(worker.utilization * 100) / 100,
    isHighRate,
    holdsLock: lockHolderId === worker.id,
  };
}

function isSameWorker(a: WorkerView, b: WorkerView): boolean {
  return (
    a.id === b.id &&
    a.phase === b.phase &&
    a.state === b.state &&
    (a.job?.requestId ?? null) === (b.job?.requestId ?? null) &&
    a.busySince === b.busySince &&
    a.jobsDone === b.jobsDone &&
    a.spawnedAt === b.spawnedAt &&
    a.replacements === b.replacements &&
    a.jobsPerSecond === b.jobsPerSecond &&
    a.utilization === b.utilization &&
    a.isHighRate === b.isHighRate &&
    a.holdsLock === b.holdsLock
  );
}

/** One view per worker in id order; an unchanged worker keeps its object, an unchanged pool its array. */
export function projectWorkers(workers: readonly FrameWorker[], previous: WorkerView[], lockHolderId: number | null = null): WorkerView[] {
  let isSame = workers.length === previous.length;
  const views = workers.map((worker, i) => {
    const view = workerViewOf(worker, lockHolderId);
    const before = previous[i];
    if (before && isSameWorker(before, view)) return before;
    isSame = false;
    return view;
  });
  return isSame ? previous : views;
}

/**
 * The oldest waiting jobs. A job shown last time keeps its object wherever it moved in the queue (its fields
 * never change while it waits); the array is kept when no position changed.
 */
export function projectQueue(jobs: readonly FrameJob[], previous: QueueItemView[]): QueueItemView[] {
  const shownCount = Math.min(jobs.length, MAX_QUEUE_ITEMS_SHOWN);
  const shownBefore = new Map<number, QueueItemView>();
  for (const item of previous) shownBefore.set(item.requestId, item);
  const items: QueueItemView[] = [];
  let isSame = previous.length === shownCount;
  for (let i = 0; i < shownCount; i++) {
    const job = jobs[i]!;
    const item = shownBefore.get(job.requestId) ?? { ...jobViewOf(job), queuedAt: job.queuedAt ?? job.receivedAt };
    if (previous[i] !== item) isSame = false;
    items.push(item);
  }
  return isSame ? previous : items;
}

/** The lock as the workers panel shows it; the previous object while its holder and waiters are the same. */
export function projectLock(lock: FrameLock | null, previous: LockView | null): LockView | null {
  if (lock === null) return null;
  const waiterIds = lock.waiters.map((w) => w.workerId);
  if (
    previous !== null &&
    previous.holderId === lock.holderId &&
    previous.heldSince === lock.heldSince &&
    previous.waiterIds.length === waiterIds.length &&
    previous.waiterIds.every((id, i) => id === waiterIds[i])
  )
    return previous;
  return { holderId: lock.holderId, heldSince: lock.heldSince, waiterIds };
}

/** The threads line's figures as shown (whole ms, the memory to the MB), the previous object while they read the same. */
export function projectThreads(threads: FrameThreads, memory: FrameMemory | null, previous: ThreadStatsView): ThreadStatsView {
  const view: ThreadStatsView = {
    live: threads.live,
    peak: threads.peak,
    startupMedianMs: threads.startupMedianMs === null ? null : Math.round(threads.startupMedianMs),
    rssBytes: memory === null ? null : Math.round(memory.rssBytes / 1_048_576) * 1_048_576,
  };
  const isSame =
    view.live === previous.live &&
    view.peak === previous.peak &&
    view.startupMedianMs === previous.startupMedianMs &&
    view.rssBytes === previous.rssBytes;
  return isSame ? previous : view;
}

/** The waiting connections; the previous array while the same connections wait in the same order. */
export function projectWaitingConnections(waiting: FrameWaitingConnections, previous: WaitingConnectionView[]): WaitingConnectionView[] {
  const connections = waiting.connections;
  if (connections.length === previous.length && connections.every((c, i) => c.connectionId === previous[i]!.connectionId)) return previous;
  return connections.map((c) => ({
    connectionId: c.connectionId,
    remoteAddress: c.remoteAddress,
    remotePort: c.remotePort,
    since: c.since,
  }));
}

function serverPhaseOf(phase: HeldFrames['run']['phase']): ServerPhase {
  return phase === 'starting' ? 'stopped' : phase;
}

/** What the bridge knows besides the frames. */
export interface WireSources {
  connection: ConnectionState | null;
  inspectedRequest: QueriedRequest | null;
  bucketRequests: BucketRequests | null;
  /** False to keep the previous log lines (they are published at most a few times a second). */
  isLogDue: boolean;
  /** The log is replaced whole at each publish (a sample of lines left out, or a full frame's): its newest lines are shown. */
  isLogReplaced?: boolean;
}

/**
 * While the log is replaced whole at each publish (the frames leave lines out, or full frames replace it: a
 * replay scrubbed), it shows this many of its newest lines, a few screens of its 200 px: each line replaced
 * costs the page its elements, their text shaping and their layout. Once it rests, all of them.
 */
export const BUSY_LOG_LINES_SHOWN = 40;

/** The log lines shown once the log is due: the previous array when they are the same lines. */
function logAfter(previous: LogLine[], held: LogLine[], isReplaced: boolean): LogLine[] {
  const shownCount = isReplaced ? Math.min(held.length, BUSY_LOG_LINES_SHOWN) : held.length;
  if (previous.length === shownCount && previous.at(-1) === held.at(-1)) return previous;
  return shownCount === held.length ? held : held.slice(-shownCount);
}

/** The shown run's settings; the previous object while every setting is the same (each frame brings a new one). */
function projectRunSettings(settings: ServerSettings | null, previous: ServerSettings | null): ServerSettings | null {
  if (settings === null || previous === null) return settings;
  return SETTING_NAMES.every((name) => settings[name] === previous[name]) ? previous : settings;
}

function fallbackStatus(previous: ControllerStatus, held: HeldFrames): ControllerStatus {
  return held.status ?? previous;
}

/** The whole wire slice for one paint; every part that did not change keeps its previous object. */
export function projectWire(held: HeldFrames, previous: WireState, sources: WireSources): WireState {
  const workers = projectWorkers(held.workers, previous.workers, held.lock?.holderId ?? null);
  let busyWorkers = 0;
  for (const worker of held.workers) if (worker.job !== null) busyWorkers++;
  const counters = held.counters;
  const previousCounters = previous.counters;
  const isSameCounters =
    previousCounters.requestsReceived === counters.requestsReceived &&
    previousCounters.responsesSent === counters.responsesSent &&
    previousCounters.rejected === counters.rejected &&
    previousCounters.serverErrors === counters.serverErrors &&
    previousCounters.openConnections === counters.openConnections;
  const settings = held.run.settings;
  const history = held.history;
  return {
    status: fallbackStatus(previous.status, held),
    connection: sources.connection ?? previous.connection,
    hasSnapshot: held.hasFrame,
    serverPhase: serverPhaseOf(held.run.phase),
    workerCount: settings ? startingThreadCountOf(settings) : 0,
    listeningAt: held.run.listeningAt,
    runSettings: projectRunSettings(settings, previous.runSettings),
    strategy: held.strategy,
    workers,
    lock: projectLock(held.lock, previous.lock),
    threads: projectThreads(held.threads, held.memory, previous.threads),
    waitingConnections: projectWaitingConnections(held.waiting, previous.waitingConnections),
    waitingConnectionCount: held.waiting.count,
    queue: projectQueue(held.queue.jobs, previous.queue),
    queueLength: held.queue.length,
    oldestWaitMs: held.queue.oldestWaitMs,
    frameAt: held.at,
    isHighRate: counters.requestsPerSecond >= HIGH_RATE_REQUESTS_PER_S,
    inFlightJobs: held.queue.length + busyWorkers,
    counters: isSameCounters
      ? previousCounters
      : {
          requestsReceived: counters.requestsReceived,
          responsesSent: counters.responsesSent,
          rejected: counters.rejected,
          serverErrors: counters.serverErrors,
          openConnections: counters.openConnections,
        },
    droppedEvents: history?.evictedCount ?? 0,
    log: sources.isLogDue ? logAfter(previous.log, held.log, sources.isLogReplaced === true) : previous.log,
    omittedLogLines: sources.isLogDue ? held.omittedLogLines : previous.omittedLogLines,
    inspectedRequest: sources.inspectedRequest,
    bucketRequests: sources.bucketRequests,
    historyStartAt: history !== null && history.evictedCount > 0 ? history.firstAt : null,
    historyMaxAgeMs: history?.maxAgeMs ?? null,
    historyMaxEvents: history?.maxEvents ?? null,
    framePace: held.pace?.reason ?? null,
    framePaceIntervalMs: held.pace?.intervalMs ?? null,
    modelVersion: held.version,
  };
}

/** Whether the log the store shows lags behind the frames' (a line held back until the log is due). */
export function isLogBehind(held: HeldFrames, shown: WireState): boolean {
  return shown.log.at(-1) !== held.log.at(-1);
}
