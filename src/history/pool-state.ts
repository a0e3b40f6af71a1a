// The pool's state at one moment (PoolState, declared in src/shared/pool-state.ts: plain data, safe to send to
// a viewer or write to a file) and the reducer that keeps it (PoolAggregate: events in, state out). The history keeps one live aggregate
// and rebuilds others from checkpoints; a state the server reports directly seeds one with fromState().
// Reuses the worker and request record shapes of src/shared/pool-model.ts, so today's views read it as is.

import type { JobAbandonReason, ServerEvent, ServerEventOf, StopReason } from '../shared/events';
import type { RequestOrigin, RequestRecord, WorkerPhase, WorkerState } from '../shared/pool-model';
import { pathOf, requestOriginOf } from '../shared/pool-model';
import type { OpenConnection, PoolState, QueuedJob, RunCounters, RunPhase, RunSettings, WaitingConnection } from '../shared/pool-state';
import type { QueueLockState } from '../shared/server-state';
import { SETTING_NAMES, startingThreadCountOf } from '../shared/settings';
import { isLaneId, MAX_LANES } from './classify';

export type { RequestRecord, WorkerState } from '../shared/pool-model';
export type {
  OpenConnection,
  PoolState,
  QueuedJob,
  RunCounters,
  RunPhase,
  RunSettings,
  ThreadCounts,
  WaitingConnection,
} from '../shared/pool-state';

/** The settings a server-listening event carries, without its type and time. */
function settingsOf(event: ServerEventOf<'server-listening'>): RunSettings {
  return Object.fromEntries(SETTING_NAMES.map((name) => [name, event[name]])) as RunSettings;
}

/** Answered requests' records kept for reuse: enough for the requests a saturated server has in flight at once. */
const MAX_SPARE_REQUESTS = 256;

/** Start-up times a state keeps ('per-request' threads, the newest last): enough for a median that follows change. */
export const RECENT_THREAD_STARTUPS = 32;

/** The state of a history before its first event: no server ever ran. */
export function emptyPoolState(at: number): PoolState {
  return {
    at,
    runId: 0,
    phase: 'stopped',
    settings: null,
    runStartedAt: null,
    listeningAt: null,
    stoppingAt: null,
    stopReason: null,
    stoppedAt: null,
    workers: [],
    queue: [],
    requests: [],
    connections: [],
    counters: { requestsReceived: 0, responsesSent: 0, rejected: 0, serverErrors: 0 },
    threads: { live: 0, peak: 0, recentStartupMs: [] },
    lock: null,
    waitingConnections: [],
  };
}

