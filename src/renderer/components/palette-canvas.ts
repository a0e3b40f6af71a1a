// The palette (palette.ts) as canvas fills and strokes: a route's patterned fill, a queued job's pale fill, the
// hatch over external requests, the outline of a failed one, and the legend's swatches drawn with the very same
// calls, so a swatch is exactly what a bar looks like. Patterns are made once per canvas context.

import { CANVAS_COLORS, type FillPattern, parseColor, ROUTE_STYLES, STATUS_OUTLINES, type StatusClass, WAIT_ALPHA } from './palette';
import type { RouteKind } from './timeline-geometry';

const PATTERN_TILE_PX = 5;

type Fill = string | CanvasPattern;

const routeFillCache = new WeakMap<CanvasRenderingContext2D, Partial<Record<RouteKind, Fill>>>();
const hatchCache = new WeakMap<CanvasRenderingContext2D, CanvasPattern | null>();

function newTile(size: number): { tile: HTMLCanvasElement; tileCtx: CanvasRenderingContext2D | null } {
  const tile = document.createElement('canvas');
  tile.width = size;
  tile.height = size;
  return { tile, tileCtx: tile.getContext('2d') };
}

function drawPattern(tileCtx: CanvasRenderingContext2D, pattern: FillPattern, ink: string): void {
  tileCtx.fillStyle = ink;
  if (pattern === 'dots') tileCtx.fillRect(1, 1, 2, 2);
  else if (pattern === 'stripes') tileCtx.fillRect(0, 2, PATTERN_TILE_PX, 1);
}

/** The run bar's fill for a route: its colour, with its pattern when it has one. */
export function routeFill(ctx: CanvasRenderingContext2D, route: RouteKind): Fill {
  let fills = routeFillCache.get(ctx);
  if (!fills) {
    fills = {};
    routeFillCache.set(ctx, fills);
  }
  const cached = fills[route];
  if (cached !== undefined) return cached;
  const style = ROUTE_STYLES[route];
  let fill: Fill = style.color;
  if (style.pattern !== 'solid') {
    const { tile, tileCtx } = newTile(PATTERN_TILE_PX);
    if (tileCtx) {
      tileCtx.fillStyle = style.color;
      tileCtx.fillRect(0, 0, PATTERN_TILE_PX, PATTERN_TILE_PX);
      drawPattern(tileCtx, style.pattern, style.patternInk);
      fill = ctx.createPattern(tile, 'repeat') ?? style.color;
    }
  }
  fills[route] = fill;
  return fill;
}

const waitFills = new Map<RouteKind, string>();

/** A queued job's wait: its route's colour, pale. */
export function waitFill(route: RouteKind): string {
  let fill = waitFills.get(route);
  if (fill === undefined) {
    const { r, g, b } = parseColor(ROUTE_STYLES[route].color);
    fill = `rgba(${r}, ${g}, ${b}, ${WAIT_ALPHA})`;
    waitFills.set(route, fill);
  }
  return fill;
}

/** Diagonal stripes drawn over requests from outside the app (a browser, curl). */
export function externalHatch(ctx: CanvasRenderingContext2D): CanvasPattern | null {
  if (hatchCache.has(ctx)) return hatchCache.get(ctx) ?? null;
  const { tile, tileCtx } = newTile(6);
  let pattern: CanvasPattern | null = null;
  if (tileCtx) {
    tileCtx.strokeStyle = CANVAS_COLORS.externalHatch;
    tileCtx.lineWidth = 1.5;
    tileCtx.beginPath();
    tileCtx.moveTo(-1, 7);
    tileCtx.lineTo(7, -1);
    tileCtx.moveTo(-1, 1);
    tileCtx.lineTo(1, -1);
    tileCtx.moveTo(5, 7);
    tileCtx.lineTo(7, 5);
    tileCtx.stroke();
    pattern = ctx.createPattern(tile, 'repeat');
  }
  hatchCache.set(ctx, pattern);
  return pattern;
}

/** Outlines a failed request's bar inside its rectangle: solid for 5xx, dashed for 4xx. */
export function strokeStatusOutline(
  ctx: CanvasRenderingContext2D,
  statusClass: StatusClass,
  x: number,
  y: number,
  w: number,
  h: number,
): void {
  if (statusClass === 0) return;
  const outline = STATUS_OUTLINES[statusClass];
  const inset = outline.widthPx / 2;
  ctx.save();
  ctx.strokeStyle = outline.color;
  ctx.lineWidth = outline.widthPx;
  ctx.setLineDash(outline.dash);
  ctx.strokeRect(x + inset, y + inset, Math.max(0.5, w - 2 * inset), Math.max(0.5, h - 2 * inset));
  ctx.restore();
}

/** What a legend swatch shows. */
export type SwatchKind = RouteKind | 'wait' | 'external' | '4xx' | '5xx';

/** Paints one legend swatch onto a canvas `w` × `h`, with the calls the timeline's bars use. */
export function paintSwatch(ctx: CanvasRenderingContext2D, kind: SwatchKind, w: number, h: number): void {
  ctx.fillStyle = CANVAS_COLORS.background;
  ctx.fillRect(0, 0, w, h);
  switch (kind) {
    case 'wait': {
      const waitHeight = Math.max(2, Math.round(h * 0.45));
      ctx.fillStyle = waitFill('sleep');
      ctx.fillRect(0, (h - waitHeight) / 2, w, waitHeight);
      return;
    }
    case 'external': {
      ctx.fillStyle = routeFill(ctx, 'hello');
      ctx.fillRect(0, 2, w, h - 2);
      const hatch = externalHatch(ctx);
      if (hatch) {
        ctx.fillStyle = hatch;
        ctx.fillRect(0, 2, w, h - 2);
      }
      ctx.fillStyle = CANVAS_COLORS.highlight;
      ctx.fillRect(0, 0, Math.min(w, 6), 2);
      return;
    }
    case '4xx':
    case '5xx':
      ctx.fillStyle = routeFill(ctx, 'other');
      ctx.fillRect(0, 0, w, h);
      strokeStatusOutline(ctx, kind === '5xx' ? 5 : 4, 0, 0, w, h);
      return;
    default:
      ctx.fillStyle = routeFill(ctx, kind);
      ctx.fillRect(0, 0, w, h);
  }
}
