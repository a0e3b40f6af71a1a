// The one event stream every observer of the server consumes (CLI, Electron app, browser dashboard).
// Contract only: no behaviour beyond the table of fields and the book's lines; imports only other contract
// modules. The main thread stamps every `at` (ms since the Unix epoch, fractional, from
// performance.timeOrigin + performance.now()); worker threads only report durations. Each event's comment
// says when the server emits it.

import { hasPool, SETTING_NAMES, type SETTINGS, type ServerSettings, type SettingName, type Strategy, settingDefinition } from './settings';

/**
 * Why the server began to stop: a SIGINT/SIGTERM to `serve`, the book's take(N), or a viewer's Stop (also on
 * app quit). 'error' is not emitted by this version; it stays because run files (format 1.x) allow it.
 */
export type StopReason = 'signal' | 'stop-after' | 'command' | 'error';

/** Why a connection ended. */
export type ConnectionCloseReason =
  | 'client-closed' // the peer ended or reset the connection (also the reason when the socket closed with none recorded)
  | 'server-closed' // we closed after `Connection: close`, HTTP/1.0, or a parse error (its 4xx/5xx sent first)
  | 'idle-timeout' // keep-alive connection sat idle longer than keepAliveTimeoutMs
  | 'header-timeout' // a request (header section and body) was not complete within headerTimeoutMs of its first byte (408 sent)
  | 'connection-limit' // refused at accept with 503 because maxConnections were open
  | 'socket-error' // the socket failed with an error other than a reset or a broken pipe
  | 'shutdown' // graceful shutdown closed it: idle, after its last response, or refused at accept with 503
  | 'send-timeout'; // answers waited to leave and the client read none of them for sendTimeoutMs: dropped unsent (run file 1.2)

export type WorkerExitReason = 'shutdown' | 'crashed';

/** Why a queued job left the queue without running. */
export type JobAbandonReason =
  /** It waited maxWaitMs for a worker: its request is answered 503 (request-rejected QUEUE_WAIT_EXCEEDED follows). */
  | 'max-wait'
  /** Every worker had failed to restart too many times in a row: nobody is left to run it; its request is answered 500. */
  | 'no-workers';

