// The worker side of strategy 'per-request' (thread-per-request.ts): the book's `thread::spawn` for one
// request. The thread takes the job posted as it was created, says it runs it, runs the handler, posts the
// result and ends. Like the pool's worker it owns no sockets; it reports durations only (the main thread stamps
// its "started" and result as they arrive).

import { performance } from 'node:perf_hooks';
import type { MessagePort } from 'node:worker_threads';
import type { OneJobMessage, OneJobThreadMessage } from './protocol';
import { describeThrown } from './shared-channel';
import { whenAttached } from './worker-attach';

/** Runs the one job this thread was spawned for, then lets the thread end. Call it once, at the script's top level. */
export function serveOneJob<In, Out>(handler: (input: In) => Out): void {
  whenAttached<OneJobMessage>('serveOneJob() must run inside a thread started for one request', (port, message) =>
    run(port, message, handler),
  );
}

function run<In, Out>(port: MessagePort, message: OneJobMessage, handler: (input: In) => Out): void {
  const started: OneJobThreadMessage = { type: 'started' };
  port.postMessage(started);
  const startedAtMs = performance.now();
  let result: OneJobThreadMessage;
  try {
    const output = handler(message.input as In);
    result = { type: 'result', isOk: true, payload: output, runMs: performance.now() - startedAtMs };
  } catch (thrown) {
    result = { type: 'result', isOk: false, payload: describeThrown(thrown), runMs: performance.now() - startedAtMs };
  }
  try {
    port.postMessage(result);
  } catch (thrown) {
    port.postMessage({
      type: 'result',
      isOk: false,
      payload: `the job's output could not be sent: ${describeThrown(thrown)}`,
      runMs: result.runMs,
    });
  }
  // Nothing keeps this thread's loop alive now: it ends, as the book's spawned thread does after its closure.
}
