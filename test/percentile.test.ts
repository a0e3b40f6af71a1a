// The one percentile definition the tests and the benchmarks share: nearest rank, checked on worked examples
// and against the definition itself on random data.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nearestRankIndex, percentile } from './support/percentile';

describe('percentile (nearest rank)', () => {
  it('gives the worked example: 15, 20, 35, 40, 50', () => {
    const values = [15, 20, 35, 40, 50];
    expect([0, 5, 30, 40, 50, 100].map((p) => percentile(values, p))).toEqual([15, 15, 20, 20, 35, 50]);
  });

  it('gives p50, p95 and p99 of 1..100 as 50, 95 and 99, and p0 as the smallest value', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([0, 1, 50, 95, 99, 99.9, 100].map((p) => percentile(values, p))).toEqual([1, 1, 50, 95, 99, 100, 100]);
  });

  it('takes the lower middle value as the median of an even count, never a value between two', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([10, 20], 50)).toBe(10);
    expect(percentile([10, 20], 51)).toBe(20);
  });

  it('is NaN when nothing was measured, and refuses a p outside 0..100', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], -1)).toThrow(RangeError);
    expect(() => percentile([1], 100.5)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
    expect(() => nearestRankIndex(0, 50)).toThrow(RangeError);
  });

  it('is a measured value with at least p % of the values at or below it, and fewer than p % below it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 0, max: 100 }),
        (values, p) => {
          const sorted = [...values].sort((a, b) => a - b);
          const result = percentile(sorted, p);
          expect(sorted).toContain(result);
          // In whole numbers: atOrBelow / N ≥ p / 100, and below / N < p / 100 (for p > 0).
          const atOrBelow = sorted.filter((v) => v <= result).length;
          const below = sorted.filter((v) => v < result).length;
          expect(100 * atOrBelow).toBeGreaterThanOrEqual(p * sorted.length);
          if (p > 0) expect(100 * below).toBeLessThan(p * sorted.length);
          else expect(result).toBe(sorted[0]);
        },
      ),
    );
  });
});
