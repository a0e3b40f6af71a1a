// Paints a timeline scene onto a canvas: the marker strip, the queue track (each wait as a pale span in its
// row, or the queue's length as a step area), a connector from each wait's end to the job's bar, one lane
// per worker with its jobs' bars where they fit and, where they do not, per bucket a column as high as the
// jobs kept the worker busy, split by route (so the busy time drawn is the same either way) (coloured and patterned by route, outlined by error status, hatched when
// the request came from outside the burst generator), the markers and the lines between runs. Colours and
// patterns come from the palette (palette.ts, palette-canvas.ts), which the legend uses too. Reads only
// the scene (timeline-geometry.ts), never the model. Two layers: the backdrop, which stays while the window slides, and
// the data, which slides (TimelinePanel.tsx repaints each when it changes).

import { threadNameOf } from '../../shared/pool-model';
import { formatClockTime } from './format';
import { CANVAS_COLORS, STATUS_OUTLINES, type StatusClass, statusClassOf } from './palette';
import { externalHatch, routeFill, strokeStatusOutline, waitFill } from './palette-canvas';
import { isWorkerMarker, newestStrategyOf, queueTrackLabelOf, ROUTE_ORDER } from './timeline-frame';
import {
  AXIS_HEIGHT_PX,
  type Box,
  firstWorkerlessLane,
  LANE_LABEL_WIDTH_PX,
  LANES_TOP_PX,
  lanesBottom,
  laneTop,
  MARKER_STRIP_HEIGHT_PX,
  MIN_LABELLED_LANE_HEIGHT_PX,
  QUEUE_TOP_PX,
  QUEUE_TRACK_HEIGHT_PX,
  type RouteKind,
  type TimelineScene,
  tickStepFor,
  xOf,
} from './timeline-geometry';
import type { PaintOptions } from './timeline-layers';
import { markerName } from './timeline-overlay';

/** The canvases' text; the corner notes placed over the data layer (TimelinePanel.tsx) are written in it too. */
export const CANVAS_FONT_FAMILY = 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';

function formatBack(backMs: number): string {
  if (backMs >= 60_000 && backMs % 60_000 === 0) return `-${backMs / 60_000}m`;
  return `-${backMs >= 10_000 || backMs % 1_000 === 0 ? Math.round(backMs / 1_000) : (backMs / 1_000).toFixed(1)}s`;
}

/** The bar being extended in one lane: same route, origin and status class, touching in x. */
interface PendingRun {
  isOpen: boolean;
  left: number;
  right: number;
  top: number;
  route: RouteKind;
  isExternal: boolean;
  statusClass: StatusClass;
}

function strokeHighlight(ctx: CanvasRenderingContext2D, box: Box): void {
  ctx.strokeStyle = CANVAS_COLORS.highlight;
  ctx.lineWidth = 2;
  ctx.strokeRect(box.x - 1, box.y - 2, box.w + 2, box.h + 4);
}

function paintQueue(ctx: CanvasRenderingContext2D, scene: TimelineScene, highlightedRequestId: number | null): Box | null {
  const { layout, queue } = scene;
  let highlighted: Box | null = null;
  if (queue.mode === 'spans') {
    for (const box of queue.spans) {
      ctx.fillStyle = waitFill(box.span.route);
      ctx.fillRect(box.x, box.y, box.w, box.h);
      // The end a worker took it at (or, while it waits, the present) is marked solid.
      ctx.fillStyle = box.span.isWaiting ? CANVAS_COLORS.highlight : routeFill(ctx, box.span.route);
      ctx.fillRect(box.x + box.w - 2, box.y, 2, box.h);
      if (box.span.isCurrentRun && box.span.requestId !== null && box.span.requestId === highlightedRequestId) highlighted = box;
    }
    return highlighted;
  }
  // Too many waits overlap to draw one by one: the queue's length, scaled to its peak in the window.
  const { steps, peakLength } = queue;
  const scale = (QUEUE_TRACK_HEIGHT_PX - 4) / Math.max(1, peakLength);
  const bottom = QUEUE_TOP_PX + QUEUE_TRACK_HEIGHT_PX;
  const at = (k: number) => (steps.firstBucketIndex + k) * steps.bucketMs;
  ctx.fillStyle = CANVAS_COLORS.queueLengthArea;
  for (let k = 0; k < steps.meanLength.length; k++) {
    const h = steps.meanLength[k]! * scale;
    if (h <= 0) continue;
    const x = xOf(layout, at(k));
    ctx.fillRect(x, bottom - h, xOf(layout, at(k + 1)) - x, h);
  }
  ctx.strokeStyle = CANVAS_COLORS.queueLengthMax;
  ctx.lineWidth = 1;
  // The most at once, as a step line wherever the queue held anything.
  ctx.beginPath();
  let isDrawing = false;
  for (let k = 0; k < steps.maxLength.length; k++) {
    const maxLength = steps.maxLength[k]!;
    const y = bottom - maxLength * scale + 0.5;
    if (maxLength === 0) {
      if (isDrawing) ctx.lineTo(xOf(layout, at(k)), bottom);
      isDrawing = false;
      continue;
    }
    if (isDrawing) ctx.lineTo(xOf(layout, at(k)), y);
    else ctx.moveTo(xOf(layout, at(k)), bottom);
    ctx.lineTo(xOf(layout, at(k)), y);
    ctx.lineTo(xOf(layout, at(k + 1)), y);
    isDrawing = true;
  }
  ctx.stroke();
  return null;
}

