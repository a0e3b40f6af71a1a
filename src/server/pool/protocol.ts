// What crosses the thread boundary between the ThreadPool (main thread) and a worker's runtime: the few
// messages, and the layout of the shared memory jobs travel through. Both sides import this file, and
// neither imports the other. The protocol over that memory is described once, here:
//
// ── How jobs reach workers ────────────────────────────────────────────────────────────────────────────
// Two ways in, one way out; every cell below is read and written with Atomics.
//
// 1. The mailbox (one per worker, ChannelCell.Mailbox): a job for a worker the main thread knows is idle.
//    The main thread writes the input and stores MailboxState.Job, and notifies only if the worker sleeps;
//    the job has started when execute() returns. Used only while no job waits in the ring; and when the
//    worker was awake as its job was posted (it may be between a look at its mailbox and a claim), nothing
//    is published to the ring until it has taken that job. So a worker runs its jobs in the order the main
//    thread counts them started, and claims only after publishing its previous result.
// 2. The ring (one per pool, RingLayout): the jobs that must wait, oldest first, a prefix of the pool's
//    queue. Positions only grow (Int32, wrapping). The main thread alone moves PoolCell.RingTail: it writes
//    position p into slot p % capacity (input, deadline), stores the slot's state Published(p), then the
//    tail. A worker that has finished a job (and has a free result slot) claims the oldest waiting job
//    itself instead of sleeping: it reads RingHead h, and compare-and-swaps slot h's state from
//    Published(h) to Claimed(h, its id). The state names the owner in the same atomic step, so a claim is
//    never lost with a worker that dies right after it. Whoever finds slot h no longer Published(h) moves
//    RingHead from h to h + 1 (compare-and-swap, so anyone may help); consumed positions therefore always
//    form a prefix, and jobs start in admission order. The main thread revokes an overdue job with the
//    same compare-and-swap (Published(h) → Revoked(h)); a worker that finds the head past its deadline
//    revokes it too rather than start it late. Either way exactly one side wins. A claimer copies the
//    input out, then stores the slot's InputTaken: the main thread writes a new job into a slot only once
//    its previous job was revoked or taken (or its claimer's thread has ended).
// 3. Results (ResultLayout, a small ring per worker): the worker publishes each result into its next free
//    result slot, so it can finish and claim the next job while the main thread has not read the last one.
//
// The main thread learns everything by draining: the first worker to publish a result or make a claim
// after the last drain raises PoolCell.WakePending and posts one WAKE_MESSAGE. A drain walks the ring's
// consumed prefix in position order — for a claim, it first takes the claimer's earlier result (a worker
// claims only after publishing its previous result), reports that job finished, then reports the claimed
// job started; for a revoked job, it abandons it — then takes every worker's remaining results.
//
// Times: a drain may come long after the claim or the result it learns of (the main thread was busy), so the
// worker writes when things happened: the claim time into the ring slot (before it stores InputTaken) and the
// finish time beside each result, and the main thread reports a job started and finished at those times, not
// at the drain's. Every time in shared memory — those and the deadlines — is on the pool's clock: the main
// thread's performance.now(). A worker converts its own readings with the difference of the two threads'
// performance.timeOrigin (none under Node, whose threads share the process's origin).
//
// Sleeping: a worker sets ChannelCell.Sleeping before its last look at mailbox and ring, then waits on its
// mailbox; the main thread, after publishing or freeing a worker, reads Sleeping and notifies only a
// sleeper. Either the worker's last look sees the new job or the main thread sees it asleep. The main
// thread wakes a sleeping idle worker (MailboxState.Look) only when jobs wait in the ring and no idle
// worker is awake, and then one: a worker busy with a job claims the next one when it is done, and one
// woken for a short job claims the next ones too; if jobs still wait at the next drain, the next sleeper
// is woken then (so no job waits long behind a busy worker's /sleep). That wake-up is sent at the end of the
// main thread's event-loop turn (setImmediate), after all the requests the turn read are published, so a
// claimer is not woken once per job of a batch that it would run faster than they are read. Under load one
// wake-up serves many jobs.

import type { MessagePort } from 'node:worker_threads';

