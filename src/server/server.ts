// The book's web server: accepts TCP connections, parses requests, hands one job per request to the strategy's
// runner (the ThreadPool by default; strategy-runner.ts), answers by itself when it must refuse, and shuts down
// gracefully. Each connection's phases, response order, timeouts, flow control and fair share of the pool live
// in connection.ts. The main thread owns every socket and stamps every event; worker threads only route and sleep.
// Strategy 'single' is the one rule kept here: one connection at a time, the others waiting unread.

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { httpUrlOf } from '../shared/address';
import type { StopReason } from '../shared/events';
import type { RejectionCode, ServerRejectionCode } from '../shared/rejections';
import type { InFlightRequestState, ServerState } from '../shared/server-state';
import { type ServerSettings, validateSettings, withDefaults } from '../shared/settings';
import {
  Connection,
  type ConnectionRules,
  type ConnectionTimeouts,
  DEFAULT_HEADER_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_LINGER_TIMEOUT_MS,
  type Exchange,
  MAX_UNSENT_BYTES,
  PlaceShares,
  type RequestHandler,
  TIMEOUT_SWEEP_INTERVAL_MS,
} from './connection';
import { type ConnectionBudget, connectionBudgetOf, takeDescriptorCensus } from './descriptor-budget';
import { EventStream } from './event-stream';
import type { HttpParseError } from './http/parse-errors';
import type { ParsedRequest, ParserLimits } from './http/parser';
import { type ResponseParts, STATUS_REASONS, serializeResponse, textResponse } from './http/response';
import type { JobRunner } from './pool/job-runner';
import type { JobOutcome } from './pool/thread-pool';
import { PoolEventReporter } from './pool-events';
import type { RequestWorkerData } from './request-router';
import type { RouteInput, RouteOutput } from './routes';
import { type SocketReadMode, startReading } from './socket-reads';
import { createRunner } from './strategy-runner';

export const DEFAULT_MAX_CONNECTIONS = 10_000;
/**
 * Connections refused at accept (past maxConnections, or during shutdown) that may linger at once, reading
 * and dropping the request they were never going to be served, so each client gets its 503 instead of a reset.
 * Past it a refusal is written and its socket freed once written. Refused connections never count against
 * maxConnections, so this bounds the descriptors they can hold: maxConnections + this, whatever clients do.
 */
export const MAX_LINGERING_REFUSALS = 1_024;
/** During shutdown, how long a client may take to read its last responses before its socket is destroyed. */
export const SHUTDOWN_FLUSH_TIMEOUT_MS = 10_000;
/** Seconds a client is asked to wait after a 503 (Retry-After). */
const RETRY_AFTER_SECONDS = 1;

export const DEFAULT_WORKER_SCRIPT = fileURLToPath(new URL('./request-worker.ts', import.meta.url));
export const DEFAULT_PAGES_DIR = fileURLToPath(new URL('./pages/', import.meta.url));

/** The settings (src/shared/settings.ts; an absent one takes its default) plus what only code sets. */
export interface ServerOptions extends Partial<ServerSettings> {
  /** The book's `take(N)`: begin a graceful shutdown once N requests have been received. */
  stopAfterRequests?: number;
  headerTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** How long a closing connection whose client may still be sending is read before it is dropped (lingering close). */
  lingerTimeoutMs?: number;
  maxConnections?: number;
  parserLimits?: Partial<ParserLimits>;
  /** The worker program; the Electron build passes its bundled .js. */
  workerScript?: string;
  /** Folder holding hello.html and 404.html. */
  pagesDir?: string;
  /** Subscribe to it before startServer() to see the workers spawn. */
  events?: EventStream;
  /**
   * How accepted sockets are read (socket-reads.ts): 'shared-buffer', the default, reads every connection into one
   * buffer where this Node allows it; 'data-events' uses the sockets' 'data' events, the fallback, for tests.
   */
  socketReads?: SocketReadMode;
}

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  /** e.g. http://127.0.0.1:7878 */
  readonly url: string;
  readonly events: EventStream;
  /**
   * What the server and its pool are doing right now (src/shared/server-state.ts), from their own records:
   * true whether or not anyone watched the events so far. Costs nothing until called.
   */
  state(): ServerState;
  /** Graceful and idempotent: every accepted request still gets its response. */
  shutdown(reason?: StopReason): Promise<void>;
  /** Resolves once the server has fully stopped, whatever started the shutdown. */
  readonly closed: Promise<void>;
  /** The connections it holds at once, lowered when the open-file limit could not hold those asked for. */
  readonly connectionBudget: ConnectionBudget;
}

