// What the server needs of whatever runs its jobs: the chapter's strategies (src/shared/settings.ts) each
// provide one — the ThreadPool (thread-pool.ts, also under 'single' with one worker), a thread per request
// (thread-per-request.ts) and the while-let pool (while-let-pool.ts). The server only calls these four members,
// so routes, parser, limits and events stay the same whichever runs the jobs.

import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ServerRejectionCode } from '../../shared/rejections';
import type { PoolState } from '../../shared/server-state';
import type { JobOutcome, PoolObserver } from './observer';

export interface Job<In> {
  requestId: number;
  input: In;
}

export interface JobRunner<In, Out> {
  /** Why execute() refused a job, as the server answers it (503 with this code). */
  readonly refusalCode: Extract<ServerRejectionCode, 'QUEUE_FULL' | 'THREAD_LIMIT'>;
  /** Takes a job; `onDone` is called exactly once, on the main thread. False (and nothing else) when it refuses. */
  execute(job: Job<In>, onDone: (outcome: JobOutcome<Out>) => void): boolean;
  /** Refuses new jobs, lets every accepted one finish and deliver, then ends its threads. Idempotent. */
  shutdown(): Promise<void>;
  /** Its threads and waiting jobs now; `timeOf` turns performance.now() readings into the caller's clock. */
  state(timeOf?: (performanceNowMs: number) => number): PoolState;
}

/** Calls a job's callback; a throwing callback is rethrown outside the runner so the runner's state stays whole. */
export function deliverOutcome<Out>(onDone: (outcome: JobOutcome<Out>) => void, outcome: JobOutcome<Out>): void {
  try {
    onDone(outcome);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

/**
 * The facts only some strategies have, beside the pool's (observer.ts). Same rules: main-thread
 * performance.now() readings, durations measured where the work runs, nothing reported while !isObserving.
 */
export interface StrategyObserver<Out> extends PoolObserver<Out> {
  /** 'per-request': the request's fresh thread runs it, `startupMs` after it was spawned. */
  threadStarted(workerId: number, requestId: number, startupMs: number, liveThreadCount: number, atMs: number): void;
  threadExited(workerId: number, exitCode: number, liveThreadCount: number, atMs: number): void;
  /** 'pool-while-let': a worker is blocked on the queue's lock. */
  lockWaiting(workerId: number, atMs: number): void;
  lockAcquired(workerId: number, waitMs: number, atMs: number): void;
  lockReleased(workerId: number, heldMs: number, atMs: number): void;
}

const TS_SCRIPT = /\.[cm]?ts$/;

export function toFileUrl(script: string | URL): URL {
  if (script instanceof URL) return script;
  return script.startsWith('file:') ? new URL(script) : pathToFileURL(resolvePath(script));
}

/**
 * A worker thread running `scriptUrl` with `workerData`. A .ts/.mts script goes through ts-worker-bootstrap.mjs
 * (tsx inside the thread); built .js runs as it is. Throws when the thread cannot be created (e.g. uncloneable data).
 */
export function spawnWorkerThread(scriptUrl: URL, workerData: unknown): Worker {
  return TS_SCRIPT.test(scriptUrl.pathname)
    ? new Worker(new URL('./ts-worker-bootstrap.mjs', import.meta.url), { workerData, argv: [scriptUrl.href] })
    : new Worker(scriptUrl, { workerData });
}
