// Paints the timeline onto a canvas: lanes, time grid, and one bar per job (a pale segment while it
// waited in the queue, a solid one while it ran), coloured and patterned by route, outlined by error status,
// hatched when the request came from outside the burst generator. Colours and patterns come from the
// palette (palette.ts, palette-canvas.ts), which the legend uses too. Called once per animation frame.

import type { PoolModel } from '../../shared/pool-model';
import { formatClockTime } from './format';
import { CANVAS_COLORS, type StatusClass, statusClassOf } from './palette';
import { externalHatch, routeFill, strokeStatusOutline, waitFill } from './palette-canvas';
import {
  AXIS_HEIGHT_PX,
  LANE_LABEL_WIDTH_PX,
  laneTop,
  type RouteKind,
  routeOf,
  spanOf,
  type TimelineLayout,
  TOP_PADDING_PX,
  tickStepFor,
  xOf,
} from './timeline-geometry';

function formatBack(backMs: number): string {
  if (backMs >= 60_000 && backMs % 60_000 === 0) return `-${backMs / 60_000}m`;
  return `-${backMs >= 10_000 || backMs % 1_000 === 0 ? Math.round(backMs / 1_000) : (backMs / 1_000).toFixed(1)}s`;
}

/** Bars narrower than this merge with touching neighbours of the same style; wider ones are drawn one by one. */
const DISTINCT_BAR_MIN_PX = 6;

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

export interface PaintOptions {
  now: number;
  isLive: boolean;
  highlightedRequestId: number | null;
}