/** Every option resolved; the connection timeouts but sendTimeoutMs, which is a setting. */
interface ResolvedOptions extends Omit<ConnectionTimeouts, 'sendTimeoutMs'> {
  settings: ServerSettings;
  stopAfterRequests: number | undefined;
  maxConnections: number;
  parserLimits: Partial<ParserLimits> | undefined;
  workerScript: string;
  pagesDir: string;
  socketReads: SocketReadMode;
}

/** The server could not listen. `setting` names the setting to change when one is to blame, for a form to mark. */
export class ListenError extends Error {
  constructor(
    message: string,
    /** The system's error code (EADDRINUSE…), when it gave one. */
    readonly code: string | undefined,
    readonly setting: 'host' | 'port' | null,
  ) {
    super(message);
    this.name = 'ListenError';
  }
}

function listenErrorOf(error: NodeJS.ErrnoException, host: string, port: number): ListenError {
  const because = (message: string, setting: ListenError['setting']) => new ListenError(message, error.code, setting);
  switch (error.code) {
    case 'EADDRINUSE':
      return because(`Port ${port} is already in use on ${host}`, 'port');
    case 'EACCES':
      return because(`Permission denied to listen on ${host}:${port} (ports below 1024 need privileges)`, 'port');
    case 'EADDRNOTAVAIL':
      return because(`Address ${host} is not available on this machine`, 'host');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return because(`Host ${host} could not be resolved`, 'host');
    default:
      return because(`Could not listen on ${host}:${port}: ${error.message}`, null);
  }
}

/** The one place a 503 is built: every refusal for lack of room asks the client to come back (RFC 9110 §10.2.3). */
function serviceUnavailable(reason: string): ResponseParts {
  return textResponse(503, `Service Unavailable: ${reason}`, { retryAfterSeconds: RETRY_AFTER_SECONDS });
}

class PoolscopeServer implements RunningServer, RequestHandler {
  host: string;
  port: number;
  readonly events: EventStream;
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private readonly listener: net.Server;
  /** Accepted connections, until their socket closes: what maxConnections counts. */
  private readonly connections = new Set<Connection>();
  /**
   * Connections refused at accept, until their socket closes; true for those that may linger until their
   * client closes (at most connectionBudget.maxLingeringRefusals at once), false for those closed as soon as their 503 is out.
   */
  private readonly refused = new Map<Connection, boolean>();
  private lingeringRefusalCount = 0;
  /** Set by open(), once the pool's threads hold their descriptors. */
  connectionBudget!: ConnectionBudget;
  private readonly connectionRules: ConnectionRules;
  /** Connections whose client left while jobs still run for them: their requests are still in flight. */
  private readonly closedWhileOwing = new Set<Connection>();
  private nextConnectionId = 1;
  private nextRequestId = 1;
  private requestsReceived = 0;
  /** Connections taken to serve (refused ones not counted): what stopAfterConnections counts. */
  private connectionsTaken = 0;
  /**
   * The book's take(N) over connections: the first N connections whose request has not been read yet. Once N were
   * taken the server takes no more, and it begins its shutdown when this empties (each read, or gone).
   */
  private readonly awaitingFirstRequest = new Set<Connection>();
  /** Set when the listener stops taking connections: at take(N)'s last one, or at shutdown. */
  private listenerClosed: Promise<void> | null = null;
  private isStopping = false;
  private isStopped = false;
  /** performance.now() when the server began to listen (open()). */
  private listeningAtMs = 0;
  /**
   * Whether a request may keep its connection open: false once stopping, and always under 'single', whose one
   * thread closes each connection after its answer (the book's handle_connection) so the next one gets its turn.
   */
  private keepsConnectionsOpen: boolean;
  private shutdownPromise: Promise<void> | null = null;
  private readonly sweepTimer: NodeJS.Timeout;
  /** Set by open(); until then accepted sockets wait, paused, in `early`. */
  private runner!: JobRunner<RouteInput, RouteOutput>;
  private early: net.Socket[] | null = [];
  /** Strategy 'single': one connection is served at a time… */
  private readonly isOneConnectionAtATime: boolean;
  private servingConnection: Connection | null = null;
  /** …and the others wait here, accepted, paused and unread, oldest first (the book's listen backlog). */
  private readonly waitingConnections: Connection[] = [];

