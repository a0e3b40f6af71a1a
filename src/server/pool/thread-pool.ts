// The book's ThreadPool (ch. 21) over node:worker_threads: workers with ids 0..n-1 take jobs from one
// bounded FIFO queue; a crashed worker is replaced under the same id; shutdown drains, then joins in id order.
// How a job reaches a worker — the mailbox of an idle worker, or the shared ring of waiting jobs that a worker
// finishing a job claims itself — is explained in one place, protocol.ts: read it first. This file is
// scheduling and the workers' lifecycle; the queue is job-queue.ts, the ring shared-ring.ts, each worker's
// channel shared-channel.ts, and the worker's side worker-runtime.ts. The main thread reports every fact, in
// time order; a worker reports when it claimed and finished each job, and those facts carry its times.

import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { PoolState, PoolWorkerPhase, PoolWorkerState, QueuedJobState } from '../../shared/server-state';
import { SETTINGS } from '../../shared/settings';
import { JobQueue, NO_MAX_WAIT, RingQueue } from './job-queue';
import { deliverOutcome, type Job, type JobRunner, spawnWorkerThread, toFileUrl } from './job-runner';
import { type JobAbandonReason, type JobOutcome, type JobRunOutcome, type PoolObserver, UNOBSERVED } from './observer';
import { type AttachMessage, RingLayout, RingState, WAKE_MESSAGE, type WorkerToPoolMessage } from './protocol';
import { describeThrown, SharedChannel, WakeFlag } from './shared-channel';
import { JobRing } from './shared-ring';

/** Upper bound on `size`: the pool-size setting's limit (src/shared/settings.ts), guarded here too for direct users of the pool. */
export const MAX_POOL_SIZE = SETTINGS.workerCount.max;
/** Jobs that may wait for a worker before execute() starts refusing (the server answers those with 503). */
export const DEFAULT_MAX_QUEUED_JOBS = SETTINGS.maxQueuedJobs.defaultValue;
/** How long a job may wait for a worker before it is abandoned ('max-wait'); 0 means no limit, as in the setting. */
export const DEFAULT_MAX_WAIT_MS = SETTINGS.maxWaitMs.defaultValue;
/** A worker that has not called serveJobs() this long after it was spawned counts as failed to start. */
export const WORKER_START_TIMEOUT_MS = 30_000;
/** During shutdown, a worker that has not exited this long after being told to stop is terminated. */
export const WORKER_STOP_TIMEOUT_MS = 10_000;
/** A crashed worker's id is given up (left empty) after this many replacements in a row fail to start. */
export const MAX_CONSECUTIVE_START_FAILURES = 5;
/** Wait before retrying a replacement that failed to start; doubles with each consecutive failure. */
export const RESTART_BACKOFF_MS = 100;

export type { Job, JobRunner } from './job-runner';
export type { JobOutcome, JobRunOutcome, PoolObserver } from './observer';

export interface ThreadPoolOptions<Out> {
  /** Number of workers, 1..MAX_POOL_SIZE. */
  size: number;
  /** The worker program (a path or file URL); it must call serveJobs(). .ts/.mts scripts are loaded through tsx. */
  workerScript: string | URL;
  /** Handed unchanged to the worker script as `workerData`. */
  workerData?: unknown;
  /** Default DEFAULT_MAX_QUEUED_JOBS; 0 means a job is accepted only when a worker is idle. */
  maxQueuedJobs?: number;
  /** Default DEFAULT_MAX_WAIT_MS; 0 or Infinity means a job waits as long as it takes. */
  maxWaitMs?: number;
  /** Hears the pool's facts (observer.ts); by default nobody does. */
  observer?: PoolObserver<Out>;
}

export class PoolCreationError extends Error {
  override readonly name = 'PoolCreationError';
}

interface PendingJob<In, Out> {
  readonly requestId: number;
  readonly input: In;
  readonly onDone: (outcome: JobOutcome<Out>) => void;
  /** performance.now() when execute() accepted it. */
  readonly enqueuedAtMs: number;
  /** Its job-started stamp: at dispatch to a mailbox, or when a worker claimed it from the ring. */
  startedAtMs: number;
  /** Its position in the ring once published there, else null. */
  ringPosition: number | null;
  /** Its input is outside what a ring slot holds: it waits for the mailbox of a worker freed while the ring is empty. */
  isHeld: boolean;
  /** Set when its run ends, until the callback gets it. */
  outcome: JobRunOutcome<Out> | null;
}

/**
 * starting → idle ⇄ busy → stopping → stopped. A crash from idle/busy goes back to starting (a replacement);
 * a replacement that fails to start waits in restart-pending, and after too many failures the slot is gone.
 */
type SlotPhase = 'starting' | 'idle' | 'busy' | 'restart-pending' | 'stopping' | 'stopped' | 'gone';

