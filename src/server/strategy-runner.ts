// Which runner serves a strategy's jobs (src/shared/settings.ts, STRATEGIES): the one place a strategy becomes
// threads. 'single' is the ThreadPool with one worker — the one thread that runs requests — while the server
// takes one connection at a time (server.ts); 'per-request' spawns a thread per job; 'pool' is the book's final
// ThreadPool; 'pool-while-let' its listing 21-21 variant. The pool size applies where the strategy has a pool.

import type { ServerSettings } from '../shared/settings';
import type { JobRunner } from './pool/job-runner';
import { ThreadPerRequest } from './pool/thread-per-request';
import { ThreadPool } from './pool/thread-pool';
import { WhileLetPool } from './pool/while-let-pool';
import type { PoolEventReporter } from './pool-events';
import type { RequestWorkerData } from './request-router';
import type { RouteInput, RouteOutput } from './routes';

export function createRunner(
  settings: ServerSettings,
  workerScript: string,
  workerData: RequestWorkerData,
  observer: PoolEventReporter,
): Promise<JobRunner<RouteInput, RouteOutput>> {
  const { maxQueuedJobs, maxWaitMs } = settings;
  switch (settings.strategy) {
    case 'single':
    case 'pool':
      return ThreadPool.create<RouteInput, RouteOutput>({
        size: settings.strategy === 'single' ? 1 : settings.workerCount,
        workerScript,
        workerData,
        maxQueuedJobs,
        maxWaitMs,
        observer,
      });
    case 'per-request':
      return Promise.resolve(
        new ThreadPerRequest<RouteInput, RouteOutput>({
          maxThreads: settings.maxThreads,
          workerScript,
          workerData: { ...workerData, runtime: 'one-job' } satisfies RequestWorkerData,
          observer,
        }),
      );
    case 'pool-while-let':
      return WhileLetPool.create<RouteInput, RouteOutput>({
        size: settings.workerCount,
        workerScript,
        workerData: { ...workerData, runtime: 'while-let' } satisfies RequestWorkerData,
        maxQueuedJobs,
        maxWaitMs,
        observer,
      });
  }
}
