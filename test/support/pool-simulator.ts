// Valid event sequences for property tests: a small model of the server (workers, FIFO queue, bounded queue,
// the queue deadline and a pool that gives up, connections, crashes and replacements, graceful stop,
// restarts) turns a list of actions into the events the real server emits for them, in its order.
// fast-check generates the actions.

import fc from 'fast-check';
import { BURST_USER_AGENT, type JobAbandonReason, type ServerEvent } from '../../src/shared/events';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';

export type SimAction =
  /** maxWaitMs: the queue deadline, 0 for none (as the setting); omitted, none. */
  | { kind: 'start'; workerCount: number; maxQueuedJobs: number; maxWaitMs?: number }
  | { kind: 'connect' }
  | { kind: 'request'; connection: number; target: string; method: string; userAgent: string | null }
  | { kind: 'parse-error'; connection: number }
  | { kind: 'finish'; worker: number; status: number }
  | { kind: 'crash'; worker: number }
  | { kind: 'replace'; worker: number }
  /** With no worker alive, the pool gives up on restarting them: every queued job leaves unrun (500). */
  | { kind: 'give-up' }
  | { kind: 'close'; connection: number }
  | { kind: 'stop' }
  | { kind: 'idle' };

export interface TimedAction {
  action: SimAction;
  /** Time from the previous action, ms (0 happens: several things in one tick). */
  dtMs: number;
}

interface SimWorker {
  id: number;
  requestId: number | null;
  busySince: number;
  isAlive: boolean;
}

/** Queue deadlines (maxWaitMs) a generated run starts with: none, or short enough that short runs reach them. */
const MAX_WAIT_MS_CHOICES = [0, 30, 1_000];

export class PoolSimulator {
  readonly events: ServerEvent[] = [];
  private at: number;
  private phase: 'stopped' | 'listening' | 'stopping' = 'stopped';
  private workers: SimWorker[] = [];
  private queue: Array<{ requestId: number; connectionId: number; queuedAt: number }> = [];
  private maxQueuedJobs = 0;
  private maxWaitMs = 0;
  private nextRequestId = 1;
  private nextConnectionId = 1;
  private connections: number[] = [];

  constructor(startAt = 1_700_000_000_000) {
    this.at = startAt;
  }

  get now(): number {
    return this.at;
  }

  run(actions: readonly TimedAction[]): ServerEvent[] {
    for (const { action, dtMs } of actions) {
      this.at += dtMs;
      this.expireOverdue();
      this.step(action);
    }
    return this.events;
  }

  step(action: SimAction): void {
    switch (action.kind) {
      case 'start':
        return this.start(action.workerCount, action.maxQueuedJobs, action.maxWaitMs ?? 0);
      case 'connect':
        if (this.phase !== 'listening') return;
        this.emit({
          type: 'connection-opened',
          at: this.at,
          connectionId: this.nextConnectionId,
          remoteAddress: '127.0.0.1',
          remotePort: 40_000 + this.nextConnectionId,
        });
        this.connections.push(this.nextConnectionId++);
        return;
      case 'request':
        return this.request(action);
      case 'parse-error': {
        const connectionId = this.pick(this.connections, action.connection);
        if (connectionId === undefined || this.phase === 'stopped') return;
        const requestId = this.nextRequestId++;
        this.emit({ type: 'request-rejected', at: this.at, requestId, connectionId, status: 400, errorCode: 'BAD_REQUEST_LINE' });
        this.emit({ type: 'response-sent', at: this.at, requestId, status: 400, bytes: 120 });
        this.closeConnection(connectionId, 'server-closed');
        return;
      }
      case 'finish':
        return this.finish(action.worker, action.status);
      case 'crash': {
        const w = this.pick(this.workers, action.worker);
        if (w === undefined || !w.isAlive || this.phase === 'stopped') return;
        const requestId = w.requestId;
        if (requestId !== null) {
          this.emit({ type: 'job-finished', at: this.at, requestId, workerId: w.id, runMs: this.at - w.busySince, status: 500 });
          w.requestId = null;
        }
        w.isAlive = false;
        this.emit({ type: 'worker-exited', at: this.at, workerId: w.id, reason: 'crashed', exitCode: 1 });
        if (requestId !== null) this.emit({ type: 'response-sent', at: this.at, requestId, status: 500, bytes: 90 });
        return;
      }
      case 'replace': {
        const w = this.pick(this.workers, action.worker);
        if (w === undefined || w.isAlive || this.phase === 'stopped') return;
        w.isAlive = true;
        this.emit({ type: 'worker-replaced', at: this.at, workerId: w.id });
        this.takeNext(w);
        return;
      }
      case 'give-up':
        if (this.phase === 'stopped' || this.workers.some((w) => w.isAlive)) return;
        while (this.queue.length > 0) this.abandonNext('no-workers');
        if (this.phase === 'stopping') this.maybeFinishStop();
        return;
      case 'close': {
        const connectionId = this.pick(this.connections, action.connection);
        if (connectionId !== undefined) this.closeConnection(connectionId, 'client-closed');
        return;
      }
      case 'stop':
        if (this.phase === 'listening') {
          this.phase = 'stopping';
          this.emit({ type: 'server-stopping', at: this.at, reason: 'command' });
        }
        if (this.phase === 'stopping') this.maybeFinishStop();
        return;
      case 'idle':
        return;
    }
  }

