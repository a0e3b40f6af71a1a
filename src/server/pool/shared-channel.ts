// One worker thread's shared-memory channel, as both ends use it: the main thread posts a mailbox job and
// takes results, the worker takes the job and publishes results into its small ring of result slots. Each
// value travels in its region of the channel, or through the overflow port when the compact encoding cannot
// hold it. The pool-wide wake flag lives here too: one wake-up message covers every result published and
// every claim made until the main thread drains. The protocol and the layout: protocol.ts.

import { MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { ChannelCell, ChannelLayout, MailboxState, OVERFLOW, PoolCell, ResultLayout } from './protocol';
import { NotEncodable, SharedCodec } from './shared-codec';

/** Int32 cells of a result slot, from its start, and the Float64 indices of its run time and finish time. */
const RESULT_OK = 0;
const RESULT_LENGTH = 1;
const RESULT_RUN_MS = 1;
const RESULT_FINISHED_AT = 2;
/** The layout's offsets read once: its getters are called per result slot access otherwise, several times per job on each thread. */
const RESULT_OFFSET_BYTES = ChannelLayout.resultOffset;
const RESULT_SLOT_BYTES = ResultLayout.slotBytes;

export class SharedChannel {
  private readonly cells: Int32Array;
  private readonly float64Cells: Float64Array;
  private readonly jobCodec: SharedCodec;
  private readonly resultCodecs: SharedCodec[] = [];
  /** This end's count of results published (worker) or taken (main thread); the cells mirror it for the other end. */
  private resultCount = 0;

  /** `buffer` is ChannelLayout.totalBytes of shared memory; `overflowPort` is this end's port for values too large or too odd to encode. */
  constructor(
    buffer: SharedArrayBuffer,
    readonly overflowPort: MessagePort,
  ) {
    this.cells = new Int32Array(buffer);
    this.float64Cells = new Float64Array(buffer);
    this.jobCodec = new SharedCodec(buffer, ChannelLayout.jobOffset, ChannelLayout.jobBytes);
    for (let slot = 0; slot < ResultLayout.slotCount; slot++) {
      this.resultCodecs.push(new SharedCodec(buffer, resultSlotOffset(slot) + ResultLayout.headerBytes, ResultLayout.payloadBytes));
    }
  }

  /**
   * A channel for a new worker thread: the main thread's end, and the buffer and port the thread builds its
   * own end from (send both in the AttachMessage, the port in its transfer list).
   */
  static create(): { channel: SharedChannel; buffer: SharedArrayBuffer; workerPort: MessagePort } {
    const buffer = new SharedArrayBuffer(ChannelLayout.totalBytes);
    const { port1, port2 } = new MessageChannel();
    // Read only with receiveMessageOnPort, so it must not keep the process alive.
    port1.unref();
    return { channel: new SharedChannel(buffer, port1), buffer, workerPort: port2 };
  }

  // ── main thread ────────────────────────────────────────────────────────────

  /**
   * Gives the worker its next job and wakes it if it sleeps. True when it slept: it then looks at its mailbox
   * before anything else; false when it was awake, possibly between a look at its mailbox and a claim from the
   * ring. Throws when the input cannot cross the boundary at all.
   */
  postJob(input: unknown): boolean {
    const cells = this.cells;
    cells[ChannelCell.JobLength] = this.write(this.jobCodec, input);
    Atomics.store(cells, ChannelCell.Mailbox, MailboxState.Job);
    if (Atomics.load(cells, ChannelCell.Sleeping) === 0) return false;
    Atomics.notify(cells, ChannelCell.Mailbox);
    return true;
  }

  /** The posted mailbox job is still there: the worker has not taken it. */
  get hasUnreadJob(): boolean {
    return Atomics.load(this.cells, ChannelCell.Mailbox) === MailboxState.Job;
  }

  /** The thread is counted ready: it may claim jobs from the ring from now on. */
  allowClaims(): void {
    Atomics.store(this.cells, ChannelCell.MayClaim, 1);
  }

  /**
   * The worker sleeps (or is about to) and has not been woken since: it will not look at the ring before it
   * is. One already told to look counts as awake, so it is not notified again.
   */
  get isSleeping(): boolean {
    const cells = this.cells;
    return Atomics.load(cells, ChannelCell.Sleeping) !== 0 && Atomics.load(cells, ChannelCell.Mailbox) === MailboxState.Idle;
  }

  /** Wakes a sleeping worker to claim from the ring: its mailbox says Look (unless a job or stop is there). */
  wakeToClaim(): void {
    if (Atomics.compareExchange(this.cells, ChannelCell.Mailbox, MailboxState.Idle, MailboxState.Look) === MailboxState.Idle) {
      Atomics.notify(this.cells, ChannelCell.Mailbox);
    }
  }

  /** The worker has published a result the main thread has not taken yet. */
  get hasResult(): boolean {
    return Atomics.load(this.cells, ChannelCell.ResultsPublished) !== this.resultCount;
  }

  /** Of the oldest untaken result: did the handler return (true) or throw (false, the payload is its message)? */
  get isResultOk(): boolean {
    return this.cells[resultSlotOffset(this.resultSlot) / 4 + RESULT_OK] === 1;
  }

  /** Of the oldest untaken result: how long the job ran, measured in the worker. */
  get resultRunMs(): number {
    return this.float64Cells[resultSlotOffset(this.resultSlot) / 8 + RESULT_RUN_MS]!;
  }

  /** Of the oldest untaken result: when the job finished, on the pool's clock (protocol.ts). */
  get resultFinishedAtMs(): number {
    return this.float64Cells[resultSlotOffset(this.resultSlot) / 8 + RESULT_FINISHED_AT]!;
  }

  /** The oldest untaken result's payload. Throws when it cannot be received; releaseResult() is still owed then. */
  readResult(): unknown {
    const slot = this.resultSlot;
    return this.read(this.resultCodecs[slot]!, this.cells[resultSlotOffset(slot) / 4 + RESULT_LENGTH]!);
  }

  /** The oldest result is taken: its slot is free for the worker's next one. */
  releaseResult(): void {
    this.resultCount = (this.resultCount + 1) | 0;
    Atomics.store(this.cells, ChannelCell.ResultsTaken, this.resultCount);
  }

  /** The book's dropped sender: the worker leaves its loop and its thread ends. */
  postStop(): void {
    Atomics.store(this.cells, ChannelCell.Mailbox, MailboxState.Stop);
    Atomics.notify(this.cells, ChannelCell.Mailbox);
  }

  /** The main thread's end is done with; the worker's end closes itself. */
  close(): void {
    this.overflowPort.close();
  }

  // ── worker thread ──────────────────────────────────────────────────────────

  /** MailboxState: a job waits, the pool says stop or look at the ring, or nothing yet. */
  get mailbox(): number {
    return Atomics.load(this.cells, ChannelCell.Mailbox);
  }

  /** The mailbox's Look is seen: back to Idle (unless a job or stop has replaced it). */
  clearLook(): void {
    Atomics.compareExchange(this.cells, ChannelCell.Mailbox, MailboxState.Look, MailboxState.Idle);
  }

  /** The posted job's input, and the mailbox free again. Throws when the input cannot be read; the mailbox is freed all the same. */
  takeJob(): unknown {
    try {
      return this.read(this.jobCodec, this.cells[ChannelCell.JobLength]!);
    } finally {
      // The pool posts a mailbox job only to a worker it counts idle, so Idle cannot hide another one.
      Atomics.store(this.cells, ChannelCell.Mailbox, MailboxState.Idle);
    }
  }

  /** May this worker claim a job from the ring: counted ready, and a result slot free for that job's result? */
  get mayClaim(): boolean {
    const cells = this.cells;
    return (
      Atomics.load(cells, ChannelCell.MayClaim) === 1 &&
      ((this.resultCount - Atomics.load(cells, ChannelCell.ResultsTaken)) | 0) < ResultLayout.slotCount
    );
  }

  /**
   * Leaves a job's result in the next result slot for the main thread (a mailbox job always finds one free,
   * and a ring job is claimed only when one is). An output that cannot cross the boundary becomes a failure
   * that says so, so every job gets a result. `finishedAtMs`: when the job ended, on the pool's clock.
   */
  postResult(isOk: boolean, payload: unknown, runMs: number, finishedAtMs: number): void {
    const slot = this.resultSlot;
    const at = resultSlotOffset(slot) / 4;
    const cells = this.cells;
    const codec = this.resultCodecs[slot]!;
    cells[at + RESULT_OK] = isOk ? 1 : 0;
    this.float64Cells[at / 2 + RESULT_RUN_MS] = runMs;
    this.float64Cells[at / 2 + RESULT_FINISHED_AT] = finishedAtMs;
    try {
      cells[at + RESULT_LENGTH] = this.write(codec, payload);
    } catch (thrown) {
      if (!isOk) throw thrown;
      cells[at + RESULT_OK] = 0;
      const message = `the job's output could not be sent to the main thread: ${describeThrown(thrown)}`;
      cells[at + RESULT_LENGTH] = this.write(codec, message);
    }
    this.resultCount = (this.resultCount + 1) | 0;
    Atomics.store(cells, ChannelCell.ResultsPublished, this.resultCount);
  }

  /**
   * Sleeps until the mailbox changes (a job, stop, or look at the ring), at most `timeoutMs`, unless
   * `hasWork()` says there is something to do. Sleeping is set before that last look, so a job published
   * after it is notified.
   */
  waitForJob(timeoutMs: number, hasWork: () => boolean): 'ok' | 'not-equal' | 'timed-out' {
    const cells = this.cells;
    Atomics.store(cells, ChannelCell.Sleeping, 1);
    const woken = hasWork() ? 'not-equal' : Atomics.wait(cells, ChannelCell.Mailbox, MailboxState.Idle, timeoutMs);
    Atomics.store(cells, ChannelCell.Sleeping, 0);
    return woken;
  }

  /** Where this end reads or writes its next result. */
  private get resultSlot(): number {
    return this.resultCount & (ResultLayout.slotCount - 1);
  }

  // ── both ends ──────────────────────────────────────────────────────────────

  /** Encodes `value` into its region; returns its length, or OVERFLOW after posting it to the overflow port. */
  private write(codec: SharedCodec, value: unknown): number {
    try {
      return codec.encode(value);
    } catch (thrown) {
      // Structured clone keeps the final word on what can cross the boundary, and how.
      if (!(thrown instanceof NotEncodable)) throw thrown;
      this.overflowPort.postMessage(value);
      return OVERFLOW;
    }
  }

  private read(codec: SharedCodec, length: number): unknown {
    if (length !== OVERFLOW) return codec.decode();
    const posted = receiveMessageOnPort(this.overflowPort);
    if (posted === undefined) throw new Error('the value posted to the overflow port is missing');
    return posted.message;
  }
}

function resultSlotOffset(slot: number): number {
  return RESULT_OFFSET_BYTES + slot * RESULT_SLOT_BYTES;
}

/** A thrown value in words, for the failure it becomes on either side of the boundary. */
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message || thrown.name;
  return String(thrown);
}

/**
 * The pool-wide "results are waiting" flag, shared by every worker: the first result published (or claim
 * made) after the main thread last drained raises it and posts the one wake-up; the main thread lowers it
 * as it starts draining.
 */
export class WakeFlag {
  readonly buffer: SharedArrayBuffer;
  private readonly cells: Int32Array;

  /** `buffer`: the pool-wide buffer, whose first cells are PoolCell's. */
  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.cells = new Int32Array(buffer, 0, PoolCell.Count);
  }

  /** Worker: true when this call raised the flag, so this worker must post the wake-up. */
  raise(): boolean {
    return Atomics.compareExchange(this.cells, PoolCell.WakePending, 0, 1) === 0;
  }

  /** Main thread, before draining: a result published from here on either is seen by this pass or posts a new wake-up. */
  lower(): void {
    Atomics.store(this.cells, PoolCell.WakePending, 0);
  }
}
