// The worker thread's program: routes one request per job and hands the response back to the main
// thread, which owns the sockets. `/sleep` blocks this thread for real, so a sleeping worker is busy.
// One program for every strategy: the runtime it serves jobs with is named in its workerData.

import { workerData } from 'node:worker_threads';
import { serveOneJob } from './pool/one-job-runtime';
import { serveWhileLet } from './pool/while-let-runtime';
import { serveJobs } from './pool/worker-runtime';
import { createRequestRouter, type RequestWorkerData } from './request-router';
import type { RouteInput, RouteOutput } from './routes';

const data = workerData as RequestWorkerData;
const router = createRequestRouter(data);
if (data.runtime === 'one-job') serveOneJob<RouteInput, RouteOutput>(router);
else if (data.runtime === 'while-let') serveWhileLet<RouteInput, RouteOutput>(router);
else serveJobs<RouteInput, RouteOutput>(router);