export type ServerEvent =
  /**
   * The pool is ready and the server accepts connections (after its workers' worker-spawned). Carries every
   * setting the server runs with, the host and port it really bound (port 0 resolved).
   */
  | ({ type: 'server-listening'; at: number } & ServerSettings)
  /** Shutdown began: no new connections or jobs; running and queued jobs still finish and are answered. */
  | { type: 'server-stopping'; at: number; reason: StopReason }
  /** Every response delivered (or its client gone), every worker joined, the port released. */
  | { type: 'server-stopped'; at: number }
  /** Every accepted connection, refused ones included (they close at once with reason 'connection-limit' or 'shutdown'). */
  | { type: 'connection-opened'; at: number; connectionId: number; remoteAddress: string; remotePort: number }
  | {
      type: 'connection-closed';
      at: number;
      connectionId: number;
      reason: ConnectionCloseReason;
      /** Requests answered on this connection before it closed. */
      requestCount: number;
    }
  /** A complete request was parsed on this connection; its job-queued, or its request-rejected, follows. */
  | {
      type: 'request-received';
      at: number;
      requestId: number;
      connectionId: number;
      method: string;
      /** The request-target exactly as sent, e.g. `/sleep?ms=200`. */
      target: string;
      remoteAddress: string;
      /** null when the request had no User-Agent header. */
      userAgent: string | null;
    }
  | {
      /**
       * The server answered by itself, without a job: a parse error (no request-received came, so the
       * requestId is new), a full queue (503 with Retry-After, after its request-received), or a request
       * not complete in time (408, new requestId). Its response-sent follows.
       */
      type: 'request-rejected';
      at: number;
      requestId: number;
      connectionId: number;
      status: number;
      /**
       * A RejectionCode (src/shared/rejections.ts), never 'CONNECTION_LIMIT' (a connection refused at accept has
       * no request). A string on the wire: a reader may meet a code that a newer server added.
       */
      errorCode: string;
    }
  /**
   * Every job the pool accepts, also one that goes straight to an idle worker (its job-started follows at once
   * with the same `at`). Then either job-started and job-finished, or job-abandoned. queueDepth: jobs waiting
   * with this one counted, so 1 for a job that starts at once.
   */
  | { type: 'job-queued'; at: number; requestId: number; queueDepth: number }
  | {
      type: 'job-started';
      at: number;
      requestId: number;
      workerId: number;
      /** Time from job-queued to this dispatch, measured on the main thread. */
      waitMs: number;
      /** jobs still waiting after this one left the queue */
      queueDepth: number;
    }
  | {
      type: 'job-finished';
      at: number;
      requestId: number;
      workerId: number;
      /** Time the job ran, measured inside the worker thread. */
      runMs: number;
      status: number;
    }
  /**
   * A queued job left the queue without running; its request's answer follows (for 'max-wait' a
   * request-rejected with QUEUE_WAIT_EXCEEDED, then response-sent; for 'no-workers' response-sent 500).
   */
  | {
      type: 'job-abandoned';
      at: number;
      requestId: number;
      reason: JobAbandonReason;
      /** Time from job-queued to this event, measured on the main thread. */
      waitMs: number;
      /** jobs still waiting after this one left the queue */
      queueDepth: number;
    }
  /** A response left in order on its connection; bytes is 0 when its client had already gone (nothing written). */
  | { type: 'response-sent'; at: number; requestId: number; status: number; bytes: number }
  /** Each worker of a new pool, emitted together once every one of them is ready (replacements emit worker-replaced). */
  | { type: 'worker-spawned'; at: number; workerId: number }
  /** Graceful shutdown is about to join this worker (the book's "Shutting down worker {id}"). */
  | { type: 'worker-stopping'; at: number; workerId: number }
  /** 'shutdown': joined after worker-stopping. 'crashed': the thread died; a fresh one starts under its id at once. */
  | { type: 'worker-exited'; at: number; workerId: number; reason: WorkerExitReason; exitCode: number }
  /** The fresh thread that took over a crashed worker's id is ready and takes jobs again. */
  | { type: 'worker-replaced'; at: number; workerId: number }
  // ── strategy 'single' (run file 1.4): the one thread takes one connection at a time ──
  /**
   * An accepted connection waits, not yet read, because the single thread is serving another one (the book's
   * listen backlog). Its connection-taken (or, at shutdown, its 503 and connection-closed) follows.
   */
  | {
      type: 'connection-waiting';
      at: number;
      connectionId: number;
      /** Connections waiting, this one included. */
      waitingCount: number;
    }
  /** The single thread took this connection: its request is read now. */
  | {
      type: 'connection-taken';
      at: number;
      connectionId: number;
      /** Time from its connection-opened to now, not read. */
      waitMs: number;
      /** Connections still waiting. */
      waitingCount: number;
    }
  // ── strategy 'per-request' (run file 1.4): a fresh thread for every request ──
  /**
   * The thread spawned for this request is running it (its job-started follows). `workerId` is the lane it
   * takes: the lowest one no live thread holds, so ids stay below maxThreads.
   */
  | {
      type: 'thread-started';
      at: number;
      workerId: number;
      requestId: number;
      /** From the spawn to the thread running its request, on the main thread's clock: a fresh V8 isolate's cost. */
      startupMs: number;
      /** Request threads alive, this one included. */
      liveThreadCount: number;
    }
  /** A request's thread ended (after its job-finished, or without one when it failed). */
  | { type: 'thread-exited'; at: number; workerId: number; exitCode: number; liveThreadCount: number }
  // ── strategy 'pool-while-let' (run file 1.4): one lock over the shared queue, held for the whole job ──
  /** A worker wants the queue's lock and another worker holds it: it is blocked ("waiting for the lock"). */
  | { type: 'lock-waiting'; at: number; workerId: number }
  /** A worker took the queue's lock; it holds it while it waits for a job and while the job runs. */
  | {
      type: 'lock-acquired';
      at: number;
      workerId: number;
      /** How long it was blocked on the lock, measured in the worker (0 when the lock was free). */
      waitMs: number;
    }
  /** A worker let go of the queue's lock (after its job, or when told to stop). */
  | {
      type: 'lock-released';
      at: number;
      workerId: number;
      /** How long it held the lock, measured in the worker. */
      heldMs: number;
    };

export type ServerEventType = ServerEvent['type'];
export type ServerEventOf<T extends ServerEventType> = Extract<ServerEvent, { type: T }>;

// ── The event table ─────────────────────────────────────────────────────────
// Every event type's fields and what each must hold, so that anything reading events from outside the
// process (a saved run) checks them from one place. The compiler holds this table and the union above
// to each other: a new event type, a new field or a new enum value that is missing here fails typecheck.

