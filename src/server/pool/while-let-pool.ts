// Strategy 'pool-while-let': the book's listing 21-21, the pool whose worker loop is
// `while let Ok(job) = receiver.lock().unwrap().recv()`. One queue in shared memory (the channel) that the main
// thread sends into, and one real lock (the Mutex around the Receiver) that every worker takes to receive and,
// the while let's pitfall, keeps for the whole job. The worker side is while-let-runtime.ts. This side sends
// jobs, turns the workers' messages into the pool's facts and the lock's (who holds it, who is blocked on it),
// and shuts down as the book's Drop does: drop the sender, then join the workers in id order.

import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { PoolState, PoolWorkerState, QueuedJobState } from '../../shared/server-state';
import { deliverOutcome, type Job, type JobRunner, type StrategyObserver, spawnWorkerThread, toFileUrl } from './job-runner';
import { LockHandoverOrder, type LockNewsKind } from './lock-handover';
import type { JobOutcome, JobRunOutcome } from './observer';
import { type WhileLetAttachMessage, WhileLetCell, WhileLetLayout, type WhileLetWorkerMessage } from './protocol';
import { describeThrown } from './shared-channel';
import { NotEncodable, SharedCodec } from './shared-codec';
import { StampedInbox } from './stamped-inbox';
import { WORKER_START_TIMEOUT_MS, WORKER_STOP_TIMEOUT_MS } from './thread-pool';
import { unlockMutex } from './while-let-runtime';

export interface WhileLetPoolOptions<Out> {
  size: number;
  /** A program that calls serveWhileLet(). */
  workerScript: string | URL;
  workerData?: unknown;
  /** Jobs that may wait in the shared queue; past it execute() refuses. */
  maxQueuedJobs: number;
  /** 0 for no limit. A worker that takes a job older than this answers it 503 instead of running it. */
  maxWaitMs: number;
  observer: StrategyObserver<Out>;
}

/** The shared queue's slots are 8 KiB each: beyond this many the queue limit is this (memory stays a few MiB). */
export const MAX_WHILE_LET_QUEUE_SLOTS = 1_024;

interface PendingJob<Out> {
  readonly requestId: number;
  readonly onDone: (outcome: JobOutcome<Out>) => void;
  readonly enqueuedAtMs: number;
}

/** Every message but 'ready' carries the moment it was sent. */
type StampedMessage = Exclude<WhileLetWorkerMessage, { type: 'ready' }>;

/** What the main thread hears of a worker: a message, or that its thread ended (after all it said). */
type WorkerNews<Out> = { worker: WhileLetWorker<Out>; message: StampedMessage } | { worker: WhileLetWorker<Out>; exitCode: number };

const LOCK_NEWS_KINDS: Partial<Record<StampedMessage['type'], LockNewsKind>> = { 'lock-acquired': 'acquired', 'lock-released': 'released' };

type WorkerPhase = 'starting' | 'waiting-for-lock' | 'idle' | 'busy' | 'stopping' | 'exited';

interface WhileLetWorker<Out> {
  readonly id: number;
  worker: Worker;
  phase: WorkerPhase;
  holdsLock: boolean;
  /** performance.now() when it began to wait for the lock, or took it. */
  lockSinceMs: number;
  job: PendingJob<Out> | null;
  jobStartedAtMs: number;
  jobsDone: number;
  busyMsTotal: number;
  exited: Promise<number>;
  /** Its thread died before shutdown (its exit was reported then): shutdown has nothing to join. */
  hasCrashed: boolean;
  lastError: string | null;
}

export class WhileLetPool<In, Out> implements JobRunner<In, Out> {
  readonly refusalCode = 'QUEUE_FULL';
  private readonly cells: Int32Array;
  private readonly shared: SharedArrayBuffer;
  private readonly slotCount: number;
  private readonly workers: WhileLetWorker<Out>[] = [];
  /** Jobs sent and not yet taken by a worker, oldest first (the channel's contents, as the sender knows them). */
  private readonly waiting = new Map<number, PendingJob<Out>>();
  /** Workers blocked on the lock, in the order they began to wait. */
  private readonly lockWaiters: WhileLetWorker<Out>[] = [];
  private spawnedAtMs = 0;
  private isShuttingDown = false;
  /** The sender is dropped: threads that end from now on are being joined, not crashing. */
  private isJoining = false;
  private shutdownPromise: Promise<void> | null = null;
  private onDrained: (() => void) | null = null;
  private readonly scriptUrl: URL;
  /** The workers' messages, reported in the order the workers stamped them (stamped-inbox.ts). */
  private readonly inbox = new StampedInbox<WorkerNews<Out>>(
    (item) => ('message' in item ? item.message.atMs : Number.POSITIVE_INFINITY),
    (item) => this.handovers.receive(item),
    () => this.checkDrained(),
  );
  /** The inbox's news, each lock handover reported only after the release before it (lock-handover.ts). */
  private readonly handovers = new LockHandoverOrder<WorkerNews<Out>, WhileLetWorker<Out>>(
    (item) => item.worker,
    (item) => ('message' in item ? (LOCK_NEWS_KINDS[item.message.type] ?? 'other') : 'ended'),
    (item) => ('message' in item ? this.onMessage(item.worker, item.message) : this.onExit(item.worker, item.exitCode)),
  );

