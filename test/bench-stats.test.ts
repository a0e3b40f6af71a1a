// The bench's statistics (bench/stats.ts): the median's bootstrap interval, the verdict against a target, and the
// on/off slices' pairing and cost, checked on worked examples and on simulated runs whose truth is known.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bracketedRounds,
  estimateMedian,
  MIN_COUNT_FOR_VERDICT,
  mapEstimate,
  medianOrderRank,
  pairWithOffNeighbours,
  type SliceMeasure,
  toggleCost,
  verdictOf,
} from '../bench/stats';
import { createRandom } from '../src/load/schedule';

/** A normal deviate from a seeded uniform source (Box–Muller), so simulated runs repeat exactly. */
function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

describe('estimateMedian', () => {
  it('gives the nearest-rank median, the quartiles, and an interval around the median', () => {
    const estimate = estimateMedian([5, 1, 4, 2, 3, 9, 7, 8, 6]);
    expect(estimate).toMatchObject({ median: 5, q1: 3, q3: 7, count: 9 });
    expect(estimate.low).toBeLessThanOrEqual(5);
    expect(estimate.high).toBeGreaterThanOrEqual(5);
    expect(estimate.low).toBeGreaterThanOrEqual(1);
    expect(estimate.high).toBeLessThanOrEqual(9);
    expect(estimate.high - estimate.low).toBeGreaterThan(0);
  });

  it('is the same for the same values (seeded), and leaves NaNs out', () => {
    const values = [1.1, 0.9, 1.3, 0.7, 1.0, 1.2, 0.8, 0.95];
    expect(estimateMedian(values)).toEqual(estimateMedian(values));
    expect(estimateMedian([...values, Number.NaN])).toEqual(estimateMedian(values));
    expect(estimateMedian([])).toMatchObject({ median: Number.NaN, count: 0 });
  });

  it('collapses to the value when every value is the same', () => {
    expect(estimateMedian([2, 2, 2, 2, 2, 2, 2])).toMatchObject({ median: 2, low: 2, high: 2, q1: 2, q3: 2 });
  });

  it('keeps its interval inside the values and around the median, for any values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        (values, blockLength) => {
          const estimate = estimateMedian(values, { resamples: 200, blockLength });
          expect(estimate.low).toBeLessThanOrEqual(estimate.median);
          expect(estimate.high).toBeGreaterThanOrEqual(estimate.median);
          expect(estimate.low).toBeGreaterThanOrEqual(Math.min(...values));
          expect(estimate.high).toBeLessThanOrEqual(Math.max(...values));
        },
      ),
    );
  });

  it('covers the true median of a skewed population in about 95 % of simulated runs', () => {
    // Ratios as a noisy machine gives them: mostly near 0.95, a tail of disturbed pairs down to 0.5.
    const random = createRandom(7);
    const draw = (): number => (random() < 0.15 ? 0.5 + 0.4 * random() : 0.95 + 0.05 * normal(random));
    const population = Array.from({ length: 200_000 }, draw).sort((a, b) => a - b);
    const trueMedian = population[population.length / 2]!;
    let covered = 0;
    const runs = 300;
    for (let run = 0; run < runs; run++) {
      const sample = Array.from({ length: 35 }, draw);
      const estimate = estimateMedian(sample, { resamples: 500, seed: run });
      if (estimate.low <= trueMedian && trueMedian <= estimate.high) covered++;
    }
    // A broken interval (no width, or the quartiles taken for it) lands far outside this band.
    expect(covered / runs).toBeGreaterThan(0.92);
    expect(covered / runs).toBeLessThan(0.995);
  });

  it('widens the interval when neighbouring values share a disturbance and the blocks say so', () => {
    // Runs of five equal values (one disturbance touching five neighbouring pairs): resampled one by one they look
    // like 40 independent values; in blocks of five, like the 8 they are.
    const random = createRandom(3);
    const values: number[] = [];
    for (let run = 0; run < 8; run++) {
      const level = 1 + 0.1 * normal(random);
      for (let i = 0; i < 5; i++) values.push(level + 0.001 * normal(random));
    }
    const independent = estimateMedian(values);
    const blocked = estimateMedian(values, { blockLength: 5 });
    expect(blocked.high - blocked.low).toBeGreaterThan(1.3 * (independent.high - independent.low));
  });
});

