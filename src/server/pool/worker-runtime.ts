// The worker thread's side of the ThreadPool: takes jobs from its shared-memory mailbox one at a time, runs
// the user's synchronous handler, measures its run time, and leaves the result in shared memory. It owns no
// sockets and no clock of record: it reports durations only; the main thread stamps every event.

import { performance } from 'node:perf_hooks';
import { isMainThread, type MessagePort, parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { type AttachMessage, MailboxState, WAKE_MESSAGE, type WorkerToPoolMessage } from './protocol';
import { describeThrown, SharedChannel, WakeFlag } from './shared-channel';

/**
 * Waiting for a job blocks this thread in Atomics.wait, where its own event loop (the script's timers,
 * I/O, an uncaught error thrown from a timer) does not run. So a worker busy with a stream of jobs comes
 * back to its event loop at least this often…
 */
const EVENT_LOOP_TURN_EVERY_MS = 10;
/** …and an idle one this often: rarely enough that an idle pool costs next to nothing. */
const IDLE_EVENT_LOOP_TURN_EVERY_MS = 250;

let isServing = false;

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

  // The pool posts the attach message as it creates the thread, so it is normally already waiting here.
  const received = receiveMessageOnPort(port);
  if (received !== undefined) {
    startServing(port, received.message as AttachMessage, handler);
  } else {
    port.once('message', (message: AttachMessage) => startServing(port, message, handler));
  }
}

function startServing<In, Out>(port: MessagePort, attach: AttachMessage, handler: (input: In) => Out): void {
  const wake = new WakeFlag(attach.poolCells);
  const channel = new SharedChannel(attach.channel, attach.overflowPort);
  const wakeMessage: WorkerToPoolMessage = WAKE_MESSAGE;

  const publish = (isOk: boolean, payload: unknown, runMs: number): void => {
    channel.postResult(isOk, payload, runMs);
    if (wake.raise()) port.postMessage(wakeMessage);
  };

  const runJob = (): void => {
    let input: In;
    try {
      input = channel.takeJob() as In;
    } catch (thrown) {
      publish(false, `the job's input could not be read in the worker: ${describeThrown(thrown)}`, 0);
      return;
    }
    const startedAtMs = performance.now();
    let output: Out;
    try {
      output = handler(input);
    } catch (thrown) {
      publish(false, describeThrown(thrown), performance.now() - startedAtMs);
      return;
    }
    publish(true, output, performance.now() - startedAtMs);
  };

  let eventLoopTurnAtMs = performance.now();
  const serve = (): void => {
    eventLoopTurnAtMs = performance.now();
    for (;;) {
      const state = channel.mailbox;
      if (state === MailboxState.Job) {
        runJob();
        if (performance.now() - eventLoopTurnAtMs >= EVENT_LOOP_TURN_EVERY_MS) {
          setImmediate(serve);
          return;
        }
        continue;
      }
      if (state === MailboxState.Stop) {
        // Nothing of ours is left to keep this thread's loop alive, so the thread ends.
        channel.close();
        port.close();
        return;
      }
      const waitMs = IDLE_EVENT_LOOP_TURN_EVERY_MS - (performance.now() - eventLoopTurnAtMs);
      if (waitMs <= 0 || channel.waitForJob(waitMs) === 'timed-out') {
        setImmediate(serve);
        return;
      }
    }
  };

  const ready: WorkerToPoolMessage = { type: 'ready' };
  port.postMessage(ready);
  serve();
}
