// The worker thread's side of the ThreadPool: takes jobs from its shared-memory mailbox one at a time, runs
// the user's synchronous handler, measures its run time, and leaves the result in shared memory. It owns no
// sockets and no clock of record: it reports durations only; the main thread stamps every event.

import { performance } from 'node:perf_hooks';
import { isMainThread, type MessagePort, parentPort, receiveMessageOnPort } from 'node:worker_threads';
import {
  type AttachMessage,
  ChannelCell,
  ChannelLayout,
  MailboxState,
  OVERFLOW,
  PoolCell,
  ResultState,
  WAKE_MESSAGE,
  type WorkerToPoolMessage,
} from './protocol';
import { NotEncodable, SharedCodec } from './shared-codec';

/**
 * Waiting for a job blocks this thread in Atomics.wait, where its own event loop (the script's timers,
 * I/O, an uncaught error thrown from a timer) does not run. So a worker busy with a stream of jobs comes
 * back to its event loop at least this often…
 */
const EVENT_LOOP_TURN_EVERY_MS = 10;
/** …and an idle one this often: rarely enough that an idle pool costs next to nothing. */
const IDLE_EVENT_LOOP_TURN_EVERY_MS = 250;

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

  // The pool posts the attach message as it creates the thread, so it is normally already waiting here.
  const received = receiveMessageOnPort(port);
  if (received !== undefined) {
    startServing(port, received.message as AttachMessage, handler);
  } else {
    port.once('message', (message: AttachMessage) => startServing(port, message, handler));
  }
}

function startServing<In, Out>(port: MessagePort, attach: AttachMessage, handler: (input: In) => Out): void {
  const poolCells = new Int32Array(attach.poolCells);
  const cells = new Int32Array(attach.channel, 0, ChannelLayout.headerBytes / 4);
  const float64Cells = new Float64Array(attach.channel, 0, ChannelLayout.headerBytes / 8);
  const jobCodec = new SharedCodec(attach.channel, ChannelLayout.jobOffset, ChannelLayout.jobBytes);
  const resultCodec = new SharedCodec(attach.channel, ChannelLayout.resultOffset, ChannelLayout.resultBytes);
  const overflowPort = attach.overflowPort;

  const readJob = (): In => {
    const length = cells[ChannelCell.JobLength]!;
    if (length !== OVERFLOW) return jobCodec.decode() as In;
    const posted = receiveMessageOnPort(overflowPort);
    if (posted === undefined) throw new Error('the job posted to the overflow port is missing');
    return posted.message as In;
  };

  /** Puts the payload where the main thread reads it; throws when it cannot cross the boundary at all. */
  const writePayload = (payload: unknown): void => {
    let length: number;
    try {
      length = resultCodec.encode(payload);
    } catch (thrown) {
      if (!(thrown instanceof NotEncodable)) throw thrown;
      overflowPort.postMessage(payload);
      length = OVERFLOW;
    }
    cells[ChannelCell.ResultLength] = length;
  };

  const publish = (ok: boolean, payload: unknown, runMs: number): void => {
    cells[ChannelCell.ResultOk] = ok ? 1 : 0;
    float64Cells[ChannelLayout.runMsIndex] = runMs;
    if (ok) {
      try {
        writePayload(payload);
      } catch (thrown) {
        cells[ChannelCell.ResultOk] = 0;
        writePayload(`the job's output could not be sent to the main thread: ${describeThrown(thrown)}`);
      }
    } else {
      writePayload(payload);
    }
    Atomics.store(cells, ChannelCell.Result, ResultState.Ready);
    // One wake-up covers every result published until the main thread starts draining.
    if (Atomics.compareExchange(poolCells, PoolCell.WakePending, 0, 1) === 0) {
      const wake: WorkerToPoolMessage = WAKE_MESSAGE;
      port.postMessage(wake);
    }
  };

  const runJob = (): void => {
    let input: In;
    try {
      input = readJob();
    } catch (thrown) {
      Atomics.store(cells, ChannelCell.Mailbox, MailboxState.Idle);
      publish(false, `the job's input could not be read in the worker: ${describeThrown(thrown)}`, 0);
      return;
    }
    // The pool writes the next job only after it has taken this one's result, so Idle cannot hide a job.
    Atomics.store(cells, ChannelCell.Mailbox, MailboxState.Idle);
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
      const state = Atomics.load(cells, ChannelCell.Mailbox);
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
        overflowPort.close();
        port.close();
        return;
      }
      const waitMs = IDLE_EVENT_LOOP_TURN_EVERY_MS - (performance.now() - eventLoopTurnAtMs);
      if (waitMs <= 0) {
        setImmediate(serve);
        return;
      }
      // Sleeping is set before the wait re-checks Mailbox, so a job stored after that check is notified.
      Atomics.store(cells, ChannelCell.Sleeping, 1);
      const woken = Atomics.wait(cells, ChannelCell.Mailbox, MailboxState.Idle, waitMs);
      Atomics.store(cells, ChannelCell.Sleeping, 0);
      if (woken === 'timed-out') {
        setImmediate(serve);
        return;
      }
    }
  };

  const ready: WorkerToPoolMessage = { type: 'ready' };
  port.postMessage(ready);
  serve();
}
