// The sweep's charts from its table rows: pool sizes ascending on x, and for each chart its measured columns
// beside the M/M/c prediction. Pure.

import type { SweepTableRow } from '../../../shared/sweep-table';

export interface SweepChartColumns {
  workers: number[];
  p50Ms: (number | null)[];
  p99Ms: (number | null)[];
  /** M/M/c mean time in the system (Wq + S); null where the theory says the queue is unstable. */
  theoryMeanLatencyMs: (number | null)[];
  throughputPerS: number[];
  sentPerS: number[];
  theoryThroughputPerS: (number | null)[];
  utilization: (number | null)[];
  measuredProbabilityOfWait: (number | null)[];
  theoryProbabilityOfWait: (number | null)[];
}

/** Latency on a log axis cannot show 0: a value under this many ms is drawn at it. */
export const LOG_AXIS_FLOOR_MS = 0.01;

const onLogAxis = (value: number | null): number | null => (value === null ? null : Math.max(LOG_AXIS_FLOOR_MS, value));

export function sweepChartColumns(rows: readonly SweepTableRow[]): SweepChartColumns {
  const sorted = [...rows].sort((a, b) => a.workers - b.workers);
  return {
    workers: sorted.map((row) => row.workers),
    p50Ms: sorted.map((row) => onLogAxis(row.p50Ms)),
    p99Ms: sorted.map((row) => onLogAxis(row.p99Ms)),
    theoryMeanLatencyMs: sorted.map((row) => onLogAxis(row.predictedMeanTimeInSystemMs)),
    throughputPerS: sorted.map((row) => row.throughputPerS),
    sentPerS: sorted.map((row) => row.achievedRatePerS),
    theoryThroughputPerS: sorted.map((row) => row.predictedThroughputPerS),
    utilization: sorted.map((row) => row.utilization),
    measuredProbabilityOfWait: sorted.map((row) => row.measuredProbabilityOfWait),
    theoryProbabilityOfWait: sorted.map((row) => row.predictedProbabilityOfWait),
  };
}
