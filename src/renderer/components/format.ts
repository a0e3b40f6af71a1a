// How numbers read on screen: durations with a unit that fits their size, rates, clock times, counts
// with their nouns; and a request's outcome in words.

import { countOf } from '../../shared/plural';
import { describeAbandonReason, type RequestRecord } from '../../shared/pool-model';

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
 * bar and the message that opened the run both say it so, so one run's length never reads two ways.
 */
export function formatReplaySpanMs(ms: number): string {
  return formatDurationMs(ms, { isPrecise: true });
}

export function formatRate(perSecond: number): string {
  if (perSecond === 0) return '0';
  if (perSecond < 10) return perSecond.toFixed(1);
  return formatCount(perSecond);
}

/** 12,345 (toLocaleString is far slower, and this runs for every card on every frame). */
export function formatCount(count: number): string {
  const digits = String(Math.round(Math.abs(count)));
  let grouped = digits;
  if (digits.length > 3) {
    grouped = '';
    for (let end = digits.length; end > 0; end -= 3) grouped = digits.slice(Math.max(0, end - 3), end) + (grouped ? `,${grouped}` : '');
  }
  return count < 0 ? `-${grouped}` : grouped;
}

/** A timeline window's length as the window menu names it: "30 s", "5 min". */
export function formatWindowMs(windowMs: number): string {
  return windowMs >= 60_000 ? `${windowMs / 60_000} min` : `${windowMs / 1_000} s`;
}

/**
 * The window a worker's busy share is over, in the card's words: the last `windowMs`, or, while the worker has
 * lived less than that, its life so far ("last 3 s" for 3.0–3.99 s; "since it started" under a second).
 */
export function busyWindowWords(lifeMs: number, windowMs: number): string {
  if (lifeMs >= windowMs) return `last ${formatWindowMs(windowMs)}`;
  if (lifeMs < 1_000) return 'since it started';
  return `last ${Math.floor(lifeMs / 1_000)} s`;
}

export function formatClockTime(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** "1 job", "1,024 jobs": the count grouped, the noun agreeing with it. */
export function pluralize(count: number, singular: string, plural = `${singular}s`): string {
  return countOf(count, singular, plural, formatCount);
}

/** Where a request stands, in the words the timeline's labels use: "status 200", "waited too long, status 503", "running". */
export function describeOutcome(record: RequestRecord): string {
  const status = record.status === null ? null : `status ${record.status}`;
  if (record.abandonReason !== null)
    return status === null ? describeAbandonReason(record.abandonReason) : `${describeAbandonReason(record.abandonReason)}, ${status}`;
  return status ?? (record.startedAt === null ? 'queued' : 'running');
}
