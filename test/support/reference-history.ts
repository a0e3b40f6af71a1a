// The naive reference the history is checked against: it keeps every event in an array and answers every
// question by reading them all from the start, written as plainly as possible and independently of
// src/history. Slow on purpose; correct by inspection.

import { emptyPoolState, MAX_LANES, type PoolState, type RecordedRequest } from '../../src/history';
// The blank records only: what the reference does with them is its own.
import { newRequest, RECENT_THREAD_STARTUPS } from '../../src/history/pool-state';
import { BURST_USER_AGENT, type ServerEvent, type ServerEventOf } from '../../src/shared/events';
import { type ServerSettings, startingThreadCountOf } from '../../src/shared/settings';

type Worker = PoolState['workers'][number];

/** Every setting of a server-listening event: the event without its type and time. */
function settingsOf(event: ServerEventOf<'server-listening'>): ServerSettings {
  const { type: _type, at: _at, ...settings } = event;
  return settings;
}

function workerIn(s: PoolState, id: number, at: number): Worker {
  let w = s.workers.find((x) => x.id === id);
  if (!w) {
    w = { id, phase: 'idle', requestId: null, busySince: null, jobsDone: 0, busyMsTotal: 0, spawnedAt: at, replacements: 0 };
    s.workers.push(w);
    s.workers.sort((a, b) => a.id - b.id);
  }
  return w;
}

function newRun(s: PoolState, at: number): void {
  s.runId += 1;
  s.phase = 'starting';
  s.settings = null;
  s.runStartedAt = at;
  s.listeningAt = null;
  s.stoppingAt = null;
  s.stopReason = null;
  s.stoppedAt = null;
  s.workers = [];
  s.queue = [];
  s.requests = [];
  s.connections = [];
  s.counters = { requestsReceived: 0, responsesSent: 0, rejected: 0, serverErrors: 0 };
  s.threads = { live: 0, peak: 0, recentStartupMs: [] };
}

/** Threads alive: a thread per request's as its last thread event counted them, else the workers not exited. */
function liveThreads(s: PoolState, lastThreadCount: number): number {
  return s.settings?.strategy === 'per-request' ? lastThreadCount : s.workers.filter((w) => w.phase !== 'exited').length;
}

function lockOf(s: PoolState): NonNullable<PoolState['lock']> {
  s.lock ??= { holderId: null, heldSince: null, waiters: [] };
  return s.lock;
}

function leaveLock(s: PoolState, workerId: number): void {
  if (s.lock === null) return;
  if (s.lock.holderId === workerId) Object.assign(s.lock, { holderId: null, heldSince: null });
  s.lock.waiters = s.lock.waiters.filter((w) => w.workerId !== workerId);
}