/** null for NaN: the live records keep "not yet" as NaN, the state says null. */
function nullIfNaN(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

function nanIfNull(value: number | null): number {
  return value ?? Number.NaN;
}

/**
 * A worker inside the aggregate: WorkerState with NaN for "none", so that storing a time or an id puts a
 * number in place. A field that is sometimes null would box every number stored in it (a heap allocation
 * per job, and one that outlives the young generation, since the worker does).
 */
class LiveWorker {
  phase: WorkerPhase = 'idle';
  requestId = Number.NaN;
  busySince = Number.NaN;
  jobsDone = 0;
  busyMsTotal = 0;
  replacements = 0;

  constructor(
    readonly id: number,
    readonly spawnedAt: number,
  ) {}

  static from(w: WorkerState): LiveWorker {
    const live = new LiveWorker(w.id, w.spawnedAt);
    live.phase = w.phase;
    live.requestId = nanIfNull(w.requestId);
    live.busySince = nanIfNull(w.busySince);
    live.jobsDone = w.jobsDone;
    live.busyMsTotal = w.busyMsTotal;
    live.replacements = w.replacements;
    return live;
  }

  toState(): WorkerState {
    return {
      id: this.id,
      phase: this.phase,
      requestId: nullIfNaN(this.requestId),
      busySince: nullIfNaN(this.busySince),
      jobsDone: this.jobsDone,
      busyMsTotal: this.busyMsTotal,
      spawnedAt: this.spawnedAt,
      replacements: this.replacements,
    };
  }
}

/**
 * A request in flight inside the aggregate: RequestRecord with NaN for "not yet" (see LiveWorker). Answered ones are
 * kept for reuse (reset()): one per request would be the recorder's only allocation per request, and its number
 * fields each a heap box of their own.
 */
class LiveRequest {
  // Set by reset() alone, in one order, whether the record is new or reused (declared: no initializer runs before it).
  declare id: number;
  declare connectionId: number;
  declare receivedAt: number;
  declare method: string;
  declare target: string;
  declare path: string;
  declare remoteAddress: string;
  declare userAgent: string | null;
  declare origin: RequestOrigin;
  declare queuedAt: number;
  declare startedAt: number;
  declare finishedAt: number;
  declare sentAt: number;
  declare workerId: number;
  declare waitMs: number;
  declare runMs: number;
  declare status: number;
  declare bytes: number;
  declare errorCode: string | null;
  declare abandonReason: JobAbandonReason | null;
  /** Its jobs in the aggregate's queue that were queued while this record existed (see PoolAggregate.trackedQueued). */
  declare queuedJobs: number;

  constructor(id: number, connectionId: number, receivedAt: number) {
    this.reset(id, connectionId, receivedAt);
  }

  /** Makes this record a new request's: nothing known yet but who sent it and when. */
  reset(id: number, connectionId: number, receivedAt: number): this {
    this.id = id;
    this.connectionId = connectionId;
    this.receivedAt = receivedAt;
    this.method = '?';
    this.target = '?';
    this.path = '?';
    this.remoteAddress = '';
    this.userAgent = null;
    this.origin = 'external';
    this.queuedAt = Number.NaN;
    this.startedAt = Number.NaN;
    this.finishedAt = Number.NaN;
    this.sentAt = Number.NaN;
    this.workerId = Number.NaN;
    this.waitMs = Number.NaN;
    this.runMs = Number.NaN;
    this.status = Number.NaN;
    this.bytes = Number.NaN;
    this.errorCode = null;
    this.abandonReason = null;
    this.queuedJobs = 0;
    return this;
  }

  static from(r: RequestRecord): LiveRequest {
    const live = new LiveRequest(r.id, r.connectionId, r.receivedAt);
    live.method = r.method;
    live.target = r.target;
    live.path = r.path;
    live.remoteAddress = r.remoteAddress;
    live.userAgent = r.userAgent;
    live.origin = r.origin;
    live.queuedAt = nanIfNull(r.queuedAt);
    live.startedAt = nanIfNull(r.startedAt);
    live.finishedAt = nanIfNull(r.finishedAt);
    live.sentAt = nanIfNull(r.sentAt);
    live.workerId = nanIfNull(r.workerId);
    live.waitMs = nanIfNull(r.waitMs);
    live.runMs = nanIfNull(r.runMs);
    live.status = nanIfNull(r.status);
    live.bytes = nanIfNull(r.bytes);
    live.errorCode = r.errorCode;
    live.abandonReason = r.abandonReason;
    return live;
  }

  toRecord(): RequestRecord {
    return {
      id: this.id,
      connectionId: this.connectionId,
      method: this.method,
      target: this.target,
      path: this.path,
      remoteAddress: this.remoteAddress,
      userAgent: this.userAgent,
      origin: this.origin,
      receivedAt: this.receivedAt,
      queuedAt: nullIfNaN(this.queuedAt),
      startedAt: nullIfNaN(this.startedAt),
      finishedAt: nullIfNaN(this.finishedAt),
      sentAt: nullIfNaN(this.sentAt),
      workerId: nullIfNaN(this.workerId),
      waitMs: nullIfNaN(this.waitMs),
      runMs: nullIfNaN(this.runMs),
      status: nullIfNaN(this.status),
      bytes: nullIfNaN(this.bytes),
      errorCode: this.errorCode,
      abandonReason: this.abandonReason,
    };
  }
}

/** A request as known before anything about it was read: what a parse error or an unknown id gets. */
export function newRequest(requestId: number, connectionId: number, at: number): RequestRecord {
  return new LiveRequest(requestId, connectionId, at).toRecord();
}

/**
 * Events in, pool state out. apply() is O(1) (O(queue) only when a job leaves the queue out of order) and
 * allocates only for a new request, connection or worker. Semantics, event by event, are the contract the
 * tests check against an independent reference (test/support/reference-history.ts).
 */
export class PoolAggregate {
  at: number;
  runId = 0;
  phase: RunPhase = 'stopped';
  settings: RunSettings | null = null;
  runStartedAt: number | null = null;
  listeningAt: number | null = null;
  stoppingAt: number | null = null;
  stopReason: StopReason | null = null;
  stoppedAt: number | null = null;
  /** Indexed by worker id; ids need not be dense. */
  private workers: Array<LiveWorker | undefined> = [];
  /** In flight, in arrival order. */
  private readonly requests = new Map<number, LiveRequest>();
  /** Records of answered requests, for the next ones (see LiveRequest). */
  private readonly spareRequests: LiveRequest[] = [];
  readonly connections = new Map<number, OpenConnection>();
  counters: RunCounters = { requestsReceived: 0, responsesSent: 0, rejected: 0, serverErrors: 0 };
  /** 'per-request''s threads alive, as its last thread event said; the pools' threads are their workers not exited. */
  private requestThreadCount = 0;
  private peakThreadCount = 0;
  private recentStartupMs: number[] = [];
  private lock: QueueLockState | null = null;
  /** In the order they began to wait (the order the one thread takes them). */
  private waitingConnections: WaitingConnection[] = [];
  // The queue as two parallel buffers, [queueHead, queueTail): reused, never truncated (that would reallocate
  // them on every job at a high rate); compacted now and then.
  private queueIds: number[] = [];
  private queueAts: number[] = [];
  private queueHead = 0;
  private queueTail = 0;
  /**
   * The queue's entries counted by their request's record (LiveRequest.queuedJobs): when a request's record counts none
   * and every entry is counted, the request has no job in the queue and nothing needs searching. Each response and
   * each dispatch asks; at saturation the queue holds dozens of jobs, and a response's job is never among them.
   */
  private trackedQueued = 0;

  constructor(at = Number.NEGATIVE_INFINITY) {
    this.at = at;
  }

  /** A deep copy of `state`: the aggregate never shares objects with it. */
  static fromState(state: PoolState): PoolAggregate {
    const aggregate = new PoolAggregate(state.at);
    aggregate.runId = state.runId;
    aggregate.phase = state.phase;
    aggregate.settings = state.settings === null ? null : { ...state.settings };
    aggregate.runStartedAt = state.runStartedAt;
    aggregate.listeningAt = state.listeningAt;
    aggregate.stoppingAt = state.stoppingAt;
    aggregate.stopReason = state.stopReason;
    aggregate.stoppedAt = state.stoppedAt;
    for (const w of state.workers) if (isLaneId(w.id)) aggregate.workers[w.id] = LiveWorker.from(w);
    for (const r of state.requests) aggregate.setRequest(LiveRequest.from(r));
    for (const job of state.queue) aggregate.enqueue(job.requestId, job.queuedAt, aggregate.requests.get(job.requestId));
    for (const c of state.connections) aggregate.connections.set(c.id, { ...c });
    aggregate.counters = { ...state.counters };
    aggregate.requestThreadCount = state.threads.live;
    aggregate.peakThreadCount = state.threads.peak;
    aggregate.recentStartupMs = [...state.threads.recentStartupMs];
    aggregate.lock = copyLock(state.lock);
    aggregate.waitingConnections = state.waitingConnections.map((c) => ({ ...c }));
    return aggregate;
  }

  /** A copy of the state, describing the moment `at` (by default the last event's time). */
  toState(at = this.at): PoolState {
    const workers: WorkerState[] = [];
    for (const w of this.workers) if (w !== undefined) workers.push(w.toState());
    return {
      at,
      runId: this.runId,
      phase: this.phase,
      settings: this.settings === null ? null : { ...this.settings },
      runStartedAt: this.runStartedAt,
      listeningAt: this.listeningAt,
      stoppingAt: this.stoppingAt,
      stopReason: this.stopReason,
      stoppedAt: this.stoppedAt,
      workers,
      queue: this.queued(),
      requests: Array.from(this.requests.values(), (r) => r.toRecord()),
      connections: Array.from(this.connections.values(), (c) => ({ ...c })),
      counters: { ...this.counters },
      threads: { live: this.liveThreadCount(), peak: this.peakThreadCount, recentStartupMs: [...this.recentStartupMs] },
      lock: copyLock(this.lock),
      waitingConnections: this.waitingConnections.map((c) => ({ ...c })),
    };
  }

  /** The threads running requests now: 'per-request''s as its events count them, else the workers not exited. */
  liveThreadCount(): number {
    if (this.settings?.strategy === 'per-request') return this.requestThreadCount;
    let live = 0;
    for (const w of this.workers) if (w !== undefined && w.phase !== 'exited') live++;
    return live;
  }

  /** The waiting jobs, oldest first (a copy). */
  queued(): QueuedJob[] {
    const queue: QueuedJob[] = [];
    for (let i = this.queueHead; i < this.queueTail; i++) queue.push({ requestId: this.queueIds[i]!, queuedAt: this.queueAts[i]! });
    return queue;
  }

  get queueLength(): number {
    return this.queueTail - this.queueHead;
  }

  /**
   * What waits for the pool: the queued jobs and, under strategy 'single', the connections the one thread has not
   * read yet (its queue is the listen backlog). The timeline's queue track counts both.
   */
  get waitingLength(): number {
    return this.queueTail - this.queueHead + this.waitingConnections.length;
  }

  /** The connections waiting, unread, for the single thread, oldest first (read them, never change them). */
  waitingConnectionsInPlace(): readonly Readonly<WaitingConnection>[] {
    return this.waitingConnections;
  }

  get waitingConnectionCount(): number {
    return this.waitingConnections.length;
  }

  /** Since when this connection waits for the single thread; NaN when it does not wait. */
  waitingSinceOf(connectionId: number): number {
    for (const c of this.waitingConnections) if (c.connectionId === connectionId) return c.since;
    return Number.NaN;
  }

  /** The oldest waiting job's enqueue time; null when the queue is empty. */
  get oldestQueuedAt(): number | null {
    return this.queueHead < this.queueTail ? this.queueAts[this.queueHead]! : null;
  }

  /** Entries a copy of the state holds: what a checkpoint costs. */
  get size(): number {
    return (
      this.workers.length +
      this.queueLength +
      this.requests.size +
      this.connections.size +
      this.waitingConnections.length +
      (this.lock?.waiters.length ?? 0)
    );
  }

  /** The ids of the current run's workers, ascending. */
  workerIds(): number[] {
    const ids: number[] = [];
    for (const w of this.workers) if (w !== undefined) ids.push(w.id);
    return ids;
  }

  /** A copy of one worker's state; undefined for an id the run does not have. */
  workerState(workerId: number): WorkerState | undefined {
    return this.workers[workerId]?.toState();
  }

  /** When the worker's current job started; NaN while it runs none. For the recorder's hot path. */
  busySinceOf(workerId: number): number {
    return this.workers[workerId]?.busySince ?? Number.NaN;
  }

  /** The job a worker runs now, or null. */
  runningJobOf(workerId: number): { requestId: number; busySince: number } | null {
    const w = this.workers[workerId];
    return w === undefined || Number.isNaN(w.requestId) || Number.isNaN(w.busySince)
      ? null
      : { requestId: w.requestId, busySince: w.busySince };
  }

  /** Whether a request is received (or rejected) and not answered yet. */
  isInFlight(requestId: number): boolean {
    return this.requests.has(requestId);
  }

  /** A copy of an in-flight request's record; undefined once it was answered (or never received). */
  requestRecord(requestId: number): RequestRecord | undefined {
    return this.requests.get(requestId)?.toRecord();
  }

  apply(event: ServerEvent): void {
    const at = event.at;
    this.at = at;
    switch (event.type) {
      case 'server-listening':
        if (this.phase === 'stopped') this.beginRun(at);
        this.phase = 'listening';
        this.settings = settingsOf(event);
        this.listeningAt = at;
        // A listening pool has its workers, whether or not their spawning was seen (as many as can have a lane):
        // the pool's, the single thread, none for a thread per request.
        for (let id = 0; id < Math.min(startingThreadCountOf(event), MAX_LANES); id++) this.worker(id, at);
        if (event.strategy === 'pool-while-let') this.lock ??= { holderId: null, heldSince: null, waiters: [] };
        this.notePeak();
        break;
      case 'server-stopping':
        if (this.phase !== 'stopped') this.phase = 'stopping';
        this.stoppingAt = at;
        this.stopReason = event.reason;
        break;
      case 'server-stopped':
        this.phase = 'stopped';
        this.stoppedAt = at;
        // Every thread joined: no lock is held or waited for, no connection waits. (Not at the next run's start: a
        // while-let pool's workers take the lock before their pool reports them spawned.)
        this.lock = null;
        this.waitingConnections = [];
        break;
      case 'connection-opened':
        this.connections.set(event.connectionId, {
          id: event.connectionId,
          remoteAddress: event.remoteAddress,
          remotePort: event.remotePort,
          openedAt: at,
        });
        break;
      case 'connection-closed':
        this.connections.delete(event.connectionId);
        // A waiting client that gave up, or one answered 503 at shutdown without being read.
        if (this.waitingConnections.length > 0) this.stopWaiting(event.connectionId);
        break;
      case 'request-received': {
        this.counters.requestsReceived++;
        const r = this.newRequest(event.requestId, event.connectionId, at);
        r.method = event.method;
        r.target = event.target;
        r.path = pathOf(event.target);
        r.remoteAddress = event.remoteAddress;
        r.userAgent = event.userAgent;
        r.origin = requestOriginOf(event.userAgent);
        this.setRequest(r);
        break;
      }
      case 'request-rejected': {
        this.counters.rejected++;
        let r = this.requests.get(event.requestId);
        if (r === undefined) {
          // A parse error or a header timeout: no request line was understood, so nothing was received.
          r = this.newRequest(event.requestId, event.connectionId, at);
          this.setRequest(r);
        }
        r.status = event.status;
        r.errorCode = event.errorCode;
        break;
      }
      case 'job-queued': {
        const r = this.requests.get(event.requestId);
        if (r !== undefined) r.queuedAt = at;
        this.enqueue(event.requestId, at, r);
        break;
      }
      case 'job-started': {
        const r = this.requests.get(event.requestId);
        if (r !== undefined) {
          r.startedAt = at;
          r.workerId = event.workerId;
          r.waitMs = event.waitMs;
        }
        this.removeFromQueue(event.requestId, r);
        const w = this.worker(event.workerId, at);
        w.phase = 'busy';
        w.requestId = event.requestId;
        w.busySince = at;
        break;
      }
      case 'job-finished': {
        const r = this.requests.get(event.requestId);
        if (r !== undefined) {
          r.finishedAt = at;
          r.runMs = event.runMs;
          r.status = event.status;
        }
        const w = this.worker(event.workerId, at);
        if (w.phase === 'busy') w.phase = 'idle';
        // Busy time on the server's one clock, as the timeline draws it; runMs (the worker's own measure) stays in the record.
        w.busyMsTotal += Number.isNaN(w.busySince) ? event.runMs : at - w.busySince;
        w.jobsDone++;
        w.requestId = Number.NaN;
        w.busySince = Number.NaN;
        break;
      }
      case 'job-abandoned': {
        // It left the queue without running; its answer (request-rejected, response-sent) follows.
        const r = this.requests.get(event.requestId);
        if (r !== undefined) {
          r.waitMs = event.waitMs;
          r.abandonReason = event.reason;
        }
        this.removeFromQueue(event.requestId, r);
        break;
      }
      case 'response-sent': {
        this.counters.responsesSent++;
        if (event.status >= 500) this.counters.serverErrors++;
        const r = this.requests.get(event.requestId);
        // A job answered without ever starting leaves the queue with its answer (recordings older than job-abandoned).
        this.removeFromQueue(event.requestId, r);
        if (r !== undefined) this.answered(r);
        break;
      }
      case 'worker-spawned': {
        if (this.phase === 'stopped') this.beginRun(at);
        const w = new LiveWorker(event.workerId, at);
        // Its thread may have blocked on the while-let lock before its pool reported it spawned.
        if (this.lock?.waiters.some((waiter) => waiter.workerId === event.workerId)) w.phase = 'waiting-for-lock';
        if (isLaneId(event.workerId)) this.workers[event.workerId] = w;
        this.notePeak();
        break;
      }
      case 'worker-stopping': {
        const w = this.worker(event.workerId, at);
        if (w.phase !== 'exited') w.phase = 'stopping';
        break;
      }
      case 'worker-exited': {
        const w = this.worker(event.workerId, at);
        w.phase = 'exited';
        w.requestId = Number.NaN;
        w.busySince = Number.NaN;
        // A thread that dies holding the lock frees it (the pool unlocks it); one blocked on it no longer waits.
        if (this.lock !== null) this.leaveLock(event.workerId);
        break;
      }
      case 'thread-exited':
        // Strategy 'per-request': a request's thread ended, and its lane is gone with it (a later thread may take its id).
        if (isLaneId(event.workerId)) this.workers[event.workerId] = undefined;
        this.requestThreadCount = event.liveThreadCount;
        break;
      case 'worker-replaced': {
        const w = this.worker(event.workerId, at);
        w.phase = 'idle';
        w.requestId = Number.NaN;
        w.busySince = Number.NaN;
        w.replacements++;
        this.notePeak();
        break;
      }
      case 'thread-started': {
        // Strategy 'per-request': a lane appears with its thread, which runs one job and ends.
        const w = new LiveWorker(event.workerId, at);
        if (isLaneId(event.workerId)) this.workers[event.workerId] = w;
        this.requestThreadCount = event.liveThreadCount;
        this.notePeak();
        const startups = this.recentStartupMs;
        if (startups.length >= RECENT_THREAD_STARTUPS) startups.shift();
        startups.push(event.startupMs);
        break;
      }
      case 'connection-waiting':
        this.waitingConnections.push({ connectionId: event.connectionId, since: this.connections.get(event.connectionId)?.openedAt ?? at });
        break;
      case 'connection-taken':
        this.stopWaiting(event.connectionId);
        break;
      case 'lock-waiting': {
        const lock = this.lockState();
        if (!lock.waiters.some((waiter) => waiter.workerId === event.workerId)) lock.waiters.push({ workerId: event.workerId, since: at });
        const w = this.worker(event.workerId, at);
        if (w.phase !== 'stopping' && w.phase !== 'exited') w.phase = 'waiting-for-lock';
        break;
      }
      case 'lock-acquired': {
        const lock = this.lockState();
        this.leaveLock(event.workerId);
        lock.holderId = event.workerId;
        lock.heldSince = at;
        const w = this.worker(event.workerId, at);
        if (w.phase === 'waiting-for-lock') w.phase = 'idle';
        break;
      }
      case 'lock-released':
        this.leaveLock(event.workerId);
        break;
      default:
        // Every event type has its case: a new one fails to compile here until this says what it changes.
        event satisfies never;
    }
  }

  private newRequest(requestId: number, connectionId: number, at: number): LiveRequest {
    return this.spareRequests.pop()?.reset(requestId, connectionId, at) ?? new LiveRequest(requestId, connectionId, at);
  }

  /** A request's record in flight, in place of any earlier one with its id. */
  private setRequest(r: LiveRequest): void {
    const earlier = this.requests.get(r.id);
    if (earlier !== undefined) this.trackedQueued -= earlier.queuedJobs;
    this.requests.set(r.id, r);
  }

  /** The request is no longer in flight: its record is kept for a next one (its queued jobs, if any, stay untracked). */
  private answered(r: LiveRequest): void {
    this.requests.delete(r.id);
    this.trackedQueued -= r.queuedJobs;
    if (this.spareRequests.length < MAX_SPARE_REQUESTS) this.spareRequests.push(r);
  }

  /** A new server run: everything of the previous one is over. */
  private beginRun(at: number): void {
    this.runId++;
    this.phase = 'starting';
    this.settings = null;
    this.runStartedAt = at;
    this.listeningAt = null;
    this.stoppingAt = null;
    this.stopReason = null;
    this.stoppedAt = null;
    this.workers = [];
    this.requests.clear();
    this.connections.clear();
    this.queueHead = 0;
    this.queueTail = 0;
    this.trackedQueued = 0;
    this.counters = { requestsReceived: 0, responsesSent: 0, rejected: 0, serverErrors: 0 };
    this.requestThreadCount = 0;
    this.peakThreadCount = 0;
    this.recentStartupMs = [];
  }

  /** Raises the run's peak to the threads alive now (on the events that start threads: rare, so O(workers) is fine). */
  private notePeak(): void {
    const live = this.liveThreadCount();
    if (live > this.peakThreadCount) this.peakThreadCount = live;
  }

  private lockState(): QueueLockState {
    this.lock ??= { holderId: null, heldSince: null, waiters: [] };
    return this.lock;
  }

  /** The worker neither holds the lock nor waits for it any more. */
  private leaveLock(workerId: number): void {
    const lock = this.lock;
    if (lock === null) return;
    if (lock.holderId === workerId) {
      lock.holderId = null;
      lock.heldSince = null;
    }
    const i = lock.waiters.findIndex((waiter) => waiter.workerId === workerId);
    if (i !== -1) lock.waiters.splice(i, 1);
  }

  private stopWaiting(connectionId: number): void {
    const i = this.waitingConnections.findIndex((c) => c.connectionId === connectionId);
    if (i !== -1) this.waitingConnections.splice(i, 1);
  }

  /** The lane's worker, made on first sight. An id that gets no lane gets a worker kept nowhere: a foreign
   * recording's worker 2,000,000,000 must not stretch the array every count walks. */
  private worker(id: number, at: number): LiveWorker {
    if (!isLaneId(id)) return new LiveWorker(id, at);
    let w = this.workers[id];
    if (w === undefined) {
      w = new LiveWorker(id, at);
      this.workers[id] = w;
    }
    return w;
  }

  /** Queues a job of request `requestId`, whose record in flight is `r` (if any). */
  private enqueue(requestId: number, at: number, r: LiveRequest | undefined): void {
    this.queueIds[this.queueTail] = requestId;
    this.queueAts[this.queueTail] = at;
    this.queueTail++;
    if (r !== undefined) {
      r.queuedJobs++;
      this.trackedQueued++;
    }
  }

  /**
   * Takes the request's oldest job out of the queue, if it has one there. `r` is its record in flight, if any. O(1)
   * when it has none there (known from the counts) or when it is the oldest (dispatch is FIFO); O(queue) otherwise.
   */
  private removeFromQueue(requestId: number, r: LiveRequest | undefined): void {
    if (this.queueHead === this.queueTail) return;
    if (r !== undefined && r.queuedJobs === 0 && this.trackedQueued === this.queueTail - this.queueHead) return;
    const ids = this.queueIds;
    const ats = this.queueAts;
    let i = this.queueHead;
    if (ids[i] === requestId) {
      this.queueHead++;
    } else {
      while (i < this.queueTail && ids[i] !== requestId) i++;
      if (i === this.queueTail) return;
      ids.copyWithin(i, i + 1, this.queueTail);
      ats.copyWithin(i, i + 1, this.queueTail);
      this.queueTail--;
    }
    if (r !== undefined && r.queuedJobs > 0) {
      r.queuedJobs--;
      this.trackedQueued--;
    }
    if (this.queueHead === this.queueTail) {
      this.queueHead = 0;
      this.queueTail = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queueTail) {
      ids.copyWithin(0, this.queueHead, this.queueTail);
      ats.copyWithin(0, this.queueHead, this.queueTail);
      this.queueTail -= this.queueHead;
      this.queueHead = 0;
    }
  }
}

function copyLock(lock: QueueLockState | null): QueueLockState | null {
  return lock === null ? null : { holderId: lock.holderId, heldSince: lock.heldSince, waiters: lock.waiters.map((w) => ({ ...w })) };
}
