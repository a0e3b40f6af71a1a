// The bench's statistics: a median of paired ratios with a bootstrap interval beside it, and the verdict a row
// may honestly give against its target — met, not met, or undecided when the interval spans the target.

import { createRandom } from '../src/load/schedule';
import { percentile } from '../test/support/percentile';

/** A median with the range it is likely to be in, and the middle half of the values it came from. */
export interface Estimate {
  median: number;
  /**
   * 95 % interval of the median, from `low` to `high`: the wider of a (block) bootstrap's percentile interval and
   * the distribution-free order-statistic interval (medianOrderInterval), since the bootstrap of a median alone
   * covers the truth only about 90 % of the time at 35 values.
   */
  low: number;
  high: number;
  /** Interquartile range of the values: where the middle half of them fell. */
  q1: number;
  q3: number;
  count: number;
}

export type Verdict = 'met' | 'not met' | 'undecided';

/**
 * Fewer paired values than this decide nothing: the bootstrap of a median of two or three values cannot be wider
 * than the values themselves, and would claim a certainty that a --quick run does not have.
 */
export const MIN_COUNT_FOR_VERDICT = 6;

/**
 * The distribution-free 95 % interval of the median of n independent values: the k-th smallest to the k-th
 * largest, k the largest rank with P(Binomial(n, ½) < k) ≤ 2.5 %. 1-based ranks; k = 1 (the whole range) below
 * n = 6, where even that covers less than 95 %.
 */
export function medianOrderRank(count: number): number {
  let k = 1;
  let probability = 0.5 ** count; // P(X = k − 1)
  let atMost = probability; // P(X ≤ k − 1)
  for (;;) {
    const next = (probability * (count - k + 1)) / k; // P(X = k)
    if (atMost + next > 0.025 || k >= count / 2) return k;
    probability = next;
    atMost += next;
    k++;
  }
}

function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

export interface BootstrapOptions {
  /** Resamples drawn; 2,000 puts the 2.5th and 97.5th percentiles within a few resamples of where they belong. */
  resamples?: number;
  /**
   * Values resampled together, in the order measured (a moving-block bootstrap): neighbouring slices share a
   * disturbance (a few seconds of other load), so resampling them one by one would claim more certainty than
   * they hold. 1 treats every value as independent.
   */
  blockLength?: number;
  /**
   * The values came from several runs (server processes), this many each, in order. A resample then draws whole runs
   * (with replacement) and blocks within each: a cost that moves from one run to the next (with the machine's other
   * load in those minutes, or a process's JIT decisions) widens the interval as it should, where pooling the runs'
   * values would count them as one run's.
   */
  runSizes?: readonly number[];
  seed?: number;
}

/**
 * The median of `values` (nearest rank, as every percentile here) with a bootstrap 95 % interval and the
 * interquartile range. `values` in the order measured, which matters for blockLength > 1. NaNs are left out.
 */
export function estimateMedian(values: readonly number[], options: BootstrapOptions = {}): Estimate {
  const runs = splitIntoRuns(values, options.runSizes);
  const measured = runs.flat();
  const count = measured.length;
  if (count === 0) return { median: Number.NaN, low: Number.NaN, high: Number.NaN, q1: Number.NaN, q3: Number.NaN, count };
  const sorted = sortedCopy(measured);
  const median = percentile(sorted, 50);
  const resamples = options.resamples ?? 2_000;
  // Seeded (mulberry32), so a run's interval does not move when it is printed twice.
  const random = createRandom(options.seed ?? 12);
  const medians = new Float64Array(resamples);
  const sample: number[] = [];
  for (let r = 0; r < resamples; r++) {
    sample.length = 0;
    // One run: its own blocks. Several: as many runs drawn as were measured, each filled with its own blocks.
    for (let drawn = 0; drawn < runs.length; drawn++) {
      const run = runs.length === 1 ? runs[0]! : runs[Math.floor(random() * runs.length)]!;
      // A block at most a quarter of the run's values, so the resamples still differ from one another.
      const blockLength = Math.max(1, Math.min(Math.floor(run.length / 4), Math.round(options.blockLength ?? 1)));
      const blockStarts = run.length - blockLength + 1;
      for (let filled = 0; filled < run.length; ) {
        const start = Math.floor(random() * blockStarts);
        for (let i = 0; i < blockLength && filled < run.length; i++, filled++) sample.push(run[start + i]!);
      }
    }
    sample.sort((a, b) => a - b);
    medians[r] = percentile(sample, 50);
  }
  medians.sort();
  const resampled = Array.from(medians);
  const k = medianOrderRank(count);
  return {
    median,
    low: Math.min(percentile(resampled, 2.5), sorted[k - 1]!),
    high: Math.max(percentile(resampled, 97.5), sorted[count - k]!),
    q1: percentile(sorted, 25),
    q3: percentile(sorted, 75),
    count,
  };
}

