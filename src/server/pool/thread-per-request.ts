// Strategy 'per-request': the book's `thread::spawn` for every request (listing 21-11). Each job gets a fresh
// worker thread (a whole V8 isolate, the real start-up cost) that runs it and ends; the worker side is
// one-job-runtime.ts. The book has no bound; here a safety limit (maxThreads) refuses past it, and the server
// answers 503 THREAD_LIMIT. Each thread takes the lowest lane id no live thread holds, so a viewer's lanes
// appear and disappear with the threads and ids stay below maxThreads.

import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { PoolState, PoolWorkerState, QueuedJobState } from '../../shared/server-state';
import { deliverOutcome, type Job, type JobRunner, type StrategyObserver, spawnWorkerThread, toFileUrl } from './job-runner';
import type { JobOutcome, JobRunOutcome } from './observer';
import type { OneJobMessage, OneJobThreadMessage } from './protocol';
import { describeThrown } from './shared-channel';
import { StampedInbox } from './stamped-inbox';

export interface ThreadPerRequestOptions<Out> {
  /** Threads alive at once at most, 1 or more; past it execute() refuses. */
  maxThreads: number;
  /** A program that calls serveOneJob(). .ts/.mts scripts go through tsx. */
  workerScript: string | URL;
  /** Handed to every thread as its workerData. */
  workerData?: unknown;
  observer: StrategyObserver<Out>;
}

interface RequestThread<Out> {
  readonly laneId: number;
  readonly requestId: number;
  readonly onDone: (outcome: JobOutcome<Out>) => void;
  readonly worker: Worker;
  /** performance.now() at execute(), which is also the spawn. */
  readonly spawnedAtMs: number;
  /** performance.now() when the thread said it runs the job; NaN until then. */
  startedAtMs: number;
  isDone: boolean;
  lastError: string | null;
}

/** What the main thread hears of a request's thread: a reply, or that it ended (after all it said). */
type ThreadNews<Out> = { thread: RequestThread<Out>; reply: OneJobThreadMessage } | { thread: RequestThread<Out>; exitCode: number };

export class ThreadPerRequest<In, Out> implements JobRunner<In, Out> {
  readonly refusalCode = 'THREAD_LIMIT';
  /** Index = lane id; null where no thread is alive. */
  private readonly lanes: (RequestThread<Out> | null)[] = [];
  private liveCount = 0;
  private peakCount = 0;
  /** Threads spawned whose job has not started yet: the "queue" of this strategy. */
  private startingCount = 0;
  private readonly scriptUrl: URL;
  private isShuttingDown = false;
  private shutdownPromise: Promise<void> | null = null;
  private onAllExited: (() => void) | null = null;
  /** The threads' replies, reported in the order the threads stamped them (stamped-inbox.ts). */
  private readonly inbox = new StampedInbox<ThreadNews<Out>>(
    (item) => ('reply' in item ? item.reply.atMs : Number.POSITIVE_INFINITY),
    (item) => ('reply' in item ? this.onMessage(item.thread, item.reply) : this.onExit(item.thread, item.exitCode)),
  );

  constructor(private readonly options: ThreadPerRequestOptions<Out>) {
    if (!Number.isInteger(options.maxThreads) || options.maxThreads < 1) {
      throw new RangeError(`maxThreads must be a whole number, at least 1; got ${options.maxThreads}`);
    }
    this.scriptUrl = toFileUrl(options.workerScript);
  }

