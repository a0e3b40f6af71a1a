// The worker thread's program: routes one request per job and hands the response back to the main
// thread, which owns the sockets. `/sleep` blocks this thread for real, so a sleeping worker is busy.
// One program for every strategy: the runtime it serves jobs with is named in its workerData.

import { workerData } from 'node:worker_threads';
import { serveWithRuntime } from './pool/serve-runtime';
import { createRequestRouter, type RequestWorkerData } from './request-router';
import type { RouteInput, RouteOutput } from './routes';

const data = workerData as RequestWorkerData;
serveWithRuntime<RouteInput, RouteOutput>(data.runtime, createRequestRouter(data));
