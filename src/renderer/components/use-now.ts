// A shared clock for live durations ("running for 2.3 s"): one timer per interval for the whole page, running
// only while something shows a live number. It reads the page's present: the wall clock, a replay's cursor, or
// the paused moment while the timeline is paused (the bridge decides which: PoolBridge.presentAt).

import { useSyncExternalStore } from 'react';

/** One interval's clock: what useSyncExternalStore needs, made once per interval so it never changes identity. */
export interface Ticker {
  subscribe(onChange: () => void): () => void;
  getSnapshot(): number;
  /** Reads the present now rather than at the next tick, telling the watchers if it moved (nothing while unwatched). */
  refresh(): void;
}

const tickers = new Map<number, Ticker>();

/** The page's present: the wall clock live; main.tsx makes it the bridge's (a replay's cursor, a paused moment). */
let pageClock: () => number = Date.now;

/** What every useNow() reads from now on. */
export function setPageClock(now: () => number): void {
  pageClock = now;
}

/**
 * The present jumped (Pause, Resume, a scroll-back, another source): every duration shown follows at once, not at
 * its clock's next tick, which for a slow one (the empty queue's look back) is a second away.
 */
export function refreshPageClock(): void {
  for (const ticker of tickers.values()) ticker.refresh();
}

export function createTicker(intervalMs: number, now: () => number = Date.now): Ticker {
  let nowMs = now();
  const listeners = new Set<() => void>();
  let timer: ReturnType<typeof setInterval> | null = null;
  return {
    // Stable on purpose: a new subscribe function on every render makes React resubscribe after each
    // commit, and a resubscription that moves the clock re-renders again, without end, under load.
    subscribe(onChange) {
      listeners.add(onChange);
      if (timer === null) {
        // The first watcher after a quiet spell: the time read while rendering it may be stale. React
        // sees the change and renders once more with the fresh time.
        nowMs = now();
        timer = setInterval(() => {
          nowMs = now();
          for (const listener of listeners) listener();
        }, intervalMs);
      }
      return () => {
        listeners.delete(onChange);
        if (listeners.size === 0 && timer !== null) {
          clearInterval(timer);
          timer = null;
        }
      };
    },
    getSnapshot: () => nowMs,
    refresh() {
      if (timer === null) return;
      const freshMs = now();
      if (freshMs === nowMs) return;
      nowMs = freshMs;
      for (const listener of listeners) listener();
    },
  };
}

/** The page's clock for `intervalMs`, created on first use. */
export function tickerFor(intervalMs: number): Ticker {
  let ticker = tickers.get(intervalMs);
  if (!ticker) {
    ticker = createTicker(intervalMs, () => pageClock());
    tickers.set(intervalMs, ticker);
  }
  return ticker;
}

/** Epoch ms of the page's present, refreshed every `intervalMs` while the calling component is mounted. */
export function useNow(intervalMs = 100): number {
  const ticker = tickerFor(intervalMs);
  return useSyncExternalStore(ticker.subscribe, ticker.getSnapshot);
}
