// Where things go on the timeline: lanes per worker, time → x, one bar per started job (its queue
// wait, then its run), and which bar lies under a point. Shared by the canvas, the overlay and hit tests.

import type { PoolModel, RequestRecord } from '../../shared/pool-model';

export const LANE_LABEL_WIDTH_PX = 64;
export const AXIS_HEIGHT_PX = 22;
export const TOP_PADDING_PX = 6;
const MAX_LANE_HEIGHT_PX = 48;
const MIN_LANE_HEIGHT_PX = 12;
const TARGET_PLOT_HEIGHT_PX = 280;

export interface TimelineLayout {
  widthPx: number;
  heightPx: number;
  laneCount: number;
  laneHeightPx: number;
  plotWidthPx: number;
  /** Epoch ms at the left and right edges of the plot. */
  startAt: number;
  endAt: number;
}

export function laneCountOf(model: PoolModel): number {
  return Math.max(model.workers.length, model.workerCount, 1);
}

export function laneHeightFor(laneCount: number): number {
  return Math.max(MIN_LANE_HEIGHT_PX, Math.min(MAX_LANE_HEIGHT_PX, Math.floor(TARGET_PLOT_HEIGHT_PX / laneCount)));
}

export function timelineHeightFor(laneCount: number): number {
  return TOP_PADDING_PX + laneCount * laneHeightFor(laneCount) + AXIS_HEIGHT_PX;
}

export function makeLayout(widthPx: number, laneCount: number, endAt: number, windowMs: number): TimelineLayout {
  return {
    widthPx,
    heightPx: timelineHeightFor(laneCount),
    laneCount,
    laneHeightPx: laneHeightFor(laneCount),
    plotWidthPx: Math.max(1, widthPx - LANE_LABEL_WIDTH_PX),
    startAt: endAt - windowMs,
    endAt,
  };
}

export function xOf(layout: TimelineLayout, at: number): number {
  return LANE_LABEL_WIDTH_PX + ((at - layout.startAt) / (layout.endAt - layout.startAt)) * layout.plotWidthPx;
}

export function timeAtX(layout: TimelineLayout, x: number): number {
  return layout.startAt + ((x - LANE_LABEL_WIDTH_PX) / layout.plotWidthPx) * (layout.endAt - layout.startAt);
}

export function laneTop(layout: TimelineLayout, lane: number): number {
  return TOP_PADDING_PX + lane * layout.laneHeightPx;
}

export interface JobSpan {
  record: RequestRecord;
  lane: number;
  /** When it joined the queue (or arrived, for a job that never queued). */
  waitFrom: number;
  runFrom: number;
  /** When the worker finished it, or `now` while it runs. */
  runTo: number;
  isRunning: boolean;
}

/** The job's place in time, or null when it never reached a worker or lies outside the window. */
export function spanOf(record: RequestRecord, layout: TimelineLayout, now: number): JobSpan | null {
  if (record.startedAt === null || record.workerId === null || record.workerId >= layout.laneCount) return null;
  const runFrom = record.startedAt;
  const isRunning = record.finishedAt === null && record.sentAt === null;
  const runTo = record.finishedAt ?? record.sentAt ?? now;
  const waitFrom = record.queuedAt ?? record.receivedAt;
  if (runTo < layout.startAt || waitFrom > layout.endAt) return null;
  return { record, lane: record.workerId, waitFrom: Math.min(waitFrom, runFrom), runFrom, runTo: Math.max(runTo, runFrom), isRunning };
}

export type RouteKind = 'sleep' | 'hello' | 'other';

export function routeOf(path: string): RouteKind {
  if (path === '/sleep') return 'sleep';
  if (path === '/') return 'hello';
  return 'other';
}

/**
 * The job under (x, y): a job whose run segment is near wins over one that only waited there (the wait
 * is drawn in the lane of the worker that later took the job, under earlier jobs' runs). Within a few
 * pixels counts, so thin bars can be hit.
 */
export function jobAt(model: PoolModel, layout: TimelineLayout, now: number, x: number, y: number): RequestRecord | null {
  const lane = Math.floor((y - TOP_PADDING_PX) / layout.laneHeightPx);
  if (lane < 0 || lane >= layout.laneCount || x < LANE_LABEL_WIDTH_PX) return null;
  const toleranceMs = (4 / layout.plotWidthPx) * (layout.endAt - layout.startAt);
  const at = timeAtX(layout, x);
  let bestRun: RequestRecord | null = null;
  let bestRunDistance = Infinity;
  let bestWait: RequestRecord | null = null;
  for (const record of model.requests.values()) {
    if (record.workerId !== lane) continue;
    const span = spanOf(record, layout, now);
    if (!span) continue;
    const runDistance = at < span.runFrom ? span.runFrom - at : at > span.runTo ? at - span.runTo : 0;
    if (runDistance <= toleranceMs && runDistance <= bestRunDistance) {
      bestRun = record;
      bestRunDistance = runDistance;
    } else if (at >= span.waitFrom && at < span.runFrom) {
      bestWait = record;
    }
  }
  return bestRun ?? bestWait;
}

const TICK_STEPS_MS = [250, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000];

/** A tick spacing that puts a label every ~90 px or more. Ticks count back from the window's right edge. */
export function tickStepFor(layout: TimelineLayout): number {
  const windowMs = layout.endAt - layout.startAt;
  const maxTicks = Math.max(2, Math.floor(layout.plotWidthPx / 90));
  return TICK_STEPS_MS.find((step) => windowMs / step <= maxTicks) ?? 600_000;
}
