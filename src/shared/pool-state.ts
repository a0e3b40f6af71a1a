// The pool's state at one moment, as plain data: what the flight recorder (src/history) derives from the
// events, what a viewer is shown, and what a run file carries as its initial state when the history it was
// saved from had dropped older events (run-file.ts). Types only; the reducer lives in src/history/pool-state.ts.

import type { StopReason } from './events';
import type { RequestRecord, WorkerState } from './pool-model';
import type { QueueLockState } from './server-state';
import type { ServerSettings } from './settings';

/**
 * The server's phase: `starting` from its first worker spawned until it listens, then `listening`,
 * `stopping` once a graceful stop began, `stopped` once every worker joined (and before the first run).
 */
export type RunPhase = 'stopped' | 'starting' | 'listening' | 'stopping';
export const RUN_PHASES = ['stopped', 'starting', 'listening', 'stopping'] as const satisfies readonly RunPhase[];

/** What the server announced when it began listening: every setting it runs with (the settings table's, all of them). */
export type RunSettings = ServerSettings;

/** A job waiting for a worker. */
export interface QueuedJob {
  requestId: number;
  queuedAt: number;
}

/** A TCP connection the server has accepted and not yet closed. */
export interface OpenConnection {
  id: number;
  remoteAddress: string;
  remotePort: number;
  openedAt: number;
}

/** Strategy 'single': a connection accepted and not yet read while the one thread serves another. */
export interface WaitingConnection {
  connectionId: number;
  /** When it was accepted (its connection-opened; its connection-waiting when that was not seen). */
  since: number;
}

/** The threads that run the current run's requests. */
export interface ThreadCounts {
  /** Alive now: the pool's workers not exited, or 'per-request''s request threads (starting ones included). */
  live: number;
  /** The most alive at once in this run. */
  peak: number;
  /**
   * 'per-request': the start-up times (thread-started startupMs) of the latest threads, oldest first (at most
   * RECENT_THREAD_STARTUPS of src/history/pool-state.ts).
   */
  recentStartupMs: number[];
}

/** Counts since the current run started (they start at 0 with each server start). */
export interface RunCounters {
  requestsReceived: number;
  responsesSent: number;
  /** Requests the server answered without a job: parse errors, full queue, shutting down, header timeout. */
  rejected: number;
  /** Responses with status >= 500. */
  serverErrors: number;
}

export interface PoolState {
  /** The moment this state describes (ms since the Unix epoch, the server's clock). */
  at: number;
  /** 1 for the first server run in this history, 2 after a restart, …; 0 before any run. */
  runId: number;
  phase: RunPhase;
  /** The current run's settings; null before it listens (and before any run). */
  settings: RunSettings | null;
  /** When the current run's first worker spawned; null before any run. */
  runStartedAt: number | null;
  /** null until the current run listens. */
  listeningAt: number | null;
  /** null unless the current run began to stop. */
  stoppingAt: number | null;
  stopReason: StopReason | null;
  /** null unless the current run has stopped. */
  stoppedAt: number | null;
  /** The current run's workers, by id. */
  workers: WorkerState[];
  /** Jobs waiting for a worker, oldest first. */
  queue: QueuedJob[];
  /** Requests received and not yet answered (queued, running, or written back), in arrival order. */
  requests: RequestRecord[];
  /** Open connections, oldest first. */
  connections: OpenConnection[];
  counters: RunCounters;
  threads: ThreadCounts;
  /** Strategy 'pool-while-let': who holds the queue's lock and who is blocked on it; null for the other strategies. */
  lock: QueueLockState | null;
  /** Strategy 'single': the connections waiting for the one thread, oldest (next to be read) first. */
  waitingConnections: WaitingConnection[];
}
