// The measured queueing quantities of a running server over a sliding time window, computed from its event
// stream (job-queued, job-started, job-finished, job-abandoned, request-rejected, server-listening, and single's
// connection events): λ, S, c, ρ, Lq, L,
// Wq, W and the Little's-law checks. Pure and incremental: O(1) amortised per event, memory bounded by the
// window's bucket count plus the jobs in the system (itself bounded by the server's queue).
//
// Definitions (all times on the server's one clock, the events' `at`):
// - The window is a ring of `bucketMs` buckets aligned to multiples of bucketMs. At time t it covers
//   [start of the oldest kept bucket, t], never earlier than the first event seen since the last reset
//   (construction or a server-listening): a span between windowMs − bucketMs and windowMs once warm.
// - λ (arrivalRatePerS): job-queued events in the window ÷ its span. Requests the server refused because
//   its queue was full (request-rejected QUEUE_FULL) are not arrivals to the pool; they are counted apart.
// - c (workers): how many jobs can run at once under the settings server-listening announced (or given to the
//   constructor): the pool size; 1 for the single thread and the while-let pool (its lock is held while a job runs);
//   the thread limit for a thread per request.
// - S (meanServiceMs): the mean time a job held its worker, job-started → job-finished, over the jobs that
//   finished in the window: the job's run as the pool sees it, which is what keeps the next job waiting.
//   meanWorkerRunMs is the part measured inside the worker thread (`runMs`); the difference is the cost of
//   handing a job to a thread and its result back (large against GET /'s microseconds, small against /sleep).
// - ρ (utilization) = λ·S / c. busyFraction is the measured counterpart: time-average busy workers ÷ c.
// - Lq, L: time averages over the span of the number of jobs waiting (job-queued → job-started) and in the
//   system (job-queued → job-finished), integrated exactly between events, never sampled.
// - Wq, W: means over the jobs that LEFT the system in the window, of their whole wait (job-started's waitMs)
//   and their whole time in the system (finish `at` − queued `at`), including any part before the window
//   began. A job abandoned in the queue (job-abandoned) leaves the system then: its wait and its time in the
//   system are both its waitMs. Jobs that arrived in the window but had not left by t are in Lq/L but not yet in Wq/W.
//   A job the estimator saw start but not arrive counts in S and Wq but not in W; one it saw only finish
//   counts only in meanWorkerRunMs and the completions.
// - Strategy 'single' has no job queue (its one thread reads one connection at a time): what waits is connections in
//   the listen backlog, connection-waiting → connection-taken (or closed unread). Such a request arrives (λ, and
//   P(wait): it found the thread busy) with its connection, counts in Lq and L while it waits, and its wait (Wq) and
//   time in the system (W) begin then, carried from connection-taken through its request-received to its job (a job
//   of single starts at once); one closed unread leaves the system then, as an abandoned job does.
// - Little's law L = λW (and Lq = λWq) holds exactly over a span that starts and ends with the system
//   empty; over a sliding window the jobs straddling its two edges make the difference, which shrinks as
//   the window grows against W. The checks report both sides and the difference.
// - probabilityOfWait: the share of arrivals in the window that found every worker busy (the measured
//   counterpart of Erlang C).

import type { ServerEvent } from './events';
import { concurrentJobLimitOf } from './settings';

export const DEFAULT_QUEUEING_WINDOW_MS = 10_000;
export const DEFAULT_QUEUEING_BUCKET_MS = 100;
/** Jobs remembered between job-queued and job-finished; beyond this the oldest are forgotten (a server bounds its queue far lower). */
export const MAX_TRACKED_JOBS = 100_000;

export interface QueueingWindowOptions {
  windowMs?: number;
  bucketMs?: number;
  /** The pool size, when the estimator starts after the server-listening event. */
  workers?: number;
}

/** One side of Little's law beside the other. */
export interface LittleCheck {
  /** The time-average count measured directly (L or Lq). */
  measured: number;
  /** λ times the mean time (λW or λWq); null until a job has finished in the window. */
  predicted: number | null;
  /** measured − predicted; null with predicted. */
  difference: number | null;
  /** |difference| ÷ max(measured, predicted); null when both are 0 or predicted is null. */
  relativeDifference: number | null;
}

