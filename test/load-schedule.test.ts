// The open-loop schedule: Poisson gaps with the right mean and variance, constant gaps exactly 1/rate,
// paths in the mix's proportions, and the same run for the same seed. Pure: no clock, no socket.

import { describe, expect, it } from 'vitest';
import { createArrivalSchedule, createPathPicker, createRandom } from '../src/load/schedule';

const SAMPLES = 100_000;

function gaps(arrivals: 'poisson' | 'constant', ratePerS: number, seed: number, count = SAMPLES): number[] {
  const schedule = createArrivalSchedule(arrivals, ratePerS, seed);
  let previous = schedule.next();
  return Array.from({ length: count }, () => {
    const at = schedule.next();
    const gap = at - previous;
    previous = at;
    return gap;
  });
}

function meanAndVariance(values: number[]): { mean: number; variance: number } {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, variance };
}

describe('Poisson arrivals', () => {
  // Exponential gaps with mean m = 1000/rate ms have variance m². With n = 100 000 gaps the sample mean's
  // standard error is m/√n (0.32 %) and the sample variance's is m²·√(8/n) (0.89 %): bounds of 5 standard
  // errors hold for any seed but the rarest, and the seeds here are fixed.
  it.each([
    [200, 1],
    [5_000, 12_345],
  ])('at %i req/s (seed %i) have gaps with mean 1/rate and variance 1/rate²', (ratePerS, seed) => {
    const meanGapMs = 1000 / ratePerS;
    const { mean, variance } = meanAndVariance(gaps('poisson', ratePerS, seed));
    expect(Math.abs(mean / meanGapMs - 1)).toBeLessThan(5 * Math.sqrt(1 / SAMPLES));
    expect(Math.abs(variance / meanGapMs ** 2 - 1)).toBeLessThan(5 * Math.sqrt(8 / SAMPLES));
  });

  it('are memoryless: a share e^-1 of gaps is longer than the mean, and gaps do not predict the next', () => {
    const values = gaps('poisson', 1_000, 99);
    const longer = values.filter((gap) => gap > 1).length / values.length;
    expect(Math.abs(longer - Math.exp(-1))).toBeLessThan(5 * Math.sqrt((Math.exp(-1) * (1 - Math.exp(-1))) / SAMPLES));
    const { mean, variance } = meanAndVariance(values);
    let covariance = 0;
    for (let i = 1; i < values.length; i++) covariance += (values[i - 1]! - mean) * (values[i]! - mean);
    const correlation = covariance / (values.length - 2) / variance;
    expect(Math.abs(correlation)).toBeLessThan(5 / Math.sqrt(SAMPLES));
  });

  it('start at once and never go back in time', () => {
    const schedule = createArrivalSchedule('poisson', 10_000, 5);
    expect(schedule.next()).toBe(0);
    let previous = 0;
    for (let i = 0; i < 10_000; i++) {
      const at = schedule.next();
      expect(at).toBeGreaterThanOrEqual(previous);
      previous = at;
    }
  });

  it('repeat exactly for the same seed and differ for another', () => {
    expect(gaps('poisson', 200, 7, 1_000)).toEqual(gaps('poisson', 200, 7, 1_000));
    expect(gaps('poisson', 200, 8, 1_000)).not.toEqual(gaps('poisson', 200, 7, 1_000));
  });
});

describe('constant arrivals', () => {
  it('come exactly i × 1000/rate ms after the start, with no drift after a million', () => {
    const schedule = createArrivalSchedule('constant', 3, 1);
    expect([schedule.next(), schedule.next(), schedule.next(), schedule.next()]).toEqual([0, 1000 / 3, 2000 / 3, 1000]);
    const fast = createArrivalSchedule('constant', 5_000, 1);
    let at = 0;
    for (let i = 0; i <= 1_000_000; i++) at = fast.next();
    expect(at).toBe(200_000);
  });

  it('have gaps of zero variance', () => {
    const { mean, variance } = meanAndVariance(gaps('constant', 250, 1, 10_000));
    expect(mean).toBeCloseTo(4, 9);
    expect(variance).toBeLessThan(1e-18);
  });
});

describe('the generator', () => {
  it('returns floats in [0, 1)', () => {
    const random = createRandom(11);
    const values = Array.from({ length: 10_000 }, random);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
  });
});

describe('the path picker', () => {
  it('sends each path its share of requests', () => {
    const pick = createPathPicker(
      [
        { path: '/', weight: 0.9 },
        { path: '/sleep?ms=50', weight: 0.1 },
      ],
      3,
    );
    let sleeps = 0;
    for (let i = 0; i < SAMPLES; i++) if (pick() === '/sleep?ms=50') sleeps++;
    // Binomial(n, 0.1): standard error √(0.09/n) ≈ 0.095 %.
    expect(Math.abs(sleeps / SAMPLES - 0.1)).toBeLessThan(5 * Math.sqrt(0.09 / SAMPLES));
  });

  it('always picks the only path of a single-path mix', () => {
    const pick = createPathPicker([{ path: '/sleep', weight: 1 }], 1);
    expect(new Set(Array.from({ length: 100 }, pick))).toEqual(new Set(['/sleep']));
  });

  it('draws from its own stream: the same seed gives different draws for paths than for gaps', () => {
    const pick = createPathPicker(
      [
        { path: 'a', weight: 0.5 },
        { path: 'b', weight: 0.5 },
      ],
      11,
    );
    const random = createRandom(11);
    const picks = Array.from({ length: 64 }, pick).join('');
    const sameStream = Array.from({ length: 64 }, () => (random() < 0.5 ? 'a' : 'b')).join('');
    expect(picks).not.toBe(sameStream);
  });
});
