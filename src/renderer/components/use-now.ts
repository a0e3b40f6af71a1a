// A shared wall clock for live durations ("running for 2.3 s"): one timer per interval for the whole
// page, running only while something shows a live number.

import { useSyncExternalStore } from 'react';

interface Ticker {
  nowMs: number;
  listeners: Set<() => void>;
  timer: ReturnType<typeof setInterval> | null;
}

const tickers = new Map<number, Ticker>();

function tickerFor(intervalMs: number): Ticker {
  let ticker = tickers.get(intervalMs);
  if (!ticker) {
    ticker = { nowMs: Date.now(), listeners: new Set(), timer: null };
    tickers.set(intervalMs, ticker);
  }
  return ticker;
}

/** Epoch ms, refreshed every `intervalMs` while the calling component is mounted. */
export function useNow(intervalMs = 100): number {
  const ticker = tickerFor(intervalMs);
  return useSyncExternalStore(
    (onChange) => {
      ticker.listeners.add(onChange);
      if (ticker.timer === null) {
        ticker.nowMs = Date.now();
        ticker.timer = setInterval(() => {
          ticker.nowMs = Date.now();
          for (const listener of ticker.listeners) listener();
        }, intervalMs);
      }
      return () => {
        ticker.listeners.delete(onChange);
        if (ticker.listeners.size === 0 && ticker.timer !== null) {
          clearInterval(ticker.timer);
          ticker.timer = null;
        }
      };
    },
    () => ticker.nowMs,
  );
}
