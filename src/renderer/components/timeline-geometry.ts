// Where things go on the timeline: a strip for the markers' names, the queue track, one lane per worker,
// time → x, each job's bar and each wait's span (stacked in rows, or the queue's length when they do not
// fit), and what lies under a point. The one place that knows the plot's scale (ms per pixel) and its rows:
// the canvas painter, the overlay, the hit tests and the wheel all take a TimelineScene made here from a
// TimelineFrame. Pure and DOM-free.

import {
  type FrameBar,
  type FrameQueueSpan,
  type FrameRun,
  type QueueLengthSteps,
  ROUTE_ORDER,
  type RouteKind,
  STATUS_SLOTS,
  type TimelineFrame,
} from './timeline-frame';

export { type RouteKind, routeOf } from './timeline-frame';

export const LANE_LABEL_WIDTH_PX = 64;
export const AXIS_HEIGHT_PX = 22;
/** The strip above the queue track where markers are named. */
export const MARKER_STRIP_HEIGHT_PX = 14;
/** The queue track: the same height whatever it holds, so the lanes never jump. */
export const QUEUE_TRACK_HEIGHT_PX = 44;
/** A refusal's tick across the queue track's top. */
export const REFUSAL_TICK_HEIGHT_PX = 3;
const TRACK_GAP_PX = 6;
/** Where the queue track starts. */
export const QUEUE_TOP_PX = MARKER_STRIP_HEIGHT_PX;
/** Where the first worker lane starts. */
export const LANES_TOP_PX = QUEUE_TOP_PX + QUEUE_TRACK_HEIGHT_PX + TRACK_GAP_PX;
const MAX_LANE_HEIGHT_PX = 48;
const MIN_LANE_HEIGHT_PX = 12;
const TARGET_PLOT_HEIGHT_PX = 280;

/** However short, a job's bar and a wait's span are at least this wide, so each stays visible and hittable. */
export const MIN_BAR_WIDTH_PX = 3;
/** Bars at least this wide are drawn one by one, each after a gap, so back-to-back jobs read as separate jobs. */
export const DISTINCT_BAR_MIN_PX = 6;
/** The gap before a distinct bar. */
export const BAR_GAP_PX = 2;
/** Spans in one row of the queue track keep at least this far apart. */
const SPAN_GAP_PX = 2;
/** Queue rows are at most this high (a few waits) and at least MIN_QUEUE_ROW_HEIGHT_PX (many). */
const MAX_QUEUE_ROW_HEIGHT_PX = 14;
const MIN_QUEUE_ROW_HEIGHT_PX = 5;
/** More overlapping waits than this are drawn as the queue's length over time. */
export const MAX_QUEUE_ROWS = Math.floor(QUEUE_TRACK_HEIGHT_PX / MIN_QUEUE_ROW_HEIGHT_PX);

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

/** The window's right edge: now while live, else the pause time less the scroll-back. */
export function windowEndAt(shown: TimelineWindow, now: number): number {
  return shown.pausedAt === null ? now : shown.pausedAt - shown.scrollBackMs;
}

export function laneHeightFor(laneCount: number): number {
  return Math.max(MIN_LANE_HEIGHT_PX, Math.min(MAX_LANE_HEIGHT_PX, Math.floor(TARGET_PLOT_HEIGHT_PX / laneCount)));
}

export function timelineHeightFor(laneCount: number): number {
  return LANES_TOP_PX + laneCount * laneHeightFor(laneCount) + AXIS_HEIGHT_PX;
}

/**
 * A lane its 11 px label fits in: the least presentation mode's filling lanes get (the stage is kept at least this
 * tall). 14, not more: eight lanes under two rows of cards then keep their time axis on a 1024×768 projector.
 */
export const MIN_LABELLED_LANE_HEIGHT_PX = 14;

/** The least height of a stage whose lanes fill it (presentation mode), so no lane is thinner than its label. */
export function minFillingTimelineHeightFor(laneCount: number): number {
  return LANES_TOP_PX + laneCount * MIN_LABELLED_LANE_HEIGHT_PX + AXIS_HEIGHT_PX;
}