interface WorkerSlot<In, Out> {
  readonly id: number;
  phase: SlotPhase;
  worker: Worker | null;
  /** The current thread's shared memory; a replacement thread gets a fresh one. */
  channel: SharedChannel | null;
  /** Resolves with the exit code of the current thread. */
  exited: Promise<number>;
  /** The job it runs, as far as the main thread knows: its result may already be published. */
  job: PendingJob<In, Out> | null;
  /**
   * A mailbox job was posted while the worker was awake, and may still be in its mailbox: it may be between a
   * look at its mailbox and a claim, so nothing is published to the ring until it has taken that job.
   */
  isMailboxUnread: boolean;
  /** On the idle list; an entry whose slot has become busy since is skipped when taken. */
  isListedIdle: boolean;
  /** The thread's uncaught error, if it reported one before exiting. */
  lastError: string | null;
  consecutiveStartFailures: number;
  /** For state(): jobs finished, their run times added up, and threads that replaced a crashed one. */
  jobsDone: number;
  busyMsTotal: number;
  replacements: number;
  startTimer: NodeJS.Timeout | null;
  restartTimer: NodeJS.Timeout | null;
  /** Set only while create() waits for the first thread of this slot. */
  onFirstStart: ((error: Error | null) => void) | null;
}

/** How a slot's phase reads in a state report. */
function reportedPhaseOf<In, Out>(slot: WorkerSlot<In, Out>): PoolWorkerPhase {
  switch (slot.phase) {
    case 'starting':
      return slot.onFirstStart === null ? 'restarting' : 'starting';
    case 'restart-pending':
      return 'restarting';
    case 'stopped':
    case 'gone':
      return 'exited';
    default:
      return slot.phase;
  }
}

const samePerformanceNow = (performanceNowMs: number): number => performanceNowMs;

/**
 * The order of what the observer hears is documented on PoolObserver. workerSpawned is reported only by
 * create(), because observers treat it as a fresh worker with zeroed counters.
 */
export class ThreadPool<In, Out> implements JobRunner<In, Out> {
  readonly size: number;
  readonly refusalCode = 'QUEUE_FULL';
  private readonly slots: WorkerSlot<In, Out>[] = [];
  private readonly queue: JobQueue<PendingJob<In, Out>>;
  /** Idle workers, longest-idle first, so consecutive jobs spread over the pool as in the book's output. */
  private readonly idle = new RingQueue<WorkerSlot<In, Out>>();
  private busy = 0;
  /** The queue's oldest jobs, published where workers claim them (protocol.ts). */
  private readonly ring = new JobRing();
  /** Ring positions: the next to publish, and the oldest whose claim or revocation the main thread has not learned. */
  private ringPublished = 0;
  private ringLearned = 0;
  /** Jobs reported finished whose callbacks are still to be called (deliverFinished). */
  private readonly finished = new RingQueue<PendingJob<In, Out>>();
  /** Slots whose isMailboxUnread is set. */
  private unreadMailboxCount = 0;
  /** Slots not given up; when none is left, jobs fail at once instead of waiting forever. */
  private liveSlotCount: number;
  private isShuttingDown = false;
  /** Set once workers are being stopped (shutdown's join, or a failed create): no more replacements. */
  private isJoining = false;
  private shutdownPromise: Promise<void> | null = null;
  private onDrained: (() => void) | null = null;
  /**
   * One timer for the whole queue, never one per job: set for the head's deadline when a job joins an
   * unwatched queue, and re-set for the next head when it fires. Dispatch never touches it.
   */
  private deadlineTimer: NodeJS.Timeout | null = null;
  private readonly scriptUrl: URL;
  private readonly wake = new WakeFlag(this.ring.buffer);
  /** A wake-up of a claimer is due at the end of this event-loop turn (scheduleWake). */
  private isWakeScheduled = false;
  /** performance.now() when every worker was ready (workerSpawned). */
  private spawnedAtMs = 0;
  /** The stamp of the last fact reported: the next is never earlier (stampNow(), stampAt()). */
  private lastStampMs = 0;

  private constructor(
    size: number,
    workerScript: string | URL,
    private readonly workerData: unknown,
    private readonly maxQueuedJobs: number,
    maxWaitMs: number,
    private readonly observer: PoolObserver<Out>,
  ) {
    this.size = size;
    this.queue = new JobQueue(maxWaitMs === 0 ? NO_MAX_WAIT : maxWaitMs);
    this.liveSlotCount = size;
    this.scriptUrl = toFileUrl(workerScript);
  }

