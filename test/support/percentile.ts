// Percentiles for the tests and the benchmarks, by one definition: nearest rank. The p-th percentile of N
// values sorted ascending is the value at 1-based rank ⌈p/100 × N⌉ (rank 1 for p = 0): always a value that was
// measured, never an interpolation; at least p % of the values are at or below it, and fewer than p % below it.
// The median of an even count is therefore the lower of the two middle values.

/** Absorbs the rounding of p × count / 100 for fractional p (99.9 is not exact in binary), far below one rank. */
const RANK_EPSILON = 1e-9;

/** The 0-based index of the p-th percentile, by nearest rank, among `count` values sorted ascending. */
export function nearestRankIndex(count: number, p: number): number {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a whole number of at least 1 (got ${count})`);
  if (!(p >= 0 && p <= 100)) throw new RangeError(`p must be between 0 and 100 (got ${p})`);
  const rank = Math.max(1, Math.ceil((p * count) / 100 - RANK_EPSILON));
  return rank - 1;
}

/** The p-th percentile (nearest rank) of values sorted ascending; NaN when nothing was measured. */
export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return Number.NaN;
  return sortedAscending[nearestRankIndex(sortedAscending.length, p)]!;
}
