// What the queueing panel says about a QueueingWindow snapshot: the M/M/c (Erlang C) reference for the
// measured λ, S and c, whether the queue is stable, how fast it grows when it is not, and where the theory's
// assumptions are far from what was measured, and when Little's two sides differ, the jobs at the window's edges that
// make the difference. Pure; the panel only lays it out.

import type { ArrivalProcess } from './load-settings';
import { type MmcPrediction, predictMmc, utilizationOf } from './queueing';
import type { LittleCheck, QueueingWindowSnapshot } from './queueing-window';

/** Below this coefficient of variation service times count as nearly constant (exponential ones have 1). */
export const LOW_SERVICE_CV = 0.5;
/** Above this they vary more than exponential ones (a mix of very short and long jobs). */
export const HIGH_SERVICE_CV = 1.5;
/** Fewer finished jobs in the window than this, and the figures are rough. */
export const FEW_JOBS = 20;
/** Little's two sides this far apart (relative, and in jobs) are a gap worth explaining: the window's edges. */
export const LITTLE_GAP_SHARE = 0.1;
export const LITTLE_GAP_JOBS = 0.05;

/** The jobs straddling the window's edges, which is what parts L from λW over a sliding window. */
export interface LittleEdges {
  /** Jobs waiting or running when the window began: in L for their time inside it, never in λ. */
  inSystemAtStart: number;
  /** Jobs waiting or running now: in L, not yet in W. */
  inSystemAtEnd: number;
  /** W is longer than the window itself: a mean stay that long means the edges weigh heavily. */
  isStayLongerThanWindow: boolean;
  /** One side of the law is LITTLE_GAP_SHARE and LITTLE_GAP_JOBS or more from the other: a gap a person sees. */
  isGapVisible: boolean;
}

export interface QueueingReading {
  /** M/M/c for the measured λ, S and c; null until a job has finished (no S) or before c is known. */
  theory: MmcPrediction | null;
  /** ρ ≥ 1: work arrives at least as fast as the pool can do it. */
  isOverloaded: boolean;
  /** When overloaded: λ − c/S, the queue's growth per second that the theory predicts. */
  predictedGrowthPerS: number | null;
  /** Arrivals minus completions per second over the window: how fast the queue really grew. */
  measuredGrowthPerS: number;
  /** Requests refused with 503 because the queue was full, per second over the window: traffic λ leaves out. */
  refusedPerS: number;
  /**
   * ρ for the traffic offered, the jobs taken and those refused alike: (λ + refused/s)·S/c. Null when none was refused
   * or S or c is unknown. Refusals cap λ near c/S, so ρ alone reads below 1 however far the offered load is past it.
   */
  offeredUtilization: number | null;
  /**
   * ρ at the rate the open-loop load sending now sends on average: rate·S/c. Null when none is sending, or S or c is
   * unknown. A short window of random arrivals can read ρ ≥ 1 for a load whose own rate keeps it below 1.
   */
  sendingUtilization: number | null;
  /** Where M/M/c's assumptions are far from this traffic, in words for a person. */
  notes: string[];
  /** The jobs at the window's edges that part Little's two sides; null when it began and ends empty, or before W is known. */
  littleEdges: LittleEdges | null;
}

export interface QueueingContext {
  /** The open-loop load running now (its arrival process), or null when none runs: other traffic is not Poisson. */
  arrivals: ArrivalProcess | null;
  /** The mean rate (requests/s) of the open-loop load that is sending now; null when none is (or it only drains its answers). */
  sendingRatePerS?: number | null;
}

export function readQueueing(snapshot: QueueingWindowSnapshot, context: QueueingContext): QueueingReading {
  const { arrivalRatePerS, meanServiceMs, workers } = snapshot;
  const theory = meanServiceMs === null || workers === null || workers < 1 ? null : predictMmc({ arrivalRatePerS, meanServiceMs, workers });
  const isOverloaded = theory !== null && !theory.isStable;
  const notes: string[] = [];
  if (snapshot.arrivals > 0) {
    if (context.arrivals === null) {
      notes.push(
        'These arrivals do not come from an open-loop Poisson load (bursts, a browser, a closed-loop client that waits for each answer): M/M/c does not describe them.',
      );
    } else if (context.arrivals === 'constant') {
      notes.push('Arrivals are evenly spaced (constant), not Poisson: jobs wait less than M/M/c predicts.');
    }
  }
  // The jobs' own run times, as the worker measured them: the main thread's hiccups are not the jobs' nature.
  const cv = snapshot.workerRunCv;
  if (cv !== null && cv < LOW_SERVICE_CV) {
    notes.push(
      `Jobs' run times barely vary (CV ${cv.toFixed(2)}, like a single /sleep?ms=N), where M/M/c assumes exponential ones (CV 1): jobs wait less than it predicts, about half as long when times are constant.`,
    );
  } else if (cv !== null && cv > HIGH_SERVICE_CV) {
    notes.push(
      `Jobs' run times vary more than M/M/c assumes (CV ${cv.toFixed(2)} against 1: very short and long jobs mixed): jobs wait more than it predicts.`,
    );
  }
  if (snapshot.completions > 0 && snapshot.completions < FEW_JOBS)
    notes.push(`Only ${snapshot.completions} jobs finished in the window: the figures are rough.`);
  const spanS = snapshot.spanMs / 1000;
  const refusedPerS = spanS > 0 ? snapshot.rejected / spanS : 0;
  const offeredUtilization =
    snapshot.rejected > 0 && meanServiceMs !== null && workers !== null && workers >= 1
      ? utilizationOf({ arrivalRatePerS: arrivalRatePerS + refusedPerS, meanServiceMs, workers })
      : null;
  const sendingRatePerS = context.sendingRatePerS ?? null;
  const sendingUtilization =
    sendingRatePerS !== null && meanServiceMs !== null && workers !== null && workers >= 1
      ? utilizationOf({ arrivalRatePerS: sendingRatePerS, meanServiceMs, workers })
      : null;
  return {
    littleEdges: littleEdgesOf(snapshot),
    sendingUtilization,
    theory,
    isOverloaded,
    refusedPerS,
    offeredUtilization,
    predictedGrowthPerS: theory !== null && !theory.isStable ? theory.queueGrowthPerS : null,
    measuredGrowthPerS: snapshot.arrivalRatePerS - snapshot.throughputPerS,
    notes,
  };
}

function littleEdgesOf(snapshot: QueueingWindowSnapshot): LittleEdges | null {
  const inSystemAtEnd = snapshot.queueLength + snapshot.busyWorkers;
  // A span that starts and ends empty keeps the law exactly: no edge to name.
  if (snapshot.inSystemAtStart === 0 && inSystemAtEnd === 0) return null;
  const { inSystem, waiting } = snapshot.little;
  if (inSystem.difference === null && waiting.difference === null) return null;
  const isVisible = (check: LittleCheck) =>
    check.difference !== null &&
    Math.abs(check.difference) >= LITTLE_GAP_JOBS &&
    check.relativeDifference !== null &&
    check.relativeDifference >= LITTLE_GAP_SHARE;
  return {
    inSystemAtStart: snapshot.inSystemAtStart,
    inSystemAtEnd,
    isStayLongerThanWindow: snapshot.meanTimeInSystemMs !== null && snapshot.meanTimeInSystemMs > snapshot.spanMs,
    isGapVisible: isVisible(inSystem) || isVisible(waiting),
  };
}
