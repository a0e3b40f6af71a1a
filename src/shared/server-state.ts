// What a server says about itself at one moment (RunningServer.state()): its settings, its pool's workers
// and queue, its open connections and the requests in flight. Built on demand from the server's and the
// pool's own records, never from events, so it is true whoever was watching before; a viewer's snapshot
// starts from it. Plain JSON. Every time is on the event clock: ms since the Unix epoch, fractional, the
// same clock as every event's `at`, so a report and the events around it line up.

import type { RequestOrigin, WorkerState } from './pool-model';
import type { ServerSettings, Strategy } from './settings';

/**
 * - 'starting': its first thread is loading. Only while the pool is being created, so a running server
 *   never reports it.
 * - 'idle' / 'busy': ready for a job / running one.
 * - 'stopping': graceful shutdown told it to stop; its thread has not exited yet.
 * - 'exited': its thread is gone for good: joined at shutdown, or given up after its replacements kept
 *   failing to start.
 * - 'restarting': its thread died; a fresh one is starting under the same id (or waiting to try again).
 * - 'waiting-for-lock': strategy 'pool-while-let' only: blocked on the queue's lock, which another worker
 *   holds (while it waits for a job, or for the whole of its job). An idle worker that holds the lock and
 *   waits for a job reports 'idle'.
 */
export type PoolWorkerPhase = 'starting' | 'idle' | 'busy' | 'stopping' | 'exited' | 'restarting' | 'waiting-for-lock';

/** A worker as its pool reports it: the recorder's worker record, with the pool's own phases. */
export type PoolWorkerState = WorkerState<PoolWorkerPhase>;

export interface QueuedJobState {
  requestId: number;
  /** When the pool accepted it: the time of its job-queued event. */
  enqueuedAt: number;
}

/** The threads that run requests, alive now and at most at once since the server started. */
export interface ThreadCountState {
  live: number;
  peak: number;
}

/** Strategy 'pool-while-let': who holds the shared queue's one lock, and who is blocked on it. */
export interface QueueLockState {
  /** The worker holding the lock; null when it is free (for a moment between two holders). */
  holderId: number | null;
  /** When the holder took it; null when free. */
  heldSince: number | null;
  /** Workers blocked on the lock, in the order they began to wait, each with when it began. */
  waiters: { workerId: number; since: number }[];
}

export interface PoolState {
  /**
   * Every worker, by id. Strategy 'per-request': the live request threads, each under the lane it took
   * (its thread-started event's workerId), so ids can have gaps.
   */
  workers: PoolWorkerState[];
  /** The jobs waiting for a worker, oldest (next to start) first. */
  queue: QueuedJobState[];
  threads: ThreadCountState;
  /** Strategy 'pool-while-let' only; null for the others. */
  lock: QueueLockState | null;
}

/**
 * Where an open connection is in its life (src/server/connection.ts, ConnectionPhase, says what each means):
 * - 'idle': nothing owed; waiting for the client's next request.
 * - 'receiving': part of a request has arrived.
 * - 'answering': answers are owed (jobs queued or running); further pipelined requests are read.
 * - 'throttled': the server holds it back (its share of the pool is taken, or its answers wait to leave).
 * - 'closing': no further requests are read; owed answers go out, then the server's FIN.
 * - 'lingering': all is sent; the client's last bytes are read and dropped until it closes.
 * - 'waiting': strategy 'single' only: accepted and not yet read, while the one thread serves another
 *   connection (its connection-waiting event; openedAt says since when).
 */
export type OpenConnectionPhase = 'idle' | 'receiving' | 'answering' | 'throttled' | 'closing' | 'lingering' | 'waiting';

export interface OpenConnectionState {
  id: number;
  remoteAddress: string;
  remotePort: number;
  phase: OpenConnectionPhase;
  /** Refused at accept (connection limit, shutdown): answered 503 and closing, never served. */
  refused: boolean;
  /** When the server accepted it: the time of its connection-opened event. */
  openedAt: number;
  /** Requests read on it and not yet answered on the wire (pipelined ones included). */
  requestsInFlight: number;
}

/** A request read and not yet answered on the wire, with what its request-received event said of it. */
export interface InFlightRequestState {
  requestId: number;
  connectionId: number;
  method: string;
  /** The request-target exactly as sent. */
  target: string;
  /** null when the request had no User-Agent header. */
  userAgent: string | null;
  /** From the User-Agent: the app's own burst generator, or anything else. */
  origin: RequestOrigin;
  receivedAt: number;
  /**
   * The status of its answer once it has one: its job finished, or the server refused it, and the answer
   * waits behind an earlier request's on the same connection (responses leave in request order). null
   * while its job waits or runs. Its client may have gone; the answer is then dropped when its turn comes.
   */
  status: number | null;
}

/** 'listening' from server-listening on; 'stopping' from server-stopping; 'stopped' from server-stopped. */
export type ServerStatePhase = 'listening' | 'stopping' | 'stopped';

export interface ServerState {
  /** When this report was made. */
  takenAt: number;
  phase: ServerStatePhase;
  /** How it runs requests (also settings.strategy). */
  strategy: Strategy;
  /** The settings it runs with, with the host and port it really bound (port 0 resolved), as in server-listening. */
  settings: ServerSettings;
  /** The time of its server-listening event. */
  listeningAt: number;
  pool: PoolState;
  /** Connections open now (the length of `connections`). */
  openConnectionCount: number;
  /**
   * Every connection whose socket is open (each had its connection-opened event and not yet its
   * connection-closed), oldest first: served ones, and refused ones until they close.
   */
  connections: OpenConnectionState[];
  /** Every request in flight, by connection and then in request order; a closed connection's too while their jobs run. */
  requests: InFlightRequestState[];
}