  /** Spawns workers 0..size-1 and resolves once every one is ready; rejects with PoolCreationError otherwise. */
  static async create<In, Out>(options: ThreadPoolOptions<Out>): Promise<ThreadPool<In, Out>> {
    const { size } = options;
    if (!Number.isInteger(size) || size < 1) {
      throw new PoolCreationError(
        `Pool size must be a whole number of workers, at least 1; got ${size}` +
          (size === 0 ? ' (a pool of 0 workers could never run a job)' : ''),
      );
    }
    if (size > MAX_POOL_SIZE) {
      throw new PoolCreationError(`Pool size must be at most ${MAX_POOL_SIZE} workers; got ${size}`);
    }
    const maxQueuedJobs = options.maxQueuedJobs ?? DEFAULT_MAX_QUEUED_JOBS;
    if (!(Number.isInteger(maxQueuedJobs) || maxQueuedJobs === Infinity) || maxQueuedJobs < 0) {
      throw new PoolCreationError(`maxQueuedJobs must be a whole number, 0 or more; got ${maxQueuedJobs}`);
    }
    const maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    if (!(Number.isInteger(maxWaitMs) || maxWaitMs === Infinity) || maxWaitMs < 0) {
      throw new PoolCreationError(`maxWaitMs must be a whole number of ms, 0 (no limit) or more; got ${maxWaitMs}`);
    }
    const pool = new ThreadPool<In, Out>(
      size,
      options.workerScript,
      options.workerData,
      maxQueuedJobs,
      maxWaitMs,
      options.observer ?? UNOBSERVED,
    );
    await pool.startAll();
    return pool;
  }

  /** Jobs waiting for a worker. */
  get queueDepth(): number {
    return this.queue.length;
  }

  /** Workers running a job right now. */
  get busyCount(): number {
    return this.busy;
  }

  /**
   * Every worker and every waiting job, as they are now. Builds the report only when called; `timeOf` turns
   * the pool's performance.now() readings into the caller's clock (by default they are left as they are).
   */
  state(timeOf: (performanceNowMs: number) => number = samePerformanceNow): PoolState {
    const spawnedAt = timeOf(this.spawnedAtMs);
    const workers = this.slots.map(
      (slot): PoolWorkerState => ({
        id: slot.id,
        phase: reportedPhaseOf(slot),
        requestId: slot.job?.requestId ?? null,
        busySince: slot.job === null ? null : timeOf(slot.job.startedAtMs),
        jobsDone: slot.jobsDone,
        busyMsTotal: slot.busyMsTotal,
        spawnedAt,
        replacements: slot.replacements,
      }),
    );
    const queue: QueuedJobState[] = new Array(this.queue.length);
    for (let i = 0; i < queue.length; i++) {
      const job = this.queue.at(i)!;
      queue[i] = { requestId: job.requestId, enqueuedAt: timeOf(job.enqueuedAtMs) };
    }
    let live = 0;
    for (const slot of this.slots) if (slot.worker !== null) live++;
    return { workers, queue, threads: { live, peak: this.size }, lock: null };
  }

  /**
   * Queues a job; `onDone` is called exactly once, on the main thread, with its outcome.
   * Returns false, and does nothing else, when the queue is full or shutdown has begun.
   */
  execute(job: Job<In>, onDone: (outcome: JobOutcome<Out>) => void): boolean {
    if (this.isShuttingDown) return false;
    // An idle worker means "start now" only while nothing waits: the ring is then empty, so it is not claiming.
    const slot = this.queue.length === 0 ? this.takeIdle() : undefined;
    if (slot === undefined && this.queueDepth >= this.maxQueuedJobs) return false;
    const nowMs = this.stampNow();
    const pending: PendingJob<In, Out> = {
      requestId: job.requestId,
      input: job.input,
      onDone,
      enqueuedAtMs: nowMs,
      startedAtMs: 0,
      ringPosition: null,
      isHeld: false,
      outcome: null,
    };
    const observer = this.observer;
    if (observer.isObserving) observer.jobQueued(job.requestId, this.queueDepth + 1, nowMs);
    if (slot !== undefined) {
      this.dispatch(slot, pending, nowMs);
      return true;
    }
    this.queue.push(pending);
    // Nobody is left to run it: abandoned at once, after execute() returns, as a callback always is.
    if (this.liveSlotCount === 0) {
      queueMicrotask(() => this.abandonQueued('no-workers'));
      return true;
    }
    // No wake-up here as a rule: every worker is busy, and each claims the next job as it finishes.
    this.publishWaiting();
    if (this.idle.length > 0) this.scheduleWake();
    if (this.deadlineTimer === null) this.watchDeadline(nowMs);
    return true;
  }

  /**
   * The book's Drop: refuses new jobs, lets every queued and running job finish and deliver its outcome,
   * then stops and joins the workers one by one in id order. Idempotent.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.runShutdown();
    return this.shutdownPromise;
  }

  // ── stamps ─────────────────────────────────────────────────────────────────

  /** Now, as the stamp of a fact reported now. Every fact is stamped here or by stampAt(), so none goes back in time. */
  private stampNow(): number {
    const nowMs = performance.now();
    this.lastStampMs = nowMs;
    return nowMs;
  }

