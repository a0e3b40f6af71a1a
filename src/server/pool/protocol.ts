// What crosses the thread boundary between the ThreadPool (main thread) and a worker's runtime: the few
// messages, and the layout of the shared memory each job travels through. Both sides import this file,
// and neither imports the other.

import type { MessagePort } from 'node:worker_threads';

/** Main thread → worker, once, right after the thread is created: the shared memory to serve jobs from. */
export interface AttachMessage {
  type: 'attach';
  /** One per pool: PoolCell. */
  poolCells: SharedArrayBuffer;
  /** One per worker thread: see ChannelLayout. */
  channel: SharedArrayBuffer;
  /** For the rare value the shared channel cannot hold; each side reads it with receiveMessageOnPort. */
  overflowPort: MessagePort;
}

/** Worker → main thread. */
export type WorkerToPoolMessage =
  /** The user module has loaded and called serveJobs(): the worker can take jobs. Sent once. */
  | { type: 'ready' }
  /** "Results are waiting in the shared channels": at most one is in flight for the whole pool. */
  | typeof WAKE_MESSAGE;

export const WAKE_MESSAGE = 0;

/** Int32 cells of the pool-wide buffer. */
export const PoolCell = {
  /** 1 from a worker's wake-up post until the main thread starts draining: later results need no post. */
  WakePending: 0,
  Count: 1,
} as const;

/** Int32 cells at the start of a worker's channel. */
export const ChannelCell = {
  /** MailboxState; the worker waits on this cell. */
  Mailbox: 0,
  /** Bytes of the job in the job region, or OVERFLOW when it was posted to the overflow port. */
  JobLength: 1,
  /** ResultState. */
  Result: 2,
  /** Bytes of the result in the result region, or OVERFLOW. */
  ResultLength: 3,
  /** 1: the handler returned the payload; 0: the payload is an error message. */
  ResultOk: 4,
  /**
   * 1 while the worker is in (or about to enter) Atomics.wait on Mailbox. The pool notifies only then:
   * Atomics.notify takes a process-wide lock that waiting workers contend for.
   */
  Sleeping: 5,
} as const;

export const MailboxState = {
  Idle: 0,
  Job: 1,
  /** The book's dropped sender: the worker leaves its loop and its thread ends. */
  Stop: 2,
} as const;

export const ResultState = {
  None: 0,
  Ready: 1,
} as const;

export const OVERFLOW = -1;

export const ChannelLayout = {
  /** Float64 index (in a Float64Array over the header) of the job's run time, measured in the worker. */
  runMsIndex: 3,
  headerBytes: 64,
  jobBytes: 16 * 1024,
  resultBytes: 64 * 1024,
  get jobOffset(): number {
    return this.headerBytes;
  },
  get resultOffset(): number {
    return this.headerBytes + this.jobBytes;
  },
  get totalBytes(): number {
    return this.headerBytes + this.jobBytes + this.resultBytes;
  },
} as const;
