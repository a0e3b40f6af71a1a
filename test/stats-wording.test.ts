// The burst summary in words: what a person reads under "Bursts" after each burst, for the book's demo, a burst
// still running, one cut short by a stop, one with failures, and the plural of one.

import { describe, expect, it } from 'vitest';
import { burstStateOf, burstSummaryText, routeLabel } from '../src/renderer/components/stats-wording';
import type { BurstSummary } from '../src/shared/request-stats';

function summary(overrides: Partial<BurstSummary> = {}): BurstSummary {
  return {
    burstId: 1,
    route: '/sleep',
    size: 8,
    answered: 8,
    threads: { strategy: 'pool', workerCount: 4 },
    firstReceivedAt: 1_000,
    lastSentAt: 11_003,
    latencyP99Ms: 10_002,
    waitedCount: 4,
    minWaitedMs: 4_998,
    maxWaitedMs: 5_001,
    statusCounts: { 200: 8 },
    isComplete: true,
    isCutShort: false,
    ...overrides,
  };
}

describe('burstSummaryText', () => {
  it("sums up the book's demo in one line", () => {
    expect(burstSummaryText(summary())).toBe('8 × /sleep on 4 workers: done in 10.0 s, p99 10.0 s, 4 waited 5.0 s');
    expect(burstStateOf(summary())).toBe('done');
  });

  it('says "up to" when the waits differ, and "none waited" when no job did', () => {
    expect(burstSummaryText(summary({ size: 12, answered: 12, waitedCount: 8, maxWaitedMs: 10_000, statusCounts: { 200: 12 } }))).toBe(
      '12 × /sleep on 4 workers: done in 10.0 s, p99 10.0 s, 8 waited up to 10.0 s',
    );
    expect(burstSummaryText(summary({ size: 4, answered: 4, waitedCount: 0, minWaitedMs: null, maxWaitedMs: null }))).toContain(
      'none waited',
    );
  });

  it('names GET / as such, counts answers other than 200, and says "1 worker"', () => {
    const text = burstSummaryText(
      summary({
        route: '/',
        size: 1_200,
        answered: 1_200,
        threads: { strategy: 'pool', workerCount: 1 },
        lastSentAt: 1_180,
        latencyP99Ms: 12.3,
        waitedCount: 900,
        minWaitedMs: 1,
        maxWaitedMs: 9.8,
        statusCounts: { 200: 1_000, 503: 200 },
      }),
    );
    expect(text).toBe('1,200 × GET / on 1 worker: done in 180 ms, p99 12 ms, 900 waited up to 9.8 ms, 200 × 503');
  });

  it('says how far a running burst got', () => {
    const running = summary({ answered: 3, isComplete: false });
    expect(burstStateOf(running)).toBe('running');
    expect(burstSummaryText(running)).toBe('8 × /sleep on 4 workers: 3 of 8 answered so far…');
  });

  it('says how many requests a stop left unanswered', () => {
    const cut = summary({ answered: 5, isComplete: false, isCutShort: true, waitedCount: 1, maxWaitedMs: 5_000, minWaitedMs: 5_000 });
    expect(burstStateOf(cut)).toBe('cut-short');
    expect(burstSummaryText(cut)).toBe('8 × /sleep on 4 workers: 3 never answered (the server stopped), p99 10.0 s, 1 waited 5.0 s');
  });

  it("names each server's threads as its listing does, and leaves them out when unknown", () => {
    const running = { answered: 3, isComplete: false };
    expect(burstSummaryText(summary({ ...running, threads: { strategy: 'single', workerCount: 4 } }))).toBe(
      '8 × /sleep on the single thread: 3 of 8 answered so far…',
    );
    expect(burstSummaryText(summary({ ...running, threads: { strategy: 'per-request', workerCount: 4 } }))).toBe(
      '8 × /sleep on a thread each: 3 of 8 answered so far…',
    );
    expect(burstSummaryText(summary({ ...running, threads: { strategy: 'pool-while-let', workerCount: 2 } }))).toBe(
      '8 × /sleep on 2 workers: 3 of 8 answered so far…',
    );
    expect(burstSummaryText(summary({ threads: null }))).toMatch(/^8 × \/sleep: done in/);
    expect(routeLabel('other')).toBe('other');
  });
});
