// Derived numbers for the stats strip: throughput and latency percentiles of the current server run.
// Written by the bridge's stats collector; plain numbers so selectors stay cheap.

export interface PercentilesMs {
  p50: number;
  p95: number;
  p99: number;
}

export interface StatsState {
  /** Responses per second over the last RATE_WINDOW_MS. */
  requestsPerSecond: number;
  /** Received → response sent, per finished request of this run; null before the first one. */
  latencyMs: PercentilesMs | null;
  /** Queued → started on a worker, per finished job of this run; null before the first one. */
  waitMs: PercentilesMs | null;
  /** Requests of this run that got a response. */
  finishedCount: number;
  /** Responses with status >= 500 in this run (full-queue 503s and crashed jobs included). */
  serverErrors: number;
  /** Responses with status 400–499 in this run (bad requests, 404s). */
  clientErrors: number;
}

export function initialStatsState(): StatsState {
  return { requestsPerSecond: 0, latencyMs: null, waitMs: null, finishedCount: 0, serverErrors: 0, clientErrors: 0 };
}
