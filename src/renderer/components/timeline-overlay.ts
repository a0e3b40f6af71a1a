// The timeline's text alternative: the newest bars in the window as a short list of jobs, each placed
// over its bar and named in words ("#12 GET /sleep on worker 0, burst, status 200, waited 1.5 s, ran 1.5 s"),
// and how the arrow keys move through that list. Pure and DOM-free; TimelinePanel renders it.

import type { PoolModel, RequestRecord } from '../../shared/pool-model';
import { describeOutcome, formatDurationMs } from './format';
import { type JobSpan, laneTop, spanOf, type TimelineLayout, xOf } from './timeline-geometry';

/** The overlay holds at most this many bars (the newest), so the DOM stays small at any request rate. */
export const MAX_OVERLAY_BARS = 300;
const MIN_OVERLAY_BAR_WIDTH_PX = 4;

export interface OverlayBar {
  requestId: number;
  workerId: number;
  path: string;
  origin: string;
  /** The HTTP status, or '' while the job has none yet. */
  status: string;
  /** The job in words: its accessible name and its tooltip. */
  label: string;
  leftPx: number;
  topPx: number;
  widthPx: number;
  heightPx: number;
}

/** What a person needs to know about one job, in the order they would ask. */
export function jobLabel(record: RequestRecord, span: JobSpan): string {
  const waitMs = record.waitMs ?? span.runFrom - span.waitFrom;
  const runMs = span.runTo - span.runFrom;
  const ran = span.isRunning ? `running for ${formatDurationMs(runMs)}` : `ran ${formatDurationMs(runMs)}`;
  return `#${record.id} ${record.method} ${record.target} on worker ${span.lane}, ${record.origin}, ${describeOutcome(record)}, waited ${formatDurationMs(waitMs)}, ${ran}`;
}

/** The newest MAX_OVERLAY_BARS jobs that ran in the window, oldest first, each over its run. */
export function overlayBars(model: PoolModel, layout: TimelineLayout, now: number): OverlayBar[] {
  // Arrival order is close enough to start order: keep the last MAX_OVERLAY_BARS that qualify.
  const ring: OverlayBar[] = [];
  let next = 0;
  for (const record of model.requests.values()) {
    const span = spanOf(record, layout, now);
    if (!span) continue;
    // The element covers the run only: waits overlap earlier runs in the same lane and would hide them.
    const left = Math.max(xOf(layout, span.runFrom), xOf(layout, layout.startAt));
    const right = Math.min(xOf(layout, span.runTo), layout.widthPx);
    const bar: OverlayBar = {
      requestId: record.id,
      workerId: span.lane,
      path: record.path,
      origin: record.origin,
      status: record.status === null ? '' : String(record.status),
      label: jobLabel(record, span),
      leftPx: left,
      topPx: laneTop(layout, span.lane),
      widthPx: Math.max(MIN_OVERLAY_BAR_WIDTH_PX, right - left),
      heightPx: layout.laneHeightPx,
    };
    if (ring.length < MAX_OVERLAY_BARS) ring.push(bar);
    else ring[next] = bar;
    next = (next + 1) % MAX_OVERLAY_BARS;
  }
  return ring.length < MAX_OVERLAY_BARS ? ring : [...ring.slice(next), ...ring.slice(0, next)];
}

/**
 * Where a key moves the active job in a list of `count` (a listbox's keys: arrows step, Home and End jump);
 * null for a key that does not move it.
 */
export function activeIndexAfterKey(key: string, index: number, count: number): number | null {
  if (count === 0) return null;
  switch (key) {
    case 'ArrowRight':
    case 'ArrowDown':
      return Math.min(count - 1, index + 1);
    case 'ArrowLeft':
    case 'ArrowUp':
      return Math.max(0, index - 1);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/**
 * The job holding the list's tab stop: the one the keyboard was on while it is still listed; once it has
 * left (bars leave from the old end as the window slides), the next newer one; with none yet, the pinned
 * job, else the newest. Kept by request id (ids grow with arrival), never by position.
 */
export function activeBarId(bars: readonly OverlayBar[], keyboardId: number | null, pinnedId: number | null): number | null {
  if (keyboardId !== null) {
    const next = bars.find((bar) => bar.requestId >= keyboardId);
    if (next) return next.requestId;
  } else if (pinnedId !== null && bars.some((bar) => bar.requestId === pinnedId)) {
    return pinnedId;
  }
  return bars.at(-1)?.requestId ?? null;
}