/** One event applied to a state, by the rules in src/history/pool-state.ts, written out again. */
export function referenceStep(s: PoolState, e: ServerEvent): void {
  const request = (id: number) => s.requests.find((r) => r.id === id);
  // The peak is taken where threads start: spawns, listening, replacements, a request's thread.
  const startsThreads = ['worker-spawned', 'server-listening', 'worker-replaced', 'thread-started'].includes(e.type);
  let lastThreadCount = s.threads.live;
  switch (e.type) {
    case 'worker-spawned': {
      if (s.phase === 'stopped') newRun(s, e.at);
      s.workers = s.workers.filter((w) => w.id !== e.workerId);
      const w = workerIn(s, e.workerId, e.at);
      if (s.lock?.waiters.some((waiter) => waiter.workerId === e.workerId)) w.phase = 'waiting-for-lock';
      break;
    }
    case 'server-listening':
      if (s.phase === 'stopped') newRun(s, e.at);
      s.phase = 'listening';
      s.settings = settingsOf(e);
      s.listeningAt = e.at;
      for (let id = 0; id < Math.min(startingThreadCountOf(e), MAX_LANES); id++) workerIn(s, id, e.at);
      if (e.strategy === 'pool-while-let') lockOf(s);
      break;
    case 'server-stopping':
      if (s.phase !== 'stopped') s.phase = 'stopping';
      s.stoppingAt = e.at;
      s.stopReason = e.reason;
      break;
    case 'server-stopped':
      s.phase = 'stopped';
      s.stoppedAt = e.at;
      s.lock = null;
      s.waitingConnections = [];
      break;
    case 'connection-opened': {
      const c = { id: e.connectionId, remoteAddress: e.remoteAddress, remotePort: e.remotePort, openedAt: e.at };
      const i = s.connections.findIndex((x) => x.id === e.connectionId);
      if (i === -1) s.connections.push(c);
      else s.connections[i] = c;
      break;
    }
    case 'connection-closed':
      s.connections = s.connections.filter((c) => c.id !== e.connectionId);
      s.waitingConnections = s.waitingConnections.filter((c) => c.connectionId !== e.connectionId);
      break;
    case 'request-received': {
      s.counters.requestsReceived += 1;
      const r = newRequest(e.requestId, e.connectionId, e.at);
      Object.assign(r, {
        method: e.method,
        target: e.target,
        path: e.target.split('?')[0],
        remoteAddress: e.remoteAddress,
        userAgent: e.userAgent,
        origin: e.userAgent === BURST_USER_AGENT ? 'burst' : 'external',
      });
      const i = s.requests.findIndex((x) => x.id === e.requestId);
      if (i === -1) s.requests.push(r);
      else s.requests[i] = r;
      break;
    }
    case 'request-rejected': {
      s.counters.rejected += 1;
      let r = request(e.requestId);
      if (!r) {
        r = newRequest(e.requestId, e.connectionId, e.at);
        s.requests.push(r);
      }
      r.status = e.status;
      r.errorCode = e.errorCode;
      break;
    }
    case 'job-queued': {
      const r = request(e.requestId);
      if (r) r.queuedAt = e.at;
      s.queue.push({ requestId: e.requestId, queuedAt: e.at });
      break;
    }
    case 'job-started': {
      const r = request(e.requestId);
      if (r) Object.assign(r, { startedAt: e.at, workerId: e.workerId, waitMs: e.waitMs });
      const i = s.queue.findIndex((j) => j.requestId === e.requestId);
      if (i !== -1) s.queue.splice(i, 1);
      Object.assign(workerIn(s, e.workerId, e.at), { phase: 'busy', requestId: e.requestId, busySince: e.at });
      break;
    }
    case 'job-finished': {
      const r = request(e.requestId);
      if (r) Object.assign(r, { finishedAt: e.at, runMs: e.runMs, status: e.status });
      const w = workerIn(s, e.workerId, e.at);
      if (w.phase === 'busy') w.phase = 'idle';
      w.busyMsTotal += w.busySince === null ? e.runMs : e.at - w.busySince;
      w.jobsDone += 1;
      w.requestId = null;
      w.busySince = null;
      break;
    }
    case 'job-abandoned': {
      const r = request(e.requestId);
      if (r) Object.assign(r, { waitMs: e.waitMs, abandonReason: e.reason });
      s.queue = s.queue.filter((j) => j.requestId !== e.requestId);
      break;
    }
    case 'response-sent': {
      s.counters.responsesSent += 1;
      if (e.status >= 500) s.counters.serverErrors += 1;
      s.requests = s.requests.filter((r) => r.id !== e.requestId);
      s.queue = s.queue.filter((j) => j.requestId !== e.requestId);
      break;
    }
    case 'worker-stopping': {
      const w = workerIn(s, e.workerId, e.at);
      if (w.phase !== 'exited') w.phase = 'stopping';
      break;
    }
    case 'worker-exited':
      Object.assign(workerIn(s, e.workerId, e.at), { phase: 'exited', requestId: null, busySince: null });
      leaveLock(s, e.workerId);
      break;
    case 'thread-started': {
      s.workers = s.workers.filter((w) => w.id !== e.workerId);
      workerIn(s, e.workerId, e.at);
      lastThreadCount = e.liveThreadCount;
      s.threads.recentStartupMs = [...s.threads.recentStartupMs, e.startupMs].slice(-RECENT_THREAD_STARTUPS);
      break;
    }
    case 'thread-exited':
      s.workers = s.workers.filter((w) => w.id !== e.workerId);
      lastThreadCount = e.liveThreadCount;
      break;
    case 'connection-waiting': {
      const opened = s.connections.find((c) => c.id === e.connectionId);
      s.waitingConnections.push({ connectionId: e.connectionId, since: opened?.openedAt ?? e.at });
      break;
    }
    case 'connection-taken':
      s.waitingConnections = s.waitingConnections.filter((c) => c.connectionId !== e.connectionId);
      break;
    case 'lock-waiting': {
      const lock = lockOf(s);
      if (!lock.waiters.some((w) => w.workerId === e.workerId)) lock.waiters.push({ workerId: e.workerId, since: e.at });
      const w = workerIn(s, e.workerId, e.at);
      if (w.phase !== 'stopping' && w.phase !== 'exited') w.phase = 'waiting-for-lock';
      break;
    }
    case 'lock-acquired': {
      leaveLock(s, e.workerId);
      Object.assign(lockOf(s), { holderId: e.workerId, heldSince: e.at });
      const w = workerIn(s, e.workerId, e.at);
      if (w.phase === 'waiting-for-lock') w.phase = 'idle';
      break;
    }
    case 'lock-released':
      leaveLock(s, e.workerId);
      break;
    case 'worker-replaced': {
      const w = workerIn(s, e.workerId, e.at);
      Object.assign(w, { phase: 'idle', requestId: null, busySince: null });
      w.replacements += 1;
      break;
    }
  }
  s.threads.live = liveThreads(s, lastThreadCount);
  if (startsThreads) s.threads.peak = Math.max(s.threads.peak, s.threads.live);
}

