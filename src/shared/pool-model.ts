// The aggregate every viewer keeps: event stream in, current pool state out (tokio-console's aggregator).
// The publisher keeps one to hand a full snapshot to a (re)connecting viewer; the renderer keeps one and
// applies each delta batch to it. Pure and mutable for speed: apply() never allocates per worker.

import { httpUrlOf } from './address';
import { formatBookLine, isBurstUserAgent, type JobAbandonReason, type ServerEvent, type ServerEventOf } from './events';
import { countOf } from './plural';

export type ServerPhase = 'stopped' | 'listening' | 'stopping';
export type WorkerPhase = 'idle' | 'busy' | 'stopping' | 'exited';
export type RequestOrigin = 'burst' | 'external';

export interface WorkerState {
  id: number;
  phase: WorkerPhase;
  /** The request this worker is running; null when idle. */
  requestId: number | null;
  busySince: number | null;
  jobsDone: number;
  /** Sum of finished jobs' run time, for utilization. */
  busyMsTotal: number;
  spawnedAt: number;
  /** How many times a crashed thread was replaced under this id. */
  replacements: number;
}

export interface RequestRecord {
  id: number;
  connectionId: number;
  method: string;
  target: string;
  /** target without its query string */
  path: string;
  remoteAddress: string;
  userAgent: string | null;
  origin: RequestOrigin;
  receivedAt: number;
  queuedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  sentAt: number | null;
  workerId: number | null;
  waitMs: number | null;
  runMs: number | null;
  status: number | null;
  bytes: number | null;
  /** Set when the server answered without a job (parse error, full queue, a job that waited too long, shutdown, timeout). */
  errorCode: string | null;
  /** Set when its job left the queue without running (job-abandoned): it waited too long, or no worker was left. */
  abandonReason: JobAbandonReason | null;
}

export interface LogLine {
  at: number;
  text: string;
}

export interface PoolCounters {
  requestsReceived: number;
  responsesSent: number;
  /** Answered by the server itself (request-rejected): parse errors, full-queue and shutdown 503s, 408s. */
  rejected: number;
  /** Responses with status >= 500. */
  serverErrors: number;
  openConnections: number;
  /** Events the publisher had to drop because a viewer fell behind (see the publisher's bound). */
  droppedEvents: number;
}

export interface PoolSnapshot {
  phase: ServerPhase;
  host: string | null;
  port: number | null;
  workerCount: number;
  sleepMs: number;
  maxQueuedJobs: number;
  listeningAt: number | null;
  workers: WorkerState[];
  /** Request ids waiting for a worker, oldest first. */
  queue: number[];
  /** Retained requests in arrival order: every unfinished one plus the newest finished ones. */
  requests: RequestRecord[];
  counters: PoolCounters;
  log: LogLine[];
}

/** Finished requests kept for the timeline and stats; older ones are forgotten. */
export const MAX_RETAINED_REQUESTS = 5_000;
export const MAX_LOG_LINES = 500;

export interface PoolModelLimits {
  maxRetainedRequests: number;
  maxLogLines: number;
}

const DEFAULT_LIMITS: PoolModelLimits = { maxRetainedRequests: MAX_RETAINED_REQUESTS, maxLogLines: MAX_LOG_LINES };

function emptyCounters(): PoolCounters {
  return { requestsReceived: 0, responsesSent: 0, rejected: 0, serverErrors: 0, openConnections: 0, droppedEvents: 0 };
}

