// The worker thread's program: routes one request per job and hands the response back to the main
// thread, which owns the sockets. `/sleep` blocks this thread for real, so a sleeping worker is busy.

import { workerData } from 'node:worker_threads';
import { serveJobs } from './pool/worker-runtime';
import { createRequestRouter, type RequestWorkerData } from './request-router';
import type { RouteInput, RouteOutput } from './routes';

serveJobs<RouteInput, RouteOutput>(createRequestRouter(workerData as RequestWorkerData));