  constructor(
    private readonly options: ResolvedOptions,
    events: EventStream,
  ) {
    this.host = options.settings.host;
    this.port = options.settings.port;
    this.events = events;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    const { settings } = options;
    this.isOneConnectionAtATime = settings.strategy === 'single';
    this.keepsConnectionsOpen = !this.isOneConnectionAtATime;
    this.connectionRules = {
      timeouts: {
        headerTimeoutMs: options.headerTimeoutMs,
        keepAliveTimeoutMs: options.keepAliveTimeoutMs,
        sendTimeoutMs: settings.sendTimeoutMs,
        lingerTimeoutMs: options.lingerTimeoutMs,
      },
      parserLimits: options.parserLimits,
      events,
      shares: new PlaceShares(settings.workerCount + settings.maxQueuedJobs),
      handler: this,
    };
    // allowHalfOpen: a client may send its request and half-close; it must still get the answer.
    // highWaterMark: Node then says (writableNeedDrain, 'drain') when a connection's unsent answers pass the bound.
    // pauseOnConnect: a socket is not read until the server starts reading it (startReading), which is also
    // what lets it read into the shared buffer, and what keeps early and waiting connections unread.
    this.listener = net.createServer(
      { allowHalfOpen: true, noDelay: true, highWaterMark: MAX_UNSENT_BYTES, pauseOnConnect: true },
      (socket) => {
        if (this.early === null) this.onConnection(socket);
        else this.holdUntilOpen(socket);
      },
    );
    this.sweepTimer = setInterval(() => this.sweepTimeouts(), TIMEOUT_SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  get url(): string {
    return httpUrlOf(this.host, this.port);
  }

  bind(): Promise<void> {
    const { host, port } = this.options.settings;
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => reject(listenErrorOf(error, host, port));
      this.listener.once('error', onError);
      this.listener.listen({ host, port, backlog: 1024 }, () => {
        this.listener.off('error', onError);
        this.listener.on('error', (error) => process.emitWarning(`Poolscope listener error: ${error.message}`));
        this.port = (this.listener.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  /** The pool failed to start: give the port back. */
  unbind(): Promise<void> {
    clearInterval(this.sweepTimer);
    for (const socket of this.early ?? []) socket.destroy();
    return new Promise((resolve) => this.listener.close(() => resolve()));
  }

  /** The runner is ready: announce it, then serve the connections that arrived while it started. */
  open(runner: JobRunner<RouteInput, RouteOutput>): void {
    this.runner = runner;
    const { settings } = this.options;
    this.connectionBudget = connectionBudgetOf(takeDescriptorCensus(), {
      maxConnections: this.options.maxConnections,
      maxLingeringRefusals: MAX_LINGERING_REFUSALS,
      threadsStillToStart: settings.strategy === 'per-request' ? settings.maxThreads : 0,
    });
    this.listeningAtMs = performance.now();
    const events = this.events;
    if (events.wants['server-listening'])
      events.emit({ type: 'server-listening', at: events.atOf(this.listeningAtMs), ...this.runSettings() });
    const early = this.early ?? [];
    this.early = null;
    for (const socket of early) {
      if (socket.destroyed) continue;
      this.onConnection(socket);
    }
  }

  /** The settings it runs with, with the host and port it really bound. */
  private runSettings(): ServerSettings {
    return { ...this.options.settings, host: this.host, port: this.port };
  }

  state(): ServerState {
    const events = this.events;
    const timeOf = (performanceNowMs: number): number => events.atOf(performanceNowMs);
    const connections = Array.from(this.connections, (conn) => conn.stateReport(timeOf, false));
    for (const conn of this.refused.keys()) connections.push(conn.stateReport(timeOf, true));
    for (const conn of this.waitingConnections) connections.push({ ...conn.stateReport(timeOf, false), phase: 'waiting' });
    connections.sort((a, b) => a.id - b.id);
    const requests: InFlightRequestState[] = [];
    for (const conn of this.connections) conn.reportRequestsInFlight(timeOf, requests);
    for (const conn of this.closedWhileOwing) conn.reportRequestsInFlight(timeOf, requests);
    return {
      takenAt: events.now(),
      phase: this.isStopped ? 'stopped' : this.isStopping ? 'stopping' : 'listening',
      strategy: this.options.settings.strategy,
      settings: this.runSettings(),
      listeningAt: timeOf(this.listeningAtMs),
      pool: this.runner.state(timeOf),
      openConnectionCount: connections.length,
      connections,
      requests,
    };
  }

  /** Until the runner is ready, an accepted socket waits unread (pauseOnConnect). */
  private holdUntilOpen(socket: net.Socket): void {
    socket.on('error', () => {});
    this.early!.push(socket);
  }

  // ── connections (each one's phases and timeouts: connection.ts) ──────────────

  private onConnection(socket: net.Socket): void {
    const openedAtMs = performance.now();
    const conn = new Connection(this.nextConnectionId++, socket, openedAtMs, this.connectionRules);
    const events = this.events;
    if (events.wants['connection-opened']) {
      events.emit({
        type: 'connection-opened',
        at: events.atOf(openedAtMs),
        connectionId: conn.id,
        remoteAddress: conn.remoteAddress,
        remotePort: socket.remotePort ?? 0,
      });
    }
    socket.on('close', () => this.onClose(conn));
    socket.on('error', (error: NodeJS.ErrnoException) => conn.onSocketError(error));
    const openCount = this.connections.size + this.waitingConnections.length;
    const refusal =
      this.isStopping || this.hasTakenLastConnection()
        ? 'SHUTTING_DOWN'
        : openCount >= this.connectionBudget.maxConnections
          ? 'CONNECTION_LIMIT'
          : null;
    if (refusal !== null) {
      this.refuseConnection(conn, refusal);
      return;
    }
    this.countTakenConnection(conn);
    if (this.isOneConnectionAtATime && this.servingConnection !== null) {
      this.holdUnread(conn);
      return;
    }
    this.serve(conn);
  }

  /** Reads and answers the connection from now on. */
  private serve(conn: Connection): void {
    const socket = conn.socket;
    socket.on('end', () => conn.onPeerEnd());
    socket.on('drain', () => conn.onDrain());
    this.connections.add(conn);
    if (this.isOneConnectionAtATime) {
      this.servingConnection = conn;
      // The one thread moves on once this connection's answer and FIN are out (or it is gone), not when the
      // client gets round to closing: the book's handle_connection returns after its write.
      const next = () => this.takeNextConnection(conn);
      socket.once('finish', next);
      socket.once('close', next);
    }
    startReading(socket, (bytes, byteCount) => conn.receive(bytes, byteCount), this.options.socketReads);
  }

  private refuseConnection(conn: Connection, refusal: 'SHUTTING_DOWN' | 'CONNECTION_LIMIT'): void {
    const socket = conn.socket;
    // Refused connections read too: what their client sends is dropped, and its FIN lets the socket go.
    socket.on('end', () => conn.onPeerEnd());
    startReading(socket, (bytes, byteCount) => conn.receive(bytes, byteCount), this.options.socketReads);
    const mayLinger = this.lingeringRefusalCount < this.connectionBudget.maxLingeringRefusals;
    if (mayLinger) this.lingeringRefusalCount++;
    this.refused.set(conn, mayLinger);
    conn.refuse(
      refusal === 'SHUTTING_DOWN' ? 'shutdown' : 'connection-limit',
      serializeResponse(this.refusal(refusal), false, false),
      mayLinger,
    );
  }

  // ── the book's take(N) over connections ───────────────────────────────────

  private hasTakenLastConnection(): boolean {
    const limit = this.options.settings.stopAfterConnections;
    return limit > 0 && this.connectionsTaken >= limit;
  }

  /**
   * `for stream in listener.incoming().take(N)`: the Nth connection is the last one taken; the listener closes at
   * once (later clients are refused by the system, and any already accepted get 503), and the shutdown begins
   * once each of the N has had its request read, as the book's loop ends after handing the last one to the pool.
   */
  private countTakenConnection(conn: Connection): void {
    if (this.options.settings.stopAfterConnections === 0) return;
    this.connectionsTaken++;
    this.awaitingFirstRequest.add(conn);
    if (this.hasTakenLastConnection()) this.stopListening();
  }

  /** A connection of take(N) had its request read, or went away: is it time to shut down? */
  private onTakenConnectionDone(conn: Connection): boolean {
    if (!this.awaitingFirstRequest.delete(conn)) return false;
    return this.awaitingFirstRequest.size === 0 && this.hasTakenLastConnection();
  }

  private stopListening(): Promise<void> {
    this.listenerClosed ??= new Promise<void>((resolve) => this.listener.close(() => resolve()));
    return this.listenerClosed;
  }

  // ── strategy 'single': one connection at a time ───────────────────────────

  /** The one thread is busy with another connection: this one waits, accepted and unread (pauseOnConnect), with no timeout running. */
  private holdUnread(conn: Connection): void {
    this.waitingConnections.push(conn);
    const events = this.events;
    if (events.wants['connection-waiting']) {
      events.emit({
        type: 'connection-waiting',
        at: events.now(),
        connectionId: conn.id,
        waitingCount: this.waitingConnections.length,
      });
    }
  }

  /** The served connection is done with: the oldest waiting one is read next. */
  private takeNextConnection(done: Connection): void {
    if (this.servingConnection !== done) return;
    this.servingConnection = null;
    if (this.isStopping) return;
    for (let conn = this.waitingConnections.shift(); conn !== undefined; conn = this.waitingConnections.shift()) {
      if (conn.socket.destroyed) continue;
      const events = this.events;
      if (events.wants['connection-taken']) {
        const nowMs = performance.now();
        events.emit({
          type: 'connection-taken',
          at: events.atOf(nowMs),
          connectionId: conn.id,
          waitMs: nowMs - conn.openedAtMs,
          waitingCount: this.waitingConnections.length,
        });
      }
      conn.beginServing();
      // Its socket was never read: a client that left meanwhile has its FIN read now, and 'end' heard.
      this.serve(conn);
      return;
    }
  }

  private onClose(conn: Connection): void {
    conn.onClosed();
    this.connections.delete(conn);
    // A client that gave up while waiting for the single thread (noticed only if its socket errored or was destroyed).
    if (this.waitingConnections.length > 0) {
      const i = this.waitingConnections.indexOf(conn);
      if (i !== -1) this.waitingConnections.splice(i, 1);
    }
    if (this.refused.get(conn) === true) this.lingeringRefusalCount--;
    this.refused.delete(conn);
    if (this.onTakenConnectionDone(conn) && !this.isStopping) void this.shutdown('stop-after');
    const events = this.events;
    if (events.wants['connection-closed']) {
      events.emit({
        type: 'connection-closed',
        at: events.now(),
        connectionId: conn.id,
        reason: conn.closeReason ?? 'client-closed',
        requestCount: conn.answeredCount,
      });
    }
    // Jobs still running for a vanished client finish normally; flush() then only reports them.
    if (conn.owedCount > 0) conn.flush(this.isStopping);
    if (conn.owedCount > 0) this.closedWhileOwing.add(conn);
    this.maybeFinishShutdown();
  }

  private sweepTimeouts(): void {
    const nowMs = Date.now();
    for (const conn of this.connections) {
      if (conn.sweep(nowMs) === 'header-timeout') {
        conn.closeReason = 'header-timeout';
        this.reject(conn, conn.owe(this.nextRequestId++, null, NaN, false), 'HEADER_TIMEOUT', this.refusal('HEADER_TIMEOUT'));
      }
    }
    for (const conn of this.refused.keys()) conn.sweep(nowMs);
  }

  // ── requests (RequestHandler: called by each connection as it parses) ──────

  onRequest(conn: Connection, request: ParsedRequest): void {
    const requestId = this.nextRequestId++;
    const receivedAtMs = performance.now();
    const events = this.events;
    if (events.wants['request-received']) {
      events.emit({
        type: 'request-received',
        at: events.atOf(receivedAtMs),
        requestId,
        connectionId: conn.id,
        method: request.method,
        target: request.target,
        remoteAddress: conn.remoteAddress,
        userAgent: request.userAgent,
      });
    }
    this.requestsReceived++;
    const stopAfter = this.options.stopAfterRequests;
    const isLastBeforeStop =
      (stopAfter !== undefined && this.requestsReceived >= stopAfter) || (this.onTakenConnectionDone(conn) && !this.isStopping);
    const exchange = conn.owe(requestId, request, receivedAtMs, request.keepAlive && this.keepsConnectionsOpen && !isLastBeforeStop);

    // Once stopping, no connection reads requests; should one be read all the same, it is refused, not queued.
    if (this.isStopping) {
      this.reject(conn, exchange, 'SHUTTING_DOWN', this.refusal('SHUTTING_DOWN'));
    } else if (
      !this.runner.execute({ requestId, input: { method: request.method, target: request.pathAndQuery } }, (outcome) =>
        this.onJobDone(conn, exchange, outcome),
      )
    ) {
      const code = this.runner.refusalCode;
      this.reject(conn, exchange, code, this.refusal(code));
    }
    // The book's take(N), of requests or of connections: this request still runs; the shutdown that follows lets it finish.
    if (isLastBeforeStop) void this.shutdown('stop-after');
  }

  onParseError(conn: Connection, error: HttpParseError): void {
    conn.closeReason ??= 'server-closed';
    const exchange = conn.owe(this.nextRequestId++, null, NaN, false);
    this.reject(conn, exchange, error.code, textResponse(error.status, `${STATUS_REASONS[error.status] ?? 'Error'}: ${error.message}`));
  }

  /** The response for each of the server's own refusals. */
  private refusal(code: ServerRejectionCode): ResponseParts {
    switch (code) {
      case 'QUEUE_FULL':
        return serviceUnavailable(`all ${this.options.settings.maxQueuedJobs} queue places are taken`);
      case 'SHUTTING_DOWN':
        return serviceUnavailable('the server is shutting down');
      case 'CONNECTION_LIMIT':
        return serviceUnavailable('too many open connections');
      case 'HEADER_TIMEOUT':
        return textResponse(408, `Request Timeout: the request was not complete within ${this.options.headerTimeoutMs} ms`);
      case 'QUEUE_WAIT_EXCEEDED':
        return serviceUnavailable(`no worker was free within ${this.options.settings.maxWaitMs} ms`);
      case 'THREAD_LIMIT':
        return serviceUnavailable(
          `thread limit reached: this strategy has no bound of its own (${this.options.settings.maxThreads} threads running, --max-threads)`,
        );
    }
  }

  /** The server answers without running a job: parse errors, a full queue, a job that waited too long, shutdown, timeouts. */
  private reject(conn: Connection, exchange: Exchange, errorCode: RejectionCode, parts: ResponseParts): void {
    const events = this.events;
    if (events.wants['request-rejected']) {
      events.emit({
        type: 'request-rejected',
        at: events.now(),
        requestId: exchange.requestId,
        connectionId: conn.id,
        status: parts.status,
        errorCode,
      });
    }
    this.complete(conn, exchange, parts);
  }

  private onJobDone(conn: Connection, exchange: Exchange, outcome: JobOutcome<RouteOutput>): void {
    let parts: ResponseParts;
    if (outcome.ok) parts = outcome.output;
    else if (outcome.cause === 'abandoned' && outcome.reason === 'max-wait') {
      this.reject(conn, exchange, 'QUEUE_WAIT_EXCEEDED', this.refusal('QUEUE_WAIT_EXCEEDED'));
      return;
    } else if (outcome.cause === 'worker-died')
      parts = textResponse(500, 'Internal Server Error: the worker thread running this request died');
    else parts = textResponse(500, `Internal Server Error: ${outcome.error}`);
    this.complete(conn, exchange, parts);
  }

  private complete(conn: Connection, exchange: Exchange, parts: ResponseParts): void {
    conn.answer(exchange, parts, this.isStopping);
    if (this.closedWhileOwing.size > 0 && conn.owedCount === 0) this.closedWhileOwing.delete(conn);
    if (this.isStopping) this.maybeFinishShutdown();
  }

  // ── shutdown ───────────────────────────────────────────────────────────────

  shutdown(reason: StopReason = 'command'): Promise<void> {
    this.shutdownPromise ??= this.runShutdown(reason);
    return this.shutdownPromise;
  }

  private connectionsDrained: (() => void) | null = null;

  private maybeFinishShutdown(): void {
    if (this.connectionsDrained && this.connections.size === 0) this.connectionsDrained();
  }

  private async runShutdown(reason: StopReason): Promise<void> {
    const events = this.events;
    this.isStopping = true;
    this.keepsConnectionsOpen = false;
    if (events.wants['server-stopping']) events.emit({ type: 'server-stopping', at: events.now(), reason });
    const listenerClosed = this.stopListening();
    // Idle connections close now; busy ones close after their last response.
    for (const conn of this.connections) conn.closeWhenAnswered('shutdown');
    // Connections still waiting for the single thread were never read: each is answered as a late arrival is.
    for (let conn = this.waitingConnections.shift(); conn !== undefined; conn = this.waitingConnections.shift()) {
      if (conn.socket.destroyed) continue;
      this.refuseConnection(conn, 'SHUTTING_DOWN');
    }
    await this.runner.shutdown();
    const drained = new Promise<void>((resolve) => (this.connectionsDrained = resolve));
    this.maybeFinishShutdown();
    const flushDeadline = setTimeout(() => {
      for (const conn of this.connections) conn.socket.destroy();
    }, SHUTDOWN_FLUSH_TIMEOUT_MS);
    await drained;
    clearTimeout(flushDeadline);
    await listenerClosed;
    clearInterval(this.sweepTimer);
    this.isStopped = true;
    if (events.wants['server-stopped']) events.emit({ type: 'server-stopped', at: events.now() });
    this.resolveClosed();
  }
}

/**
 * Binds the port first (the book's `TcpListener::bind`, so a port in use fails before any thread starts),
 * then starts the pool (workers with ids 0..n-1), then accepts. Rejects with a message a person can read.
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const events = options.events ?? new EventStream();
  const settings = validateSettings(withDefaults(options));
  if (!settings.ok) throw new RangeError(settings.error);
  const resolved: ResolvedOptions = {
    settings: settings.value,
    stopAfterRequests: options.stopAfterRequests,
    headerTimeoutMs: options.headerTimeoutMs ?? DEFAULT_HEADER_TIMEOUT_MS,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    lingerTimeoutMs: options.lingerTimeoutMs ?? DEFAULT_LINGER_TIMEOUT_MS,
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    parserLimits: options.parserLimits,
    workerScript: options.workerScript ?? DEFAULT_WORKER_SCRIPT,
    pagesDir: options.pagesDir ?? DEFAULT_PAGES_DIR,
    socketReads: options.socketReads ?? 'shared-buffer',
  };
  if (resolved.stopAfterRequests !== undefined && !(Number.isInteger(resolved.stopAfterRequests) && resolved.stopAfterRequests > 0)) {
    throw new RangeError(`stopAfterRequests must be a positive whole number (got ${resolved.stopAfterRequests})`);
  }
  const server = new PoolscopeServer(resolved, events);
  await server.bind();
  try {
    const workerData: RequestWorkerData = { pagesDir: resolved.pagesDir, sleepMs: resolved.settings.sleepMs };
    server.open(await createRunner(resolved.settings, resolved.workerScript, workerData, new PoolEventReporter(events)));
  } catch (error) {
    await server.unbind();
    throw error;
  }
  return server;
}