/** From each wait's end down to the bar of the job a worker took: the hand-over. */
function paintConnectors(ctx: CanvasRenderingContext2D, scene: TimelineScene, highlightedRequestId: number | null): void {
  if (scene.queue.mode !== 'spans') return;
  const barOf = new Map<string, Box>();
  for (const box of scene.bars) barOf.set(`${box.bar.runId}:${box.bar.requestId}`, box);
  for (const span of scene.queue.spans) {
    if (span.span.requestId === null) continue;
    const bar = barOf.get(`${span.span.runId}:${span.span.requestId}`);
    if (!bar) continue;
    const isHighlighted = span.span.isCurrentRun && span.span.requestId === highlightedRequestId;
    ctx.strokeStyle = isHighlighted ? CANVAS_COLORS.highlight : CANVAS_COLORS.connector;
    ctx.lineWidth = isHighlighted ? 2 : 1;
    ctx.beginPath();
    ctx.moveTo(span.x + span.w - 1, span.y + span.h);
    ctx.lineTo(bar.x + 0.5, bar.y);
    ctx.stroke();
  }
}

function paintBars(ctx: CanvasRenderingContext2D, scene: TimelineScene, highlightedRequestId: number | null): Box | null {
  const { layout } = scene;
  const hatch = externalHatch(ctx);
  let highlighted: Box | null = null;
  // Under load hundreds of jobs share a pixel column, so touching narrow bars of one style merge into a single
  // rectangle per lane before they are drawn; distinct ones are drawn on their own, each after its gap.
  const pending: PendingRun[] = [];
  for (let lane = 0; lane < layout.laneCount; lane++)
    pending.push({ isOpen: false, left: 0, right: 0, top: 0, route: 'other', isExternal: false, statusClass: 0 });
  const flush = (run: PendingRun) => {
    if (!run.isOpen) return;
    run.isOpen = false;
    const width = run.right - run.left;
    const height = scene.bars[0]?.h ?? 4;
    ctx.fillStyle = routeFill(ctx, run.route);
    ctx.fillRect(run.left, run.top, width, height);
    if (run.isExternal) {
      if (hatch && width >= 4) {
        ctx.fillStyle = hatch;
        ctx.fillRect(run.left, run.top, width, height);
      }
      // A notch above the bar marks external requests even when they are too thin to hatch.
      ctx.fillStyle = CANVAS_COLORS.highlight;
      ctx.fillRect(run.left, run.top - 2, Math.min(width, 6), 2);
    }
    strokeStatusOutline(ctx, run.statusClass, run.left, run.top, width, height);
  };
  for (const box of scene.bars) {
    const { bar } = box;
    const route = bar.route;
    const isExternal = bar.origin === 'external';
    const statusClass = statusClassOf(bar.status);
    const run = pending[bar.workerId]!;
    const right = box.x + box.w;
    if (
      !box.isDistinct &&
      run.isOpen &&
      run.route === route &&
      run.isExternal === isExternal &&
      run.statusClass === statusClass &&
      box.x <= run.right + 0.5 &&
      right >= run.left - 0.5
    ) {
      run.left = Math.min(run.left, box.x);
      run.right = Math.max(run.right, right);
    } else {
      flush(run);
      Object.assign(run, { isOpen: true, left: box.x, right, top: box.y, route, isExternal, statusClass });
    }
    if (bar.isCurrentRun && bar.requestId === highlightedRequestId) highlighted = box;
  }
  for (const run of pending) flush(run);
  return highlighted;
}

