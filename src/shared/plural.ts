// How a count and its noun agree ("1 worker", "4 workers", "0 jobs"), for every place that writes one: the
// pool aggregate's log lines, the CLIs and the UI. English only; an irregular plural is passed in.

/** The noun that agrees with `count`: the singular for exactly 1, else the plural. */
export function nounFor(count: number, singular: string, plural = `${singular}s`): string {
  return count === 1 ? singular : plural;
}

/** `count` and its noun: "1 worker", "4 workers", "6,553 jobs" (thousands grouped, unless `formatCount` says otherwise). */
export function countOf(
  count: number,
  singular: string,
  plural = `${singular}s`,
  formatCount: (n: number) => string = (n) => n.toLocaleString('en-US'),
): string {
  return `${formatCount(count)} ${nounFor(count, singular, plural)}`;
}