export interface ReferenceJob {
  runId: number;
  requestId: number;
  workerId: number;
  startedAt: number;
  /** null: still running after the last event. */
  finishedAt: number | null;
  status: number | null;
  route: '/' | '/sleep' | 'other';
  isBurst: boolean;
}

export interface ReferenceWait {
  runId: number;
  requestId: number;
  queuedAt: number;
  /** null: no worker took it. */
  startedAt: number | null;
  /** When it left the queue: a worker took it, or it was abandoned; null: it never left. */
  leftAt: number | null;
  workerId: number | null;
  abandonReason: RecordedRequest['abandonReason'];
}

function routeOf(target: string): ReferenceJob['route'] {
  const path = target.split('?')[0];
  return path === '/' ? '/' : path === '/sleep' ? '/sleep' : 'other';
}

/** Everything a test asks, from all the events, by reading them from the start. */
export class ReferenceHistory {
  constructor(
    readonly events: readonly ServerEvent[],
    private readonly initial: PoolState = emptyPoolState(Number.NEGATIVE_INFINITY),
  ) {}

  stateAt(at: number): PoolState {
    const s = structuredClone(this.initial);
    for (const e of this.events) if (e.at <= at) referenceStep(s, e);
    s.at = at;
    return s;
  }

  private all: RecordedRequest[] | null = null;
  /** When each abandoned job left the queue (its job-abandoned). */
  private readonly abandonedAt = new Map<RecordedRequest, number>();

  /** Every request ever recorded, by run. */
  requests(): RecordedRequest[] {
    this.all ??= this.readRequests();
    return this.all;
  }