export interface QueueingWindowSnapshot {
  /** The time the snapshot describes (ms since the epoch, the events' clock). */
  at: number;
  /** Length of the span the figures cover, ms (see the definitions above). */
  spanMs: number;
  /** c; null until a server-listening event or the constructor said. */
  workers: number | null;
  arrivals: number;
  /** λ, jobs per second. */
  arrivalRatePerS: number;
  /** Requests answered 503 because the queue was full, in the window. */
  rejected: number;
  /** Jobs finished in the window. */
  completions: number;
  throughputPerS: number;
  /** S: mean time a job held its worker (job-started → job-finished), ms; null when no job seen whole finished in the window. */
  meanServiceMs: number | null;
  /** Mean `runMs` measured inside the worker thread, ms; null when no job finished in the window. */
  meanWorkerRunMs: number | null;
  /**
   * Coefficient of variation (standard deviation ÷ mean) of the run time measured inside the worker thread: how much
   * the jobs themselves vary, free of the main thread's delays. 1 for the exponential times M/M/c assumes, near 0 for
   * constant ones like a single /sleep?ms=N; null with fewer than two jobs or a mean of 0.
   */
  workerRunCv: number | null;
  /** ρ = λS/c; null without S or c. */
  utilization: number | null;
  /** Time-average busy workers ÷ c; null without c. */
  busyFraction: number | null;
  /** Lq: time-average number of jobs waiting. */
  meanQueueLength: number;
  /** Time-average number of busy workers. */
  meanBusyWorkers: number;
  /** L: time-average number of jobs waiting or running. */
  meanInSystem: number;
  /** Wq, ms, of jobs finished in the window; null when none. */
  meanWaitMs: number | null;
  /** W, ms, of jobs finished in the window whose arrival was seen; null when none. */
  meanTimeInSystemMs: number | null;
  /** Share of arrivals that found every worker busy; null without arrivals or c. */
  probabilityOfWait: number | null;
  /** Jobs waiting and running at `at`. */
  queueLength: number;
  busyWorkers: number;
  /**
   * Jobs waiting or running when the span began: with queueLength + busyWorkers, the jobs straddling its two edges,
   * which make Little's two sides differ (0 and 0: they agree exactly).
   */
  inSystemAtStart: number;
  little: { inSystem: LittleCheck; waiting: LittleCheck };
}

interface JobTimes {
  queuedAt: number;
  /** NaN until job-started. */
  startedAt: number;
  /** NaN until job-started. */
  waitMs: number;
}

/** Columns of per-bucket sums, one Float64Array each, so the ring allocates nothing per event. */
const enum Column {
  Arrivals,
  WaitedArrivals,
  Rejected,
  Completions,
  SumRunMs,
  /** Σ runMs², ms², for the spread of the jobs' own run times. */
  SumRunSquaredMs,
  HoldCount,
  SumHoldMs,
  WaitCount,
  SumWaitMs,
  SojournCount,
  SumSojournMs,
  /** ∫ queue length dt, job·ms. */
  QueueIntegral,
  /** ∫ busy workers dt, job·ms. */
  BusyIntegral,
  Count,
}

export class QueueingWindow {
  readonly windowMs: number;
  readonly bucketMs: number;
  private readonly bucketCount: number;
  private readonly columns: Float64Array[];
  /** Which absolute bucket (floor(at / bucketMs)) each ring slot holds; -1 when empty. */
  private readonly slotBucket: Float64Array;
  /** Jobs waiting or running when each slot's bucket opened: the window's starting state, never summed. */
  private readonly slotOpenedInSystem: Float64Array;
  private workers: number | null;
  private readonly jobs = new Map<number, JobTimes>();
  /** What waits: the jobs in the queue plus, under strategy 'single', the connections waiting unread for the thread. */
  private queueLength = 0;
  private jobQueueDepth = 0;
  // Strategy 'single': its queue is the listen backlog. A connection's wait there is its request's wait: carried from
  // connection-taken through its request-received to its job (single's jobs themselves start at once).
  /** Since when each waits, by connection id. */
  private readonly waitingConnectionSince = new Map<number, number>();
  private readonly takenConnectionWaitMs = new Map<number, number>();
  private readonly requestConnectionWaitMs = new Map<number, number>();
  private busyWorkers = 0;
  /** Time up to which the integrals are accumulated; NaN before the first event. */
  private integratedTo = Number.NaN;
  private currentBucket = 0;
  private observedSince = Number.NaN;

  constructor(options: QueueingWindowOptions = {}) {
    this.windowMs = options.windowMs ?? DEFAULT_QUEUEING_WINDOW_MS;
    this.bucketMs = options.bucketMs ?? DEFAULT_QUEUEING_BUCKET_MS;
    if (!(this.bucketMs > 0) || !(this.windowMs >= this.bucketMs)) {
      throw new RangeError(`windowMs (${this.windowMs}) must be at least bucketMs (${this.bucketMs}) > 0`);
    }
    this.bucketCount = Math.ceil(this.windowMs / this.bucketMs);
    this.columns = Array.from({ length: Column.Count }, () => new Float64Array(this.bucketCount));
    this.slotBucket = new Float64Array(this.bucketCount).fill(-1);
    this.slotOpenedInSystem = new Float64Array(this.bucketCount);
    this.workers = options.workers ?? null;
  }

