// The stats charts' columns from the main side's samples: the samples inside the timeline window, as uPlot's
// aligned arrays (x in seconds since the epoch), the window itself as the time axis's range, and the Busy
// workers figure's words. Pure.

import type { LiveSample } from '../../../shared/live-metrics';

export interface LiveChartColumns {
  timesS: number[];
  responsesPerS: number[];
  /** null where a sample had no responses: a gap, not a zero. */
  p99LatencyMs: (number | null)[];
  meanQueueLength: number[];
  meanBusyWorkers: number[];
  workers: (number | null)[];
  /**
   * The time axis's range, s: the whole window, however few samples are in it yet, so the axis reads in whole
   * seconds from the first frame (a few samples' own span would be sub-second) and lines up with the timeline.
   */
  fromS: number;
  toS: number;
}

/** Samples in (endAt − windowMs, endAt], oldest first. */
export function liveChartColumns(samples: readonly LiveSample[], windowMs: number, endAt: number): LiveChartColumns {
  const columns: LiveChartColumns = {
    timesS: [],
    responsesPerS: [],
    p99LatencyMs: [],
    meanQueueLength: [],
    meanBusyWorkers: [],
    workers: [],
    fromS: (endAt - windowMs) / 1000,
    toS: endAt / 1000,
  };
  const startAt = endAt - windowMs;
  // Samples are in time order: skip to the first one in the window.
  let first = samples.length;
  while (first > 0 && samples[first - 1]!.at > startAt) first--;
  for (let i = first; i < samples.length; i++) {
    const sample = samples[i]!;
    if (sample.at > endAt) break;
    columns.timesS.push(sample.at / 1000);
    columns.responsesPerS.push(sample.responsesPerS);
    columns.p99LatencyMs.push(sample.p99LatencyMs);
    columns.meanQueueLength.push(sample.meanQueueLength);
    columns.meanBusyWorkers.push(sample.meanBusyWorkers);
    columns.workers.push(sample.workers);
  }
  return columns;
}

/**
 * The Busy workers figure: the latest sample's mean busy workers "of" its thread count. A sample taken before
 * the run's server listened does not know that count (the first quarter second of a run): the threads the page
 * shows running (`liveThreads`) stand in, so the figure never reads "of —" while workers are there to count.
 */
export function busyWorkersFigure(columns: Pick<LiveChartColumns, 'meanBusyWorkers' | 'workers'>, liveThreads: number): string {
  const last = columns.meanBusyWorkers.length - 1;
  if (last < 0) return '—';
  const workers = columns.workers[last] ?? (liveThreads > 0 ? liveThreads : null);
  return `${columns.meanBusyWorkers[last]!.toFixed(1)} of ${workers ?? '—'}`;
}
