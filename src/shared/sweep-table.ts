// A sizing sweep reduced to one flat row per pool size: what the command line prints, the app's Sweep… charts
// draw and both export as CSV. Pure: the measured figures of each SweepRow beside the M/M/c prediction.

import type { SweepRow } from './load-report';
import { utilizationOf } from './queueing';

/**
 * A run that wrote less than this share of the rate asked was held back on the client's side (every connection
 * waited for an answer, or the generator fell behind its schedule), so the server saw fewer requests than the
 * schedule asked for, and ρ, P(wait) and M/M/c describe those.
 */
export const CLIENT_LIMITED_RATE_SHARE = 0.95;

/** One row per pool size: the measured latency and queue beside the M/M/c prediction. */
export interface SweepTableRow {
  workers: number;
  /** The rate the schedule asked for. */
  offeredRatePerS: number;
  achievedRatePerS: number;
  /** The client wrote under CLIENT_LIMITED_RATE_SHARE of the rate asked: the row measures a lighter load than asked. */
  isClientLimited: boolean;
  /** ρ of the rate asked, with the measured S: over 1, the pool could not keep up with it. */
  offeredUtilization: number | null;
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
    const offeredRatePerS = row.load.settings.ratePerS;
    return {
      workers: row.workers,
      offeredRatePerS,
      achievedRatePerS: row.load.achievedRatePerS,
      isClientLimited: row.load.achievedRatePerS < CLIENT_LIMITED_RATE_SHARE * offeredRatePerS,
      offeredUtilization:
        serviceMs === null ? null : utilizationOf({ arrivalRatePerS: offeredRatePerS, meanServiceMs: serviceMs, workers: row.workers }),
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

/**
 * Why a row measured less than was asked, in one sentence, or null when it did not: said under the table by the
 * command line and the app alike, each writing the rates as its table's cells do (`formatRate`).
 */
export function clientLimitNote(row: SweepTableRow, formatRate: (perS: number) => string): string | null {
  if (!row.isClientLimited) return null;
  const offered = row.offeredUtilization === null ? '' : `; the rate asked would load the pool to ρ ${row.offeredUtilization.toFixed(2)}`;
  return (
    `Pool size ${row.workers}: the client wrote ${formatRate(row.achievedRatePerS)} req/s of the ${formatRate(row.offeredRatePerS)} req/s asked ` +
    `(its connections all waited for answers, or it fell behind its schedule), so ρ, P(wait) and M/M/c describe the lighter load the server saw${offered}.`
  );
}