/** What a field must hold. An array lists the only allowed strings. */
export type EventFieldKind =
  /** ms since the Unix epoch, fractional (every `at`) */
  | 'epoch-ms'
  /** a finite number of ms, ≥ 0 */
  | 'duration-ms'
  /** a whole number ≥ 0: ids, counts, ports, sizes */
  | 'natural'
  /** any whole number (an exit code) */
  | 'integer'
  /** an HTTP status code, 100..599 */
  | 'http-status'
  | 'string'
  | 'string-or-null'
  | readonly string[];

export const STOP_REASONS = ['signal', 'stop-after', 'command', 'error'] as const satisfies readonly StopReason[];
export const CONNECTION_CLOSE_REASONS = [
  'client-closed',
  'server-closed',
  'idle-timeout',
  'header-timeout',
  'connection-limit',
  'socket-error',
  'shutdown',
  'send-timeout',
] as const satisfies readonly ConnectionCloseReason[];
export const WORKER_EXIT_REASONS = ['shutdown', 'crashed'] as const satisfies readonly WorkerExitReason[];
export const JOB_ABANDON_REASONS = ['max-wait', 'no-workers'] as const satisfies readonly JobAbandonReason[];

/** A setting's kind of event field: a whole number is 'natural' (none is below 0), a choice its list, a host a 'string'. */
type SettingFieldKind<D> = D extends { readonly kind: 'whole-number' }
  ? 'natural'
  : D extends { readonly kind: 'choice'; readonly choices: infer C }
    ? C
    : 'string';

/** The settings as event fields, from the settings table. */
export const SETTING_FIELDS = Object.fromEntries(
  SETTING_NAMES.map((name) => {
    const definition = settingDefinition(name);
    return [name, definition.kind === 'whole-number' ? 'natural' : definition.kind === 'choice' ? definition.choices : 'string'];
  }),
) as { readonly [K in SettingName]: SettingFieldKind<(typeof SETTINGS)[K]> };

/** Each event type's fields besides `type`, in the order the server writes them. */
export const SERVER_EVENT_FIELDS = {
  'server-listening': { at: 'epoch-ms', ...SETTING_FIELDS },
  'server-stopping': { at: 'epoch-ms', reason: STOP_REASONS },
  'server-stopped': { at: 'epoch-ms' },
  'connection-opened': { at: 'epoch-ms', connectionId: 'natural', remoteAddress: 'string', remotePort: 'natural' },
  'connection-closed': { at: 'epoch-ms', connectionId: 'natural', reason: CONNECTION_CLOSE_REASONS, requestCount: 'natural' },
  'request-received': {
    at: 'epoch-ms',
    requestId: 'natural',
    connectionId: 'natural',
    method: 'string',
    target: 'string',
    remoteAddress: 'string',
    userAgent: 'string-or-null',
  },
  'request-rejected': { at: 'epoch-ms', requestId: 'natural', connectionId: 'natural', status: 'http-status', errorCode: 'string' },
  'job-queued': { at: 'epoch-ms', requestId: 'natural', queueDepth: 'natural' },
  'job-started': { at: 'epoch-ms', requestId: 'natural', workerId: 'natural', waitMs: 'duration-ms', queueDepth: 'natural' },
  'job-finished': { at: 'epoch-ms', requestId: 'natural', workerId: 'natural', runMs: 'duration-ms', status: 'http-status' },
  'job-abandoned': { at: 'epoch-ms', requestId: 'natural', reason: JOB_ABANDON_REASONS, waitMs: 'duration-ms', queueDepth: 'natural' },
  'response-sent': { at: 'epoch-ms', requestId: 'natural', status: 'http-status', bytes: 'natural' },
  'worker-spawned': { at: 'epoch-ms', workerId: 'natural' },
  'worker-stopping': { at: 'epoch-ms', workerId: 'natural' },
  'worker-exited': { at: 'epoch-ms', workerId: 'natural', reason: WORKER_EXIT_REASONS, exitCode: 'integer' },
  'worker-replaced': { at: 'epoch-ms', workerId: 'natural' },
  'connection-waiting': { at: 'epoch-ms', connectionId: 'natural', waitingCount: 'natural' },
  'connection-taken': { at: 'epoch-ms', connectionId: 'natural', waitMs: 'duration-ms', waitingCount: 'natural' },
  'thread-started': { at: 'epoch-ms', workerId: 'natural', requestId: 'natural', startupMs: 'duration-ms', liveThreadCount: 'natural' },
  'thread-exited': { at: 'epoch-ms', workerId: 'natural', exitCode: 'integer', liveThreadCount: 'natural' },
  'lock-waiting': { at: 'epoch-ms', workerId: 'natural' },
  'lock-acquired': { at: 'epoch-ms', workerId: 'natural', waitMs: 'duration-ms' },
  'lock-released': { at: 'epoch-ms', workerId: 'natural', heldMs: 'duration-ms' },
} as const satisfies { [T in ServerEventType]: Record<string, EventFieldKind> };

