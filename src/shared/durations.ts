// How a duration reads, in the page and in the command lines alike: a unit that fits its size ("420 ms",
// "12.5 s", "4 m 30 s"), so one run's length never reads two ways.

export interface DurationFormat {
  /** Tenths of a second up to a minute ("10.0 s", not "10 s"): for summaries that compare runs. */
  isPrecise?: boolean;
}

export function formatDurationMs(ms: number | null | undefined, { isPrecise = false }: DurationFormat = {}): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const value = Math.max(0, ms);
  if (value < 0.005) return '0 ms';
  if (value < 1) return `${value.toFixed(2)} ms`;
  if (value < 10) return `${value.toFixed(1)} ms`;
  if (value < 1_000) return `${Math.round(value)} ms`;
  if (value < (isPrecise ? 60_000 : 10_000)) return `${(value / 1_000).toFixed(1)} s`;
  if (value < 60_000) return `${Math.round(value / 1_000)} s`;
  const minutes = Math.floor(value / 60_000);
  const seconds = Math.floor((value % 60_000) / 1_000);
  return `${minutes} m ${String(seconds).padStart(2, '0')} s`;
}

/**
 * A recorded run's length, or a moment in it: tenths of a second up to a minute ("12.5 s", "420 ms"). The replay
 * bar, the message that opened the run and `npm run trace` all say it so.
 */
export function formatRunSpanMs(ms: number): string {
  return formatDurationMs(ms, { isPrecise: true });
}