/** `values` cut into runs of `runSizes` (all one run without), NaNs left out, runs left empty by that dropped. */
function splitIntoRuns(values: readonly number[], runSizes: readonly number[] | undefined): number[][] {
  const sizes = runSizes ?? [values.length];
  if (sizes.reduce((sum, size) => sum + size, 0) !== values.length)
    throw new Error(`estimateMedian: runs of ${sizes.join(' + ')} values, but ${values.length} given`);
  const runs: number[][] = [];
  let from = 0;
  for (const size of sizes) {
    const run = values.slice(from, from + size).filter((v) => !Number.isNaN(v));
    if (run.length > 0) runs.push(run);
    from += size;
  }
  return runs;
}

/**
 * Against a target that wants the value at most (`≤`/`<`) or at least (`≥`) `limit`: met when the whole interval
 * is on the right side, not met when the whole of it is on the wrong side, undecided when it spans the limit (or
 * when fewer than MIN_COUNT_FOR_VERDICT values made it). `holding`: met when the interval holds `limit` (an A/A
 * row, whose true value is `limit`), not met when it lies wholly on either side.
 */
export function verdictOf(
  estimate: Pick<Estimate, 'low' | 'high' | 'count'>,
  wants: 'at most' | 'at least' | 'holding',
  limit: number,
): Verdict {
  if (estimate.count < MIN_COUNT_FOR_VERDICT || Number.isNaN(estimate.low) || Number.isNaN(estimate.high)) return 'undecided';
  if (wants === 'holding') return estimate.low <= limit && estimate.high >= limit ? 'met' : 'not met';
  if (wants === 'at most') {
    if (estimate.high < limit) return 'met';
    if (estimate.low >= limit) return 'not met';
    return 'undecided';
  }
  if (estimate.low >= limit) return 'met';
  if (estimate.high < limit) return 'not met';
  return 'undecided';
}

/** The same estimate read through a monotonic map (e.g. a ratio into a cost in %): a decreasing one swaps the ends. */
export function mapEstimate(estimate: Estimate, map: (value: number) => number): Estimate {
  const [a, b] = [map(estimate.low), map(estimate.high)];
  const [c, d] = [map(estimate.q1), map(estimate.q3)];
  return {
    median: map(estimate.median),
    low: Math.min(a, b),
    high: Math.max(a, b),
    q1: Math.min(c, d),
    q3: Math.max(c, d),
    count: estimate.count,
  };
}

/**
 * On/off slices measured in alternation (on, off, on, off, …, in the order given): each on slice against the mean
 * of the off slices just before and after it, so a steady drift across the three cancels. An on slice with no off
 * neighbour is left out. `combine` makes the pair one figure: a ratio by default, a difference for µs per request.
 */
export function pairWithOffNeighbours(
  isOn: readonly boolean[],
  values: readonly number[],
  combine: (on: number, offMean: number) => number = (on, offMean) => on / offMean,
): number[] {
  const paired: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (!isOn[i]) continue;
    const neighbours = [i - 1, i + 1].filter((j) => j >= 0 && j < values.length && !isOn[j]).map((j) => values[j]!);
    if (neighbours.length === 0) continue;
    paired.push(combine(values[i]!, neighbours.reduce((a, b) => a + b, 0) / neighbours.length));
  }
  return paired;
}

/**
 * The sides of rounds that compare B with A (true for B): A, B, A, …, A, `bCount` B rounds each between two A
 * rounds, for pairWithOffNeighbours. Each B against the mean of the A either side cancels a steady drift exactly;
 * pairs laid out A B B A each hold one round of drift, with the sign of their order, and the median of an even count
 * of them falls on one side of the truth by about that much.
 */
export function bracketedRounds(bCount: number): boolean[] {
  return Array.from({ length: 2 * bCount + 1 }, (_, i) => i % 2 === 1);
}

/** What the on/off rows need of a measured slice (bench/servers.ts's ToggleSlice). */
export interface SliceMeasure {
  isOn: boolean;
  wallMs: number;
  responses: number;
  cpuUs: number;
  /** NaN (or null, as JSON carries NaN) where the system does not say. */
  mainCpuUs: number | null;
  stealMs: number | null;
  counted: number;
  responsesWhole: number;
}

