// How numbers read on screen: durations with a unit that fits their size, rates, clock times, counts
// with their nouns; and a request's outcome in words.

import { countOf } from '../../shared/plural';
import { describeAbandonReason, type RequestRecord } from '../../shared/pool-model';

// Durations are formatted in shared code, which the command lines use too.
export { type DurationFormat, formatDurationMs } from '../../shared/durations';

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
