// Which side of the thread boundary a worker program serves jobs with, named in its workerData by the runner
// that spawned it (strategy-runner.ts): its own mailbox (the ThreadPool), one job and end ('per-request'), or
// the shared queue under the lock ('pool-while-let'). Worker programs call serveWithRuntime() once.

import { serveOneJob } from './one-job-runtime';
import { serveWhileLet } from './while-let-runtime';
import { serveJobs } from './worker-runtime';

export type WorkerRuntime = 'pool' | 'one-job' | 'while-let';

export function serveWithRuntime<In, Out>(runtime: WorkerRuntime | undefined, handler: (input: In) => Out): void {
  if (runtime === 'one-job') serveOneJob(handler);
  else if (runtime === 'while-let') serveWhileLet(handler);
  else serveJobs(handler);
}