  private constructor(private readonly options: WhileLetPoolOptions<Out>) {
    this.slotCount = Math.min(options.maxQueuedJobs, MAX_WHILE_LET_QUEUE_SLOTS) + 1;
    this.shared = new SharedArrayBuffer(WhileLetLayout.totalBytes(this.slotCount));
    this.cells = new Int32Array(this.shared, 0, WhileLetCell.Count);
    this.scriptUrl = toFileUrl(options.workerScript);
  }

  /** Spawns workers 0..size-1 and resolves once each is in its loop. */
  static async create<In, Out>(options: WhileLetPoolOptions<Out>): Promise<WhileLetPool<In, Out>> {
    const pool = new WhileLetPool<In, Out>(options);
    await pool.startAll();
    return pool;
  }

  execute(job: Job<In>, onDone: (outcome: JobOutcome<Out>) => void): boolean {
    if (this.isShuttingDown || this.waiting.size >= this.slotCount - 1) return false;
    const cells = this.cells;
    const tail = Atomics.load(cells, WhileLetCell.Tail);
    const slotOffset = WhileLetLayout.headerBytes + (tail % this.slotCount) * WhileLetLayout.slotBytes;
    const nowMs = performance.now();
    const numbers = new Float64Array(this.shared, slotOffset, 2);
    numbers[0] = job.requestId;
    numbers[1] = this.options.maxWaitMs === 0 ? Number.POSITIVE_INFINITY : performance.timeOrigin + nowMs + this.options.maxWaitMs;
    try {
      new SharedCodec(this.shared, slotOffset + WhileLetLayout.slotHeaderBytes, WhileLetLayout.slotInputBytes).encode(job.input);
    } catch (thrown) {
      const error =
        thrown instanceof NotEncodable ? `the job's input does not fit the shared queue: ${thrown.message}` : describeThrown(thrown);
      queueMicrotask(() => onDone({ ok: false, cause: 'threw', error, runMs: 0, workerId: 0 }));
      return true;
    }
    const pending: PendingJob<Out> = { requestId: job.requestId, onDone, enqueuedAtMs: nowMs };
    this.waiting.set(job.requestId, pending);
    const observer = this.options.observer;
    if (observer.isObserving) observer.jobQueued(job.requestId, this.waiting.size, nowMs);
    // mpsc::Sender::send: the channel needs no lock to send into; the lock holder waits on Tail.
    Atomics.store(cells, WhileLetCell.Tail, tail + 1);
    Atomics.notify(cells, WhileLetCell.Tail, 1);
    // Nobody is left to take it: answered at once, after execute() returns, as a callback always is.
    if (this.workers.every((w) => w.phase === 'exited')) queueMicrotask(() => this.abandonWaiting());
    return true;
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.runShutdown();
    return this.shutdownPromise;
  }

  state(timeOf: (performanceNowMs: number) => number = (ms) => ms): PoolState {
    const spawnedAt = timeOf(this.spawnedAtMs);
    let live = 0;
    const workers = this.workers.map((w): PoolWorkerState => {
      if (w.phase !== 'exited') live++;
      return {
        id: w.id,
        phase: w.phase,
        requestId: w.job?.requestId ?? null,
        busySince: w.job === null ? null : timeOf(w.jobStartedAtMs),
        jobsDone: w.jobsDone,
        busyMsTotal: w.busyMsTotal,
        spawnedAt,
        replacements: 0,
      };
    });
    const queue: QueuedJobState[] = Array.from(this.waiting.values(), (job) => ({
      requestId: job.requestId,
      enqueuedAt: timeOf(job.enqueuedAtMs),
    }));
    const holder = this.workers.find((w) => w.holdsLock) ?? null;
    return {
      workers,
      queue,
      threads: { live, peak: this.options.size },
      lock: {
        holderId: holder?.id ?? null,
        heldSince: holder === null ? null : timeOf(holder.lockSinceMs),
        waiters: this.lockWaiters.map((w) => ({ workerId: w.id, since: timeOf(w.lockSinceMs) })),
      },
    };
  }

  // ── workers ────────────────────────────────────────────────────────────────

