// Derived numbers for the stats strip: throughput and latency percentiles of the current server run.
// Written by the bridge from its stats collector (statsActions.publish); plain numbers so selectors stay cheap.

import type { StateCreator } from 'zustand/vanilla';
import type { AppState } from './app-store';

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

function isSamePercentiles(a: PercentilesMs | null, b: PercentilesMs | null): boolean {
  return a === b || (a !== null && b !== null && a.p50 === b.p50 && a.p95 === b.p95 && a.p99 === b.p99);
}

function isSameStats(a: StatsState, b: StatsState): boolean {
  return (
    a.requestsPerSecond === b.requestsPerSecond &&
    a.finishedCount === b.finishedCount &&
    a.serverErrors === b.serverErrors &&
    a.clientErrors === b.clientErrors &&
    isSamePercentiles(a.latencyMs, b.latencyMs) &&
    isSamePercentiles(a.waitMs, b.waitMs)
  );
}

export interface StatsActions {
  /** Replaces the numbers; equal numbers keep the old object, so the strip does not re-render. */
  publish(stats: StatsState): void;
}

export interface StatsSlice {
  stats: StatsState;
  statsActions: StatsActions;
}

export const createStatsSlice: StateCreator<AppState, [], [], StatsSlice> = (set, get) => ({
  stats: initialStatsState(),
  statsActions: {
    publish(stats) {
      if (!isSameStats(get().stats, stats)) set({ stats });
    },
  },
});
