// The worker thread's side of the ThreadPool: runs the job in its mailbox, and after each job claims the
// oldest job waiting in the pool's ring rather than sleeping (protocol.ts); runs the user's synchronous
// handler, measures its run time, and leaves the result in shared memory. It owns no sockets: it reports
// when it claimed and finished each job, on the pool's clock, and the main thread stamps the events.

import { performance } from 'node:perf_hooks';
import type { MessagePort } from 'node:worker_threads';
import { type AttachMessage, MailboxState, WAKE_MESSAGE, type WorkerToPoolMessage } from './protocol';
import { describeThrown, SharedChannel, WakeFlag } from './shared-channel';
import { JobRing } from './shared-ring';
import { poolClockOf, whenAttached } from './worker-attach';

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
  if (isServing) throw new Error('serveJobs() was already called in this worker; call it once');
  whenAttached<AttachMessage>(
    'serveJobs() must run inside a worker thread started by ThreadPool, not on the main thread',
    (port, message) => {
      isServing = true;
      startServing(port, message, handler);
    },
  );
}

function startServing<In, Out>(port: MessagePort, attach: AttachMessage, handler: (input: In) => Out): void {
  const workerId = attach.workerId;
  const wake = new WakeFlag(attach.poolCells);
  const ring = new JobRing(attach.poolCells);
  const channel = new SharedChannel(attach.channel, attach.overflowPort);
  const wakeMessage: WorkerToPoolMessage = WAKE_MESSAGE;
  /** The main thread must drain: the first result or claim since its last drain posts the one wake-up. */
  const wakeMainThread = (): void => {
    if (wake.raise()) port.postMessage(wakeMessage);
  };
  const canClaim = (): boolean => channel.mayClaim && ring.hasWaiting;
  /** Now on the pool's clock (protocol.ts): the times this worker writes for the main thread. */
  const poolNow = poolClockOf(attach.poolTimeOriginMs);
  /** Publishes the result of a job that ran from `startedAtMs` (on the pool's clock) until now. */
  const postResult = (isOk: boolean, payload: unknown, startedAtMs: number): void => {
    const finishedAtMs = poolNow();
    channel.postResult(isOk, payload, finishedAtMs - startedAtMs, finishedAtMs);
  };
  /** A job that failed before it could run. */
  const postFailure = (message: string): void => postResult(false, message, poolNow());

  const run = (input: In): void => {
    const startedAtMs = poolNow();
    let output: Out;
    try {
      output = handler(input);
    } catch (thrown) {
      postResult(false, describeThrown(thrown), startedAtMs);
      return;
    }
    postResult(true, output, startedAtMs);
  };

  const runMailboxJob = (): void => {
    let input: In;
    try {
      input = channel.takeJob() as In;
    } catch (thrown) {
      postFailure(`the job's input could not be read in the worker: ${describeThrown(thrown)}`);
      return;
    }
    run(input);
  };

  /** Claims and runs the ring's oldest job; false when none waits (overdue ones are revoked on the way). */
  const runClaimedJob = (): boolean => {
    const position = ring.claim(workerId, poolNow());
    if (ring.hasRevoked) {
      ring.hasRevoked = false;
      wakeMainThread();
    }
    if (position === null) return false;
    let input: In | undefined;
    let inputError: string | null = null;
    try {
      input = ring.takeInput(position) as In;
    } catch (thrown) {
      inputError = `the job's input could not be read in the worker: ${describeThrown(thrown)}`;
    }
    // The main thread learns of the claim (and reports the job started at its time) when it drains: a long
    // job must not keep the main thread from learning it until its result.
    wakeMainThread();
    if (inputError === null) run(input as In);
    else postFailure(inputError);
    return true;
  };

  let eventLoopTurnAtMs = performance.now();
  const serve = (): void => {
    eventLoopTurnAtMs = performance.now();
    for (;;) {
      const state = channel.mailbox;
      let hasRun = false;
      if (state === MailboxState.Job) {
        runMailboxJob();
        hasRun = true;
      } else if (state === MailboxState.Stop) {
        // Nothing of ours is left to keep this thread's loop alive, so the thread ends.
        channel.close();
        port.close();
        return;
      } else {
        if (state === MailboxState.Look) channel.clearLook();
        hasRun = channel.mayClaim && runClaimedJob();
      }
      if (hasRun) {
        wakeMainThread();
        if (performance.now() - eventLoopTurnAtMs >= EVENT_LOOP_TURN_EVERY_MS) {
          setImmediate(serve);
          return;
        }
        continue;
      }
      const waitMs = IDLE_EVENT_LOOP_TURN_EVERY_MS - (performance.now() - eventLoopTurnAtMs);
      if (waitMs <= 0 || channel.waitForJob(waitMs, canClaim) === 'timed-out') {
        setImmediate(serve);
        return;
      }
    }
  };

  const ready: WorkerToPoolMessage = { type: 'ready' };
  port.postMessage(ready);
  serve();
}