/**
 * Dense jobs, per bucket: a column as high as the bar band times the busy fraction, split by the routes' shares,
 * with a line across its top in a failed bar's outline (solid red for 5xx, dashed orange for 4xx) when any of its
 * jobs failed. Thousands of columns: each route's parts go into one path filled once, and each error class's lines
 * into one path stroked once (one draw for the canvas to raster, not one per part), on whole pixels, so that
 * neighbouring columns meet without anti-aliased seams.
 */
function paintBuckets(ctx: CanvasRenderingContext2D, scene: TimelineScene): void {
  if (scene.buckets.length === 0) return;
  const paths = ROUTE_ORDER.map(() => new Path2D());
  const errorLines = { 4: new Path2D(), 5: new Path2D() };
  let hasErrors = false;
  for (const box of scene.buckets) {
    const left = Math.round(box.x);
    const width = Math.max(1, Math.round(box.x + box.w) - left);
    const bottom = box.y + box.h;
    const errorClass = box.serverErrorJobs > 0 ? 5 : box.clientErrorJobs > 0 ? 4 : 0;
    if (errorClass !== 0) {
      const y = Math.round(box.y) + STATUS_OUTLINES[errorClass].widthPx / 2;
      errorLines[errorClass].moveTo(left, y);
      errorLines[errorClass].lineTo(left + width, y);
      hasErrors = true;
    }
    let below = 0;
    for (let r = 0; r < ROUTE_ORDER.length; r++) {
      const count = box.routeJobs[r]!;
      if (count === 0) continue;
      const lower = Math.round(bottom - (box.h * below) / box.jobs);
      below += count;
      const upper = Math.round(bottom - (box.h * below) / box.jobs);
      // However small its share, a route that had jobs keeps a pixel.
      paths[r]!.rect(left, Math.min(upper, lower - 1), width, Math.max(1, lower - upper));
    }
  }
  for (let r = 0; r < ROUTE_ORDER.length; r++) {
    ctx.fillStyle = routeFill(ctx, ROUTE_ORDER[r]!);
    ctx.fill(paths[r]!);
  }
  if (!hasErrors) return;
  ctx.save();
  for (const errorClass of [4, 5] as const) {
    const outline = STATUS_OUTLINES[errorClass];
    ctx.strokeStyle = outline.color;
    ctx.lineWidth = outline.widthPx;
    ctx.setLineDash(outline.dash);
    ctx.stroke(errorLines[errorClass]);
  }
  ctx.restore();
}

/**
 * Requests refused without running (503 when the queue is full, a wait ran past the max wait or the threads are all
 * taken; 4xx for a malformed request): a tick across the queue track's top in a 5xx outline's colour wherever they
 * were, and their number in the track's corner, so an overload that turns requests away reads at a glance, whether
 * or not the waits are drawn one by one.
 */
function paintRefusals(ctx: CanvasRenderingContext2D, scene: TimelineScene): void {
  if (scene.refusals.length === 0) return;
  const ticks = new Path2D();
  for (const box of scene.refusals) {
    const left = Math.round(box.x);
    ticks.rect(left, box.y, Math.max(1, Math.round(box.x + box.w) - left), box.h);
  }
  ctx.fillStyle = STATUS_OUTLINES[5].color;
  ctx.fill(ticks);
}

/** Each run's lanes beyond its pool, and the time between runs, are shaded: no worker existed there. */
function paintNoWorkerStretches(ctx: CanvasRenderingContext2D, scene: TimelineScene): void {
  const { layout, frame } = scene;
  ctx.fillStyle = CANVAS_COLORS.noWorker;
  const runs = frame.runs;
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i]!;
    const fromX = Math.max(LANE_LABEL_WIDTH_PX, xOf(layout, run.listeningAt));
    const toX = Math.min(layout.widthPx, xOf(layout, run.stoppedAt ?? frame.now));
    const workerlessFrom = firstWorkerlessLane(run, layout);
    if (toX > fromX && workerlessFrom !== null) {
      const top = laneTop(layout, workerlessFrom);
      ctx.fillRect(fromX, top, toX - fromX, lanesBottom(layout) - top);
    }
    const next = runs[i + 1];
    if (next && run.stoppedAt !== null) {
      const gapFrom = xOf(layout, run.stoppedAt);
      ctx.fillRect(gapFrom, LANES_TOP_PX, xOf(layout, next.listeningAt) - gapFrom, lanesBottom(layout) - LANES_TOP_PX);
    }
  }
}