/** The request-target without its query string: `/sleep?ms=200` → `/sleep`. */
export function pathOf(target: string): string {
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

/** The log line for a server that starts listening, in the UI's log and in exported traces alike. */
export function formatListeningLine(event: ServerEventOf<'server-listening'>): string {
  return `Listening on ${httpUrlOf(event.host, event.port)} with ${countOf(event.workerCount, 'worker')}`;
}

/** A job-abandoned reason in the words every view shows: the request details, the timeline's labels, exported traces. */
export function describeAbandonReason(reason: JobAbandonReason): string {
  return reason === 'max-wait' ? 'waited too long' : 'no worker left to run it';
}

/** Whether a request came from the app's own burst generator or from outside (a browser, curl). */
export function requestOriginOf(userAgent: string | null): RequestOrigin {
  return isBurstUserAgent(userAgent) ? 'burst' : 'external';
}

/** The UI log's line for an event (the book's lines, the listening line, the stop), or null when it makes none. */
export function logLineOf(event: ServerEvent): string | null {
  if (event.type === 'server-listening') return formatListeningLine(event);
  if (event.type === 'server-stopped') return 'Server stopped.';
  return formatBookLine(event);
}

export class PoolModel {
  phase: ServerPhase = 'stopped';
  host: string | null = null;
  port: number | null = null;
  workerCount = 0;
  sleepMs = 0;
  maxQueuedJobs = 0;
  listeningAt: number | null = null;
  workers: WorkerState[] = [];
  queue: number[] = [];
  /** Insertion-ordered, so iteration is arrival order. */
  readonly requests = new Map<number, RequestRecord>();
  counters: PoolCounters = emptyCounters();
  log: LogLine[] = [];
  /** Bumped on every apply, so a viewer can tell cheaply whether anything changed. */
  version = 0;
  private finishedOrder: number[] = [];
  private finishedHead = 0;
  private readonly limits: PoolModelLimits;

  constructor(limits: Partial<PoolModelLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  static fromSnapshot(snapshot: PoolSnapshot, limits: Partial<PoolModelLimits> = {}): PoolModel {
    const model = new PoolModel(limits);
    model.phase = snapshot.phase;
    model.host = snapshot.host;
    model.port = snapshot.port;
    model.workerCount = snapshot.workerCount;
    model.sleepMs = snapshot.sleepMs;
    model.maxQueuedJobs = snapshot.maxQueuedJobs;
    model.listeningAt = snapshot.listeningAt;
    model.workers = snapshot.workers.map((w) => ({ ...w }));
    model.queue = [...snapshot.queue];
    for (const r of snapshot.requests) {
      model.requests.set(r.id, { ...r });
      if (r.sentAt !== null) model.finishedOrder.push(r.id);
    }
    model.counters = { ...snapshot.counters };
    model.log = [...snapshot.log];
    return model;
  }

  snapshot(): PoolSnapshot {
    return {
      phase: this.phase,
      host: this.host,
      port: this.port,
      workerCount: this.workerCount,
      sleepMs: this.sleepMs,
      maxQueuedJobs: this.maxQueuedJobs,
      listeningAt: this.listeningAt,
      workers: this.workers.map((w) => ({ ...w })),
      queue: [...this.queue],
      requests: Array.from(this.requests.values(), (r) => ({ ...r })),
      counters: { ...this.counters },
      log: [...this.log],
    };
  }

  applyAll(events: readonly ServerEvent[]): void {
    for (const event of events) this.apply(event);
  }

  apply(event: ServerEvent): void {
    this.version++;
    const line = logLineOf(event);
    if (line !== null) this.addLog(event.at, line);
    switch (event.type) {
      case 'server-listening':
        // A new run (its workers spawned just before): keep finished requests for the timeline.
        this.phase = 'listening';
        this.host = event.host;
        this.port = event.port;
        this.workerCount = event.workerCount;
        this.sleepMs = event.sleepMs;
        this.maxQueuedJobs = event.maxQueuedJobs;
        this.listeningAt = event.at;
        this.queue = [];
        this.workers.length = Math.min(this.workers.length, event.workerCount);
        break;
      case 'server-stopping':
        this.phase = 'stopping';
        break;
      case 'server-stopped':
        this.phase = 'stopped';
        break;
      case 'connection-opened':
        this.counters.openConnections++;
        break;
      case 'connection-closed':
        if (this.counters.openConnections > 0) this.counters.openConnections--;
        break;
      case 'request-received':
        this.counters.requestsReceived++;
        this.requests.set(event.requestId, {
          id: event.requestId,
          connectionId: event.connectionId,
          method: event.method,
          target: event.target,
          path: pathOf(event.target),
          remoteAddress: event.remoteAddress,
          userAgent: event.userAgent,
          origin: requestOriginOf(event.userAgent),
          receivedAt: event.at,
          queuedAt: null,
          startedAt: null,
          finishedAt: null,
          sentAt: null,
          workerId: null,
          waitMs: null,
          runMs: null,
          status: null,
          bytes: null,
          errorCode: null,
          abandonReason: null,
        });
        break;
      case 'request-rejected': {
        this.counters.rejected++;
        const r = this.requests.get(event.requestId);
        if (r) {
          r.errorCode = event.errorCode;
          r.status = event.status;
        } else {
          // A parse error: no request line was understood, so no request-received came before.
          this.requests.set(event.requestId, {
            id: event.requestId,
            connectionId: event.connectionId,
            method: '?',
            target: '?',
            path: '?',
            remoteAddress: '',
            userAgent: null,
            origin: 'external',
            receivedAt: event.at,
            queuedAt: null,
            startedAt: null,
            finishedAt: null,
            sentAt: null,
            workerId: null,
            waitMs: null,
            runMs: null,
            status: event.status,
            bytes: null,
            errorCode: event.errorCode,
            abandonReason: null,
          });
        }
        break;
      }
      case 'job-queued': {
        const r = this.requests.get(event.requestId);
        if (r) r.queuedAt = event.at;
        this.queue.push(event.requestId);
        break;
      }
      case 'job-started': {
        const r = this.requests.get(event.requestId);
        if (r) {
          r.startedAt = event.at;
          r.workerId = event.workerId;
          r.waitMs = event.waitMs;
        }
        this.leaveQueue(event.requestId);
        const w = this.worker(event.workerId, event.at);
        w.phase = 'busy';
        w.requestId = event.requestId;
        w.busySince = event.at;
        break;
      }
      case 'job-finished': {
        const r = this.requests.get(event.requestId);
        if (r) {
          r.finishedAt = event.at;
          r.runMs = event.runMs;
          r.status = event.status;
        }
        const w = this.worker(event.workerId, event.at);
        if (w.phase === 'busy') w.phase = 'idle';
        w.requestId = null;
        w.busySince = null;
        w.jobsDone++;
        w.busyMsTotal += event.runMs;
        break;
      }
      case 'job-abandoned': {
        const r = this.requests.get(event.requestId);
        if (r) {
          r.waitMs = event.waitMs;
          r.abandonReason = event.reason;
        }
        this.leaveQueue(event.requestId);
        break;
      }
      case 'response-sent': {
        this.counters.responsesSent++;
        if (event.status >= 500) this.counters.serverErrors++;
        const r = this.requests.get(event.requestId);
        if (r) {
          r.sentAt = event.at;
          r.status = event.status;
          r.bytes = event.bytes;
          this.retire(event.requestId);
        }
        break;
      }
      case 'worker-spawned':
        // A fresh pool: an exited worker of the previous run starts over.
        this.workers[event.workerId] = {
          id: event.workerId,
          phase: 'idle',
          requestId: null,
          busySince: null,
          jobsDone: 0,
          busyMsTotal: 0,
          spawnedAt: event.at,
          replacements: 0,
        };
        break;
      case 'worker-stopping': {
        const w = this.worker(event.workerId, event.at);
        if (w.phase !== 'exited') w.phase = 'stopping';
        break;
      }
      case 'worker-exited': {
        const w = this.worker(event.workerId, event.at);
        w.phase = 'exited';
        w.requestId = null;
        w.busySince = null;
        break;
      }
      case 'worker-replaced': {
        const w = this.worker(event.workerId, event.at);
        w.phase = 'idle';
        w.replacements++;
        break;
      }
    }
  }

  /** Counts events a publisher dropped, so the UI can say so. */
  noteDroppedEvents(total: number): void {
    this.counters.droppedEvents = total;
  }

  private leaveQueue(requestId: number): void {
    // Dispatch and deadlines are FIFO, so the job leaving is almost always at the head.
    const i = this.queue[0] === requestId ? 0 : this.queue.indexOf(requestId);
    if (i === 0) this.queue.shift();
    else if (i > 0) this.queue.splice(i, 1);
  }

  private worker(id: number, at: number): WorkerState {
    let w = this.workers[id];
    if (!w) {
      w = { id, phase: 'idle', requestId: null, busySince: null, jobsDone: 0, busyMsTotal: 0, spawnedAt: at, replacements: 0 };
      this.workers[id] = w;
    }
    return w;
  }

  private retire(requestId: number): void {
    this.finishedOrder.push(requestId);
    while (this.finishedOrder.length - this.finishedHead > this.limits.maxRetainedRequests) {
      this.requests.delete(this.finishedOrder[this.finishedHead++]!);
    }
    // Compact now and then instead of shifting on every retire.
    if (this.finishedHead > 4096) {
      this.finishedOrder = this.finishedOrder.slice(this.finishedHead);
      this.finishedHead = 0;
    }
  }

  private addLog(at: number, text: string): void {
    this.log.push({ at, text });
    if (this.log.length > this.limits.maxLogLines * 2) this.log = this.log.slice(-this.limits.maxLogLines);
  }
}
