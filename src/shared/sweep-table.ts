// A sizing sweep reduced to one flat row per pool size: what the command line prints, the app's Sweep… charts
// draw and both export as CSV. Pure: the measured figures of each SweepRow beside the M/M/c prediction.

import type { SweepRow } from './load-report';

/** One row per pool size: the measured latency and queue beside the M/M/c prediction. */
export interface SweepTableRow {
  workers: number;
  achievedRatePerS: number;
  throughputPerS: number;
  p50Ms: number | null;
  p99Ms: number | null;
  errors: number;
  utilization: number | null;
  /** Time-average busy workers ÷ c: ρ as the pool measured it. */
  busyFraction: number | null;
  meanServiceMs: number | null;
  meanWorkerRunMs: number | null;
  measuredProbabilityOfWait: number | null;
  predictedProbabilityOfWait: number | null;
  measuredMeanWaitMs: number | null;
  predictedMeanWaitMs: number | null;
  /** M/M/c's mean time in the system (Wq + S) when stable: the theory's mean latency on the server. */
  predictedMeanTimeInSystemMs: number | null;
  /** What the pool can finish per second in theory: λ while stable, c/S (its capacity) once ρ ≥ 1. */
  predictedThroughputPerS: number | null;
  /** Queue growth per second that M/M/c predicts when ρ ≥ 1; null when stable. */
  predictedQueueGrowthPerS: number | null;
}

export function sweepTableRows(rows: readonly SweepRow[]): SweepTableRow[] {
  return rows.map((row) => {
    const predicted = row.predicted;
    const serviceMs = row.measured.meanServiceMs;
    const capacityPerS = serviceMs !== null && serviceMs > 0 ? (row.workers * 1000) / serviceMs : null;
    return {
      workers: row.workers,
      achievedRatePerS: row.load.achievedRatePerS,
      throughputPerS: row.load.throughputPerS,
      p50Ms: row.load.latency?.p50Ms ?? null,
      p99Ms: row.load.latency?.p99Ms ?? null,
      errors: row.load.errors,
      utilization: row.measured.utilization,
      busyFraction: row.measured.busyFraction,
      meanServiceMs: serviceMs,
      meanWorkerRunMs: row.measured.meanWorkerRunMs,
      measuredProbabilityOfWait: row.measured.probabilityOfWait,
      predictedProbabilityOfWait: predicted === null ? null : predicted.isStable ? predicted.probabilityOfWait : 1,
      measuredMeanWaitMs: row.measured.meanWaitMs,
      predictedMeanWaitMs: predicted?.isStable ? predicted.meanWaitMs : null,
      predictedMeanTimeInSystemMs: predicted?.isStable ? predicted.meanTimeInSystemMs : null,
      predictedThroughputPerS:
        predicted === null ? null : predicted.isStable || capacityPerS === null ? row.measured.arrivalRatePerS : capacityPerS,
      predictedQueueGrowthPerS: predicted !== null && !predicted.isStable ? predicted.queueGrowthPerS : null,
    };
  });
}

/** The CSV's columns, in order: a public file format (`npm run sweep -- --csv`, Sweep…'s Export CSV). */
export const SWEEP_CSV_COLUMNS: readonly (keyof SweepTableRow)[] = [
  'workers',
  'achievedRatePerS',
  'throughputPerS',
  'p50Ms',
  'p99Ms',
  'errors',
  'meanServiceMs',
  'meanWorkerRunMs',
  'utilization',
  'measuredProbabilityOfWait',
  'predictedProbabilityOfWait',
  'measuredMeanWaitMs',
  'predictedMeanWaitMs',
  'predictedQueueGrowthPerS',
];

/** The sweep table as CSV (RFC 4180): a header line, then one line per pool size; empty cells where a value is unknown. */
export function sweepTableCsv(rows: readonly SweepTableRow[]): string {
  const lines = rows.map((row) => SWEEP_CSV_COLUMNS.map((column) => (row[column] === null ? '' : String(row[column]))).join(','));
  return `${[SWEEP_CSV_COLUMNS.join(','), ...lines].join('\r\n')}\r\n`;
}