/** Lanes that share a given height between them (presentation mode's timeline takes the free height). */
export function laneHeightFilling(laneCount: number, heightPx: number): number {
  return Math.max(MIN_LANE_HEIGHT_PX, Math.floor((heightPx - LANES_TOP_PX - AXIS_HEIGHT_PX) / laneCount));
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
    heightPx: fillHeightPx ?? LANES_TOP_PX + laneCount * laneHeightPx + AXIS_HEIGHT_PX,
    laneCount,
    laneHeightPx,
    plotWidthPx,
    msPerPx: windowMs / plotWidthPx,
    startAt: endAt - windowMs,
    endAt,
  };
}

/** The plot's width for a stage `widthPx` wide: what a timeline is asked for. */
export function plotWidthFor(widthPx: number): number {
  return Math.max(1, widthPx - LANE_LABEL_WIDTH_PX);
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

/** The first of a run's lanes that had no worker (shaded from the run's start to its stop), or null when none. */
export function firstWorkerlessLane(run: Pick<FrameRun, 'fixedThreadCount'>, layout: TimelineLayout): number | null {
  const lanes = run.fixedThreadCount;
  return lanes !== null && lanes < layout.laneCount ? lanes : null;
}

export function laneTop(layout: TimelineLayout, lane: number): number {
  return LANES_TOP_PX + lane * layout.laneHeightPx;
}

/** The bottom of the last lane: where the axis begins. */
export function lanesBottom(layout: TimelineLayout): number {
  return laneTop(layout, layout.laneCount);
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface BarBox extends Box {
  bar: FrameBar;
  /** Wide enough to be drawn on its own (narrower ones merge with touching neighbours of their style). */
  isDistinct: boolean;
  isRunning: boolean;
}

export interface SpanBox extends Box {
  span: FrameQueueSpan;
  row: number;
}

/** The queue track: each wait in its row, or (too many overlap) the queue's length. */
export type QueuePlacement =
  | { mode: 'spans'; rowCount: number; rowHeightPx: number; spans: SpanBox[] }
  | { mode: 'steps'; steps: QueueLengthSteps; peakLength: number };

/** A lane's bucket of jobs too dense for bars: drawn as high as it was busy, split by route. */
export interface BucketBox extends Box {
  workerId: number;
  fromAt: number;
  toAt: number;
  busyFraction: number;
  jobs: number;
  /** The jobs of each route, in ROUTE_ORDER. */
  routeJobs: [number, number, number];
  burstJobs: number;
  /** Its jobs answered 4xx and 5xx: a bucket marks them as a bar is outlined, so an error never hides in the mass. */
  clientErrorJobs: number;
  serverErrorJobs: number;
}

/** Every bucket with jobs in the window, lane by lane, in time order. Full height is the bar band's. */
export function placeBuckets(frame: TimelineFrame, layout: TimelineLayout): BucketBox[] {
  const { bucketMs, firstBucketIndex, bucketCount, lanes } = frame.buckets;
  const boxes: BucketBox[] = [];
  for (const lane of lanes) {
    if (lane.workerId >= layout.laneCount) continue;
    const band = barBand(layout, lane.workerId);
    for (let k = 0; k < bucketCount; k++) {
      const jobs = lane.jobs[k] ?? 0;
      if (jobs === 0) continue;
      const fromAt = (firstBucketIndex + k) * bucketMs;
      const toAt = fromAt + bucketMs;
      if (toAt <= layout.startAt || fromAt >= layout.endAt) continue;
      const busyFraction = lane.busyFraction[k] ?? 0;
      const x = xOf(layout, fromAt);
      // However short its jobs, a bucket that had any shows a sliver, so no lane reads idle while it worked.
      const h = Math.max(1, Math.round(band.h * busyFraction));
      boxes.push({
        workerId: lane.workerId,
        fromAt,
        toAt,
        busyFraction,
        jobs,
        routeJobs: [lane.routes[k * 3] ?? 0, lane.routes[k * 3 + 1] ?? 0, lane.routes[k * 3 + 2] ?? 0],
        burstJobs: lane.burstJobs[k] ?? 0,
        clientErrorJobs: lane.statuses[k * STATUS_SLOTS.perBucket + STATUS_SLOTS.clientError] ?? 0,
        serverErrorJobs: lane.statuses[k * STATUS_SLOTS.perBucket + STATUS_SLOTS.serverError] ?? 0,
        x,
        y: band.y + band.h - h,
        w: Math.max(1, xOf(layout, toAt) - x),
        h,
      });
    }
  }
  return boxes;
}

/** The route most of a bucket's jobs took. */
export function mainRouteOf(box: Pick<BucketBox, 'routeJobs'>): RouteKind {
  let best = 0;
  for (let r = 1; r < ROUTE_ORDER.length; r++) if (box.routeJobs[r]! > box.routeJobs[best]!) best = r;
  return ROUTE_ORDER[best]!;
}

/** A frame placed on a layout: what the painter, the overlay and the hit tests share. */
export interface TimelineScene {
  frame: TimelineFrame;
  layout: TimelineLayout;
  /** Parallel to frame.bars. */
  bars: BarBox[];
  /** Buckets with jobs, lane by lane. */
  buckets: BucketBox[];
  queue: QueuePlacement;
  /** Where requests were refused, over the queue track, in time order. */
  refusals: RefusalBox[];
}

/** A bucket of the grid in which requests were refused without running: a tick across the queue track's top. */
export interface RefusalBox extends Box {
  fromAt: number;
  toAt: number;
  count: number;
}

/** The buckets of the window with refused requests, placed over the queue track. */
export function placeRefusals(frame: TimelineFrame, layout: TimelineLayout): RefusalBox[] {
  const { bucketMs, firstBucketIndex, rejected } = frame.queue.steps;
  const boxes: RefusalBox[] = [];
  for (let k = 0; k < rejected.length; k++) {
    const count = rejected[k] ?? 0;
    if (count === 0) continue;
    const fromAt = (firstBucketIndex + k) * bucketMs;
    const toAt = fromAt + bucketMs;
    if (toAt <= layout.startAt || fromAt >= layout.endAt) continue;
    const x = xOf(layout, fromAt);
    boxes.push({ fromAt, toAt, count, x, y: QUEUE_TOP_PX, w: Math.max(1, xOf(layout, toAt) - x), h: REFUSAL_TICK_HEIGHT_PX });
  }
  return boxes;
}

/** The bar's height in its lane, and its top. */
export function barBand(layout: TimelineLayout, lane: number): { y: number; h: number } {
  const h = Math.max(4, Math.round(layout.laneHeightPx * 0.62));
  return { y: laneTop(layout, lane) + (layout.laneHeightPx - h) / 2, h };
}

/** Where a job's bar lies: at least MIN_BAR_WIDTH_PX wide; a distinct bar starts after a gap. */
export function barBoxOf(bar: FrameBar, layout: TimelineLayout, now: number): BarBox {
  const runTo = Math.max(bar.finishedAt ?? now, bar.startedAt);
  const left = xOf(layout, bar.startedAt);
  const naturalWidth = xOf(layout, runTo) - left;
  const isDistinct = naturalWidth >= DISTINCT_BAR_MIN_PX;
  const gap = isDistinct ? BAR_GAP_PX : 0;
  const { y, h } = barBand(layout, bar.workerId);
  return { bar, x: left + gap, y, w: Math.max(MIN_BAR_WIDTH_PX, naturalWidth - gap), h, isDistinct, isRunning: bar.finishedAt === null };
}

/**
 * Rows for intervals given in x order of their left ends: each goes into the first row whose last interval
 * ended at least `gapPx` before it starts (interval partitioning; as few rows as the deepest overlap).
 */
export function stackRows(intervals: ReadonlyArray<{ left: number; right: number }>, gapPx: number): number[] {
  const rowEnds: number[] = [];
  return intervals.map(({ left, right }) => {
    let row = rowEnds.findIndex((end) => end + gapPx <= left);
    if (row === -1) row = rowEnds.push(right) - 1;
    else rowEnds[row] = right;
    return row;
  });
}

/** The queue track of a frame: its waits stacked in rows when at most MAX_QUEUE_ROWS overlap, else the length. */
export function placeQueue(frame: TimelineFrame, layout: TimelineLayout): QueuePlacement {
  const steps: QueuePlacement = { mode: 'steps', steps: frame.queue.steps, peakLength: frame.queue.peakLength };
  const spans = frame.queue.spans;
  if (spans === null) return steps;
  const intervals = spans
    .map((span) => {
      const left = xOf(layout, span.queuedAt);
      return { span, left, right: Math.max(left + MIN_BAR_WIDTH_PX, xOf(layout, span.leftAt)) };
    })
    .sort((a, b) => a.left - b.left);
  const rows = stackRows(intervals, SPAN_GAP_PX);
  const rowCount = rows.reduce((most, row) => Math.max(most, row + 1), 0);
  if (rowCount > MAX_QUEUE_ROWS) return steps;
  const rowHeightPx = Math.min(MAX_QUEUE_ROW_HEIGHT_PX, Math.floor(QUEUE_TRACK_HEIGHT_PX / Math.max(1, rowCount)));
  const boxes = intervals.map(({ span, left, right }, i): SpanBox => {
    const row = rows[i]!;
    return { span, row, x: left, y: QUEUE_TOP_PX + row * rowHeightPx + 1, w: right - left, h: rowHeightPx - 2 };
  });
  return { mode: 'spans', rowCount, rowHeightPx, spans: boxes };
}

/** The layout that shows `frame` on a stage `widthPx` wide (and, to fill, `fillHeightPx` high). */
export function layoutOfFrame(frame: TimelineFrame, widthPx: number, fillHeightPx?: number): TimelineLayout {
  return makeLayout(widthPx, frame.lanes.length, frame.toAt, frame.toAt - frame.fromAt, fillHeightPx);
}

export function sceneOf(frame: TimelineFrame, widthPx: number, fillHeightPx?: number): TimelineScene {
  const layout = layoutOfFrame(frame, widthPx, fillHeightPx);
  return {
    frame,
    layout,
    bars: frame.bars.map((bar) => barBoxOf(bar, layout, frame.now)),
    buckets: placeBuckets(frame, layout),
    queue: placeQueue(frame, layout),
    refusals: placeRefusals(frame, layout),
  };
}

/** How near, in pixels, still counts as on a bar or a span: thin ones must be hittable. */
const HIT_TOLERANCE_PX = 4;

function distanceX(box: Box, x: number): number {
  return x < box.x ? box.x - x : x > box.x + box.w ? x - (box.x + box.w) : 0;
}

/**
 * The job under (x, y): its bar in a lane, or its wait in the queue track; within a few pixels counts, the
 * nearest wins. Only jobs of the current run are named (the selection is by request id, which a restarted
 * server reuses).
 */
export function jobAt(scene: TimelineScene, x: number, y: number): number | null {
  const { layout } = scene;
  if (x < LANE_LABEL_WIDTH_PX) return null;
  // A connection's wait whose request is not read names no job: it is passed over.
  let best: { requestId: number | null; isCurrentRun: boolean } | null = null;
  let bestDistance = HIT_TOLERANCE_PX;
  if (y >= LANES_TOP_PX && y < lanesBottom(layout)) {
    const lane = Math.floor((y - LANES_TOP_PX) / layout.laneHeightPx);
    for (const box of scene.bars) {
      if (box.bar.workerId !== lane) continue;
      const distance = distanceX(box, x);
      if (distance <= bestDistance) {
        best = box.bar;
        bestDistance = distance;
      }
    }
  } else if (y >= QUEUE_TOP_PX && y < QUEUE_TOP_PX + QUEUE_TRACK_HEIGHT_PX && scene.queue.mode === 'spans') {
    for (const box of scene.queue.spans) {
      if (box.span.requestId === null || y < box.y - 1 || y > box.y + box.h + 1) continue;
      const distance = distanceX(box, x);
      if (distance <= bestDistance) {
        best = box.span;
        bestDistance = distance;
      }
    }
  }
  return best?.isCurrentRun ? (best.requestId ?? null) : null;
}

/** The bucket of jobs under (x, y) in a lane, or null. */
export function bucketAt(scene: TimelineScene, x: number, y: number): BucketBox | null {
  const { layout } = scene;
  if (x < LANE_LABEL_WIDTH_PX || y < LANES_TOP_PX || y >= lanesBottom(layout)) return null;
  const lane = Math.floor((y - LANES_TOP_PX) / layout.laneHeightPx);
  return scene.buckets.find((box) => box.workerId === lane && x >= box.x && x < box.x + Math.max(box.w, 1)) ?? null;
}

const TICK_STEPS_MS = [250, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000];

/** A tick spacing that puts a label every ~90 px or more. Ticks count back from the window's right edge. */
export function tickStepFor(layout: TimelineLayout): number {
  const windowMs = layout.endAt - layout.startAt;
  const maxTicks = Math.max(2, Math.floor(layout.plotWidthPx / 90));
  return TICK_STEPS_MS.find((step) => windowMs / step <= maxTicks) ?? 600_000;
}
