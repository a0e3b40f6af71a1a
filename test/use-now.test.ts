// The page's shared clock as React's useSyncExternalStore sees it: subscribe and getSnapshot keep their
// identity, the time moves only on a tick or for the first watcher, and the timer runs only while watched.
// (A subscribe that changed identity on every render, and moved the clock when resubscribed, kept the
// dashboard re-rendering until React gave up under a sustained load of short jobs.)

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTicker, tickerFor } from '../src/renderer/components/use-now';

describe('the shared clock', () => {
  let nowMs = 1_000;
  const now = () => nowMs;
  beforeEach(() => {
    vi.useFakeTimers();
    nowMs = 1_000;
  });
  afterEach(() => vi.useRealTimers());

  it('hands every render the same subscribe and getSnapshot functions, so React never resubscribes on a re-render', () => {
    expect(tickerFor(250).subscribe).toBe(tickerFor(250).subscribe);
    expect(tickerFor(250).getSnapshot).toBe(tickerFor(250).getSnapshot);
    expect(tickerFor(250)).not.toBe(tickerFor(1_000));
  });

  it('reads the time afresh for the first watcher, and leaves it alone for the next ones until the tick', () => {
    const ticker = createTicker(100, now);
    nowMs = 5_000;
    const stopFirst = ticker.subscribe(() => {});
    expect(ticker.getSnapshot()).toBe(5_000);
    nowMs = 5_040;
    const stopSecond = ticker.subscribe(() => {});
    expect(ticker.getSnapshot()).toBe(5_000);
    stopFirst();
    stopSecond();
  });

  it('ticks every interval while watched, telling each watcher, and stops when the last one leaves', () => {
    const ticker = createTicker(100, now);
    let calls = 0;
    const stop = ticker.subscribe(() => calls++);
    nowMs += 100;
    vi.advanceTimersByTime(100);
    expect(ticker.getSnapshot()).toBe(1_100);
    expect(calls).toBe(1);
    stop();
    expect(vi.getTimerCount()).toBe(0);
    nowMs += 500;
    vi.advanceTimersByTime(500);
    expect(ticker.getSnapshot()).toBe(1_100);
    expect(calls).toBe(1);
  });
});
