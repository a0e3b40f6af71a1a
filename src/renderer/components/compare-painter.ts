// Draws one strategy's run of a comparison on a canvas: a row of waits (each request from its connection's opening
// to a worker taking it) over one lane per thread with its jobs, on a time axis shared by every run shown
// (`msPerPx`, from the scenario's start). The panel's canvases and the saved PNG both draw through here.

import type { CompareRoute, CompareTimeline } from '../../shared/compare';
import { CANVAS_COLORS, statusClassOf } from './palette';
import { routeFill, strokeStatusOutline, waitFill } from './palette-canvas';
import type { RouteKind } from './timeline-geometry';

export const COMPARE_LAYOUT = {
  gutterPx: 92,
  titlePx: 20,
  waitRowPx: 12,
  lanePx: 14,
  axisPx: 18,
} as const;

/** Lanes shown at most per run: past it, the threads' lanes are too thin to read (per-request may run hundreds). */
export const MAX_COMPARE_LANES = 32;

const ROUTE_KIND: Record<CompareRoute, RouteKind> = { '/': 'hello', '/sleep': 'sleep', other: 'other' };

export function compareTimelineHeightPx(timeline: CompareTimeline): number {
  const lanes = Math.min(MAX_COMPARE_LANES, Math.max(1, timeline.workerIds.length));
  return COMPARE_LAYOUT.titlePx + COMPARE_LAYOUT.waitRowPx + lanes * COMPARE_LAYOUT.lanePx + COMPARE_LAYOUT.axisPx;
}

/** A tick step (ms) that gives about `targetTicks` ticks over `spanMs`. */
function tickStepMs(spanMs: number, targetTicks: number): number {
  const raw = Math.max(1, spanMs / targetTicks);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= raw) return step * magnitude;
  return 10 * magnitude;
}

function tickLabel(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(2))} s` : `${Math.round(ms)} ms`;
}

/**
 * Paints `timeline` at (0, top) across `widthPx` CSS px, `msPerPx` shared by every run. `title` names the run
 * ("single: makespan 3.2 s"). The context is scaled by the caller for the device's pixels.
 */
export function paintCompareTimeline(
  ctx: CanvasRenderingContext2D,
  timeline: CompareTimeline,
  options: { top: number; widthPx: number; msPerPx: number; title: string },
): void {
  const { gutterPx, titlePx, waitRowPx, lanePx, axisPx } = COMPARE_LAYOUT;
  const { top, widthPx, msPerPx, title } = options;
  const heightPx = compareTimelineHeightPx(timeline);
  const plotLeft = gutterPx;
  const plotWidth = Math.max(1, widthPx - gutterPx - 8);
  const xOf = (ms: number) => plotLeft + Math.max(0, Math.min(plotWidth, ms / msPerPx));
  ctx.save();
  ctx.fillStyle = CANVAS_COLORS.background;
  ctx.fillRect(0, top, widthPx, heightPx);
  ctx.fillStyle = CANVAS_COLORS.markerText;
  ctx.font = '600 12px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.fillText(title, 8, top + titlePx / 2);

  const waitTop = top + titlePx;
  const lanesTop = waitTop + waitRowPx;
  const lanes = timeline.workerIds.slice(0, MAX_COMPARE_LANES);
  const laneCount = Math.max(1, lanes.length);
  ctx.fillStyle = CANVAS_COLORS.queueTrack;
  ctx.fillRect(plotLeft, waitTop, plotWidth, waitRowPx - 2);
  for (let i = 0; i < laneCount; i++) {
    ctx.fillStyle = i % 2 === 0 ? CANVAS_COLORS.laneEven : CANVAS_COLORS.laneOdd;
    ctx.fillRect(plotLeft, lanesTop + i * lanePx, plotWidth, lanePx);
  }
  ctx.fillStyle = CANVAS_COLORS.gutter;
  ctx.fillRect(0, waitTop, gutterPx - 4, waitRowPx + laneCount * lanePx);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = CANVAS_COLORS.label;
  ctx.fillText('waiting', 8, waitTop + waitRowPx / 2);
  for (const [i, workerId] of lanes.entries()) ctx.fillText(`thread ${workerId}`, 8, lanesTop + i * lanePx + lanePx / 2);

  // The grid, shared by every run: the same step at the same scale.
  const spanMs = plotWidth * msPerPx;
  const stepMs = tickStepMs(spanMs, 8);
  const axisTop = lanesTop + laneCount * lanePx;
  ctx.strokeStyle = CANVAS_COLORS.grid;
  ctx.fillStyle = CANVAS_COLORS.axisText;
  ctx.lineWidth = 1;
  for (let ms = 0; ms <= spanMs; ms += stepMs) {
    const x = Math.round(xOf(ms)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, waitTop);
    ctx.lineTo(x, axisTop);
    ctx.stroke();
    ctx.fillText(tickLabel(ms), x + 2, axisTop + axisPx / 2);
  }

  const laneIndex = new Map(lanes.map((workerId, i) => [workerId, i]));
  for (const request of timeline.requests) {
    const route = ROUTE_KIND[request.route];
    // Waiting: from the connection's opening until a thread took its job (or, never taken, its answer).
    const waitEnd = request.startedMs ?? request.respondedMs;
    if (waitEnd !== null && waitEnd - request.openedMs >= msPerPx) {
      ctx.fillStyle = waitFill(route);
      ctx.fillRect(xOf(request.openedMs), waitTop + 2, Math.max(1, xOf(waitEnd) - xOf(request.openedMs)), waitRowPx - 6);
    }
    const lane = request.workerId === null ? undefined : laneIndex.get(request.workerId);
    if (lane === undefined || request.startedMs === null) continue;
    const end = request.finishedMs ?? request.respondedMs ?? request.startedMs;
    const x = xOf(request.startedMs);
    const w = Math.max(2, xOf(end) - x);
    const y = lanesTop + lane * lanePx + 2;
    ctx.fillStyle = routeFill(ctx, route);
    ctx.fillRect(x, y, w, lanePx - 4);
    strokeStatusOutline(ctx, statusClassOf(request.status), x, y, w, lanePx - 4);
  }
  ctx.restore();
}