/** Main thread → worker, once, right after the thread is created: the shared memory to serve jobs from. */
export interface AttachMessage {
  type: 'attach';
  /** The worker's id: the owner its ring claims carry. */
  workerId: number;
  /** The main thread's performance.timeOrigin: the worker puts its times on the pool's clock with it. */
  poolTimeOriginMs: number;
  /** One per pool: PoolCell, then the ring (RingLayout). */
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
  /** "Results or claims are waiting to be drained": at most one is in flight for the whole pool. */
  | typeof WAKE_MESSAGE;

export const WAKE_MESSAGE = 0;

/** Room for one job's input in a shared queue slot: a request line is at most 8 KiB (the parser's limit), so a request's method and target always fit. */
export const REQUEST_JOB_INPUT_BYTES = 8 * 1024 + 64;

/** Int32 cells at the start of the pool-wide buffer; the ring's slots follow (RingLayout). */
export const PoolCell = {
  /** 1 from a worker's wake-up post until the main thread starts draining: later results need no post. */
  WakePending: 0,
  /** The oldest ring position not yet consumed (claimed or revoked), as far as anyone has moved it. */
  RingHead: 1,
  /** One past the newest ring position published; only the main thread moves it. */
  RingTail: 2,
  Count: 4,
} as const;

/**
 * A ring slot's state cell: (position & SeqMask) << 8 | owner. Position bits tell the slot's successive
 * jobs apart: a worker that read RingHead long ago cannot claim a later job by mistake unless 2^23 jobs went
 * by between two of its instructions.
 */
export const RingState = {
  /** Never published. */
  Empty: -1,
  SeqMask: 0x7f_ffff,
  OwnerMask: 0xff,
  /** Owner byte: waiting to be claimed. */
  Published: 0,
  /** Owner byte of a claim: ClaimedBase + the claimer's worker id (MAX_POOL_SIZE ≤ 64). */
  ClaimedBase: 1,
  /** Owner byte: revoked, by the main thread or by a worker that found it overdue; it never runs. */
  Revoked: 0xff,
} as const;

export const RingLayout = {
  /** Slots; a power of two. Jobs beyond it wait in the main thread's queue until slots come free. */
  capacity: 64,
  /**
   * Per slot: state and input taken (Int32 each), the deadline and the claim time (Float64 each, the pool's
   * clock), then the encoded input.
   */
  slotHeaderBytes: 24,
  slotInputBytes: REQUEST_JOB_INPUT_BYTES,
  get slotBytes(): number {
    return this.slotHeaderBytes + this.slotInputBytes;
  },
  get offset(): number {
    return PoolCell.Count * 4;
  },
  get totalBytes(): number {
    return this.offset + this.capacity * this.slotBytes;
  },
} as const;

/** Int32 cells at the start of a worker's channel. */
export const ChannelCell = {
  /** MailboxState; the worker waits on this cell. */
  Mailbox: 0,
  /** Bytes of the mailbox job in the job region, or OVERFLOW when it was posted to the overflow port. */
  JobLength: 1,
  /**
   * 1 while the worker is in (or about to enter) Atomics.wait on Mailbox. The pool notifies only then:
   * Atomics.notify takes a process-wide lock that waiting workers contend for.
   */
  Sleeping: 2,
  /** 1 once the main thread has counted this thread ready: only then may it claim ring jobs. */
  MayClaim: 3,
  /** Results published so far (the worker moves it) and taken so far (the main thread moves it). */
  ResultsPublished: 4,
  ResultsTaken: 5,
} as const;

export const MailboxState = {
  Idle: 0,
  Job: 1,
  /** The book's dropped sender: the worker leaves its loop and its thread ends. */
  Stop: 2,
  /** Jobs wait in the ring: look there before sleeping again. */
  Look: 3,
} as const;

export const OVERFLOW = -1;

/** One result slot: ok (Int32), length (Int32), run time and finish time (Float64 each), then the encoded payload. */
export const ResultLayout = {
  /** Results a worker may publish before the main thread has read the first. */
  slotCount: 4,
  headerBytes: 24,
  payloadBytes: 16 * 1024,
  get slotBytes(): number {
    return this.headerBytes + this.payloadBytes;
  },
} as const;

export const ChannelLayout = {
  headerBytes: 64,
  jobBytes: 16 * 1024,
  get jobOffset(): number {
    return this.headerBytes;
  },
  get resultOffset(): number {
    return this.headerBytes + this.jobBytes;
  },
  get totalBytes(): number {
    return this.resultOffset + ResultLayout.slotCount * ResultLayout.slotBytes;
  },
} as const;

// ── strategy 'per-request': one thread, one job ──────────────────────────────

/** Main thread → a request's thread, once, as it is created: the job it exists for. */
export interface OneJobMessage {
  type: 'one-job';
  input: unknown;
  /** The main thread's performance.timeOrigin: the thread stamps its start on the pool's clock with it. */
  poolTimeOriginMs: number;
}

/**
 * A request's thread → main thread: it runs its job now (sent just before the handler), then the result. `atMs`:
 * when, on the pool's clock.
 */
export type OneJobThreadMessage =
  | { type: 'started'; atMs: number }
  | { type: 'result'; isOk: boolean; payload: unknown; runMs: number; atMs: number };

// ── strategy 'pool-while-let': one shared queue behind one lock ──────────────

/** Main thread → each while-let worker, once, as it is created. */
export interface WhileLetAttachMessage {
  type: 'while-let-attach';
  workerId: number;
  /** The main thread's performance.timeOrigin: the worker stamps its messages on the pool's clock with it. */
  poolTimeOriginMs: number;
  /** WhileLetLayout: the lock, the queue's indices and its slots. */
  shared: SharedArrayBuffer;
}

/**
 * A while-let worker → main thread, in the order things happen in the worker; durations measured there, and
 * `atMs` when each happened, on the pool's clock (the main thread may read them late: the lock's handovers are
 * reported in the order the worker lived them). `requestId` names the job it took from the queue.
 */
export type WhileLetWorkerMessage =
  | { type: 'ready' }
  | { type: 'lock-waiting'; atMs: number }
  | { type: 'lock-acquired'; waitMs: number; atMs: number }
  | { type: 'started'; requestId: number; atMs: number }
  /** It took a job whose deadline had passed: not run, its request is answered 503 by the server. */
  | { type: 'expired'; requestId: number; atMs: number }
  | { type: 'result'; requestId: number; isOk: boolean; payload: unknown; runMs: number; atMs: number }
  | { type: 'lock-released'; heldMs: number; atMs: number };

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
  slotInputBytes: REQUEST_JOB_INPUT_BYTES,
  get slotBytes(): number {
    return this.slotHeaderBytes + this.slotInputBytes;
  },
  totalBytes(slotCount: number): number {
    return this.headerBytes + slotCount * this.slotBytes;
  },
} as const;
