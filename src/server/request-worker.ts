// The worker thread's program: routes one request per job and hands the response back to the main
// thread, which owns the sockets. `/sleep` blocks this thread for real, so a sleeping worker is busy.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workerData } from 'node:worker_threads';
import { serveJobs } from './pool/worker-runtime';
import { createRouter, type RouteInput, type RouteOutput } from './routes';

export interface RequestWorkerData {
  pagesDir: string;
  sleepMs: number;
}

const { pagesDir, sleepMs } = workerData as RequestWorkerData;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

const route = createRouter({
  pages: {
    hello: readFileSync(join(pagesDir, 'hello.html')),
    notFound: readFileSync(join(pagesDir, '404.html')),
  },
  sleepMs,
  // The book's thread::sleep: nothing ever notifies this cell, so the wait always runs its full time.
  sleep: (ms) => void Atomics.wait(sleepCell, 0, 0, ms),
});

serveJobs<RouteInput, RouteOutput>(route);
