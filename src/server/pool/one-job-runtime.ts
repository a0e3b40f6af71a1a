// The worker side of strategy 'per-request' (thread-per-request.ts): the book's `thread::spawn` for one
// request. The thread takes the job posted as it was created, says it runs it, runs the handler, posts the
// result and ends. Like the pool's worker it owns no sockets; it stamps its start and its result with when they
// happened, on the pool's clock (the main thread may read them late).

import type { MessagePort } from 'node:worker_threads';
import type { OneJobMessage, OneJobThreadMessage } from './protocol';
import { describeThrown } from './shared-channel';
import { poolClockOf, whenAttached } from './worker-attach';

/** Runs the one job this thread was spawned for, then lets the thread end. Call it once, at the script's top level. */
export function serveOneJob<In, Out>(handler: (input: In) => Out): void {
  whenAttached<OneJobMessage>('serveOneJob() must run inside a thread started for one request', (port, message) =>
    run(port, message, handler),
  );
}

function run<In, Out>(port: MessagePort, message: OneJobMessage, handler: (input: In) => Out): void {
  const now = poolClockOf(message.poolTimeOriginMs);
  const startedAtMs = now();
  const started: OneJobThreadMessage = { type: 'started', atMs: startedAtMs };
  port.postMessage(started);
  let isOk = false;
  let payload: unknown;
  try {
    payload = handler(message.input as In);
    isOk = true;
  } catch (thrown) {
    payload = describeThrown(thrown);
  }
  const finishedAtMs = now();
  const result: OneJobThreadMessage = { type: 'result', isOk, payload, runMs: finishedAtMs - startedAtMs, atMs: finishedAtMs };
  try {
    port.postMessage(result);
  } catch (thrown) {
    port.postMessage({
      type: 'result',
      isOk: false,
      payload: `the job's output could not be sent: ${describeThrown(thrown)}`,
      runMs: result.runMs,
      atMs: result.atMs,
    });
  }
  // Nothing keeps this thread's loop alive now: it ends, as the book's spawned thread does after its closure.
}
