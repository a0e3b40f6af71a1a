// Derived numbers for the stats strip and the stats panel: throughput, latency and queue-wait percentiles of the
// current server run, over all routes and per route, burst summaries and each worker's recent busy share.
// Written by the bridge from its stats collector (statsActions.publish); plain data so selectors stay cheap.

import type { StateCreator } from 'zustand/vanilla';
import type { FrameStats } from '../../shared/wire';
import type { AppState } from './app-store';

export type { PercentilesMs } from '../../shared/request-stats';

/** The numbers as the frames carry them. */
export type StatsState = FrameStats;

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