  /** Feeds one server event; events must come in stream order (their `at` never decreases). */
  observe(event: ServerEvent): void {
    switch (event.type) {
      case 'server-listening':
        this.reset(event.at);
        this.workers = concurrentJobLimitOf(event);
        return;
      case 'job-queued': {
        this.advanceTo(event.at);
        const slot = this.slotOf();
        const waitingBefore = this.queueLength;
        const connectionWaitMs = this.requestConnectionWaitMs.get(event.requestId) ?? 0;
        // A request whose connection waited for the single thread arrived with it (counted at connection-waiting).
        if (connectionWaitMs === 0) {
          this.add(slot, Column.Arrivals, 1);
          if (this.workers !== null ? this.busyWorkers >= this.workers : waitingBefore > 0) this.add(slot, Column.WaitedArrivals, 1);
        }
        this.setJobQueueDepth(event.queueDepth);
        // It arrived when its connection did (strategy 'single'), not when the thread came round to read it.
        this.track(event.requestId, { queuedAt: event.at - connectionWaitMs, startedAt: Number.NaN, waitMs: Number.NaN });
        return;
      }
      case 'job-started': {
        this.advanceTo(event.at);
        this.setJobQueueDepth(event.queueDepth);
        this.busyWorkers++;
        const job = this.jobs.get(event.requestId);
        const connectionWaitMs = this.requestConnectionWaitMs.get(event.requestId) ?? 0;
        if (connectionWaitMs > 0) this.requestConnectionWaitMs.delete(event.requestId);
        if (job !== undefined) {
          job.startedAt = event.at;
          job.waitMs = event.waitMs + connectionWaitMs;
        } else {
          this.track(event.requestId, { queuedAt: Number.NaN, startedAt: event.at, waitMs: event.waitMs + connectionWaitMs });
        }
        return;
      }
      case 'job-finished': {
        this.advanceTo(event.at);
        const slot = this.slotOf();
        // A job whose start came before the estimator did was never counted busy.
        const job = this.jobs.get(event.requestId);
        if (job !== undefined && !Number.isNaN(job.startedAt)) this.busyWorkers = Math.max(0, this.busyWorkers - 1);
        this.add(slot, Column.Completions, 1);
        this.add(slot, Column.SumRunMs, event.runMs);
        this.add(slot, Column.SumRunSquaredMs, event.runMs * event.runMs);
        if (job !== undefined) {
          this.jobs.delete(event.requestId);
          if (!Number.isNaN(job.waitMs)) {
            this.add(slot, Column.WaitCount, 1);
            this.add(slot, Column.SumWaitMs, job.waitMs);
            this.add(slot, Column.HoldCount, 1);
            this.add(slot, Column.SumHoldMs, event.at - job.startedAt);
          }
          if (!Number.isNaN(job.queuedAt)) {
            this.add(slot, Column.SojournCount, 1);
            this.add(slot, Column.SumSojournMs, event.at - job.queuedAt);
          }
        }
        return;
      }
      case 'job-abandoned': {
        this.advanceTo(event.at);
        const slot = this.slotOf();
        this.setJobQueueDepth(event.queueDepth);
        this.requestConnectionWaitMs.delete(event.requestId);
        const job = this.jobs.get(event.requestId);
        if (job !== undefined) {
          this.jobs.delete(event.requestId);
          this.add(slot, Column.WaitCount, 1);
          this.add(slot, Column.SumWaitMs, event.waitMs);
          if (!Number.isNaN(job.queuedAt)) {
            this.add(slot, Column.SojournCount, 1);
            this.add(slot, Column.SumSojournMs, event.at - job.queuedAt);
          }
        }
        return;
      }
      case 'connection-waiting': {
        // Its request arrives now, as far as its client knows, and finds the one thread busy.
        this.advanceTo(event.at);
        const slot = this.slotOf();
        this.add(slot, Column.Arrivals, 1);
        this.add(slot, Column.WaitedArrivals, 1);
        this.waitingConnectionSince.set(event.connectionId, event.at);
        this.setJobQueueDepth(this.jobQueueDepth);
        return;
      }
      case 'connection-taken':
        this.advanceTo(event.at);
        if (this.waitingConnectionSince.delete(event.connectionId)) this.takenConnectionWaitMs.set(event.connectionId, event.waitMs);
        this.setJobQueueDepth(this.jobQueueDepth);
        return;
      case 'connection-closed': {
        // Closed unread while it waited (its client left, or a 503 at shutdown): it left the system then, as an abandoned
        // job does; or closed after it was read.
        this.takenConnectionWaitMs.delete(event.connectionId);
        const since = this.waitingConnectionSince.get(event.connectionId);
        if (since === undefined) return;
        this.advanceTo(event.at);
        const slot = this.slotOf();
        this.waitingConnectionSince.delete(event.connectionId);
        this.add(slot, Column.WaitCount, 1);
        this.add(slot, Column.SumWaitMs, event.at - since);
        this.add(slot, Column.SojournCount, 1);
        this.add(slot, Column.SumSojournMs, event.at - since);
        this.setJobQueueDepth(this.jobQueueDepth);
        return;
      }
      case 'request-received': {
        const waitMs = this.takenConnectionWaitMs.get(event.connectionId);
        if (waitMs === undefined) return;
        // Only the first request on it waited for the thread.
        this.takenConnectionWaitMs.delete(event.connectionId);
        this.requestConnectionWaitMs.set(event.requestId, waitMs);
        return;
      }
      case 'request-rejected':
        this.requestConnectionWaitMs.delete(event.requestId);
        if (event.errorCode !== 'QUEUE_FULL') return;
        this.advanceTo(event.at);
        this.add(this.slotOf(), Column.Rejected, 1);
        return;
      default:
        return;
    }
  }