  private readRequests(): RecordedRequest[] {
    const s = structuredClone(this.initial);
    const all: RecordedRequest[] = [];
    const open = new Map<number, RecordedRequest>();
    for (const e of this.events) {
      const runBefore = s.runId;
      referenceStep(s, e);
      if (s.runId !== runBefore) open.clear();
      if (e.type === 'request-received' || (e.type === 'request-rejected' && !open.has(e.requestId))) {
        const live = s.requests.find((r) => r.id === e.requestId)!;
        const record = { runId: s.runId, ...structuredClone(live) };
        open.set(e.requestId, record);
        all.push(record);
        continue;
      }
      if (!('requestId' in e)) continue;
      const record = open.get(e.requestId);
      if (!record) continue;
      const live = s.requests.find((r) => r.id === e.requestId);
      if (live) Object.assign(record, structuredClone(live));
      if (e.type === 'response-sent') Object.assign(record, { sentAt: e.at, bytes: e.bytes, status: e.status });
      if (e.type === 'job-abandoned') this.abandonedAt.set(record, e.at);
    }
    return all;
  }

  /** Every job a worker started, with its run. */
  jobs(): ReferenceJob[] {
    return this.requests()
      .filter((r) => r.startedAt !== null && r.workerId !== null)
      .map((r) => ({
        runId: r.runId,
        requestId: r.id,
        workerId: r.workerId!,
        startedAt: r.startedAt!,
        finishedAt: r.finishedAt,
        status: r.finishedAt === null ? null : r.status,
        route: routeOf(r.target),
        isBurst: r.origin === 'burst',
      }));
  }

  /** When a recorded request's job left the queue (a worker took it, or it was abandoned); null while it waits or if it never queued. */
  leftQueueAt(record: RecordedRequest): number | null {
    this.requests();
    return record.startedAt ?? this.abandonedAt.get(record) ?? null;
  }

  /** Every job that joined the queue. */
  waits(): ReferenceWait[] {
    return this.requests()
      .filter((r) => r.queuedAt !== null)
      .map((r) => ({
        runId: r.runId,
        requestId: r.id,
        queuedAt: r.queuedAt!,
        startedAt: r.startedAt,
        leftAt: this.leftQueueAt(r),
        workerId: r.workerId,
        abandonReason: r.abandonReason,
      }));
  }

  private lengths: Array<{ fromAt: number; length: number }> | null = null;

  /** ∫ queue length dt over [fromAt, toAt), from the state after every event. */
  queueLengthMs(fromAt: number, toAt: number): number {
    if (this.lengths === null) {
      const s = structuredClone(this.initial);
      this.lengths = [{ fromAt: Number.NEGATIVE_INFINITY, length: s.queue.length }];
      for (const e of this.events) {
        referenceStep(s, e);
        if (s.queue.length !== this.lengths.at(-1)!.length) this.lengths.push({ fromAt: e.at, length: s.queue.length });
      }
    }
    const lengths = this.lengths;
    let i = lengths.length - 1;
    while (i > 0 && lengths[i]!.fromAt > fromAt) i--;
    let total = 0;
    for (; i < lengths.length && lengths[i]!.fromAt < toAt; i++) {
      const until = lengths[i + 1]?.fromAt ?? Number.POSITIVE_INFINITY;
      const from = Math.max(lengths[i]!.fromAt, fromAt);
      const to = Math.min(until, toAt);
      if (to > from) total += lengths[i]!.length * (to - from);
    }
    return total;
  }
}

/** Run time of [fromAt, toAt] inside [rangeFrom, rangeTo). */
export function overlapMs(fromAt: number, toAt: number, rangeFrom: number, rangeTo: number): number {
  return Math.max(0, Math.min(toAt, rangeTo) - Math.max(fromAt, rangeFrom));
}

/** The overlap rule, written out: a zero-length run counts where it happened. */
export function overlaps(fromAt: number, toAt: number, rangeFrom: number, rangeTo: number): boolean {
  if (toAt === fromAt) return fromAt >= rangeFrom && fromAt < rangeTo;
  return fromAt < rangeTo && toAt > rangeFrom;
}
