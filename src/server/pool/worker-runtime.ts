// The worker thread's side of the ThreadPool: takes jobs from the pool one at a time, runs the user's
// synchronous handler, measures its run time, and posts the result back. It owns no sockets and no clock
// of record: it reports durations only; the main thread stamps every event.

import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort } from 'node:worker_threads';
import type { PoolToWorkerMessage, WorkerToPoolMessage } from './protocol';

let isServing = false;

function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message || thrown.name;
  return String(thrown);
}

/**
 * Serves jobs on this worker thread until the pool says stop. Call it once, at the end of the worker
 * script's top level: the pool counts the worker as started only once this has been called.
 *
 * The handler runs synchronously and may block the thread (the book's /sleep). If it throws, that job
 * fails with the error's message and the worker carries on with the next one.
 */
export function serveJobs<In, Out>(handler: (input: In) => Out): void {
  const port = parentPort;
  if (isMainThread || port === null) {
    throw new Error('serveJobs() must run inside a worker thread started by ThreadPool, not on the main thread');
  }
  if (isServing) throw new Error('serveJobs() was already called in this worker; call it once');
  isServing = true;

  const post = (message: WorkerToPoolMessage<Out>) => port.postMessage(message);

  port.on('message', (message: PoolToWorkerMessage<In>) => {
    if (message.type === 'stop') {
      // The book's closed channel: with the port closed nothing keeps this thread's loop alive, so it ends.
      port.close();
      return;
    }
    const { requestId, input } = message;
    const startedAtMs = performance.now();
    let output: Out;
    try {
      output = handler(input);
    } catch (thrown) {
      post({ type: 'result', requestId, ok: false, error: describeThrown(thrown), runMs: performance.now() - startedAtMs });
      return;
    }
    const runMs = performance.now() - startedAtMs;
    try {
      // Structured clone copies Uint8Array bodies; pages are small, so copying beats transfer bookkeeping.
      post({ type: 'result', requestId, ok: true, output, runMs });
    } catch (thrown) {
      post({ type: 'result', requestId, ok: false, error: `the job's output could not be sent to the main thread: ${describeThrown(thrown)}`, runMs });
    }
  });

  post({ type: 'ready' });
}
