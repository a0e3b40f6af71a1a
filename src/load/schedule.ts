// When each request of an open-loop run is due and which path it asks for: pure functions of the settings
// and the seed, so a run can be repeated exactly and tested without a clock or a socket.

import type { ArrivalProcess, MixEntry } from '../shared/load-settings';

/**
 * Mulberry32 (Tommy Ettinger, public domain): a 32-bit generator that passes gjrand's and PractRand's
 * tests up to gigabytes of output, plenty for millions of arrival gaps; returns floats in [0, 1).
 */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/** Derives an independent stream from one seed (SplitMix32's finaliser), so paths and gaps do not share draws. */
function deriveSeed(seed: number, stream: number): number {
  let z = (seed + Math.imul(stream, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export interface ArrivalSchedule {
  /** Offset of the next arrival from the start of the run, ms; strictly increasing for poisson, exact multiples of 1000/rate for constant. */
  next(): number;
}

/**
 * Constant: the i-th arrival at exactly i·1000/rate ms (computed by multiplication, so no drift accumulates).
 * Poisson: gaps drawn from the exponential distribution with mean 1000/rate ms, −ln(1 − U)·mean, U in [0, 1).
 */
export function createArrivalSchedule(arrivals: ArrivalProcess, ratePerS: number, seed: number): ArrivalSchedule {
  const meanGapMs = 1000 / ratePerS;
  if (arrivals === 'constant') {
    let index = 0;
    return { next: () => index++ * meanGapMs };
  }
  const random = createRandom(deriveSeed(seed, 1));
  let at = 0;
  let isFirst = true;
  return {
    next: () => {
      // The first request goes at once, so a run shows traffic from its first instant whatever the draw.
      if (isFirst) {
        isFirst = false;
        return 0;
      }
      at += -Math.log(1 - random()) * meanGapMs;
      return at;
    },
  };
}

/** Picks each request's path with the mix's weights (seeded; independent of the arrival times). */
export function createPathPicker(mix: readonly MixEntry[], seed: number): () => string {
  const only = mix[0];
  if (mix.length === 1 && only !== undefined) return () => only.path;
  const random = createRandom(deriveSeed(seed, 2));
  const total = mix.reduce((sum, entry) => sum + entry.weight, 0);
  const cumulative: number[] = [];
  let running = 0;
  for (const entry of mix) {
    running += entry.weight / total;
    cumulative.push(running);
  }
  return () => {
    const u = random();
    for (let i = 0; i < cumulative.length - 1; i++) if (u < cumulative[i]!) return mix[i]!.path;
    return mix[mix.length - 1]!.path;
  };
}