  /**
   * Strategy 'single': how long the connection of this request, received and not yet started, waited unread for the
   * thread; 0 when it did not wait.
   */
  connectionWaitMsOf(requestId: number): number {
    return this.requestConnectionWaitMs.get(requestId) ?? 0;
  }

  private setJobQueueDepth(depth: number): void {
    this.jobQueueDepth = depth;
    this.queueLength = depth + this.waitingConnectionSince.size;
  }

  /** Forgets everything: a new server run (server-listening does this itself). */
  reset(at: number): void {
    for (const column of this.columns) column.fill(0);
    this.slotBucket.fill(-1);
    this.jobs.clear();
    this.queueLength = 0;
    this.jobQueueDepth = 0;
    this.waitingConnectionSince.clear();
    this.takenConnectionWaitMs.clear();
    this.requestConnectionWaitMs.clear();
    this.busyWorkers = 0;
    this.integratedTo = at;
    this.observedSince = at;
    this.currentBucket = Math.floor(at / this.bucketMs);
    this.claimSlot(this.currentBucket);
  }

  /** The figures over the window ending at `at` (on the events' clock; not before the last event observed). */
  snapshot(at: number): QueueingWindowSnapshot {
    if (Number.isNaN(this.integratedTo)) this.reset(at);
    this.advanceTo(at);
    const end = this.integratedTo;
    const sums = new Float64Array(Column.Count);
    const oldestBucket = this.currentBucket - this.bucketCount + 1;
    let firstSlot = this.slotOf();
    for (let i = 0; i < this.bucketCount; i++) {
      const bucket = this.slotBucket[i]!;
      if (bucket < oldestBucket || bucket > this.currentBucket) continue;
      if (bucket < this.slotBucket[firstSlot]!) firstSlot = i;
      for (let c = 0; c < Column.Count; c++) sums[c]! += this.columns[c]![i]!;
    }
    const start = Math.max(oldestBucket * this.bucketMs, this.observedSince);
    const spanMs = Math.max(0, end - start);
    const spanS = spanMs / 1000;
    const perS = (count: number) => (spanS > 0 ? count / spanS : 0);
    const mean = (sum: number, count: number) => (count > 0 ? sum / count : null);

    const arrivals = sums[Column.Arrivals]!;
    const arrivalRatePerS = perS(arrivals);
    const meanServiceMs = mean(sums[Column.SumHoldMs]!, sums[Column.HoldCount]!);
    const meanWaitMs = mean(sums[Column.SumWaitMs]!, sums[Column.WaitCount]!);
    const meanTimeInSystemMs = mean(sums[Column.SumSojournMs]!, sums[Column.SojournCount]!);
    const meanQueueLength = spanMs > 0 ? sums[Column.QueueIntegral]! / spanMs : this.queueLength;
    const meanBusyWorkers = spanMs > 0 ? sums[Column.BusyIntegral]! / spanMs : this.busyWorkers;
    const meanInSystem = meanQueueLength + meanBusyWorkers;
    const workers = this.workers;
    return {
      at: end,
      spanMs,
      workers,
      arrivals,
      arrivalRatePerS,
      rejected: sums[Column.Rejected]!,
      completions: sums[Column.Completions]!,
      throughputPerS: perS(sums[Column.Completions]!),
      meanServiceMs,
      meanWorkerRunMs: mean(sums[Column.SumRunMs]!, sums[Column.Completions]!),
      workerRunCv: coefficientOfVariation(sums[Column.Completions]!, sums[Column.SumRunMs]!, sums[Column.SumRunSquaredMs]!),
      utilization: meanServiceMs === null || workers === null ? null : (arrivalRatePerS * meanServiceMs) / 1000 / workers,
      busyFraction: workers === null ? null : meanBusyWorkers / workers,
      meanQueueLength,
      meanBusyWorkers,
      meanInSystem,
      meanWaitMs,
      meanTimeInSystemMs,
      probabilityOfWait: arrivals > 0 && workers !== null ? sums[Column.WaitedArrivals]! / arrivals : null,
      queueLength: this.queueLength,
      busyWorkers: this.busyWorkers,
      inSystemAtStart: this.slotOpenedInSystem[firstSlot]!,
      little: {
        inSystem: littleCheck(meanInSystem, arrivalRatePerS, meanTimeInSystemMs),
        waiting: littleCheck(meanQueueLength, arrivalRatePerS, meanWaitMs),
      },
    };
  }