  execute(job: Job<In>, onDone: (outcome: JobOutcome<Out>) => void): boolean {
    if (this.isShuttingDown || this.liveCount >= this.options.maxThreads) return false;
    const nowMs = performance.now();
    let worker: Worker;
    try {
      worker = spawnWorkerThread(this.scriptUrl, this.options.workerData);
    } catch (thrown) {
      queueMicrotask(() =>
        onDone({ ok: false, cause: 'threw', error: `no thread could be created: ${describeThrown(thrown)}`, runMs: 0, workerId: 0 }),
      );
      return true;
    }
    const laneId = this.freeLane();
    const thread: RequestThread<Out> = {
      laneId,
      requestId: job.requestId,
      onDone,
      worker,
      spawnedAtMs: nowMs,
      startedAtMs: Number.NaN,
      isDone: false,
      lastError: null,
    };
    this.lanes[laneId] = thread;
    this.liveCount++;
    if (this.liveCount > this.peakCount) this.peakCount = this.liveCount;
    this.startingCount++;
    const observer = this.options.observer;
    if (observer.isObserving) observer.jobQueued(job.requestId, this.startingCount, nowMs);
    const message: OneJobMessage = { type: 'one-job', input: job.input, poolTimeOriginMs: performance.timeOrigin };
    worker.postMessage(message);
    worker.on('message', (reply: OneJobThreadMessage) => this.inbox.receive({ thread, reply }));
    // Always listened to: an unhandled 'error' would take the main thread down with the thread.
    worker.on('error', (error) => {
      thread.lastError = describeThrown(error);
    });
    // Through the inbox, after everything the thread said before it ended (its result before its exit).
    worker.on('exit', (exitCode) => this.inbox.receive({ thread, exitCode }));
    return true;
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      this.isShuttingDown = true;
      if (this.liveCount > 0) await new Promise<void>((resolve) => (this.onAllExited = resolve));
    })();
    return this.shutdownPromise;
  }

  state(timeOf: (performanceNowMs: number) => number = (ms) => ms): PoolState {
    const workers: PoolWorkerState[] = [];
    const queue: QueuedJobState[] = [];
    for (const thread of this.lanes) {
      if (thread === null || thread === undefined) continue;
      const isRunning = !Number.isNaN(thread.startedAtMs) && !thread.isDone;
      if (Number.isNaN(thread.startedAtMs)) queue.push({ requestId: thread.requestId, enqueuedAt: timeOf(thread.spawnedAtMs) });
      workers.push({
        id: thread.laneId,
        phase: Number.isNaN(thread.startedAtMs) ? 'starting' : isRunning ? 'busy' : 'stopping',
        requestId: isRunning ? thread.requestId : null,
        busySince: isRunning ? timeOf(thread.startedAtMs) : null,
        jobsDone: thread.isDone ? 1 : 0,
        busyMsTotal: 0,
        spawnedAt: timeOf(thread.spawnedAtMs),
        replacements: 0,
      });
    }
    queue.sort((a, b) => a.enqueuedAt - b.enqueuedAt);
    return { workers, queue, threads: { live: this.liveCount, peak: this.peakCount }, lock: null };
  }

  private freeLane(): number {
    const lanes = this.lanes;
    for (let i = 0; i < lanes.length; i++) if (lanes[i] === null) return i;
    lanes.push(null);
    return lanes.length - 1;
  }

  /** Each reply is reported at the moment the thread stamped it (`atMs`), not when it is read here. */
  private onMessage(thread: RequestThread<Out>, reply: OneJobThreadMessage): void {
    if (thread.isDone) return;
    const observer = this.options.observer;
    if (reply.type === 'started') {
      this.markStarted(thread, reply.atMs);
      return;
    }
    if (Number.isNaN(thread.startedAtMs)) this.markStarted(thread, reply.atMs);
    const outcome: JobRunOutcome<Out> = reply.isOk
      ? { ok: true, output: reply.payload as Out, runMs: reply.runMs, workerId: thread.laneId }
      : { ok: false, cause: 'threw', error: String(reply.payload), runMs: reply.runMs, workerId: thread.laneId };
    this.finish(thread, outcome, observer, reply.atMs);
  }

  /** `atMs`: when the thread began its job, on the pool's clock. */
  private markStarted(thread: RequestThread<Out>, atMs: number): void {
    thread.startedAtMs = atMs;
    this.startingCount--;
    const observer = this.options.observer;
    if (!observer.isObserving) return;
    const startupMs = atMs - thread.spawnedAtMs;
    observer.threadStarted(thread.laneId, thread.requestId, startupMs, this.liveCount, atMs);
    observer.jobStarted(thread.requestId, thread.laneId, startupMs, this.startingCount, atMs);
  }

  /** `atMs`: when the job ended, on the pool's clock. */
  private finish(thread: RequestThread<Out>, outcome: JobRunOutcome<Out>, observer: StrategyObserver<Out>, atMs: number): void {
    thread.isDone = true;
    if (observer.isObserving) observer.jobFinished(thread.requestId, outcome, atMs);
    this.inbox.answer(() => deliverOutcome(thread.onDone, outcome));
  }

  private onExit(thread: RequestThread<Out>, exitCode: number): void {
    const nowMs = performance.now();
    const observer = this.options.observer;
    if (!thread.isDone) {
      // The thread ended without a result: its request still gets an answer (500).
      if (Number.isNaN(thread.startedAtMs)) this.markStarted(thread, nowMs);
      const detail = thread.lastError ? `: ${thread.lastError}` : '';
      this.finish(
        thread,
        {
          ok: false,
          cause: 'worker-died',
          error: `the thread for this request ended without a result (exit code ${exitCode})${detail}`,
          runMs: nowMs - thread.startedAtMs,
          workerId: thread.laneId,
        },
        observer,
        nowMs,
      );
    }
    this.lanes[thread.laneId] = null;
    this.liveCount--;
    if (observer.isObserving) observer.threadExited(thread.laneId, exitCode, this.liveCount, nowMs);
    if (this.liveCount === 0 && this.onAllExited !== null) {
      const exited = this.onAllExited;
      this.onAllExited = null;
      exited();
    }
  }
}
