// The live charts' tick labels: counts short at any rate, durations as the page writes them, times on the 24-hour clock.
import type uPlot from 'uplot';
import { describe, expect, it } from 'vitest';
import { COUNT_INCREMENTS, clockTicks, countTicks, durationTicks, ticksUpTo } from '../src/renderer/components/charts/chart-theme';

const ticks = (values: uPlot.Axis.Values, splits: number[]): string[] =>
  (values as (chart: uPlot, splits: number[], axisIdx: number, space: number, incr: number) => string[])({} as uPlot, splits, 1, 0, 0);

describe('chart ticks', () => {
  it('writes counts short enough for the axis at any rate', () => {
    expect(ticks(countTicks, [0, 2.5, 950, 2_500, 25_000, 1_200_000])).toEqual(['0', '2.5', '950', '2.5K', '25K', '1.2M']);
  });

  it('steps a count axis by whole numbers only', () => {
    expect(COUNT_INCREMENTS.slice(0, 7)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(COUNT_INCREMENTS.every(Number.isInteger)).toBe(true);
  });

  it('always ticks the pool size on the busy workers axis, and no step that would crowd its label', () => {
    expect(ticksUpTo(4, 2)).toEqual([0, 2, 4]);
    expect(ticksUpTo(8, 5)).toEqual([0, 5, 8]);
    expect(ticksUpTo(6, 5)).toEqual([0, 6]);
    expect(ticksUpTo(1, 1)).toEqual([0, 1]);
  });

  it('writes a latency axis (ms) in the units the page uses, never a bare number that clips', () => {
    expect(ticks(durationTicks, [0, 250, 1_500, 10_000, 20_000])).toEqual(['0 ms', '250 ms', '1.5 s', '10 s', '20 s']);
  });

  it('writes times on the 24-hour clock, seconds only while the ticks are under a minute apart', () => {
    const at = new Date(2026, 11, 2, 20, 9, 10).getTime() / 1_000;
    expect(ticks(clockTicks, [at, at + 10])).toEqual(['20:09:10', '20:09:20']);
    expect(ticks(clockTicks, [at, at + 60])).toEqual(['20:09', '20:10']);
  });
});
