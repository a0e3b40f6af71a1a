// How every worker runtime (worker-runtime.ts, while-let-runtime.ts, one-job-runtime.ts) receives the one
// message its runner posts as it creates the thread, and refuses to run anywhere but in such a thread.

import { performance } from 'node:perf_hooks';
import { isMainThread, type MessagePort, parentPort, receiveMessageOnPort } from 'node:worker_threads';

/**
 * Calls `start` with the port to the main thread and the runner's first message. Throws `misplaced` when
 * this is not a worker thread.
 */
export function whenAttached<Message>(misplaced: string, start: (port: MessagePort, message: Message) => void): void {
  const port = parentPort;
  if (isMainThread || port === null) throw new Error(misplaced);
  // The runner posts it as it creates the thread, so it is normally already waiting here.
  const received = receiveMessageOnPort(port);
  if (received !== undefined) start(port, received.message as Message);
  else port.once('message', (message: Message) => start(port, message));
}

/**
 * This thread's clock put on the pool's (the main thread's performance.now(), protocol.ts): how a worker
 * stamps when something happened, for the main thread to report it at that time, however late it learns of it.
 */
export function poolClockOf(poolTimeOriginMs: number): () => number {
  const toPoolClockMs = performance.timeOrigin - poolTimeOriginMs;
  return () => performance.now() + toPoolClockMs;
}