  private async startAll(): Promise<void> {
    const ready: Promise<void>[] = [];
    for (let id = 0; id < this.options.size; id++) ready.push(this.launch(id));
    try {
      await Promise.all(ready);
    } catch (error) {
      Atomics.store(this.cells, WhileLetCell.Closed, 1);
      await Promise.all(this.workers.map((w) => w.worker.terminate()));
      throw error;
    }
    this.spawnedAtMs = performance.now();
    const observer = this.options.observer;
    if (observer.isObserving) for (const w of this.workers) observer.workerSpawned(w.id, this.spawnedAtMs);
  }

  private launch(id: number): Promise<void> {
    const worker = spawnWorkerThread(this.scriptUrl, this.options.workerData);
    const w: WhileLetWorker<Out> = {
      id,
      worker,
      phase: 'starting',
      holdsLock: false,
      lockSinceMs: 0,
      job: null,
      jobStartedAtMs: 0,
      jobsDone: 0,
      busyMsTotal: 0,
      exited: new Promise((resolve) => worker.once('exit', resolve)),
      hasCrashed: false,
      lastError: null,
    };
    this.workers[id] = w;
    const attach: WhileLetAttachMessage = {
      type: 'while-let-attach',
      workerId: id,
      poolTimeOriginMs: performance.timeOrigin,
      shared: this.shared,
    };
    worker.postMessage(attach);
    return new Promise<void>((resolve, reject) => {
      const startTimer = setTimeout(() => {
        reject(new Error(`Worker ${id} did not call serveWhileLet() within ${WORKER_START_TIMEOUT_MS} ms`));
      }, WORKER_START_TIMEOUT_MS);
      startTimer.unref();
      worker.on('message', (message: WhileLetWorkerMessage) => {
        if (message.type === 'ready') {
          clearTimeout(startTimer);
          w.phase = 'idle';
          resolve();
        } else this.inbox.receive({ worker: w, message });
      });
      worker.on('error', (error) => {
        w.lastError = describeThrown(error);
      });
      worker.on('exit', (exitCode) => {
        clearTimeout(startTimer);
        if (w.phase === 'starting')
          reject(new Error(`Worker ${id} could not start (${this.scriptUrl.pathname}): ${w.lastError ?? `exit code ${exitCode}`}`));
        // Through the inbox, after everything the thread said before it ended (its result, say, before its join).
        else this.inbox.receive({ worker: w, exitCode });
      });
    });
  }

  /** Hands a job its outcome once the facts being reported are (stamped-inbox.ts). */
  private deliver(job: PendingJob<Out>, outcome: JobOutcome<Out>): void {
    this.inbox.answer(() => {
      deliverOutcome(job.onDone, outcome);
      this.checkDrained();
    });
  }

  /** Each message is reported at the moment the worker stamped it (`atMs`), not when it is read here. */
  private onMessage(w: WhileLetWorker<Out>, message: StampedMessage): void {
    const observer = this.options.observer;
    switch (message.type) {
      case 'lock-waiting':
        if (w.phase !== 'stopping') w.phase = 'waiting-for-lock';
        w.lockSinceMs = message.atMs;
        this.lockWaiters.push(w);
        if (observer.isObserving) observer.lockWaiting(w.id, message.atMs);
        return;
      case 'lock-acquired': {
        const i = this.lockWaiters.indexOf(w);
        if (i !== -1) this.lockWaiters.splice(i, 1);
        if (w.phase === 'waiting-for-lock') w.phase = 'idle';
        w.holdsLock = true;
        w.lockSinceMs = message.atMs;
        if (observer.isObserving) observer.lockAcquired(w.id, message.waitMs, message.atMs);
        return;
      }
      case 'started': {
        const job = this.waiting.get(message.requestId);
        if (job === undefined) return;
        this.waiting.delete(message.requestId);
        w.job = job;
        w.jobStartedAtMs = message.atMs;
        if (w.phase !== 'stopping') w.phase = 'busy';
        if (observer.isObserving)
          observer.jobStarted(job.requestId, w.id, message.atMs - job.enqueuedAtMs, this.waiting.size, message.atMs);
        return;
      }
      case 'expired': {
        const job = this.waiting.get(message.requestId);
        if (job === undefined) return;
        this.waiting.delete(message.requestId);
        const waitMs = message.atMs - job.enqueuedAtMs;
        if (observer.isObserving) observer.jobAbandoned(job.requestId, 'max-wait', waitMs, this.waiting.size, message.atMs);
        const error = `it waited ${Math.round(waitMs)} ms for a worker; a job may wait ${this.options.maxWaitMs} ms`;
        this.deliver(job, { ok: false, cause: 'abandoned', reason: 'max-wait', waitMs, error });
        return;
      }
      case 'result': {
        const job = w.job;
        if (job === null || job.requestId !== message.requestId) return;
        const outcome: JobRunOutcome<Out> = message.isOk
          ? { ok: true, output: message.payload as Out, runMs: message.runMs, workerId: w.id }
          : { ok: false, cause: 'threw', error: String(message.payload), runMs: message.runMs, workerId: w.id };
        this.finishJob(w, outcome, message.atMs);
        return;
      }
      case 'lock-released':
        w.holdsLock = false;
        if (observer.isObserving) observer.lockReleased(w.id, message.heldMs, message.atMs);
        return;
    }
  }