  /**
   * The stamp of a fact that happened at `atMs` on a worker (a claim, a result), reported only now: the main
   * thread may have been busy since, and a job stamped at the drain would look shorter than it ran, its wait
   * longer. Never earlier than the last fact reported (observers hear facts in time order), never later than
   * now; NaN, a time the worker has not written yet, is now.
   */
  private stampAt(atMs: number): number {
    const nowMs = performance.now();
    const stampMs = Math.max(Number.isNaN(atMs) ? nowMs : Math.min(atMs, nowMs), this.lastStampMs);
    this.lastStampMs = stampMs;
    return stampMs;
  }

  // ── dispatch ───────────────────────────────────────────────────────────────

  /** Counts the job started on the worker at `startedAtMs` (a stamp) and reports it (its queueDepth: jobs still waiting). */
  private start(slot: WorkerSlot<In, Out>, job: PendingJob<In, Out>, startedAtMs: number): void {
    slot.phase = 'busy';
    slot.job = job;
    this.busy++;
    job.startedAtMs = startedAtMs;
    const observer = this.observer;
    if (observer.isObserving) {
      observer.jobStarted(job.requestId, slot.id, startedAtMs - job.enqueuedAtMs, this.queueDepth, startedAtMs);
    }
  }

  /** Posts the job to an idle worker's mailbox. False when the input could not be sent; that job is then already answered. */
  private dispatch(slot: WorkerSlot<In, Out>, job: PendingJob<In, Out>, nowMs: number): boolean {
    this.start(slot, job, nowMs);
    try {
      if (!slot.channel!.postJob(job.input)) {
        slot.isMailboxUnread = true;
        this.unreadMailboxCount++;
      }
      return true;
    } catch (thrown) {
      const outcome: JobRunOutcome<Out> = {
        ok: false,
        cause: 'threw',
        error: `the job's input could not be sent to the worker: ${describeThrown(thrown)}`,
        runMs: 0,
        workerId: slot.id,
      };
      this.finish(slot, outcome, performance.now());
      this.markIdle(slot);
      deliverOutcome(job.onDone, outcome);
      return false;
    }
  }

  /**
   * Marks the slot's job done at `finishedAtMs` (when it ended, on the pool's clock) and reports it, stamped by stampAt();
   * the caller delivers the outcome after updating the slot. Only a report needs the stamp: nobody observing, no clock is read.
   */
  private finish(slot: WorkerSlot<In, Out>, outcome: JobRunOutcome<Out>, finishedAtMs: number): PendingJob<In, Out> {
    const job = slot.job!;
    slot.job = null;
    this.busy--;
    slot.jobsDone++;
    slot.busyMsTotal += outcome.runMs;
    job.outcome = outcome;
    const observer = this.observer;
    if (observer.isObserving) observer.jobFinished(job.requestId, outcome, this.stampAt(finishedAtMs));
    return job;
  }

  private markIdle(slot: WorkerSlot<In, Out>): void {
    slot.phase = 'idle';
    if (slot.isListedIdle) return;
    slot.isListedIdle = true;
    this.idle.push(slot);
  }

  /** The longest-idle worker still idle, taken off the list. */
  private takeIdle(): WorkerSlot<In, Out> | undefined {
    for (let slot = this.idle.shift(); slot !== undefined; slot = this.idle.shift()) {
      slot.isListedIdle = false;
      if (slot.phase === 'idle') return slot;
    }
    return undefined;
  }

  /** Ring positions published whose fate the main thread has not learned yet. */
  private get ringLength(): number {
    return (this.ringPublished - this.ringLearned) | 0;
  }

  /**
   * Publishes waiting jobs into the ring, oldest first, while it has room: the ring always holds the queue's
   * oldest jobs. A held job stops it, so nothing overtakes that one.
   */
  private publishWaiting(): void {
    if (this.unreadMailboxCount > 0 && this.hasUnreadMailbox()) return;
    const queue = this.queue;
    const ring = this.ring;
    for (let ringLength = this.ringLength; ringLength < queue.length && ringLength < RingLayout.capacity; ringLength++) {
      const job = queue.at(ringLength)!;
      const position = this.ringPublished;
      if (job.isHeld || !ring.isSlotFree(position)) return;
      if (!ring.publish(position, job.input, job.enqueuedAtMs + queue.maxWaitMs)) {
        job.isHeld = true;
        return;
      }
      job.ringPosition = position;
      this.ringPublished = (position + 1) | 0;
    }
  }

  /** Is a mailbox job posted to an awake worker still unread? Clears the mark of those that are read. */
  private hasUnreadMailbox(): boolean {
    for (const slot of this.slots) {
      if (!slot.isMailboxUnread) continue;
      if (slot.channel?.hasUnreadJob) return true;
      slot.isMailboxUnread = false;
      this.unreadMailboxCount--;
    }
    return false;
  }

