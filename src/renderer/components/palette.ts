// The timeline's look in one place: each route's colour and pattern, the outlines of failed requests, the
// canvas's own text and background colours, and the page's CSS variables derived from them. The canvas painter,
// the legend and the stylesheet all read from here, so a swatch always matches its bar. Pure and DOM-free:
// palette-canvas.ts turns these into canvas fills.
//
// Colour-safe by construction: the three routes sit at three clearly different lightness levels (CIELAB L*
// about 46, 64 and 89), so they stay apart in greyscale and under red-green colour blindness, and each has its
// own pattern besides. 4xx and 5xx outlines differ in shape (dashed vs solid), not only in hue.

import type { RouteKind } from './timeline-geometry';

/** How a bar is filled on top of its colour: nothing, a dot grid, or thin horizontal stripes. */
export type FillPattern = 'solid' | 'dots' | 'stripes';

export interface RouteStyle {
  /** What the legend calls it. */
  label: string;
  /** The bar's colour (opaque sRGB hex). */
  color: string;
  pattern: FillPattern;
  /** The pattern's ink, drawn over `color`. */
  patternInk: string;
}

/** Darkest to lightest: /sleep (the route the demo is about), other (404s and worse), GET /. */
export const ROUTE_STYLES: Record<RouteKind, RouteStyle> = {
  sleep: { label: '/sleep', color: '#7050ec', pattern: 'solid', patternInk: '#7050ec' },
  // Light stripes on the middle grey and dark dots on the light teal: each pattern pulls its route's mean
  // lightness away from its neighbour's, never towards it.
  other: { label: 'other', color: '#8e9db2', pattern: 'stripes', patternInk: 'rgba(255, 255, 255, 0.25)' },
  hello: { label: 'GET /', color: '#7df3e1', pattern: 'dots', patternInk: 'rgba(11, 15, 20, 0.35)' },
};

/** Legend order: by lightness, so the legend itself reads as a scale. */
export const ROUTE_KINDS: readonly RouteKind[] = ['sleep', 'other', 'hello'];

/** A queued job's wait is its route's colour, this opaque, over the queue track: half, so a wait never reads as a run. */
export const WAIT_ALPHA = 0.5;

export type StatusClass = 0 | 4 | 5;

export interface OutlineStyle {
  color: string;
  widthPx: number;
  /** Canvas line dash (empty: solid); the legend's CSS border style follows it. */
  dash: readonly number[];
}

/** 5xx: a solid red outline; 4xx: a dashed orange one. The shapes differ, so hue is never the only cue. */
export const STATUS_OUTLINES: Record<4 | 5, OutlineStyle> = {
  5: { color: '#f87171', widthPx: 2, dash: [] },
  4: { color: '#fb923c', widthPx: 2, dash: [4, 3] },
};

export function statusClassOf(status: number | null): StatusClass {
  const value = status ?? 0;
  return value >= 500 ? 5 : value >= 400 ? 4 : 0;
}

/** The canvas's own colours. Text colours read at 4.5:1 or more on the background they are drawn on (test/palette.test.ts). */
export const CANVAS_COLORS = {
  background: '#121820',
  laneEven: '#141a22',
  laneOdd: '#11161d',
  gutter: '#0f141a',
  grid: 'rgba(148, 163, 184, 0.12)',
  /** A lane's worker name, on the gutter. */
  label: '#8b98a5',
  /** An exited worker's name, on the gutter: dimmer, still 4.5:1. */
  labelExited: '#7b8895',
  /** Tick labels and "now", on the background under the plot. */
  axisText: '#7b8895',
  now: 'rgba(79, 157, 255, 0.8)',
  highlight: '#f8fafc',
  /** The diagonal hatch drawn over requests from outside the app. */
  externalHatch: 'rgba(10, 14, 20, 0.6)',
  /** The queue track's background, set apart from the lanes. */
  queueTrack: '#171e28',
  /** The queue's length over time: its mean as an area, its max as a line. */
  queueLengthArea: 'rgba(112, 80, 236, 0.45)',
  queueLengthMax: 'rgba(180, 160, 255, 0.9)',
  /** The line from a wait's end to the bar of the job a worker took. */
  connector: 'rgba(203, 213, 225, 0.28)',
  /** A lane's stretch of time in which its worker did not exist (a run with fewer workers, or between runs). */
  noWorker: 'rgba(8, 11, 15, 0.55)',
  /** Markers (start, stop, joins) and their names in the strip above the queue. */
  marker: 'rgba(226, 232, 240, 0.55)',
  markerText: '#c3cdd8',
  /** The line between two runs of the server. */
  runSeparator: '#f5c542',
} as const;

