// The messages that cross the thread boundary between the ThreadPool (main thread) and a worker's
// runtime. Types only: both sides import this file, and neither imports the other.

/** Main thread → worker. A worker runs one job at a time; the pool never posts a second before the result. */
export type PoolToWorkerMessage<In> =
  | { type: 'job'; requestId: number; input: In }
  /** Graceful stop (the book's dropped sender): the worker closes its port and its thread ends. */
  | { type: 'stop' };

/** Worker → main thread. */
export type WorkerToPoolMessage<Out> =
  /** The user module has loaded and called serveJobs(): the worker can take jobs. Sent once. */
  | { type: 'ready' }
  /** `runMs` is measured inside the worker, around the handler only. */
  | { type: 'result'; requestId: number; ok: true; output: Out; runMs: number }
  /** The handler threw, or its output could not be sent back (not structured-cloneable). */
  | { type: 'result'; requestId: number; ok: false; error: string; runMs: number };
