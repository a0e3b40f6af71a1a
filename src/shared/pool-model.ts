// The pool's records as every view names them: a worker, a request, a log line, the run's counters, and the
// words the views share for them (the log line of an event, a request's origin and path, why a job was
// abandoned). The flight recorder's aggregate (src/history/pool-state.ts) keeps state in these shapes.

import { httpUrlOf } from './address';
import { formatBookLine, isBurstUserAgent, type JobAbandonReason, type ServerEvent, type ServerEventOf } from './events';
import { LOAD_USER_AGENT } from './load-settings';
import { countOf } from './plural';
import { describeRejection } from './rejections';
import type { Strategy } from './settings';

export type ServerPhase = 'stopped' | 'listening' | 'stopping';
/** 'waiting-for-lock': strategy 'pool-while-let' only, blocked on the queue's lock another worker holds. */
export type WorkerPhase = 'idle' | 'busy' | 'stopping' | 'exited' | 'waiting-for-lock';
/**
 * Where a request came from: the app's burst buttons, its load generator (Run load, Sweep…, `npm run load`), or
 * anything else (a browser, curl): only that last is external.
 */
export type RequestOrigin = 'burst' | 'load' | 'external';

/**
 * A worker, by id: as the flight recorder's aggregate keeps it (its phases: WorkerPhase) and as the pool reports
 * itself (src/shared/server-state.ts PoolWorkerState: the same record, with the pool's finer phases).
 */
export interface WorkerState<Phase extends string = WorkerPhase> {
  /** 0..workerCount-1, as in events. */
  id: number;
  phase: Phase;
  /** The request whose job it runs; null unless busy. */
  requestId: number | null;
  /** When it took that job; null unless busy. */
  busySince: number | null;
  /** Jobs it finished (whatever their outcome, the one its thread died on included) since its pool was created. */
  jobsDone: number;
  /**
   * Those jobs' run times added up, in ms, for utilization: the pool adds each job's run time as its worker
   * measured it; the recorder, the job's time on the server's clock (as the timeline draws it).
   */
  busyMsTotal: number;
  /** When its pool's workers were spawned: the time of its worker-spawned event. */
  spawnedAt: number;
  /** Threads that took over this id after a crash (each one a worker-replaced event). */
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

/** Counts of the current run (they start at 0 with each server start). */
export interface PoolCounters {
  requestsReceived: number;
  responsesSent: number;
  /** Answered by the server itself (request-rejected): parse errors, full-queue and shutdown 503s, 408s. */
  rejected: number;
  /** Responses with status >= 500. */
  serverErrors: number;
  openConnections: number;
}

/** The request-target without its query string: `/sleep?ms=200` → `/sleep`. */
export function pathOf(target: string): string {
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

/** The threads a listening server runs requests on, in words: "4 workers", "one thread, one connection at a time (…)". */
export function describeThreads(event: Pick<ServerEventOf<'server-listening'>, 'strategy' | 'workerCount' | 'maxThreads'>): string {
  switch (event.strategy) {
    case 'single':
      return 'one thread, one connection at a time (strategy single)';
    case 'per-request':
      return `a new thread per request, at most ${event.maxThreads} at once (strategy per-request)`;
    case 'pool':
      return countOf(event.workerCount, 'worker');
    case 'pool-while-let':
      return `${countOf(event.workerCount, 'worker')} sharing one lock for the whole job (strategy pool-while-let)`;
  }
}

/**
 * The thread a job ran on, as its card and its lane name it: the book speaks of a `Worker` with an id only once it
 * builds the pool (listing 21-13 on). Listing 21-10's one thread and listing 21-11's spawned threads are threads; a
 * thread per request's id is the slot it runs in, reused by later threads. A strategy not known names a worker.
 */
export function threadNameOf(strategy: Strategy | null, workerId: number): string {
  if (strategy === 'single') return 'Thread';
  return `${threadNounOf(strategy) === 'thread' ? 'Thread' : 'Worker'} ${workerId}`;
}

/** The noun for the threads that run jobs, as threadNameOf names them: "worker" for a pool, "thread" otherwise. */
export function threadNounOf(strategy: Strategy | null): 'worker' | 'thread' {
  return strategy === 'single' || strategy === 'per-request' ? 'thread' : 'worker';
}

/** The same inside a sentence: "ran on worker 2", "on thread 2", "on the thread". */
export function threadPhraseOf(strategy: Strategy | null, workerId: number): string {
  return strategy === 'single' ? 'the thread' : threadNameOf(strategy, workerId).toLowerCase();
}

/** The threads a burst's requests ran on, after "on": "4 workers", "the single thread", "a thread each". */
export function burstThreadsOf(settings: { strategy: Strategy; workerCount: number }): string {
  switch (settings.strategy) {
    case 'single':
      return 'the single thread';
    case 'per-request':
      return 'a thread each';
    case 'pool':
    case 'pool-while-let':
      return countOf(settings.workerCount, 'worker');
  }
}

/** The log line for a server that starts listening, in the UI's log and in exported traces alike. */
export function formatListeningLine(event: ServerEventOf<'server-listening'>): string {
  return `Listening on ${httpUrlOf(event.host, event.port)} with ${describeThreads(event)}`;
}

/** A job-abandoned reason in the words every view shows: the request details, the timeline's labels, exported traces. */
export function describeAbandonReason(reason: JobAbandonReason): string {
  return reason === 'max-wait' ? 'waited too long' : 'no worker left to run it';
}

/** Whether a request came from the app's own burst generator, its load generator, or from outside (a browser, curl). */
export function requestOriginOf(userAgent: string | null): RequestOrigin {
  if (isBurstUserAgent(userAgent)) return 'burst';
  return userAgent === LOAD_USER_AGENT ? 'load' : 'external';
}

/**
 * The UI log's line for an event (the book's lines as the running strategy's listing prints them, the listening
 * line, the stop), or null when it makes none.
 */
export function logLineOf(event: ServerEvent, strategy: Strategy = 'pool'): string | null {
  if (event.type === 'server-listening') return formatListeningLine(event);
  // The refusal a thread per request makes past its safety limit: the book's server has none, so the log says why.
  if (event.type === 'request-rejected' && event.errorCode === 'THREAD_LIMIT')
    return `Request #${event.requestId} answered ${event.status}: ${describeRejection(event.errorCode)}`;
  if (event.type === 'server-stopped') return 'Server stopped.';
  return formatBookLine(event, strategy);
}
