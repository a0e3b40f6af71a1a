// The router as a worker thread runs it: the book's pages read from disk once, and a real blocking sleep.
// Shared by the server's worker program and by test workers that wrap it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerRuntime } from './pool/serve-runtime';
import { createRouter, type RouteInput, type RouteOutput } from './routes';

export interface RequestWorkerData {
  pagesDir: string;
  sleepMs: number;
  /**
   * How the thread takes its jobs: from its own mailbox (the ThreadPool, the default), one job and end
   * (strategy 'per-request'), or from the shared queue under the lock (strategy 'pool-while-let').
   */
  runtime?: WorkerRuntime;
}

export function createRequestRouter({ pagesDir, sleepMs }: RequestWorkerData): (input: RouteInput) => RouteOutput {
  const sleepCell = new Int32Array(new SharedArrayBuffer(4));
  return createRouter({
    pages: {
      hello: readFileSync(join(pagesDir, 'hello.html')),
      notFound: readFileSync(join(pagesDir, '404.html')),
    },
    sleepMs,
    // The book's thread::sleep: nothing ever notifies this cell, so the wait always runs its full time.
    sleep: (ms) => void Atomics.wait(sleepCell, 0, 0, ms),
  });
}
