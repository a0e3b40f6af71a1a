// M/M/c (Erlang C) against published worked examples and against values computed by hand, then its
// numerical behaviour where naive formulas break: hundreds of workers and utilization a hair below 1.

import { describe, expect, it } from 'vitest';
import { erlangB, erlangC, predictMmc, probabilityWaitExceeds } from '../src/shared/queueing';

/** The textbook closed form, summing a^k/k! directly: fine for small c, overflows for large c. */
function erlangCByDefinition(c: number, a: number): number {
  let term = 1;
  let sum = 0;
  for (let k = 0; k < c; k++) {
    sum += term;
    term = (term * a) / (k + 1);
  }
  const top = term * (c / (c - a));
  return top / (sum + top);
}

describe('Erlang C against published examples', () => {
  it('matches the Westbay Engineers step-by-step example: 360 calls per half hour, 4 min each, 55 agents', () => {
    // Westbay Engineers, "The Erlang-C formula" (the call-centre example used by most Erlang C tutorials):
    // traffic intensity A = 360/30 min × 4 min = 48 erlangs, occupancy 87.3 %, probability of waiting
    // 23.9 %, average speed of answer 8.2 s, 84.6 % of calls answered within 15 s.
    const prediction = predictMmc({ arrivalRatePerS: 360 / 1800, meanServiceMs: 240_000, workers: 55 });
    if (!prediction.isStable) throw new Error('expected a stable queue');
    expect(prediction.offeredLoad).toBeCloseTo(48, 10);
    expect(prediction.utilization).toBeCloseTo(0.873, 3);
    expect(prediction.probabilityOfWait).toBeCloseTo(0.2387, 4);
    expect(prediction.meanWaitMs / 1000).toBeCloseTo(8.18, 2);
    expect(1 - probabilityWaitExceeds({ arrivalRatePerS: 360 / 1800, meanServiceMs: 240_000, workers: 55 }, 15_000)).toBeCloseTo(0.846, 3);
  });

  it('matches the Call Centre Helper worked example: 100 calls per 30 minutes, 180 s handling, 11 agents', () => {
    // Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example": 10 erlangs on
    // 11 agents, probability a call waits 68.21 %, average speed of answer 122.8 s.
    const prediction = predictMmc({ arrivalRatePerS: 100 / 1800, meanServiceMs: 180_000, workers: 11 });
    if (!prediction.isStable) throw new Error('expected a stable queue');
    expect(prediction.probabilityOfWait).toBeCloseTo(0.6821, 4);
    expect(prediction.meanWaitMs / 1000).toBeCloseTo(122.8, 1);
  });

  it('matches ErlangC[3, 2] = 4/9, the example in Wolfram Language documentation', () => {
    expect(erlangC(3, 2)).toBeCloseTo(4 / 9, 14);
  });
});

describe('Erlang C against values computed by hand', () => {
  it('is ρ itself for one worker (M/M/1: an arrival waits exactly when the worker is busy)', () => {
    expect(erlangC(1, 0.5)).toBeCloseTo(0.5, 14);
    expect(erlangC(1, 0.9)).toBeCloseTo(0.9, 14);
  });

  it('is a²/(2 + a) for two workers', () => {
    // M/M/2: P0 = 1 / (1 + a + a²/(2 − a)), C = a²/(2 − a) · P0 = a² / ((1 + a)(2 − a) + a²) = a²/(2 + a).
    for (const a of [0.2, 1, 1.5, 1.99]) expect(erlangC(2, a)).toBeCloseTo((a * a) / (2 + a), 12);
  });

  it('gives the M/M/1 mean wait ρS/(1 − ρ) and Little’s law for the rest', () => {
    // λ = 100/s, S = 5 ms: ρ = 0.5, Wq = 0.5 × 5 / 0.5 = 5 ms, W = 10 ms, Lq = 0.5, L = 1.
    const prediction = predictMmc({ arrivalRatePerS: 100, meanServiceMs: 5, workers: 1 });
    expect(prediction).toEqual({
      isStable: true,
      offeredLoad: 0.5,
      utilization: 0.5,
      probabilityOfWait: expect.closeTo(0.5, 12),
      meanWaitMs: expect.closeTo(5, 12),
      meanQueueLength: expect.closeTo(0.5, 12),
      meanTimeInSystemMs: expect.closeTo(10, 12),
      meanInSystem: expect.closeTo(1, 12),
    });
  });

  it('agrees with the definition for every pool size up to 30 and a range of loads', () => {
    for (let c = 1; c <= 30; c++) {
      for (const rho of [0.05, 0.3, 0.6, 0.9, 0.99]) {
        expect(erlangC(c, rho * c)).toBeCloseTo(erlangCByDefinition(c, rho * c), 10);
      }
    }
  });

  it('has Erlang B of 1 worker at 1 erlang equal to 1/2, and of 2 workers at 1 erlang equal to 1/5', () => {
    // B(1, a) = a/(1 + a); B(2, a) = (a²/2)/(1 + a + a²/2).
    expect(erlangB(1, 1)).toBeCloseTo(0.5, 14);
    expect(erlangB(2, 1)).toBeCloseTo(0.2, 14);
  });
});

