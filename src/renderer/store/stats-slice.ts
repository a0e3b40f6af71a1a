// Derived numbers for the stats strip and the stats panel: throughput, latency and queue-wait percentiles of the
// current server run, over all routes and per route, burst summaries and each worker's recent busy share.
// Written by the bridge from its stats collector (statsActions.publish); plain data so selectors stay cheap.

import type { StateCreator } from 'zustand/vanilla';
import type { BurstSummary, PercentilesMs, RouteStats } from '../../shared/request-stats';
import type { AppState } from './app-store';

export type { PercentilesMs } from '../../shared/request-stats';

export interface StatsState {
  /** Responses per second over the last RATE_WINDOW_MS (src/shared/request-stats.ts); 0 once the server stopped. */
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
  /** Requests of this run whose job waited the max wait without a worker taking it, answered 503 (in serverErrors too). */
  waitedTooLong: number;
  /** Latency and wait per route that had a response this run (`/`, `/sleep`, other). */
  routes: RouteStats[];
  /** The latest bursts, newest first. */
  bursts: BurstSummary[];
  /** Per worker id: the whole percent of the last BUSY_WINDOW_MS it spent running jobs. */
  workerBusyPercent: number[];
}

export function initialStatsState(): StatsState {
  return {
    requestsPerSecond: 0,
    latencyMs: null,
    waitMs: null,
    finishedCount: 0,
    serverErrors: 0,
    clientErrors: 0,
    waitedTooLong: 0,
    routes: [],
    bursts: [],
    workerBusyPercent: [],
  };
}

/** Equal plain data (numbers, strings, null, arrays and objects of them), compared by value. */
function isSameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every((key) => isSameData((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

export interface StatsActions {
  /**
   * Replaces the numbers, taking ownership of `stats`: each part equal to what is there keeps its old object, so
   * only what changed re-renders, and all equal keeps the old state.
   */
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
      const current = get().stats;
      const parts = stats as unknown as Record<keyof StatsState, unknown>;
      let isChanged = false;
      for (const key of Object.keys(stats) as Array<keyof StatsState>) {
        if (isSameData(current[key], stats[key])) parts[key] = current[key];
        else isChanged = true;
      }
      if (isChanged) set({ stats });
    },
  },
});
