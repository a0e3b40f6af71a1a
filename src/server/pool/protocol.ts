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

// ── strategy 'per-request': one thread, one job ──────────────────────────────

/** Main thread → a request's thread, once, as it is created: the job it exists for. */
export interface OneJobMessage {
  type: 'one-job';
  input: unknown;
}

/** A request's thread → main thread: it runs its job now (sent just before the handler), then the result. */
export type OneJobThreadMessage = { type: 'started' } | { type: 'result'; isOk: boolean; payload: unknown; runMs: number };

// ── strategy 'pool-while-let': one shared queue behind one lock ──────────────

/** Main thread → each while-let worker, once, as it is created. */
export interface WhileLetAttachMessage {
  type: 'while-let-attach';
  workerId: number;
  /** WhileLetLayout: the lock, the queue's indices and its slots. */
  shared: SharedArrayBuffer;
}

/**
 * A while-let worker → main thread, in the order things happen in the worker; durations measured there.
 * `requestId` names the job it took from the queue.
 */
export type WhileLetWorkerMessage =
  | { type: 'ready' }
  | { type: 'lock-waiting' }
  | { type: 'lock-acquired'; waitMs: number }
  | { type: 'started'; requestId: number }
  /** It took a job whose deadline had passed: not run, its request is answered 503 by the server. */
  | { type: 'expired'; requestId: number }
  | { type: 'result'; requestId: number; isOk: boolean; payload: unknown; runMs: number }
  | { type: 'lock-released'; heldMs: number };

/** Int32 cells at the start of the while-let pool's shared memory. */
export const WhileLetCell = {
  /** The Mutex: 0 free, 1 held, 2 held with threads blocked on it (a futex mutex, Drepper's "mutex2"). */
  Lock: 0,
  /** Jobs taken so far: only the lock holder moves it. */
  Head: 1,
  /** Jobs sent so far: only the main thread moves it; the lock holder waits on it for the next job. */
  Tail: 2,
  /** 1 once the sender is dropped (shutdown): recv() then fails on an empty queue. */
  Closed: 3,
  Count: 4,
} as const;

export const WhileLetLayout = {
  headerBytes: 64,
  /** Per slot: requestId and deadline (two Float64), input length (Int32), then the encoded input. */
  slotHeaderBytes: 24,
  /** A request line is at most 8 KiB (the parser's limit): its method and target always fit. */
  slotInputBytes: 8 * 1024 + 64,
  get slotBytes(): number {
    return this.slotHeaderBytes + this.slotInputBytes;
  },
  totalBytes(slotCount: number): number {
    return this.headerBytes + slotCount * this.slotBytes;
  },
} as const;