describe('numerical behaviour', () => {
  it('stays exact for 256 workers, where the formula as printed (a^c / c!) overflows', () => {
    let factorial = 1;
    for (let k = 2; k <= 256; k++) factorial *= k;
    expect(250 ** 256 / factorial).toBeNaN(); // Infinity / Infinity
    for (const rho of [0.5, 0.9, 0.99, 0.999_999]) {
      const p = erlangC(256, rho * 256);
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThanOrEqual(1);
      // The term-by-term sum (each a^k/k! from the one before) stays finite here, so it can referee.
      expect(p).toBeCloseTo(erlangCByDefinition(256, rho * 256), 9);
    }
  });

  it('rises monotonically with load and falls monotonically with workers', () => {
    let previous = 0;
    for (let a = 1; a < 64; a += 1) {
      const p = erlangC(64, a);
      expect(p).toBeGreaterThanOrEqual(previous);
      previous = p;
    }
    previous = 1;
    for (let c = 9; c <= 256; c++) {
      const p = erlangC(c, 8);
      expect(p).toBeLessThanOrEqual(previous);
      previous = p;
    }
  });

  it('approaches 1 as ρ approaches 1, with the wait growing like 1/(1 − ρ)', () => {
    const near = predictMmc({ arrivalRatePerS: 999.999, meanServiceMs: 1, workers: 1 });
    expect(near.isStable && near.probabilityOfWait).toBeCloseTo(1, 5);
    const pool = predictMmc({ arrivalRatePerS: 255.999, meanServiceMs: 1000, workers: 256 });
    if (!pool.isStable) throw new Error('expected a stable queue');
    expect(pool.probabilityOfWait).toBeGreaterThan(0.99);
    expect(pool.meanWaitMs).toBeGreaterThan(900_000);
    expect(Number.isFinite(pool.meanWaitMs)).toBe(true);
  });

  it('says a queue at ρ ≥ 1 grows without bound, at λ − c/S per second', () => {
    expect(predictMmc({ arrivalRatePerS: 300, meanServiceMs: 10, workers: 2 })).toEqual({
      isStable: false,
      offeredLoad: 3,
      utilization: 1.5,
      queueGrowthPerS: 100,
    });
    expect(predictMmc({ arrivalRatePerS: 200, meanServiceMs: 10, workers: 2 })).toMatchObject({ isStable: false, queueGrowthPerS: 0 });
    expect(erlangC(2, 3)).toBe(1);
    expect(probabilityWaitExceeds({ arrivalRatePerS: 300, meanServiceMs: 10, workers: 2 }, 1_000)).toBe(1);
  });

  it('predicts no waiting without arrivals', () => {
    expect(predictMmc({ arrivalRatePerS: 0, meanServiceMs: 50, workers: 4 })).toMatchObject({
      isStable: true,
      probabilityOfWait: 0,
      meanWaitMs: 0,
    });
  });

  it('refuses inputs that describe no queue', () => {
    expect(() => erlangC(0, 1)).toThrow(RangeError);
    expect(() => erlangC(2.5, 1)).toThrow(RangeError);
    expect(() => erlangB(2, -1)).toThrow(RangeError);
    expect(() => predictMmc({ arrivalRatePerS: Number.NaN, meanServiceMs: 1, workers: 1 })).toThrow(RangeError);
  });
});
