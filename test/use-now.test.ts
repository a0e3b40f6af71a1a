// The page's shared clock as React's useSyncExternalStore sees it: subscribe and getSnapshot keep their
// identity, the time moves only on a tick or for the first watcher, and the timer runs only while watched.
// (A subscribe that changed identity on every render, and moved the clock when resubscribed, kept the
// dashboard re-rendering until React gave up under a sustained load of short jobs.)

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTicker, refreshPageClock, setPageClock, tickerFor } from '../src/renderer/components/use-now';

describe('the shared clock', () => {
  let nowMs = 1_000;
  const now = () => nowMs;
  beforeEach(() => {
    vi.useFakeTimers();
    nowMs = 1_000;
  });
  afterEach(() => {
    setPageClock(Date.now);
    vi.useRealTimers();
  });

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

  it('reads a jumped present at once when refreshed (Pause, Resume), telling the watchers only when it moved', () => {
    const ticker = createTicker(1_000, now);
    let calls = 0;
    ticker.refresh();
    expect(ticker.getSnapshot()).toBe(1_000);
    const stop = ticker.subscribe(() => calls++);
    nowMs = 1_250;
    ticker.refresh();
    expect(ticker.getSnapshot()).toBe(1_250);
    expect(calls).toBe(1);
    ticker.refresh();
    expect(calls).toBe(1);
    stop();
    // Unwatched, nothing reads it: the first watcher reads it afresh anyway.
    nowMs = 9_000;
    ticker.refresh();
    expect(ticker.getSnapshot()).toBe(1_250);
  });

  it("follows the page's clock: a still present holds every watched duration still across ticks, and a refresh moves them all", () => {
    setPageClock(now);
    const fast = tickerFor(100);
    const slow = tickerFor(1_000);
    const stopFast = fast.subscribe(() => {});
    const stopSlow = slow.subscribe(() => {});
    // Paused at 1,000: the page's present stands still, and so does what each clock hands out, tick after tick.
    vi.advanceTimersByTime(3_000);
    expect([fast.getSnapshot(), slow.getSnapshot()]).toEqual([1_000, 1_000]);
    // Resumed: the present jumps, and the slow clock shows it without waiting for its next tick.
    nowMs = 4_000;
    vi.advanceTimersByTime(100);
    expect(slow.getSnapshot()).toBe(1_000);
    refreshPageClock();
    expect([fast.getSnapshot(), slow.getSnapshot()]).toEqual([4_000, 4_000]);
    stopFast();
    stopSlow();
  });
});
