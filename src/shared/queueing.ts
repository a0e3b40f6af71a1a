// Queueing theory's reference for a pool: the M/M/c queue (Poisson arrivals, exponential service times,
// c workers, one FIFO queue, no limit on its length), solved with Erlang's formulas. Pure arithmetic, used
// to draw the theory beside what was measured; it says nothing about what a real pool does.
//
// Notation: λ arrival rate, S mean service time, c workers, a = λS the offered load (erlangs),
// ρ = a/c the utilization. Erlang C is computed from Erlang B's recurrence
//   B(0) = 1,  B(k) = a·B(k−1) / (k + a·B(k−1)),  C = c·B(c) / (c − a·(1 − B(c)))
// which never forms a^c or c!, so it stays exact for hundreds of workers and for ρ a hair below 1.

/** What the model needs: the load and the pool, in the units the rest of the app measures. */
export interface QueueModelInput {
  /** λ: jobs arriving per second. */
  arrivalRatePerS: number;
  /** S: mean time one job keeps a worker busy, ms. */
  meanServiceMs: number;
  /** c: workers. */
  workers: number;
}

export interface StableMmcPrediction {
  isStable: true;
  /** a = λS, erlangs: the average number of workers the load keeps busy. */
  offeredLoad: number;
  /** ρ = λS/c, below 1. */
  utilization: number;
  /** Erlang C: the probability that an arriving job finds every worker busy and waits. */
  probabilityOfWait: number;
  /** Wq: mean time a job waits in the queue, ms (C·S / (c − a)). */
  meanWaitMs: number;
  /** Lq = λ·Wq: time-average number of jobs waiting. */
  meanQueueLength: number;
  /** W = Wq + S: mean time from arrival to completion, ms. */
  meanTimeInSystemMs: number;
  /** L = λ·W: time-average number of jobs waiting or running. */
  meanInSystem: number;
}

export interface UnstableMmcPrediction {
  isStable: false;
  offeredLoad: number;
  /** ρ ≥ 1: work arrives at least as fast as the workers can do it. */
  utilization: number;
  /** The queue grows without bound, on average by λ − c/S jobs per second (0 exactly at ρ = 1). */
  queueGrowthPerS: number;
}

export type MmcPrediction = StableMmcPrediction | UnstableMmcPrediction;

function checkServersAndLoad(servers: number, offeredLoad: number): void {
  if (!Number.isInteger(servers) || servers < 1) throw new RangeError(`servers must be a whole number, at least 1 (got ${servers})`);
  if (!(offeredLoad >= 0) || !Number.isFinite(offeredLoad))
    throw new RangeError(`offered load must be a finite number ≥ 0 (got ${offeredLoad})`);
}

/** Erlang B: the probability that all `servers` are busy in a loss system (no queue) offered `offeredLoad` erlangs. */
export function erlangB(servers: number, offeredLoad: number): number {
  checkServersAndLoad(servers, offeredLoad);
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (offeredLoad * b) / (k + offeredLoad * b);
  return b;
}

/**
 * Erlang C: the probability that an arrival waits in an M/M/c queue offered `offeredLoad` erlangs.
 * 1 when offeredLoad ≥ servers (the queue never empties for good).
 */
export function erlangC(servers: number, offeredLoad: number): number {
  checkServersAndLoad(servers, offeredLoad);
  if (offeredLoad >= servers) return 1;
  const b = erlangB(servers, offeredLoad);
  return (servers * b) / (servers - offeredLoad * (1 - b));
}

/** ρ = λS/c: the share of the pool's capacity an arrival rate asks for (over 1, more than the pool can do). */
export function utilizationOf({ arrivalRatePerS, meanServiceMs, workers }: QueueModelInput): number {
  return (arrivalRatePerS * meanServiceMs) / 1000 / workers;
}

/** The M/M/c prediction for a measured (or planned) arrival rate, mean service time and pool size. */
export function predictMmc(input: QueueModelInput): MmcPrediction {
  const { arrivalRatePerS, meanServiceMs, workers } = input;
  if (!(arrivalRatePerS >= 0) || !Number.isFinite(arrivalRatePerS))
    throw new RangeError(`arrival rate must be a finite number ≥ 0 (got ${arrivalRatePerS})`);
  if (!(meanServiceMs >= 0) || !Number.isFinite(meanServiceMs))
    throw new RangeError(`mean service time must be a finite number ≥ 0 (got ${meanServiceMs})`);
  const serviceS = meanServiceMs / 1000;
  const offeredLoad = arrivalRatePerS * serviceS;
  checkServersAndLoad(workers, offeredLoad);
  const utilization = offeredLoad / workers;
  if (offeredLoad >= workers) {
    return { isStable: false, offeredLoad, utilization, queueGrowthPerS: arrivalRatePerS - workers / serviceS };
  }
  const probabilityOfWait = offeredLoad === 0 ? 0 : erlangC(workers, offeredLoad);
  const meanWaitMs = offeredLoad === 0 ? 0 : (probabilityOfWait * meanServiceMs) / (workers - offeredLoad);
  const meanTimeInSystemMs = meanWaitMs + meanServiceMs;
  return {
    isStable: true,
    offeredLoad,
    utilization,
    probabilityOfWait,
    meanWaitMs,
    meanQueueLength: (arrivalRatePerS * meanWaitMs) / 1000,
    meanTimeInSystemMs,
    meanInSystem: (arrivalRatePerS * meanTimeInSystemMs) / 1000,
  };
}

/**
 * P(Wq > t) in M/M/c: C · e^(−(c − a)·t/S), the share of jobs that wait longer than `waitMs` — a service
 * level read off the theory ("80 % of requests start within 20 ms"). 1 for an unstable queue.
 */
export function probabilityWaitExceeds(input: QueueModelInput, waitMs: number): number {
  const prediction = predictMmc(input);
  if (!prediction.isStable) return 1;
  if (waitMs <= 0 || input.meanServiceMs === 0) return waitMs <= 0 ? prediction.probabilityOfWait : 0;
  return prediction.probabilityOfWait * Math.exp((-(input.workers - prediction.offeredLoad) * waitMs) / input.meanServiceMs);
}