describe('estimateMedian over several runs', () => {
  /** Values of `runs` runs of `perRun` each: every run at its own level (a process's JIT state), plus small noise. */
  function runsOf(random: () => number, runs: number, perRun: number, processSd: number): number[] {
    const values: number[] = [];
    for (let run = 0; run < runs; run++) {
      const level = 0.97 + processSd * normal(random);
      for (let i = 0; i < perRun; i++) values.push(level + 0.01 * normal(random));
    }
    return values;
  }

  it('is the single run estimate when there is one run', () => {
    const values = runsOf(createRandom(11), 1, 35, 0);
    expect(estimateMedian(values, { blockLength: 4, runSizes: [35] })).toEqual(estimateMedian(values, { blockLength: 4 }));
  });

  it('refuses run sizes that do not add up to the values', () => {
    expect(() => estimateMedian([1, 2, 3], { runSizes: [2, 2] })).toThrow(/runs of 2 \+ 2 values, but 3 given/);
  });

  it('covers the true level when each process runs at its own, where the runs pooled as one do not', () => {
    // Five processes of 35 pairs, their levels spread 2 % around the truth, each pair 1 %: one process's pairs
    // say little about the next process's level.
    let coveredByRuns = 0;
    let coveredPooled = 0;
    const experiments = 100;
    for (let experiment = 0; experiment < experiments; experiment++) {
      const values = runsOf(createRandom(100 + experiment), 5, 35, 0.02);
      const byRuns = estimateMedian(values, { resamples: 300, seed: experiment, runSizes: [35, 35, 35, 35, 35] });
      const pooled = estimateMedian(values, { resamples: 300, seed: experiment });
      if (byRuns.low <= 0.97 && 0.97 <= byRuns.high) coveredByRuns++;
      if (pooled.low <= 0.97 && 0.97 <= pooled.high) coveredPooled++;
    }
    // Here 87 % against 37 %: a bootstrap over five runs covers less than 95 % (few runs to draw from), far more
    // than the pooled one, which takes 175 pairs for 175 independent readings of one level.
    expect(coveredByRuns / experiments).toBeGreaterThan(0.8);
    expect(coveredPooled / experiments).toBeLessThan(0.6);
  });
});

describe('medianOrderRank', () => {
  it('gives the published ranks of the distribution-free 95 % interval of a median', () => {
    // n = 10: the 2nd to the 9th value (97.9 %); 20: 6th–15th; 35: 12th–24th; 100: 40th–61st.
    expect([6, 10, 20, 35, 100].map(medianOrderRank)).toEqual([1, 2, 6, 12, 40]);
    expect([1, 2, 3, 5].map(medianOrderRank)).toEqual([1, 1, 1, 1]);
  });
});

describe('verdictOf', () => {
  const around = (low: number, high: number, count = 10) => ({ low, high, count });

  it('says met or not met only when the whole interval is on one side of the target', () => {
    expect(verdictOf(around(1.0, 1.15), 'at most', 1.2)).toBe('met');
    expect(verdictOf(around(1.1, 1.3), 'at most', 1.2)).toBe('undecided');
    expect(verdictOf(around(1.25, 1.4), 'at most', 1.2)).toBe('not met');
    expect(verdictOf(around(1.2, 1.3), 'at most', 1.2)).toBe('not met');
    expect(verdictOf(around(0.85, 0.9), 'at least', 0.8)).toBe('met');
    expect(verdictOf(around(0.8, 0.9), 'at least', 0.8)).toBe('met');
    expect(verdictOf(around(0.75, 0.85), 'at least', 0.8)).toBe('undecided');
    expect(verdictOf(around(0.6, 0.7), 'at least', 0.8)).toBe('not met');
  });

  it('reads an A/A row as met while its interval holds the value it should read, and too few pairs as undecided', () => {
    expect(verdictOf(around(-1.5, 2), 'holding', 0)).toBe('met');
    expect(verdictOf(around(0, 2), 'holding', 0)).toBe('met');
    expect(verdictOf(around(0.2, 2), 'holding', 0)).toBe('not met');
    expect(verdictOf(around(-3, -0.5), 'holding', 0)).toBe('not met');
    expect(verdictOf(around(-1.5, 2, 2), 'holding', 0)).toBe('undecided');
  });

  it('decides nothing from too few pairs, or from nothing measured', () => {
    expect(verdictOf(around(1.0, 1.0, MIN_COUNT_FOR_VERDICT - 1), 'at most', 1.2)).toBe('undecided');
    expect(verdictOf(around(1.0, 1.0, MIN_COUNT_FOR_VERDICT), 'at most', 1.2)).toBe('met');
    expect(verdictOf(around(Number.NaN, Number.NaN), 'at least', 0.8)).toBe('undecided');
  });
});