  private start(workerCount: number, maxQueuedJobs: number, maxWaitMs: number): void {
    if (this.phase !== 'stopped') return;
    this.workers = Array.from({ length: workerCount }, (_, id) => ({ id, requestId: null, busySince: 0, isAlive: true }));
    for (const w of this.workers) this.emit({ type: 'worker-spawned', at: this.at, workerId: w.id });
    this.maxQueuedJobs = maxQueuedJobs;
    this.maxWaitMs = maxWaitMs;
    this.queue = [];
    this.nextRequestId = 1;
    this.nextConnectionId = 1;
    this.connections = [];
    this.phase = 'listening';
    this.emit({ type: 'server-listening', at: this.at, ...DEFAULT_SETTINGS, workerCount, maxQueuedJobs, maxWaitMs });
  }

  private request(action: Extract<SimAction, { kind: 'request' }>): void {
    const connectionId = this.pick(this.connections, action.connection);
    if (connectionId === undefined || this.phase === 'stopped') return;
    const requestId = this.nextRequestId++;
    this.emit({
      type: 'request-received',
      at: this.at,
      requestId,
      connectionId,
      method: action.method,
      target: action.target,
      remoteAddress: '127.0.0.1',
      userAgent: action.userAgent,
    });
    if (this.phase === 'stopping') return this.reject(requestId, connectionId, 'SHUTTING_DOWN');
    const idle = this.workers.find((w) => w.isAlive && w.requestId === null);
    if (idle === undefined && this.queue.length >= this.maxQueuedJobs) return this.reject(requestId, connectionId, 'QUEUE_FULL');
    this.emit({ type: 'job-queued', at: this.at, requestId, queueDepth: this.queue.length + 1 });
    if (idle !== undefined) this.dispatch(idle, requestId, this.at);
    else this.queue.push({ requestId, connectionId, queuedAt: this.at });
  }

  private reject(requestId: number, connectionId: number, errorCode: string): void {
    this.emit({ type: 'request-rejected', at: this.at, requestId, connectionId, status: 503, errorCode });
    this.emit({ type: 'response-sent', at: this.at, requestId, status: 503, bytes: 100 });
  }

  /**
   * The pool's deadline check, as its timer makes it whenever time passes: every job that has waited
   * maxWaitMs leaves the queue unrun (503), oldest first.
   */
  private expireOverdue(): void {
    if (this.maxWaitMs === 0 || this.phase === 'stopped') return;
    while (this.queue.length > 0 && this.at - this.queue[0]!.queuedAt >= this.maxWaitMs) this.abandonNext('max-wait');
    if (this.phase === 'stopping') this.maybeFinishStop();
  }

  /** The oldest queued job leaves the queue unrun, and its request is answered as the server answers it. */
  private abandonNext(reason: JobAbandonReason): void {
    const { requestId, connectionId, queuedAt } = this.queue.shift()!;
    this.emit({ type: 'job-abandoned', at: this.at, requestId, reason, waitMs: this.at - queuedAt, queueDepth: this.queue.length });
    if (reason === 'max-wait') return this.reject(requestId, connectionId, 'QUEUE_WAIT_EXCEEDED');
    this.emit({ type: 'response-sent', at: this.at, requestId, status: 500, bytes: 110 });
  }