/** The TypeScript type a field of this kind holds. */
export type ValueOfKind<K> = K extends 'string'
  ? string
  : K extends 'string-or-null'
    ? string | null
    : K extends readonly (infer E)[]
      ? E
      : number;
type EventFromTable<T extends ServerEventType> = { type: T } & ValuesOfFields<(typeof SERVER_EVENT_FIELDS)[T]>;
/** The object type a table of field kinds describes (used to hold other tables to their types). */
export type ValuesOfFields<Table> = { -readonly [F in keyof Table]: ValueOfKind<Table[F]> };
export type IsSame<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type TableMismatch = { [T in ServerEventType]: IsSame<ServerEventOf<T>, EventFromTable<T>> extends true ? never : T }[ServerEventType];
// Fails to compile, naming the event type, when SERVER_EVENT_FIELDS and ServerEvent disagree.
true satisfies [TableMismatch] extends [never] ? true : `SERVER_EVENT_FIELDS does not match ServerEvent for "${TableMismatch}"`;

/** Is this string one of the event types this version knows? */
export function isServerEventType(type: string): type is ServerEventType {
  return Object.hasOwn(SERVER_EVENT_FIELDS, type);
}

/**
 * Requests the dashboard's burst generator sends carry a User-Agent that starts with this product token, so every
 * observer can tell them from external ones (isBurstUserAgent). The generator adds a comment naming the burst
 * and its size, `poolscope-burst/1 (burst 3 of 8)` (burstUserAgent), so two bursts can be told apart.
 */
export const BURST_USER_AGENT = 'poolscope-burst/1';

/** Which burst a request belongs to, and how many requests that burst sent. */
export interface BurstTag {
  /** Counts up from 1 for each burst a server controller fires. */
  burstId: number;
  size: number;
}

const BURST_TAG_PATTERN = /^poolscope-burst\/1 \(burst (\d{1,9}) of (\d{1,9})\)$/;

/** The User-Agent of one burst's requests: `poolscope-burst/1 (burst 3 of 8)`. */
export function burstUserAgent(tag: BurstTag): string {
  return `${BURST_USER_AGENT} (burst ${tag.burstId} of ${tag.size})`;
}

/** The burst a request's User-Agent names, or null (not a burst, or a burst without an id). */
export function burstTagOf(userAgent: string | null): BurstTag | null {
  const match = userAgent === null ? null : BURST_TAG_PATTERN.exec(userAgent);
  return match ? { burstId: Number(match[1]), size: Number(match[2]) } : null;
}

/** Whether the burst generator sent this request (with or without a burst id). */
export function isBurstUserAgent(userAgent: string | null): boolean {
  return userAgent === BURST_USER_AGENT || (userAgent?.startsWith(`${BURST_USER_AGENT} (`) ?? false);
}

/** The event types formatBookLine() has a line for: a printer subscribes to these alone. */
export const BOOK_LINE_EVENT_TYPES = [
  'job-started',
  'server-stopping',
  'worker-stopping',
  'worker-exited',
] as const satisfies readonly ServerEventType[];
/** Strategies whose listings print the workers' lines ("Worker 0 got a job; executing.", the joins): those with a pool. */
export function printsWorkerLines(strategy: Strategy): boolean {
  return hasPool(strategy);
}

/**
 * The book's log lines (ch. 21), derived from events so the CLI and the UI print exactly the same words.
 * Returns null for events the book does not print: the single-threaded and thread-per-request listings print
 * no worker lines, so under those strategies only "Shutting down." is printed.
 */
export function formatBookLine(event: ServerEvent, strategy: Strategy = 'pool'): string | null {
  if (event.type !== 'server-stopping' && !printsWorkerLines(strategy)) return null;
  switch (event.type) {
    case 'job-started':
      return `Worker ${event.workerId} got a job; executing.`;
    case 'server-stopping':
      return 'Shutting down.';
    case 'worker-stopping':
      return `Shutting down worker ${event.workerId}`;
    case 'worker-exited':
      return event.reason === 'shutdown'
        ? `Worker ${event.workerId} disconnected; shutting down.`
        : `Worker ${event.workerId} crashed (exit code ${event.exitCode}); replacing it.`;
    default:
      return null;
  }
}