describe('mapEstimate', () => {
  it('turns a ratio into a cost in %, the interval ends swapped as the map decreases', () => {
    const cost = mapEstimate({ median: 0.95, low: 0.9, high: 0.98, q1: 0.93, q3: 0.97, count: 30 }, (r) => (1 - r) * 100);
    expect(cost.median).toBeCloseTo(5);
    expect(cost.low).toBeCloseTo(2);
    expect(cost.high).toBeCloseTo(10);
    expect(cost.q1).toBeCloseTo(3);
    expect(cost.q3).toBeCloseTo(7);
    expect(cost.count).toBe(30);
  });
});

describe('pairWithOffNeighbours', () => {
  it('compares each on slice with the mean of the off slices either side of it', () => {
    const isOn = [true, false, true, false, true];
    expect(pairWithOffNeighbours(isOn, [9, 10, 18, 30, 27])).toEqual([0.9, 0.9, 0.9]);
    expect(pairWithOffNeighbours(isOn, [9, 10, 18, 30, 27], (on, off) => on - off)).toEqual([-1, -2, -3]);
  });

  it('leaves out an on slice with no off neighbour', () => {
    expect(pairWithOffNeighbours([true, true, false], [1, 2, 4])).toEqual([0.5]);
    expect(pairWithOffNeighbours([true], [1])).toEqual([]);
  });

  it('cancels any steady drift of the machine: a constant cost reads the same at every slice between two off slices', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 100, max: 1e5, noNaN: true }),
        // A drift of up to 1 % of the start a slice, either way, over up to 40 slices: the pace stays positive.
        fc.double({ min: -0.01, max: 0.01, noNaN: true }),
        fc.double({ min: 0.3, max: 1.5, noNaN: true }),
        fc.integer({ min: 1, max: 20 }),
        (start, perSlice, factor, onSlices) => {
          // off, on, off, …, off: every on slice has an off slice either side (one at an end cancels no drift).
          const isOn = Array.from({ length: 2 * onSlices + 1 }, (_, i) => i % 2 === 1);
          const values = isOn.map((on, i) => start * (1 + perSlice * i) * (on ? factor : 1));
          for (const ratio of pairWithOffNeighbours(isOn, values)) expect(Math.abs(ratio / factor - 1)).toBeLessThan(1e-9);
        },
      ),
    );
  });
});

describe('bracketedRounds', () => {
  it('puts every B round between two A rounds', () => {
    expect(bracketedRounds(3)).toEqual([false, true, false, true, false, true, false]);
    expect(bracketedRounds(0)).toEqual([false]);
  });

  it('reads a steady drift as no cost at all, where A B B A pairs read one round of it', () => {
    const factor = 0.9;
    const driftPerRound = 0.01;
    const measured = (isB: boolean[]) => isB.map((b, i) => 1000 * (1 + driftPerRound * i) * (b ? factor : 1));
    const bracketed = bracketedRounds(16);
    expect(estimateMedian(pairWithOffNeighbours(bracketed, measured(bracketed))).median / factor).toBeCloseTo(1, 9);
    // The same 16 B rounds in pairs A B, B A, A B, …: each pair is one round's drift off, either way, and the median
    // of 16 lands on one side.
    const abba = Array.from({ length: 32 }, (_, i) => (Math.floor(i / 2) % 2 === 0 ? i % 2 === 1 : i % 2 === 0));
    const values = measured(abba);
    const pairs = Array.from({ length: 16 }, (_, p) => {
      const [x, y] = [values[2 * p]!, values[2 * p + 1]!];
      return abba[2 * p] ? x / y : y / x;
    });
    expect(Math.abs(estimateMedian(pairs).median / factor - 1)).toBeGreaterThan(driftPerRound / 2);
  });
});