/** Each text colour the canvas draws and the background it is drawn on: what the contrast test checks. */
export const CANVAS_TEXT_PAIRS: ReadonlyArray<{ name: string; text: string; background: string }> = [
  { name: 'lane label', text: CANVAS_COLORS.label, background: CANVAS_COLORS.gutter },
  { name: 'exited lane label', text: CANVAS_COLORS.labelExited, background: CANVAS_COLORS.gutter },
  { name: 'axis text', text: CANVAS_COLORS.axisText, background: CANVAS_COLORS.background },
  { name: 'marker name', text: CANVAS_COLORS.markerText, background: CANVAS_COLORS.background },
  { name: 'run separator name', text: CANVAS_COLORS.runSeparator, background: CANVAS_COLORS.background },
  { name: 'queue track label', text: CANVAS_COLORS.label, background: CANVAS_COLORS.gutter },
];

/** The stylesheet's route variables (`--route-sleep`…), from the same values; set on :root at start-up. */
export function paletteCssVariables(): Record<string, string> {
  return Object.fromEntries(ROUTE_KINDS.map((kind) => [`--route-${kind}`, ROUTE_STYLES[kind].color]));
}

// ── colour arithmetic (WCAG 2.x, CIELAB) ─────────────────────────────────────

export interface Rgba {
  r: number;
  g: number;
  b: number;
  /** 0..1 */
  a: number;
}

/** `#rrggbb` or `rgba(r, g, b, a)`; anything else throws, so a typo in the palette fails its test. */
export function parseColor(color: string): Rgba {
  const hex = /^#([0-9a-f]{6})$/i.exec(color);
  if (hex) {
    const value = Number.parseInt(hex[1]!, 16);
    return { r: (value >> 16) & 255, g: (value >> 8) & 255, b: value & 255, a: 1 };
  }
  const rgba = /^rgba?\(\s*(\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?\s*\)$/.exec(color);
  if (rgba) return { r: Number(rgba[1]), g: Number(rgba[2]), b: Number(rgba[3]), a: rgba[4] === undefined ? 1 : Number(rgba[4]) };
  throw new Error(`not a colour the palette understands: ${color}`);
}

/** `color` over an opaque `background`, as the eye sees it. */
export function composite(color: string, background: string): Rgba {
  const top = parseColor(color);
  const under = parseColor(background);
  const mix = (a: number, b: number) => Math.round(a * top.a + b * (1 - top.a));
  return { r: mix(top.r, under.r), g: mix(top.g, under.g), b: mix(top.b, under.b), a: 1 };
}

/** An sRGB channel (0..255) in linear light (0..1). */
export function linearChannel(value255: number): number {
  const c = value255 / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** WCAG relative luminance (0 black … 1 white). */
export function relativeLuminance({ r, g, b }: Rgba): number {
  return 0.2126 * linearChannel(r) + 0.7152 * linearChannel(g) + 0.0722 * linearChannel(b);
}

/** WCAG contrast ratio of `text` over an opaque `background`, 1..21. */
export function contrastRatio(text: string, background: string): number {
  const a = relativeLuminance(composite(text, background));
  const b = relativeLuminance(parseColor(background));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

/** CIELAB lightness L* (0..100) of a relative luminance: equal steps look equally far apart. */
export function lightnessOf(luminance: number): number {
  return luminance > 216 / 24389 ? 116 * Math.cbrt(luminance) - 16 : (24389 / 27) * luminance;
}