/** Markers and run separators: lines through the plot, names in the strip above the queue. */
function paintMarkers(ctx: CanvasRenderingContext2D, scene: TimelineScene): void {
  const { layout, frame } = scene;
  const bottom = lanesBottom(layout);
  ctx.font = `10px ${CANVAS_FONT_FAMILY}`;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  const names: Array<{ x: number; text: string; color: string }> = [];
  for (const separator of frame.separators) {
    const x = Math.round(xOf(layout, separator.at));
    ctx.fillStyle = CANVAS_COLORS.runSeparator;
    ctx.fillRect(x - 1, QUEUE_TOP_PX, 2, bottom - QUEUE_TOP_PX);
  }
  ctx.strokeStyle = CANVAS_COLORS.marker;
  ctx.lineWidth = 1;
  ctx.setLineDash([3, 3]);
  for (const marker of frame.markers) {
    const x = Math.round(xOf(layout, marker.at)) + 0.5;
    ctx.beginPath();
    if (isWorkerMarker(marker) && marker.workerId !== null && marker.workerId < layout.laneCount) {
      // A join, crash or replacement belongs to its worker's lane: a short line there with a dot.
      const top = laneTop(layout, marker.workerId);
      ctx.moveTo(x, top + 2);
      ctx.lineTo(x, top + layout.laneHeightPx - 2);
      ctx.stroke();
      ctx.fillStyle = CANVAS_COLORS.markerText;
      const middle = top + layout.laneHeightPx / 2;
      if (marker.kind === 'worker-crashed') {
        // A crash reads as a cross, so it is not taken for a join.
        ctx.setLineDash([]);
        ctx.beginPath();
        ctx.moveTo(x - 4, middle - 4);
        ctx.lineTo(x + 4, middle + 4);
        ctx.moveTo(x + 4, middle - 4);
        ctx.lineTo(x - 4, middle + 4);
        ctx.stroke();
        ctx.setLineDash([3, 3]);
      } else {
        ctx.fillRect(x - 2, middle - 2, 4, 4);
      }
      continue;
    }
    ctx.moveTo(x, QUEUE_TOP_PX);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    const isRunStart = marker.kind === 'start' && frame.separators.some((separator) => separator.runId === marker.runId);
    names.push({ x, text: markerName(marker), color: isRunStart ? CANVAS_COLORS.runSeparator : CANVAS_COLORS.markerText });
  }
  ctx.setLineDash([]);
  // Names newest first: one that would overlap a newer one is left out (its line and its overlay element stay).
  let namesLeftX = Infinity;
  for (let i = names.length - 1; i >= 0; i--) {
    const { x, text, color } = names[i]!;
    const textWidth = ctx.measureText(text).width;
    // Right of its line, or left of it where the plot (or a newer name) leaves no room.
    const right = Math.min(layout.widthPx, namesLeftX - 4);
    const left = x + 3 + textWidth <= right ? x + 3 : x - 3 - textWidth;
    if (left + textWidth > right || left < LANE_LABEL_WIDTH_PX) continue;
    ctx.fillStyle = color;
    ctx.fillText(text, left, MARKER_STRIP_HEIGHT_PX / 2);
    namesLeftX = left;
  }
}

/**
 * What stays in place while the window slides: the tracks' backgrounds, the grid and its axis (they count back from
 * the right edge) and the track labels over their gutter. Repainted only when one of them changes (the stage, the
 * window, the lanes; paused, the clock under the right edge).
 */
