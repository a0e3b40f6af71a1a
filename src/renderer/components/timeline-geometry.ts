// Where things go on the timeline: lanes per worker, time → x, one bar per started job (its queue
// wait, then its run), and which bar lies under a point. The one place that knows the plot's scale
// (ms per pixel) and its lane count: the canvas painter, the overlay, the hit tests and the wheel all
// take a TimelineLayout made here. Pure and DOM-free.

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
  /** The width the window's time is spread over: the stage less the lane labels. */
  plotWidthPx: number;
  /** How much time one pixel of the plot spans. */
  msPerPx: number;
  /** Epoch ms at the left and right edges of the plot. */
  startAt: number;
  endAt: number;
}

/** What the person chose to look at: how wide a window, and (paused) where it ends. */
export interface TimelineWindow {
  windowMs: number;
  /** Epoch ms the timeline froze at, or null while it follows the present. */
  pausedAt: number | null;
  /** While paused: how far before pausedAt the window ends. */
  scrollBackMs: number;
}

/** One lane per worker the pool has or will have, and one empty lane before there is a pool. */
export function laneCountFor(workerCount: number, spawnedWorkerCount: number): number {
  return Math.max(spawnedWorkerCount, workerCount, 1);
}

export function laneCountOf(model: PoolModel): number {
  return laneCountFor(model.workerCount, model.workers.length);
}

/** The window's right edge: now while live, else the pause time less the scroll-back. */
export function windowEndAt(shown: TimelineWindow, now: number): number {
  return shown.pausedAt === null ? now : shown.pausedAt - shown.scrollBackMs;
}

export function laneHeightFor(laneCount: number): number {
  return Math.max(MIN_LANE_HEIGHT_PX, Math.min(MAX_LANE_HEIGHT_PX, Math.floor(TARGET_PLOT_HEIGHT_PX / laneCount)));
}

export function timelineHeightFor(laneCount: number): number {
  return TOP_PADDING_PX + laneCount * laneHeightFor(laneCount) + AXIS_HEIGHT_PX;
}

/** Lanes that share a given height between them (presentation mode's timeline takes the free height). */
export function laneHeightFilling(laneCount: number, heightPx: number): number {
  return Math.max(MIN_LANE_HEIGHT_PX, Math.floor((heightPx - TOP_PADDING_PX - AXIS_HEIGHT_PX) / laneCount));
}

/**
 * The layout of a stage `widthPx` wide. Its height follows the lane count (timelineHeightFor), unless
 * `fillHeightPx` is given: then the lanes share that height.
 */
export function makeLayout(widthPx: number, laneCount: number, endAt: number, windowMs: number, fillHeightPx?: number): TimelineLayout {
  const plotWidthPx = Math.max(1, widthPx - LANE_LABEL_WIDTH_PX);
  const laneHeightPx = fillHeightPx === undefined ? laneHeightFor(laneCount) : laneHeightFilling(laneCount, fillHeightPx);
  return {
    widthPx,
    heightPx: fillHeightPx ?? TOP_PADDING_PX + laneCount * laneHeightPx + AXIS_HEIGHT_PX,
    laneCount,
    laneHeightPx,
    plotWidthPx,
    msPerPx: windowMs / plotWidthPx,
    startAt: endAt - windowMs,
    endAt,
  };
}

/** The layout of a stage `widthPx` wide (and, to fill, `fillHeightPx` high) showing `model` through `window` at `now`. */
export function layoutFor(model: PoolModel, shown: TimelineWindow, widthPx: number, now: number, fillHeightPx?: number): TimelineLayout {
  return makeLayout(widthPx, laneCountOf(model), windowEndAt(shown, now), shown.windowMs, fillHeightPx);
}

export function xOf(layout: TimelineLayout, at: number): number {
  return LANE_LABEL_WIDTH_PX + (at - layout.startAt) / layout.msPerPx;
}

export function timeAtX(layout: TimelineLayout, x: number): number {
  return layout.startAt + (x - LANE_LABEL_WIDTH_PX) * layout.msPerPx;
}

/** How far back a paused window ends after the wheel moved `deltaPx` (positive: further into the past). */
export function scrollBackAfterWheel(layout: TimelineLayout, scrollBackMs: number, deltaPx: number): number {
  return Math.max(0, scrollBackMs + deltaPx * layout.msPerPx);
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

/** How near a run, in pixels, still counts as on it: thin bars must be hittable. */
const HIT_TOLERANCE_PX = 4;

/**
 * The job under (x, y): a job whose run segment is near wins over one that only waited there (the wait
 * is drawn in the lane of the worker that later took the job, under earlier jobs' runs). Within a few
 * pixels counts, so thin bars can be hit.
 */
export function jobAt(model: PoolModel, layout: TimelineLayout, now: number, x: number, y: number): RequestRecord | null {
  const lane = Math.floor((y - TOP_PADDING_PX) / layout.laneHeightPx);
  if (lane < 0 || lane >= layout.laneCount || x < LANE_LABEL_WIDTH_PX) return null;
  const toleranceMs = HIT_TOLERANCE_PX * layout.msPerPx;
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