  /**
   * Jobs wait in the ring and no idle worker is awake to claim them: wakes one sleeping idle worker. Busy
   * workers claim as they finish and need no wake-up; a short job's claimer claims the next one too, and if
   * jobs still wait at the next drain, the next sleeper is woken then: one futex call per wake-up, not per job.
   */
  private wakeClaimers(): void {
    if (this.ringLength === 0) return;
    let sleeper: SharedChannel | null = null;
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      if (slot.phase !== 'idle' || slot.channel === null) continue;
      if (!slot.channel.isSleeping) return;
      sleeper ??= slot.channel;
    }
    sleeper?.wakeToClaim();
  }

  /**
   * Wakes a claimer once the main thread has read what this turn of its event loop brought (setImmediate runs
   * right after the turn's socket reads), not at each job: a claimer runs a job like GET / in a few µs, far
   * faster than the main thread reads the next request, so it would fall asleep between two jobs of the same
   * batch and be woken again for each. One wake-up now serves every job of the batch.
   */
  private scheduleWake(): void {
    if (this.isWakeScheduled) return;
    this.isWakeScheduled = true;
    setImmediate(this.onScheduledWake);
  }

  private readonly onScheduledWake = (): void => {
    this.isWakeScheduled = false;
    this.wakeClaimers();
  };

  /**
   * Workers came free or jobs left the queue: while the ring is empty the oldest job goes to an idle worker's
   * mailbox (a held job can go no other way); then what waits is published and sleepers woken for it.
   */
  private settle(): void {
    if (this.queue.length === 0) return;
    // The deadline timer may not have fired yet: a job that has waited too long is answered, never started late.
    this.abandonOverdue(performance.now());
    while (this.ringLength === 0 && this.queue.length > 0) {
      const slot = this.takeIdle();
      if (slot === undefined) break;
      this.dispatch(slot, this.queue.shift()!, this.stampNow());
    }
    this.publishWaiting();
    this.scheduleWake();
  }

  /**
   * A worker posted a wake-up: learn every claim and take every result waiting in any channel. Clearing the
   * flag first means a result published or a claim made from here on either is seen by this pass or posts a
   * new wake-up.
   */
  private drainResults(): void {
    this.wake.lower();
    this.learnClaims();
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) this.takeResults(slots[i]!);
    this.deliverFinished();
    this.settle();
    this.checkDrained();
  }

  /**
   * Walks the ring's consumed positions in order (they form a prefix, protocol.ts): a claim starts its job
   * on the claimer, after the claimer's previous job is finished, each at the time the worker says; a
   * revocation by a worker that found the job overdue abandons it. Finished jobs wait in `finished` for
   * deliverFinished().
   */
  private learnClaims(): void {
    const ring = this.ring;
    while (this.ringLearned !== this.ringPublished) {
      const position = this.ringLearned;
      const owner = ring.ownerAt(position);
      if (owner === RingState.Published) return;
      const slot = owner === RingState.Revoked ? null : this.slots[owner - RingState.ClaimedBase]!;
      // A worker claims only after publishing its previous result (protocol.ts), so this cannot stop the walk;
      // if it did, that result's wake-up would resume it.
      if (slot !== null && slot.job !== null && !slot.channel?.hasResult) return;
      this.ringLearned = (position + 1) | 0;
      // The ring holds the queue's oldest jobs, in order.
      const job = this.queue.shift()!;
      if (slot === null) {
        this.abandon(job, 'max-wait', this.stampNow());
        continue;
      }
      // The observer hears the claimer's previous job finish before this one starts.
      if (slot.job !== null) this.finished.push(this.takeResult(slot));
      this.start(slot, job, this.stampAt(ring.claimedAtMs(position)));
    }
  }

  /**
   * Calls the callbacks of the jobs reported finished, in that order. Only once a drain has reported every
   * claim and result: a callback's own events (its response sent, stamped now) would otherwise come between
   * them, and the facts after them could not be stamped earlier, at the times the workers say.
   */
  private deliverFinished(): void {
    const finished = this.finished;
    if (finished.length === 0) return;
    // A callback may come back here (through execute() or a deadline): each job is shifted off before its call.
    for (let job = finished.shift(); job !== undefined; job = finished.shift()) deliverOutcome(job.onDone, job.outcome!);
    this.checkDrained();
  }

  /** Finishes the slot's job with its worker's oldest published result (the caller checked there is one). */
  private takeResult(slot: WorkerSlot<In, Out>): PendingJob<In, Out> {
    const channel = slot.channel!;
    const runMs = channel.resultRunMs;
    const finishedAtMs = channel.resultFinishedAtMs;
    const isOk = channel.isResultOk;
    let outcome: JobRunOutcome<Out>;
    try {
      const payload = channel.readResult();
      outcome = isOk
        ? { ok: true, output: payload as Out, runMs, workerId: slot.id }
        : { ok: false, cause: 'threw', error: String(payload), runMs, workerId: slot.id };
    } catch (thrown) {
      outcome = {
        ok: false,
        cause: 'threw',
        error: `the job's result could not be received: ${describeThrown(thrown)}`,
        runMs,
        workerId: slot.id,
      };
    }
    channel.releaseResult();
    const job = this.finish(slot, outcome, finishedAtMs);
    this.markIdle(slot);
    return job;
  }

  /**
   * Takes every result the slot's worker has published into `finished`, for deliverFinished(). A result of a
   * job the main thread has not learned of yet (claimed since the last walk) walks the ring first.
   */
  private takeResults(slot: WorkerSlot<In, Out>): void {
    const channel = slot.channel;
    if (channel === null) return;
    while (channel.hasResult) {
      if (slot.job === null) {
        this.learnClaims();
        if (slot.job === null) return;
        // Learning may have taken this result already.
        if (!channel.hasResult) return;
      }
      this.finished.push(this.takeResult(slot));
    }
  }

  // ── deadlines and abandoned jobs ───────────────────────────────────────────

  /** Sets the queue's one timer for its head's deadline, if waits have a limit. */
  private watchDeadline(nowMs: number): void {
    const deadlineAtMs = this.queue.nextDeadlineAtMs();
    if (deadlineAtMs === Infinity) return;
    // Node's timers may fire a little early by performance.now(); onDeadline then simply sets the next one.
    this.deadlineTimer = setTimeout(this.onDeadline, Math.max(1, Math.ceil(deadlineAtMs - nowMs)));
    this.deadlineTimer.unref();
  }

  private readonly onDeadline = (): void => {
    this.deadlineTimer = null;
    // Abandons the overdue jobs, and publishes what waited behind them in the ring.
    this.settle();
    if (this.queue.length > 0) this.watchDeadline(performance.now());
  };

  /**
   * Abandons every job at the head of the queue that has waited maxWaitMs by `nowMs` (since deadlines follow
   * queue order, no other can have). One in the ring is revoked first; a worker that claimed it first runs it.
   */
  private abandonOverdue(nowMs: number): void {
    const queue = this.queue;
    let abandoned = 0;
    for (let job = queue.overdueHead(nowMs); job !== undefined; job = queue.overdueHead(nowMs)) {
      if (!this.takeBack(job)) continue;
      queue.shift();
      // Stamped now: taking the head back may have reported claims after `nowMs`.
      this.abandon(job, 'max-wait', this.stampNow());
      abandoned++;
    }
    if (abandoned > 0) this.checkDrained();
  }

  /** Abandons every queued job. */
  private abandonQueued(reason: JobAbandonReason): void {
    const queue = this.queue;
    for (let job = queue.peek(); job !== undefined; job = queue.peek()) {
      if (!this.takeBack(job)) continue;
      queue.shift();
      this.abandon(job, reason, this.stampNow());
    }
    this.checkDrained();
  }

  /**
   * The queue's head may leave the queue without running: true unless it is in the ring and a worker claimed
   * it first, in which case the claim is learned (the head has moved on) and false returned.
   */
  private takeBack(head: PendingJob<In, Out>): boolean {
    if (head.ringPosition === null) return true;
    if (this.ring.revoke(head.ringPosition)) {
      this.ringLearned = (this.ringLearned + 1) | 0;
      return true;
    }
    this.learnClaims();
    this.deliverFinished();
    return false;
  }

  /** Reports a job that left the queue without running, and answers its callback. */
  private abandon(job: PendingJob<In, Out>, reason: JobAbandonReason, nowMs: number): void {
    const waitMs = nowMs - job.enqueuedAtMs;
    const observer = this.observer;
    if (observer.isObserving) observer.jobAbandoned(job.requestId, reason, waitMs, this.queueDepth, nowMs);
    const error =
      reason === 'max-wait'
        ? `it waited ${Math.round(waitMs)} ms for a worker; a job may wait ${this.queue.maxWaitMs} ms`
        : `no worker threads are left: every worker failed to restart ${MAX_CONSECUTIVE_START_FAILURES} times in a row`;
    deliverOutcome(job.onDone, { ok: false, cause: 'abandoned', reason, waitMs, error });
  }

  // ── worker threads ─────────────────────────────────────────────────────────

  private startAll(): Promise<void> {
    const started: Promise<void>[] = [];
    for (let id = 0; id < this.size; id++) {
      const slot: WorkerSlot<In, Out> = {
        id,
        phase: 'starting',
        worker: null,
        channel: null,
        exited: Promise.resolve(0),
        job: null,
        isMailboxUnread: false,
        isListedIdle: false,
        lastError: null,
        consecutiveStartFailures: 0,
        jobsDone: 0,
        busyMsTotal: 0,
        replacements: 0,
        startTimer: null,
        restartTimer: null,
        onFirstStart: null,
      };
      this.slots.push(slot);
      started.push(new Promise((resolve, reject) => (slot.onFirstStart = (error) => (error ? reject(error) : resolve()))));
    }
    for (const slot of this.slots) this.launch(slot);
    return Promise.all(started).then(
      () => {
        this.spawnedAtMs = this.stampNow();
        const observer = this.observer;
        if (observer.isObserving) for (const slot of this.slots) observer.workerSpawned(slot.id, this.spawnedAtMs);
      },
      async (error: Error) => {
        // One failure fails the pool: stop the threads that did start so nothing is left running.
        this.isJoining = true;
        await Promise.all(
          this.slots.map((slot) => {
            slot.onFirstStart = null;
            if (slot.startTimer) clearTimeout(slot.startTimer);
            if (slot.worker === null) return undefined;
            slot.phase = 'stopping';
            void slot.worker.terminate();
            return slot.exited;
          }),
        );
        throw new PoolCreationError(error.message, { cause: error });
      },
    );
  }

  private launch(slot: WorkerSlot<In, Out>): void {
    slot.phase = 'starting';
    slot.lastError = null;
    slot.restartTimer = null;
    let worker: Worker;
    try {
      worker = spawnWorkerThread(this.scriptUrl, this.workerData);
    } catch (thrown) {
      // e.g. workerData that cannot be cloned: no thread exists, so report it as a failed start at once.
      slot.worker = null;
      slot.lastError = describeThrown(thrown);
      queueMicrotask(() => this.onStartFailure(slot, null));
      return;
    }
    slot.worker = worker;
    slot.channel = this.attach(worker, slot.id);
    slot.exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.on('message', (message: WorkerToPoolMessage) => {
      // A wake-up from any worker drains all of them, even a replaced one's.
      if (message === WAKE_MESSAGE) this.drainResults();
      else if (slot.worker === worker && message.type === 'ready') this.onReady(slot);
    });
    worker.on('error', (error) => {
      // Always listened to: an unhandled 'error' would take the main thread down with the worker.
      if (slot.worker === worker) slot.lastError = describeThrown(error);
    });
    worker.on('exit', (exitCode) => {
      if (slot.worker === worker) this.onExit(slot, exitCode);
    });
    slot.startTimer = setTimeout(() => {
      if (slot.worker !== worker || slot.phase !== 'starting') return;
      slot.lastError = `it did not call serveJobs() within ${WORKER_START_TIMEOUT_MS} ms`;
      void worker.terminate();
    }, WORKER_START_TIMEOUT_MS);
    slot.startTimer.unref();
  }

  /** Gives a new thread its shared memory; posted before the thread runs, so serveJobs() finds it waiting. */
  private attach(worker: Worker, workerId: number): SharedChannel {
    const { channel, buffer, workerPort } = SharedChannel.create();
    const message: AttachMessage = {
      type: 'attach',
      workerId,
      poolTimeOriginMs: performance.timeOrigin,
      poolCells: this.ring.buffer,
      channel: buffer,
      overflowPort: workerPort,
    };
    worker.postMessage(message, [workerPort]);
    return channel;
  }

  private onReady(slot: WorkerSlot<In, Out>): void {
    if (slot.startTimer) clearTimeout(slot.startTimer);
    slot.startTimer = null;
    // A replacement that became ready after shutdown told it to stop is already on its way out.
    if (slot.phase !== 'starting') return;
    slot.consecutiveStartFailures = 0;
    slot.channel!.allowClaims();
    if (slot.onFirstStart) {
      this.markIdle(slot);
      const started = slot.onFirstStart;
      slot.onFirstStart = null;
      started(null);
      return;
    }
    slot.replacements++;
    const observer = this.observer;
    if (observer.isObserving) observer.workerReplaced(slot.id, this.stampNow());
    this.markIdle(slot);
    this.settle();
    this.checkDrained();
  }

  private onExit(slot: WorkerSlot<In, Out>, exitCode: number): void {
    if (slot.startTimer) clearTimeout(slot.startTimer);
    slot.startTimer = null;
    // Results published and claims made just before the thread ended still count: their wake-up may not
    // have arrived yet. Claims form a prefix of the ring, so walking it finds every one this thread made.
    this.learnClaims();
    this.takeResults(slot);
    this.deliverFinished();
    slot.channel?.close();
    slot.channel = null;
    slot.worker = null;
    switch (slot.phase) {
      case 'stopping':
        slot.phase = 'stopped';
        return;
      case 'starting':
        this.onStartFailure(slot, exitCode);
        return;
      case 'idle':
      case 'busy':
        this.onCrash(slot, exitCode);
        return;
      default:
        return;
    }
  }

  /** The thread ended (or could not be created) before it called serveJobs(). */
  private onStartFailure(slot: WorkerSlot<In, Out>, exitCode: number | null): void {
    const reason = slot.lastError ?? `it exited with code ${exitCode} before calling serveJobs()`;
    if (slot.onFirstStart) {
      const started = slot.onFirstStart;
      slot.onFirstStart = null;
      slot.phase = 'stopped';
      started(new Error(`Worker ${slot.id} could not start (${this.scriptUrl.pathname}): ${reason}`));
      return;
    }
    if (this.isJoining) {
      slot.phase = 'stopped';
      return;
    }
    slot.consecutiveStartFailures++;
    if (slot.consecutiveStartFailures >= MAX_CONSECUTIVE_START_FAILURES) {
      this.giveUp(slot, reason);
      return;
    }
    slot.phase = 'restart-pending';
    const delayMs = RESTART_BACKOFF_MS * 2 ** (slot.consecutiveStartFailures - 1);
    slot.restartTimer = setTimeout(() => this.launch(slot), delayMs);
  }

  private onCrash(slot: WorkerSlot<In, Out>, exitCode: number): void {
    let died: PendingJob<In, Out> | null = null;
    if (slot.phase === 'busy' && slot.job !== null) {
      const detail = slot.lastError ? `: ${slot.lastError}` : '';
      died = this.finishDead(slot, `worker ${slot.id} died while running this job (exit code ${exitCode})${detail}`);
    }
    if (slot.isMailboxUnread) {
      slot.isMailboxUnread = false;
      this.unreadMailboxCount--;
    }
    const observer = this.observer;
    if (observer.isObserving) observer.workerExited(slot.id, 'crashed', exitCode, this.stampNow());
    // The replacement starts at once; only a replacement that itself fails to start waits and backs off.
    if (this.isJoining) slot.phase = 'stopped';
    else this.launch(slot);
    if (died !== null) deliverOutcome(died.onDone, died.outcome!);
    this.checkDrained();
  }

  /** Fails the slot's job with its dead worker; a ring slot it claimed may be written again, its reader gone. */
  private finishDead(slot: WorkerSlot<In, Out>, error: string): PendingJob<In, Out> {
    const job = slot.job!;
    if (job.ringPosition !== null) this.ring.markInputTaken(job.ringPosition);
    const nowMs = performance.now();
    const outcome: JobRunOutcome<Out> = { ok: false, cause: 'worker-died', error, runMs: nowMs - job.startedAtMs, workerId: slot.id };
    return this.finish(slot, outcome, nowMs);
  }

  private giveUp(slot: WorkerSlot<In, Out>, reason: string): void {
    slot.phase = 'gone';
    this.liveSlotCount--;
    process.emitWarning(
      `Poolscope worker ${slot.id} failed to start ${slot.consecutiveStartFailures} times in a row and will not be replaced: ${reason}`,
    );
    // Nobody is left to run the queue: each waiting job is abandoned, so every observer takes it out.
    if (this.liveSlotCount === 0) this.abandonQueued('no-workers');
  }

  // ── shutdown ───────────────────────────────────────────────────────────────

  private checkDrained(): void {
    if (this.onDrained !== null && this.queue.length === 0 && this.busy === 0) {
      const drained = this.onDrained;
      this.onDrained = null;
      drained();
    }
  }

  private async runShutdown(): Promise<void> {
    this.isShuttingDown = true;
    if (this.queue.length > 0 || this.busy > 0) {
      await new Promise<void>((resolve) => {
        this.onDrained = resolve;
      });
    }
    this.isJoining = true;
    if (this.deadlineTimer !== null) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = null;
    for (const slot of this.slots) await this.stopWorker(slot);
  }

  /** The book's join for one worker: stopping, then exited, before the next worker is touched. */
  private async stopWorker(slot: WorkerSlot<In, Out>): Promise<void> {
    if (slot.restartTimer) {
      // A crashed worker between replacement attempts: its exit was already reported.
      clearTimeout(slot.restartTimer);
      slot.restartTimer = null;
      slot.phase = 'stopped';
      return;
    }
    const worker = slot.worker;
    if (worker === null) return;
    slot.phase = 'stopping';
    const observer = this.observer;
    if (observer.isObserving) observer.workerStopping(slot.id, this.stampNow());
    slot.channel?.postStop();
    const stopTimer = setTimeout(() => void worker.terminate(), WORKER_STOP_TIMEOUT_MS);
    stopTimer.unref();
    const exitCode = await slot.exited;
    clearTimeout(stopTimer);
    if (observer.isObserving) observer.workerExited(slot.id, 'shutdown', exitCode, this.stampNow());
  }
}