export function paintBackdrop(ctx: CanvasRenderingContext2D, scene: TimelineScene, options: PaintOptions): void {
  const { layout, frame } = scene;
  const { widthPx, heightPx, laneCount, laneHeightPx } = layout;
  const plotBottom = lanesBottom(layout);
  // The canvas is opaque, so it paints its own background (the panel's colour).
  ctx.fillStyle = CANVAS_COLORS.background;
  ctx.fillRect(0, 0, widthPx, heightPx);
  ctx.fillStyle = CANVAS_COLORS.queueTrack;
  ctx.fillRect(LANE_LABEL_WIDTH_PX, QUEUE_TOP_PX, layout.plotWidthPx, QUEUE_TRACK_HEIGHT_PX);
  for (let lane = 0; lane < laneCount; lane++) {
    ctx.fillStyle = lane % 2 === 0 ? CANVAS_COLORS.laneEven : CANVAS_COLORS.laneOdd;
    ctx.fillRect(LANE_LABEL_WIDTH_PX, laneTop(layout, lane), layout.plotWidthPx, laneHeightPx);
  }

  // Grid and axis labels count back from the right edge, so they read -5s, -10s… while the bars slide past.
  const stepMs = tickStepFor(layout);
  ctx.font = `11px ${CANVAS_FONT_FAMILY}`;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'center';
  ctx.fillStyle = CANVAS_COLORS.axisText;
  ctx.strokeStyle = CANVAS_COLORS.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let backMs = stepMs; layout.endAt - backMs >= layout.startAt; backMs += stepMs) {
    const x = Math.round(xOf(layout, layout.endAt - backMs)) + 0.5;
    ctx.moveTo(x, QUEUE_TOP_PX);
    ctx.lineTo(x, plotBottom);
    if (x > LANE_LABEL_WIDTH_PX + 16) ctx.fillText(formatBack(backMs), x, plotBottom + AXIS_HEIGHT_PX / 2);
  }
  ctx.stroke();
  ctx.textAlign = 'right';
  ctx.fillText(options.isLive ? 'now' : formatClockTime(layout.endAt).slice(0, 8), widthPx - 4, plotBottom + AXIS_HEIGHT_PX / 2);

  // Track labels over a gutter, so they stay readable.
  ctx.fillStyle = CANVAS_COLORS.gutter;
  ctx.fillRect(0, 0, LANE_LABEL_WIDTH_PX, heightPx);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.font = `11px ${CANVAS_FONT_FAMILY}`;
  ctx.fillStyle = CANVAS_COLORS.label;
  ctx.fillText(queueTrackLabelOf(frame.runs), 8, QUEUE_TOP_PX + QUEUE_TRACK_HEIGHT_PX / 2);
  // Presentation mode's lanes are never thinner than MIN_LABELLED_LANE_HEIGHT_PX: their labels keep 11 px (16.5 px zoomed).
  ctx.font = `${laneHeightPx < MIN_LABELLED_LANE_HEIGHT_PX ? 10 : 11}px ${CANVAS_FONT_FAMILY}`;
  const hasPool = frame.runs.length > 0 || frame.bars.length > 0 || scene.buckets.length > 0;
  const strategy = newestStrategyOf(frame.runs);
  for (const lane of frame.lanes) {
    // Before any server has run there is one empty lane and no worker to name.
    if (!hasPool && !lane.isInCurrentRun) continue;
    ctx.fillStyle = lane.isDimmed ? CANVAS_COLORS.labelExited : CANVAS_COLORS.label;
    ctx.fillText(threadNameOf(strategy, lane.workerId), 8, laneTop(layout, lane.workerId) + laneHeightPx / 2);
  }
}

/**
 * Everything in time (waits, connectors, buckets, refusals, bars, markers, the highlighted job), on the plot alone:
 * what slides. Drawn on a transparent layer over the backdrop, in the scene's coordinates (the caller's transform
 * places the plot's left edge).
 */
export function paintData(ctx: CanvasRenderingContext2D, scene: TimelineScene, options: PaintOptions): void {
  const { layout } = scene;
  ctx.clearRect(LANE_LABEL_WIDTH_PX, 0, layout.plotWidthPx, lanesBottom(layout));
  ctx.save();
  ctx.beginPath();
  ctx.rect(LANE_LABEL_WIDTH_PX, 0, layout.plotWidthPx, lanesBottom(layout));
  ctx.clip();
  paintNoWorkerStretches(ctx, scene);
  const highlightedWait = paintQueue(ctx, scene, options.highlightedRequestId);
  paintConnectors(ctx, scene, options.highlightedRequestId);
  paintBuckets(ctx, scene);
  paintRefusals(ctx, scene);
  const highlightedBar = paintBars(ctx, scene, options.highlightedRequestId);
  paintMarkers(ctx, scene);
  if (highlightedWait) strokeHighlight(ctx, highlightedWait);
  if (highlightedBar) strokeHighlight(ctx, highlightedBar);
  ctx.restore();
}
