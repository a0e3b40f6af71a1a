// A shared wall clock for live durations ("running for 2.3 s"): one timer per interval for the whole
// page, running only while something shows a live number.

import { useSyncExternalStore } from 'react';

/** One interval's clock: what useSyncExternalStore needs, made once per interval so it never changes identity. */
export interface Ticker {
  subscribe(onChange: () => void): () => void;
  getSnapshot(): number;
}

const tickers = new Map<number, Ticker>();

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
  };
}

/** The page's clock for `intervalMs`, created on first use. */
export function tickerFor(intervalMs: number): Ticker {
  let ticker = tickers.get(intervalMs);
  if (!ticker) {
    ticker = createTicker(intervalMs);
    tickers.set(intervalMs, ticker);
  }
  return ticker;
}

/** Epoch ms, refreshed every `intervalMs` while the calling component is mounted. */
export function useNow(intervalMs = 100): number {
  const ticker = tickerFor(intervalMs);
  return useSyncExternalStore(ticker.subscribe, ticker.getSnapshot);
}
