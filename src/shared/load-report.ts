// What a load run and a sizing sweep report, live and at the end: plain data that crosses to the UI
// unchanged (IPC, WebSocket) and that the command line prints. Contract only: types, the error kinds and
// their labels.

import type { LoadSettings, SweepSettings } from './load-settings';
import type { MmcPrediction } from './queueing';

/**
 * Why a request failed. Every request that came due ends in exactly one of: completed (a 2xx or 3xx
 * response), one of these errors, or unfinished (the run stopped before it had an outcome).
 */
export type LoadErrorKind = 'refused' | 'reset' | 'timeout' | 'http-503' | 'http-5xx' | 'http-4xx' | 'protocol' | 'other';

/** Labels in the order reports list them. */
export const LOAD_ERROR_LABELS: Readonly<Record<LoadErrorKind, string>> = {
  refused: 'connection refused',
  reset: 'reset or closed before the response',
  timeout: 'timeout (no response in time)',
  'http-503': 'HTTP 503 (server busy or stopping)',
  'http-5xx': 'HTTP 5xx (other)',
  'http-4xx': 'HTTP 4xx',
  protocol: 'malformed response',
  other: 'other error',
};

export const LOAD_ERROR_KINDS = Object.keys(LOAD_ERROR_LABELS) as LoadErrorKind[];

/** Percentiles from an HDR histogram (3 significant digits), ms; null where there were no samples. */
export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/** How a run ended. */
export type LoadStop =
  | { reason: 'completed' }
  /** cancel() or Ctrl-C: requests without an outcome yet are counted unfinished. */
  | { reason: 'cancelled' }
  /** The server stopped accepting connections: no more requests were sent; `message` says what happened. */
  | { reason: 'server-gone'; message: string };

export type LoadPhase = 'running' | 'draining' | 'done';

/** The counters every progress line and the final report carry. */
export interface LoadCounts {
  /** Requests whose scheduled time has come (each one is counted here once, even while it waits client-side). */
  sent: number;
  /** Requests written to a connection. */
  written: number;
  /** Responses with status 2xx or 3xx. */
  completed: number;
  /** Failed requests, all kinds. */
  errors: number;
  errorsByKind: Record<LoadErrorKind, number>;
  /** Requests without an outcome when the run stopped early (never sent, or sent and not yet answered). */
  unfinished: number;
  /** Written and waiting for their response. */
  inFlight: number;
  /** Due but waiting client-side for a free connection (this wait counts in their latency). */
  waitingForConnection: number;
}

/** One live update, about once a second (LoadRunOptions.progressIntervalMs). */
export interface LoadProgress extends LoadCounts {
  phase: LoadPhase;
  /** Since the first scheduled request, ms. */
  elapsedMs: number;
  /** The run's scheduled length, ms. */
  durationMs: number;
  /** Outcomes (responses and errors) per second since the previous update. */
  intervalThroughputPerS: number;
  /** Latency from the scheduled send time of the responses since the previous update. */
  intervalLatency: LatencySummary | null;
  /** Latency from the scheduled send time of every response so far. */
  latency: LatencySummary | null;
}

export interface LoadReport extends LoadCounts {
  settings: LoadSettings;
  stop: LoadStop;
  /** When the first request was due, ms since the epoch (the same clock as the server's events in this process). */
  startedAt: number;
  /** From the first scheduled request to the last outcome, ms. */
  elapsedMs: number;
  durationMs: number;
  /** Requests written while the schedule ran, per second of the schedule: the rate the server was offered. */
  achievedRatePerS: number;
  /**
   * Requests that came due while the schedule ran, per second of it: the rate the schedule drew. A Poisson schedule's
   * own rate strays from the rate asked over a short run (by about 1/√(λT)); what the client kept up with is this.
   */
  dueRatePerS: number;
  /** Outcomes (responses and errors) per second of elapsedMs. */
  throughputPerS: number;
  /** Responses by HTTP status. */
  statusCounts: Record<number, number>;
  /** The first message seen for each error kind, to say what went wrong. */
  errorSamples: Partial<Record<LoadErrorKind, string>>;
  /** TCP connections the client opened (as many as requests means the server closes after each response). */
  connectionsOpened: number;
  /** From each request's scheduled send time to its complete response: the latency a user would see (no coordinated omission). */
  latency: LatencySummary | null;
  /** From writing the request to its complete response: what a closed-loop tool would report. */
  responseTime: LatencySummary | null;
  /** From the scheduled send time to the moment the request was written: timer lateness plus the wait for a free connection. */
  sendLateness: LatencySummary | null;
  /** From the scheduled send time to the moment the generator issued it: the generator's own timer lateness. */
  issueLateness: LatencySummary | null;
}

// ── the sizing sweep ─────────────────────────────────────────────────────────

/** What the server's event stream showed for one pool size, over the scheduled part of the run. */
export interface MeasuredQueueing {
  /** λ, jobs per second. */
  arrivalRatePerS: number;
  /** S: mean time a job held its worker (dispatch to result, on the server's main thread), ms. */
  meanServiceMs: number | null;
  /** Mean run time measured inside the worker thread, ms (S less the hand-off to and from the thread). */
  meanWorkerRunMs: number | null;
  /** ρ = λS/c. */
  utilization: number | null;
  /** Time-average busy workers ÷ c: ρ as measured directly. */
  busyFraction: number | null;
  /** Share of jobs that found every worker busy. */
  probabilityOfWait: number | null;
  /** Wq, ms. */
  meanWaitMs: number | null;
  /** Lq, time-average jobs waiting. */
  meanQueueLength: number;
  /** Requests refused with 503 because the queue was full. */
  rejected: number;
}

export interface SweepRow {
  workers: number;
  load: LoadReport;
  measured: MeasuredQueueing;
  /** M/M/c for the measured λ and S and this pool size; null when no job finished (no S). */
  predicted: MmcPrediction | null;
}

export interface SweepProgress {
  /** Index in settings.workerCounts of the pool size being measured. */
  index: number;
  workers: number;
  poolSizeCount: number;
  /** The current pool size's load progress; null while its server starts or stops. */
  load: LoadProgress | null;
  /** Rows finished so far. */
  rows: SweepRow[];
}

export interface SweepReport {
  settings: SweepSettings;
  rows: SweepRow[];
  /** Completed every pool size, or cancelled part-way (rows holds the finished ones). */
  isCancelled: boolean;
}