  /** `atMs`: when the job ended, on the pool's clock. */
  private finishJob(w: WhileLetWorker<Out>, outcome: JobRunOutcome<Out>, atMs: number): void {
    const job = w.job!;
    w.job = null;
    w.jobsDone++;
    w.busyMsTotal += outcome.runMs;
    if (w.phase === 'busy') w.phase = 'idle';
    const observer = this.options.observer;
    if (observer.isObserving) observer.jobFinished(job.requestId, outcome, atMs);
    this.deliver(job, outcome);
  }

  /** A worker thread ended: at shutdown that is its join; otherwise it died, and its job (if any) gets a 500. */
  private onExit(w: WhileLetWorker<Out>, exitCode: number): void {
    const wasStopping = w.phase === 'stopping';
    w.phase = 'exited';
    const i = this.lockWaiters.indexOf(w);
    if (i !== -1) this.lockWaiters.splice(i, 1);
    if (w.holdsLock) {
      // A thread that dies holding the lock would leave every other worker blocked on it for good (Rust would
      // poison the Mutex): free it, so the others carry on.
      w.holdsLock = false;
      unlockMutex(this.cells);
    }
    if (w.job !== null) {
      const detail = w.lastError ? `: ${w.lastError}` : '';
      this.finishJob(
        w,
        {
          ok: false,
          cause: 'worker-died',
          error: `worker ${w.id} died while running this job (exit code ${exitCode})${detail}`,
          runMs: performance.now() - w.jobStartedAtMs,
          workerId: w.id,
        },
        performance.now(),
      );
    }
    if (!wasStopping && !this.isJoining) {
      w.hasCrashed = true;
      const observer = this.options.observer;
      if (observer.isObserving) observer.workerExited(w.id, 'crashed', exitCode, performance.now());
      // A dead worker is not replaced here (the book's pool has no such thing); once none is left, nobody
      // would ever take the queued jobs: each is answered now instead of waiting forever.
      if (this.workers.every((other) => other.phase === 'exited')) this.abandonWaiting();
    }
  }

  private abandonWaiting(): void {
    const nowMs = performance.now();
    const observer = this.options.observer;
    for (const job of [...this.waiting.values()]) {
      this.waiting.delete(job.requestId);
      const waitMs = nowMs - job.enqueuedAtMs;
      if (observer.isObserving) observer.jobAbandoned(job.requestId, 'no-workers', waitMs, this.waiting.size, nowMs);
      deliverOutcome(job.onDone, {
        ok: false,
        cause: 'abandoned',
        reason: 'no-workers',
        waitMs,
        error: 'no worker threads are left: every worker died',
      });
    }
    this.checkDrained();
  }

  // ── shutdown ───────────────────────────────────────────────────────────────

  private checkDrained(): void {
    if (this.onDrained !== null && this.waiting.size === 0 && this.workers.every((w) => w.job === null)) {
      const drained = this.onDrained;
      this.onDrained = null;
      drained();
    }
  }

  private async runShutdown(): Promise<void> {
    this.isShuttingDown = true;
    if (this.waiting.size > 0 || this.workers.some((w) => w.job !== null)) {
      await new Promise<void>((resolve) => {
        this.onDrained = resolve;
      });
    }
    // drop(self.sender.take()): each worker's recv() now fails once the queue is empty, and its loop ends.
    this.isJoining = true;
    Atomics.store(this.cells, WhileLetCell.Closed, 1);
    Atomics.notify(this.cells, WhileLetCell.Tail);
    const observer = this.options.observer;
    // Every worker leaves its loop as soon as it gets the lock and finds the channel closed; the joins, and
    // their lines, still go in id order, as the book's Drop joins them.
    for (const w of this.workers) {
      if (w.hasCrashed) continue;
      if (w.phase !== 'exited') w.phase = 'stopping';
      if (observer.isObserving) observer.workerStopping(w.id, performance.now());
      const stopTimer = setTimeout(() => void w.worker.terminate(), WORKER_STOP_TIMEOUT_MS);
      stopTimer.unref();
      const exitCode = await w.exited;
      clearTimeout(stopTimer);
      if (observer.isObserving) observer.workerExited(w.id, 'shutdown', exitCode, performance.now());
    }
  }
}
