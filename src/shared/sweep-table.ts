// A sizing sweep reduced to one flat row per pool size: what the command line prints, the app's Sweep… charts
// draw and both export as CSV. Pure: the measured figures of each SweepRow beside the M/M/c prediction.

import type { SweepRow } from './load-report';
import { utilizationOf } from './queueing';

/**
 * A run that wrote less than this share of the requests its schedule had due was held back on the client's side
 * (every connection waited for an answer, or the generator fell behind its schedule), so the server saw fewer
 * requests than the schedule asked for, and ρ, P(wait) and M/M/c describe those.
 */
export const CLIENT_LIMITED_RATE_SHARE = 0.95;
/**
 * A seeded Poisson schedule that drew a rate further than this share from the rate asked is said to have: over a few
 * seconds random arrivals stray by about 1/√(λT) (±7 % for 60 req/s over 3 s), which is no fault of the client.
 */
export const SCHEDULE_STRAY_SHARE = 0.05;

/** One row per pool size: the measured latency and queue beside the M/M/c prediction. */
export interface SweepTableRow {
  workers: number;
  /** The rate the schedule asked for. */
  offeredRatePerS: number;
  /** The rate the schedule drew: requests due per second of it (a Poisson draw strays from the rate asked). */
  dueRatePerS: number;
  achievedRatePerS: number;
  /** The client wrote under CLIENT_LIMITED_RATE_SHARE of the requests due: the row measures a lighter load than drawn. */
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
      dueRatePerS: row.load.dueRatePerS,
      achievedRatePerS: row.load.achievedRatePerS,
      isClientLimited: row.load.achievedRatePerS < CLIENT_LIMITED_RATE_SHARE * row.load.dueRatePerS,
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
    `Pool size ${row.workers}: the client wrote ${formatRate(row.achievedRatePerS)} req/s of the ${formatRate(row.dueRatePerS)} req/s its schedule had due ` +
    `(its connections all waited for answers, or it fell behind its schedule), so ρ, P(wait) and M/M/c describe the lighter load the server saw${offered}.`
  );
}

/**
 * When the schedule itself drew a rate away from the one asked, in one sentence for the whole sweep, or null: every
 * pool size gets the same seeded arrivals, so the comparison between them stays fair, but ρ and M/M/c read the rate drawn.
 */
export function scheduleDrawNote(rows: readonly SweepTableRow[], formatRate: (perS: number) => string): string | null {
  const strayed = rows.filter((row) => Math.abs(row.dueRatePerS - row.offeredRatePerS) > SCHEDULE_STRAY_SHARE * row.offeredRatePerS);
  const first = strayed[0];
  if (first === undefined) return null;
  const drawn = [...new Set(strayed.map((row) => formatRate(row.dueRatePerS)))].join(', ');
  const which = strayed.length === rows.length ? 'each pool size' : `pool sizes ${strayed.map((row) => row.workers).join(', ')}`;
  return (
    `The seeded Poisson schedule drew ${drawn} req/s where ${formatRate(first.offeredRatePerS)} req/s were asked, for ${which}: ` +
    `random arrivals over a run this short stray from their rate. Every pool size got the same arrivals; ρ, P(wait) and M/M/c read the rate drawn.`
  );
}