describe('toggleCost', () => {
  /** A simulated toggle run: the switch costs `costFraction` of throughput and `mainUs` of main thread per request. */
  function simulate(options: {
    costFraction: number;
    mainUs: number;
    slices: number;
    noise: number;
    disturbedFrom?: number;
    seed: number;
  }): SliceMeasure[] {
    const random = createRandom(options.seed);
    return Array.from({ length: options.slices }, (_, i) => {
      const isOn = i % 2 === 0;
      // A disturbance (another program taking a core for ~10 s) halves the machine's pace for ten slices, on and off alike.
      const disturbed = options.disturbedFrom !== undefined && i >= options.disturbedFrom && i < options.disturbedFrom + 10;
      const pace = 30_000 * (disturbed ? 0.5 : 1) * (1 + options.noise * normal(random));
      const responses = pace * 0.8 * (isOn ? 1 - options.costFraction : 1);
      const mainUsPerRequest = 20 + (isOn ? options.mainUs : 0) + 0.5 * normal(random);
      return {
        isOn,
        wallMs: 800,
        responses,
        cpuUs: responses * (30 + (isOn ? 2 : 0)),
        mainCpuUs: responses * mainUsPerRequest,
        stealMs: null,
        counted: isOn ? responses * 1.25 * 5 : 0,
        responsesWhole: responses * 1.25,
      };
    });
  }

  it('finds a 10 % cost through noise and a long disturbance, and says it is not met against 5 %', () => {
    const cost = toggleCost([simulate({ costFraction: 0.1, mainUs: 3, slices: 70, noise: 0.05, disturbedFrom: 20, seed: 1 })], 5, 4);
    expect(cost.pairs).toBe(35);
    expect(cost.costPercent.median).toBeGreaterThan(7);
    expect(cost.costPercent.median).toBeLessThan(13);
    expect(cost.costPercent.low).toBeGreaterThan(5);
    expect(cost.verdict).toBe('not met');
    expect(cost.mainThreadUs.median).toBeGreaterThan(2);
    expect(cost.mainThreadUs.median).toBeLessThan(4);
    expect(cost.cpuCostPercent.median).toBeCloseTo((32 / 30 - 1) * 100, 5);
    expect(cost.cpuVerdict).toBe('not met'); // 32 µs against 30: +6.7 % in every slice
    expect(cost.countedPerRequest).toBeCloseTo(5, 9);
    expect(cost.onRequestsPerS).toBeLessThan(cost.offRequestsPerS);
  });

  it('says met for a switch that costs nothing, measured quietly', () => {
    const cost = toggleCost([simulate({ costFraction: 0, mainUs: 0, slices: 70, noise: 0.02, seed: 2 })], 5, 4);
    expect(cost.verdict).toBe('met');
    expect(Math.abs(cost.costPercent.median)).toBeLessThan(2);
  });

  it('says undecided when the interval spans the target', () => {
    const cost = toggleCost([simulate({ costFraction: 0.05, mainUs: 1, slices: 70, noise: 0.1, seed: 6 })], 5, 4);
    expect(cost.costPercent.low).toBeLessThan(5);
    expect(cost.costPercent.high).toBeGreaterThan(5);
    expect(cost.verdict).toBe('undecided');
  });

  it('says undecided from a --quick run of two pairs, whatever they read', () => {
    const cost = toggleCost([simulate({ costFraction: 0.5, mainUs: 10, slices: 4, noise: 0.01, seed: 4 })], 5, 4);
    expect(cost.pairs).toBe(2);
    expect(cost.verdict).toBe('undecided');
  });

  it('pairs slices within a run only, so runs at different paces read a switch that costs nothing as 1×', () => {
    const quiet = simulate({ costFraction: 0, mainUs: 0, slices: 10, noise: 0, seed: 8 });
    const slowerProcess = quiet.map((slice) => ({ ...slice, responses: slice.responses / 3, responsesWhole: slice.responsesWhole / 3 }));
    const cost = toggleCost([quiet, slowerProcess], 5, 4);
    expect(cost.pairs).toBe(10);
    expect(cost.throughputRatios.every((ratio) => Math.abs(ratio - 1) < 1e-9)).toBe(true);
    expect(cost.costPercentByRun).toHaveLength(2);
  });

  it('reads the main thread as NaN when the system does not say (JSON carries NaN as null)', () => {
    const slices = simulate({ costFraction: 0, mainUs: 0, slices: 10, noise: 0.01, seed: 5 }).map((slice) => ({
      ...slice,
      mainCpuUs: null,
    }));
    expect(toggleCost([slices], 5, 4).mainThreadUs.median).toBeNaN();
  });
});