export function paintTimeline(ctx: CanvasRenderingContext2D, layout: TimelineLayout, model: PoolModel, options: PaintOptions): void {
  const { widthPx, heightPx, laneCount, laneHeightPx } = layout;
  const plotBottom = TOP_PADDING_PX + laneCount * laneHeightPx;
  // The canvas is opaque, so it paints its own background (the panel's colour).
  ctx.fillStyle = CANVAS_COLORS.background;
  ctx.fillRect(0, 0, widthPx, heightPx);

  for (let lane = 0; lane < laneCount; lane++) {
    ctx.fillStyle = lane % 2 === 0 ? CANVAS_COLORS.laneEven : CANVAS_COLORS.laneOdd;
    ctx.fillRect(LANE_LABEL_WIDTH_PX, laneTop(layout, lane), layout.plotWidthPx, laneHeightPx);
  }

  // Grid and axis labels count back from the right edge, so they read -5s, -10s… while the bars slide past.
  const stepMs = tickStepFor(layout);
  ctx.font = '11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'center';
  ctx.fillStyle = CANVAS_COLORS.axisText;
  ctx.strokeStyle = CANVAS_COLORS.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let backMs = stepMs; layout.endAt - backMs >= layout.startAt; backMs += stepMs) {
    const x = Math.round(xOf(layout, layout.endAt - backMs)) + 0.5;
    ctx.moveTo(x, TOP_PADDING_PX);
    ctx.lineTo(x, plotBottom);
    if (x > LANE_LABEL_WIDTH_PX + 16) ctx.fillText(formatBack(backMs), x, plotBottom + AXIS_HEIGHT_PX / 2);
  }
  ctx.stroke();
  ctx.textAlign = 'right';
  ctx.fillText(options.isLive ? 'now' : formatClockTime(layout.endAt).slice(0, 8), widthPx - 4, plotBottom + AXIS_HEIGHT_PX / 2);

  // Bars, clipped to the plot so those crossing an edge are cut rather than drawn over the labels.
  ctx.save();
  ctx.beginPath();
  ctx.rect(LANE_LABEL_WIDTH_PX, TOP_PADDING_PX, layout.plotWidthPx, laneCount * laneHeightPx);
  ctx.clip();
  const hatch = externalHatch(ctx);
  const runHeight = Math.max(4, Math.round(laneHeightPx * 0.62));
  const waitHeight = Math.max(2, Math.round(laneHeightPx * 0.3));
  let highlighted: { x: number; y: number; w: number; h: number } | null = null;
  // Waits first: a job's wait lies in the lane of the worker that later took it, under earlier jobs' runs.
  for (const record of model.requests.values()) {
    const span = spanOf(record, layout, options.now);
    if (!span) continue;
    const waitX = xOf(layout, span.waitFrom);
    const runX = xOf(layout, span.runFrom);
    if (runX - waitX < 1) continue;
    ctx.fillStyle = waitFill(routeOf(record.path));
    ctx.fillRect(waitX, laneTop(layout, span.lane) + (laneHeightPx - waitHeight) / 2, runX - waitX, waitHeight);
  }
  // Runs: under load hundreds of jobs share a pixel column, so touching bars of one style merge into
  // a single rectangle per lane before they are drawn.
  const pending: PendingRun[] = [];
  for (let lane = 0; lane < laneCount; lane++)
    pending.push({ isOpen: false, left: 0, right: 0, top: 0, route: 'other', isExternal: false, statusClass: 0 });
  const flush = (run: PendingRun) => {
    if (!run.isOpen) return;
    run.isOpen = false;
    // A bar wide enough to read on its own keeps a 1 px gap before it, so back-to-back jobs (the second
    // wave of a burst) stay visibly separate jobs.
    const gap = run.right - run.left >= DISTINCT_BAR_MIN_PX ? 1 : 0;
    run.left += gap;
    const width = run.right - run.left;
    ctx.fillStyle = routeFill(ctx, run.route);
    ctx.fillRect(run.left, run.top, width, runHeight);
    if (run.isExternal) {
      if (hatch && width >= 4) {
        ctx.fillStyle = hatch;
        ctx.fillRect(run.left, run.top, width, runHeight);
      }
      // A notch above the bar marks external requests even when they are too thin to hatch.
      ctx.fillStyle = CANVAS_COLORS.highlight;
      ctx.fillRect(run.left, run.top - 2, Math.min(width, 6), 2);
    }
    strokeStatusOutline(ctx, run.statusClass, run.left, run.top, width, runHeight);
  };
  for (const record of model.requests.values()) {
    const span = spanOf(record, layout, options.now);
    if (!span) continue;
    const runX = xOf(layout, span.runFrom);
    const endX = Math.max(runX + 2, xOf(layout, span.runTo));
    const route = routeOf(record.path);
    const isExternal = record.origin === 'external';
    const statusClass = statusClassOf(record.status);
    const run = pending[span.lane]!;
    const isNarrow = endX - runX < DISTINCT_BAR_MIN_PX;
    if (
      isNarrow &&
      run.isOpen &&
      run.route === route &&
      run.isExternal === isExternal &&
      run.statusClass === statusClass &&
      runX <= run.right + 0.5 &&
      endX >= run.left - 0.5
    ) {
      run.left = Math.min(run.left, runX);
      run.right = Math.max(run.right, endX);
    } else {
      flush(run);
      run.isOpen = true;
      run.left = runX;
      run.right = endX;
      run.top = laneTop(layout, span.lane) + (laneHeightPx - runHeight) / 2;
      run.route = route;
      run.isExternal = isExternal;
      run.statusClass = statusClass;
    }
    if (record.id === options.highlightedRequestId) {
      const waitX = xOf(layout, span.waitFrom);
      highlighted = { x: waitX, y: run.top, w: Math.max(2, endX - waitX), h: runHeight };
    }
  }
  for (const run of pending) flush(run);
  if (highlighted) {
    ctx.strokeStyle = CANVAS_COLORS.highlight;
    ctx.lineWidth = 2;
    ctx.strokeRect(highlighted.x - 1, highlighted.y - 2, highlighted.w + 2, highlighted.h + 4);
  }
  ctx.restore();

  // Lane labels last, over a gutter, so they stay readable.
  ctx.fillStyle = CANVAS_COLORS.gutter;
  ctx.fillRect(0, 0, LANE_LABEL_WIDTH_PX, heightPx);
  ctx.textAlign = 'left';
  ctx.font = `${laneHeightPx < 16 ? 10 : 11}px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace`;
  for (let lane = 0; lane < laneCount; lane++) {
    const worker = model.workers[lane];
    // Before any server has run there is one empty lane and no worker to name.
    if (!worker && model.workerCount === 0) continue;
    ctx.fillStyle = worker?.phase === 'exited' ? CANVAS_COLORS.labelExited : CANVAS_COLORS.label;
    ctx.fillText(`Worker ${lane}`, 8, laneTop(layout, lane) + laneHeightPx / 2);
  }

  if (options.isLive) {
    ctx.strokeStyle = CANVAS_COLORS.now;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(widthPx - 0.5, TOP_PADDING_PX);
    ctx.lineTo(widthPx - 0.5, plotBottom);
    ctx.stroke();
  }
}