  // ── the ring ───────────────────────────────────────────────────────────────

  /** Integrates queue length and busy workers up to `at`, opening buckets as their boundaries pass. */
  private advanceTo(at: number): void {
    if (Number.isNaN(this.integratedTo)) this.reset(at);
    if (!(at > this.integratedTo)) return; // same instant, or an event stamped a hair earlier: no time passed
    const bucketMs = this.bucketMs;
    const targetBucket = Math.floor(at / bucketMs);
    // After a gap longer than the window, only the last bucketCount buckets can still matter.
    if (targetBucket - this.currentBucket > this.bucketCount) {
      this.currentBucket = targetBucket - this.bucketCount;
      this.integratedTo = this.currentBucket * bucketMs;
      this.claimSlot(this.currentBucket);
    }
    const queue = this.queueLength;
    const busy = this.busyWorkers;
    for (;;) {
      const slot = this.currentBucket % this.bucketCount;
      const bucketEnd = (this.currentBucket + 1) * bucketMs;
      const segmentEnd = Math.min(at, bucketEnd);
      const dt = segmentEnd - this.integratedTo;
      if (dt > 0) {
        this.columns[Column.QueueIntegral]![slot]! += queue * dt;
        this.columns[Column.BusyIntegral]![slot]! += busy * dt;
      }
      this.integratedTo = segmentEnd;
      if (segmentEnd < bucketEnd) return;
      this.currentBucket++;
      this.claimSlot(this.currentBucket);
      if (segmentEnd === at) return;
    }
  }

  private claimSlot(bucket: number): void {
    const slot = bucket % this.bucketCount;
    if (this.slotBucket[slot] === bucket) return;
    this.slotBucket[slot] = bucket;
    // The state between events is constant, so what holds now held at the bucket's boundary.
    this.slotOpenedInSystem[slot] = this.queueLength + this.busyWorkers;
    for (const column of this.columns) column[slot] = 0;
  }

  private slotOf(): number {
    return this.currentBucket % this.bucketCount;
  }

  private add(slot: number, column: Column, value: number): void {
    this.columns[column]![slot]! += value;
  }

  private track(requestId: number, times: JobTimes): void {
    if (this.jobs.size >= MAX_TRACKED_JOBS) {
      const oldest = this.jobs.keys().next();
      if (!oldest.done) this.jobs.delete(oldest.value);
    }
    this.jobs.set(requestId, times);
  }
}

function coefficientOfVariation(count: number, sum: number, sumOfSquares: number): number | null {
  if (count < 2 || sum <= 0) return null;
  const mean = sum / count;
  // Σx²/n − mean² can come out a hair below 0 in floating point for equal samples.
  const variance = Math.max(0, (sumOfSquares - count * mean * mean) / (count - 1));
  return Math.sqrt(variance) / mean;
}

function littleCheck(measured: number, arrivalRatePerS: number, meanTimeMs: number | null): LittleCheck {
  if (meanTimeMs === null) return { measured, predicted: null, difference: null, relativeDifference: null };
  const predicted = (arrivalRatePerS * meanTimeMs) / 1000;
  const difference = measured - predicted;
  const scale = Math.max(Math.abs(measured), Math.abs(predicted));
  return { measured, predicted, difference, relativeDifference: scale > 0 ? Math.abs(difference) / scale : null };
}
