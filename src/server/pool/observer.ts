// What the pool tells the world: each job's outcome, and the pool facts an observer hears as they happen
// (a job queued, started, finished or abandoned; a worker spawned, stopping, exited or replaced). Facts
// only: the pool knows nothing of HTTP or of the event contract; the server turns facts into events.

/** Why a queued job left the queue without running. */
export type JobAbandonReason =
  /** It waited maxWaitMs without a worker taking it. */
  | 'max-wait'
  /** Every worker had failed to restart too many times in a row: nobody is left to run it. */
  | 'no-workers';

/** Why a worker thread ended. */
export type PoolWorkerExitReason = 'shutdown' | 'crashed';

/** How a job that ran ended. */
export type JobRunOutcome<Out> =
  | { ok: true; output: Out; runMs: number; workerId: number }
  | {
      ok: false;
      error: string;
      runMs: number;
      workerId: number;
      /** 'threw': the handler threw and the worker carries on. 'worker-died': the thread itself ended. */
      cause: 'threw' | 'worker-died';
    };

/** A job that never ran: it left the queue (its observer heard jobAbandoned first). */
export interface JobAbandonedOutcome {
  ok: false;
  error: string;
  cause: 'abandoned';
  reason: JobAbandonReason;
  /** How long it waited in the queue, measured on the main thread. */
  waitMs: number;
}

/** What a job's callback gets, exactly once. */
export type JobOutcome<Out> = JobRunOutcome<Out> | JobAbandonedOutcome;

/**
 * Hears the pool's facts, synchronously, on the main thread, in the order they happen. Every `atMs` is a
 * performance.now() reading of the main thread; durations (`waitMs`) are measured there too, except `runMs`,
 * measured in the worker. Arguments are plain numbers (and the outcome the job's callback gets anyway), so
 * reporting allocates nothing; while `isObserving` is false the pool reports nothing and reads no clock for it.
 *
 * Per job: jobQueued (every accepted job, also one that starts at once: its queueDepth then counts it, 1,
 * and jobStarted follows with queueDepth 0), then either jobStarted and jobFinished, or jobAbandoned.
 * workerSpawned is heard only as the pool is created, for ids 0..n-1 in order, once every one is ready.
 * A crash: jobFinished for its job (cause 'worker-died'), workerExited 'crashed', and once a fresh thread
 * has taken the id, workerReplaced. Shutdown: workerStopping then workerExited 'shutdown', worker by worker.
 */
export interface PoolObserver<Out> {
  /** Read before every report. */
  readonly isObserving: boolean;
  /** queueDepth: jobs waiting with this one counted. */
  jobQueued(requestId: number, queueDepth: number, atMs: number): void;
  /** queueDepth: jobs still waiting after this one left the queue. */
  jobStarted(requestId: number, workerId: number, waitMs: number, queueDepth: number, atMs: number): void;
  /** The outcome is the one the job's callback gets next. */
  jobFinished(requestId: number, outcome: JobRunOutcome<Out>, atMs: number): void;
  /** queueDepth: jobs still waiting after this one left the queue. The job's callback gets a JobAbandonedOutcome next. */
  jobAbandoned(requestId: number, reason: JobAbandonReason, waitMs: number, queueDepth: number, atMs: number): void;
  workerSpawned(workerId: number, atMs: number): void;
  workerStopping(workerId: number, atMs: number): void;
  workerExited(workerId: number, reason: PoolWorkerExitReason, exitCode: number, atMs: number): void;
  workerReplaced(workerId: number, atMs: number): void;
}

/** For a pool nobody observes. */
export const UNOBSERVED: PoolObserver<unknown> = {
  isObserving: false,
  jobQueued() {},
  jobStarted() {},
  jobFinished() {},
  jobAbandoned() {},
  workerSpawned() {},
  workerStopping() {},
  workerExited() {},
  workerReplaced() {},
};
