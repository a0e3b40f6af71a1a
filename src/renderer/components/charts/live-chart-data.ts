// The stats charts' columns from the main side's samples: the samples inside the timeline window, as uPlot's
// aligned arrays (x in seconds since the epoch). Pure.

import type { LiveSample } from '../../../shared/live-metrics';

export interface LiveChartColumns {
  timesS: number[];
  responsesPerS: number[];
  /** null where a sample had no responses: a gap, not a zero. */
  p99LatencyMs: (number | null)[];
  meanQueueLength: number[];
  meanBusyWorkers: number[];
  workers: (number | null)[];
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