  private dispatch(w: SimWorker, requestId: number, queuedAt: number): void {
    w.requestId = requestId;
    w.busySince = this.at;
    this.emit({ type: 'job-started', at: this.at, requestId, workerId: w.id, waitMs: this.at - queuedAt, queueDepth: this.queue.length });
  }

  private finish(index: number, status: number): void {
    const w = this.pick(
      this.workers.filter((x) => x.requestId !== null),
      index,
    );
    if (w === undefined) return;
    const requestId = w.requestId!;
    this.emit({ type: 'job-finished', at: this.at, requestId, workerId: w.id, runMs: this.at - w.busySince, status });
    w.requestId = null;
    this.emit({ type: 'response-sent', at: this.at, requestId, status, bytes: 300 });
    this.takeNext(w);
  }

  private takeNext(w: SimWorker): void {
    const next = this.queue.shift();
    if (next !== undefined) this.dispatch(w, next.requestId, next.queuedAt);
  }

  private maybeFinishStop(): void {
    if (this.queue.length > 0 || this.workers.some((w) => w.requestId !== null)) return;
    for (const w of this.workers) {
      if (!w.isAlive) continue;
      this.emit({ type: 'worker-stopping', at: this.at, workerId: w.id });
      this.emit({ type: 'worker-exited', at: this.at, workerId: w.id, reason: 'shutdown', exitCode: 0 });
    }
    for (const connectionId of [...this.connections]) this.closeConnection(connectionId, 'shutdown');
    this.phase = 'stopped';
    this.emit({ type: 'server-stopped', at: this.at });
  }

  private closeConnection(connectionId: number, reason: 'client-closed' | 'server-closed' | 'shutdown'): void {
    this.connections = this.connections.filter((c) => c !== connectionId);
    this.emit({ type: 'connection-closed', at: this.at, connectionId, reason, requestCount: 0 });
  }

  private pick<T>(items: readonly T[], index: number): T | undefined {
    return items.length === 0 ? undefined : items[index % items.length];
  }

  private emit(event: ServerEvent): void {
    this.events.push(event);
  }
}

const TARGETS = ['/', '/sleep', '/sleep?ms=250', '/?x=1', '/favicon.ico', '/missing'];
const USER_AGENTS = [BURST_USER_AGENT, 'curl/8.5.0', 'Mozilla/5.0', null];

export const simActionArb: fc.Arbitrary<SimAction> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('start' as const),
      workerCount: fc.integer({ min: 1, max: 5 }),
      maxQueuedJobs: fc.integer({ min: 1, max: 8 }),
      maxWaitMs: fc.constantFrom(...MAX_WAIT_MS_CHOICES),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: 'connect' as const }) },
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('request' as const),
      connection: fc.nat(),
      target: fc.constantFrom(...TARGETS),
      method: fc.constantFrom('GET', 'GET', 'HEAD', 'POST'),
      userAgent: fc.constantFrom(...USER_AGENTS),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('parse-error' as const), connection: fc.nat() }) },
  {
    weight: 10,
    arbitrary: fc.record({ kind: fc.constant('finish' as const), worker: fc.nat(), status: fc.constantFrom(200, 200, 200, 404, 400, 500) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), worker: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replace' as const), worker: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'give-up' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), connection: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'stop' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'idle' as const }) },
);

/** Time between actions: often none, often a fraction of a millisecond, sometimes seconds. */
export const dtArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 5, arbitrary: fc.double({ min: 0.001, max: 3, noNaN: true }) },
  { weight: 2, arbitrary: fc.double({ min: 3, max: 400, noNaN: true }) },
  { weight: 1, arbitrary: fc.double({ min: 400, max: 8000, noNaN: true }) },
);

/** A realistic run: a server start first, then a mix of traffic, completions, failures, stops and restarts. */
export function eventSequenceArb(maxActions = 300): fc.Arbitrary<ServerEvent[]> {
  return fc
    .tuple(
      fc.integer({ min: 1, max: 5 }),
      fc.constantFrom(...MAX_WAIT_MS_CHOICES),
      fc.array(fc.record({ action: simActionArb, dtMs: dtArb }), { minLength: 1, maxLength: maxActions }),
    )
    .map(([workerCount, maxWaitMs, actions]) =>
      new PoolSimulator().run([
        { action: { kind: 'start', workerCount, maxQueuedJobs: 6, maxWaitMs }, dtMs: 0 },
        { action: { kind: 'connect' }, dtMs: 0.5 },
        ...actions,
      ]),
    );
}
