// The charts' look on the dark UI: axis, grid and series colours that read on the panels (the stylesheet's
// colours), canvas text at the UI's size, and the axis builders every chart shares.

import uPlot from 'uplot';
import { formatDurationMs } from '../../../shared/durations';

export const CHART_COLORS = {
  axis: '#8b98a5',
  grid: '#232d39',
  /** Measured series, in the order a chart lists them. */
  measured: ['#4f9dff', '#fb923c', '#3fb950', '#e3b341'],
  /** The theory's reference lines: dashed, light. */
  theory: '#d2a8ff',
} as const;

/** Canvas text: the UI's own face, and larger in presentation mode. */
export function chartFont(isPresenting: boolean): string {
  return `${isPresenting ? 16 : 11}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
}

export function chartAxis(isPresenting: boolean, overrides: Partial<uPlot.Axis> = {}): uPlot.Axis {
  return {
    stroke: CHART_COLORS.axis,
    font: chartFont(isPresenting),
    labelFont: chartFont(isPresenting),
    grid: { stroke: CHART_COLORS.grid, width: 1 },
    ticks: { stroke: CHART_COLORS.grid, width: 1 },
    ...overrides,
  };
}

/** What uPlot keeps on an axis once the chart is built: its font as [canvas font, size], and the size it settled on. */
interface BuiltAxis {
  font: [string, number];
  gap?: number;
  ticks?: { size?: number };
  _size?: number;
}

/**
 * A y-axis as wide as its widest tick label (uPlot's autosize recipe), and never narrower than `minPx`: a fixed width
 * cut "0.50 ms" to "50 ms" at the canvas's edge, so a sub-millisecond p99 read as fifty times that.
 */
export function sizeFittingLabels(minPx: number): uPlot.Axis.Size {
  return (chart, values, axisIdx, cycleNum) => {
    const axis = chart.axes[axisIdx] as unknown as BuiltAxis;
    // uPlot sizes its axes again until they settle; past the first pass, the size found stands, so they do.
    if (cycleNum > 1 && axis._size !== undefined) return axis._size;
    const longest = (values ?? []).reduce((widest, value) => (value.length > widest.length ? value : widest), '');
    if (longest === '') return minPx;
    chart.ctx.font = axis.font[0];
    const textPx = chart.ctx.measureText(longest).width / uPlot.pxRatio;
    return Math.max(minPx, Math.ceil((axis.ticks?.size ?? 10) + (axis.gap ?? 5) + textPx + 2));
  };
}

export function measuredSeries(index: number, label: string, overrides: Partial<uPlot.Series> = {}): uPlot.Series {
  return { label, stroke: CHART_COLORS.measured[index % CHART_COLORS.measured.length], width: 2, points: { show: false }, ...overrides };
}

export function theorySeries(label: string, overrides: Partial<uPlot.Series> = {}): uPlot.Series {
  return { label, stroke: CHART_COLORS.theory, width: 2, dash: [6, 4], points: { show: true, size: 5 }, ...overrides };
}

const compactCount = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
/** A count axis's ticks, short at any rate: 950, 1.2K, 25K (the axis keeps its width). */
export const countTicks: uPlot.Axis.Values = (_chart, splits) => splits.map((value) => compactCount.format(value));
/** A count axis's tick steps: whole numbers only (1, 2, 5, 10, 20, 50, …), so 4 workers never read "2.5". */
export const COUNT_INCREMENTS: number[] = Array.from({ length: 30 }, (_, i) => [1, 2, 5][i % 3]! * 10 ** Math.floor(i / 3));

/**
 * Tick positions for an axis whose `ceiling` (the pool size) matters most: the steps below it, and the ceiling
 * itself, a step too close under it left out so their labels do not collide.
 */
export function ticksUpTo(ceiling: number, incr: number): number[] {
  const ticks: number[] = [];
  for (let value = 0; value <= ceiling - incr / 2; value += incr) ticks.push(value);
  ticks.push(ceiling);
  return ticks;
}

/** A duration axis's ticks, its values in ms: "250 ms", "1.5 s", "10 s", as the page writes durations everywhere. */
export const durationTicks: uPlot.Axis.Values = (_chart, splits) => splits.map((valueMs) => formatDurationMs(valueMs));

const hoursMinutesSeconds = uPlot.fmtDate('{HH}:{mm}:{ss}');
const hoursMinutes = uPlot.fmtDate('{HH}:{mm}');
/** A time axis's ticks (values in s) on the 24-hour clock the log and the timeline use; seconds while ticks are under a minute apart. */
export const clockTicks: uPlot.Axis.Values = (_chart, splits) => {
  const stepS = splits.length > 1 ? splits[1]! - splits[0]! : 1;
  const format = stepS >= 60 ? hoursMinutes : hoursMinutesSeconds;
  return splits.map((atS) => format(new Date(atS * 1000)));
};