export interface ToggleCost {
  pairs: number;
  /** Each on slice's req/s over its off neighbours', in the order measured, run after run. */
  throughputRatios: number[];
  throughput: Estimate;
  /** (1 − the throughput ratio) in %: the row's cost, and what its target is on. */
  costPercent: Estimate;
  /** The same cost from each run (server process) alone, in the order run. */
  costPercentByRun: Estimate[];
  /** Server CPU per request, on over off, as a change in %. */
  cpuCostPercent: Estimate;
  /** The main thread's CPU per request, on minus off, µs. */
  mainThreadUs: Estimate;
  verdict: Verdict;
  /**
   * The same target read on server CPU per request (on ÷ off − 1 < maxCostPercent): on a saturated 2-core machine
   * a switch's cost in throughput is its cost in CPU per request, and the CPU is far less disturbed by other load.
   */
  cpuVerdict: Verdict;
  /** Medians of the on and of the off slices' req/s: the row's two columns. */
  onRequestsPerS: number;
  offRequestsPerS: number;
  /** What the switch counted (events, lines) per response while on. */
  countedPerRequest: number;
  /** Steal time summed over the measured slices, ms (0 where unknown). */
  stealMs: number;
}

/**
 * The cost of a switch from slices toggled on, off, on, … under one load per run (one server process each): each on
 * slice against its off neighbours in the same run (pairWithOffNeighbours), the median of every run's pairs with a
 * bootstrap interval that resamples runs and then blocks of pairs within them, and the verdict on `maxCostPercent` of
 * throughput.
 */
export function toggleCost(runs: readonly (readonly SliceMeasure[])[], maxCostPercent: number, blockLength: number): ToggleCost {
  const slices = runs.flat();
  const pairsOf = (value: (slice: SliceMeasure) => number, combine?: (on: number, offMean: number) => number): number[][] =>
    runs.map((run) =>
      pairWithOffNeighbours(
        run.map((slice) => slice.isOn),
        run.map(value),
        combine,
      ),
    );
  const perSecond = (slice: SliceMeasure): number => (slice.wallMs > 0 ? (slice.responses * 1000) / slice.wallMs : Number.NaN);
  const perRequest =
    (value: (slice: SliceMeasure) => number | null) =>
    (slice: SliceMeasure): number =>
      slice.responses > 0 ? (value(slice) ?? Number.NaN) / slice.responses : Number.NaN;
  const throughputByRun = pairsOf(perSecond);
  const estimate = (byRun: number[][]): Estimate =>
    estimateMedian(byRun.flat(), { blockLength, runSizes: byRun.map((pairs) => pairs.length) });
  const throughputRatios = throughputByRun.flat();
  const throughput = estimate(throughputByRun);
  const toCost = (ratio: number): number => (1 - ratio) * 100;
  const costPercent = mapEstimate(throughput, toCost);
  const cpuCostPercent = mapEstimate(estimate(pairsOf(perRequest((slice) => slice.cpuUs))), (r) => (r - 1) * 100);
  const mainThreadUs = estimate(
    pairsOf(
      perRequest((slice) => slice.mainCpuUs),
      (on, off) => on - off,
    ),
  );
  const sideMedian = (wanted: boolean): number =>
    percentile(
      sortedCopy(
        slices
          .filter((slice) => slice.isOn === wanted)
          .map(perSecond)
          .filter((v) => !Number.isNaN(v)),
      ),
      50,
    );
  const onSlices = slices.filter((slice) => slice.isOn);
  const onResponses = onSlices.reduce((sum, slice) => sum + slice.responsesWhole, 0);
  return {
    pairs: throughputRatios.length,
    throughputRatios,
    throughput,
    costPercent,
    costPercentByRun: throughputByRun.map((pairs) => mapEstimate(estimateMedian(pairs, { blockLength }), toCost)),
    cpuCostPercent,
    mainThreadUs,
    verdict: verdictOf(costPercent, 'at most', maxCostPercent),
    cpuVerdict: verdictOf(cpuCostPercent, 'at most', maxCostPercent),
    onRequestsPerS: sideMedian(true),
    offRequestsPerS: sideMedian(false),
    countedPerRequest: onResponses > 0 ? onSlices.reduce((sum, slice) => sum + slice.counted, 0) / onResponses : 0,
    stealMs: slices.reduce((sum, slice) => sum + (Number.isFinite(slice.stealMs) ? slice.stealMs! : 0), 0),
  };
}

/** `1.06× [1.01–1.12]` style: the median, then its 95 % interval. */
export function formatEstimate(estimate: Estimate, digits: number, suffix = ''): string {
  const f = (v: number): string => v.toFixed(digits);
  return `${f(estimate.median)}${suffix} [${f(estimate.low)}–${f(estimate.high)}]`;
}
