// One worker thread's shared-memory channel, as both ends use it: the main thread posts a job and takes its
// result, the worker takes the job and posts the result. Each value travels in its region of the channel,
// or through the overflow port when the compact encoding cannot hold it; the mailbox cell says whose turn
// it is, and a worker is notified only while it sleeps. The pool-wide wake flag lives here too: one
// wake-up message covers every result published until the main thread drains. Layout: protocol.ts.

import { MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { ChannelCell, ChannelLayout, MailboxState, OVERFLOW, PoolCell, ResultState } from './protocol';
import { NotEncodable, SharedCodec } from './shared-codec';

export class SharedChannel {
  private readonly cells: Int32Array;
  private readonly float64Cells: Float64Array;
  private readonly jobCodec: SharedCodec;
  private readonly resultCodec: SharedCodec;

  /** `buffer` is ChannelLayout.totalBytes of shared memory; `overflowPort` is this end's port for values too large or too odd to encode. */
  constructor(
    buffer: SharedArrayBuffer,
    readonly overflowPort: MessagePort,
  ) {
    this.cells = new Int32Array(buffer, 0, ChannelLayout.headerBytes / 4);
    this.float64Cells = new Float64Array(buffer, 0, ChannelLayout.headerBytes / 8);
    this.jobCodec = new SharedCodec(buffer, ChannelLayout.jobOffset, ChannelLayout.jobBytes);
    this.resultCodec = new SharedCodec(buffer, ChannelLayout.resultOffset, ChannelLayout.resultBytes);
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

  /** Gives the worker its next job and wakes it if it sleeps. Throws when the input cannot cross the boundary at all. */
  postJob(input: unknown): void {
    const cells = this.cells;
    cells[ChannelCell.JobLength] = this.write(this.jobCodec, input);
    Atomics.store(cells, ChannelCell.Mailbox, MailboxState.Job);
    if (Atomics.load(cells, ChannelCell.Sleeping) !== 0) Atomics.notify(cells, ChannelCell.Mailbox);
  }

  /** The worker has published the result of its job. */
  get hasResult(): boolean {
    return Atomics.load(this.cells, ChannelCell.Result) === ResultState.Ready;
  }

  /** Of the published result: did the handler return (true) or throw (false, the payload is its message)? */
  get isResultOk(): boolean {
    return this.cells[ChannelCell.ResultOk] === 1;
  }

  /** Of the published result: how long the job ran, measured in the worker. */
  get resultRunMs(): number {
    return this.float64Cells[ChannelLayout.runMsIndex]!;
  }

  /** The published result's payload. Throws when it cannot be received; releaseResult() is still owed then. */
  readResult(): unknown {
    return this.read(this.resultCodec, this.cells[ChannelCell.ResultLength]!);
  }

  /** The result is taken: the region is free for the next one. */
  releaseResult(): void {
    Atomics.store(this.cells, ChannelCell.Result, ResultState.None);
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

  /** MailboxState: a job waits, the pool says stop, or nothing yet. */
  get mailbox(): number {
    return Atomics.load(this.cells, ChannelCell.Mailbox);
  }

  /** The posted job's input, and the mailbox free again. Throws when the input cannot be read; the mailbox is freed all the same. */
  takeJob(): unknown {
    try {
      return this.read(this.jobCodec, this.cells[ChannelCell.JobLength]!);
    } finally {
      // The pool writes the next job only after it has taken this one's result, so Idle cannot hide a job.
      Atomics.store(this.cells, ChannelCell.Mailbox, MailboxState.Idle);
    }
  }

  /**
   * Leaves a job's result for the main thread. An output that cannot cross the boundary becomes a failure
   * that says so, so every job gets a result.
   */
  postResult(isOk: boolean, payload: unknown, runMs: number): void {
    const cells = this.cells;
    cells[ChannelCell.ResultOk] = isOk ? 1 : 0;
    this.float64Cells[ChannelLayout.runMsIndex] = runMs;
    try {
      cells[ChannelCell.ResultLength] = this.write(this.resultCodec, payload);
    } catch (thrown) {
      if (!isOk) throw thrown;
      cells[ChannelCell.ResultOk] = 0;
      const message = `the job's output could not be sent to the main thread: ${describeThrown(thrown)}`;
      cells[ChannelCell.ResultLength] = this.write(this.resultCodec, message);
    }
    Atomics.store(cells, ChannelCell.Result, ResultState.Ready);
  }

  /**
   * Sleeps until a job (or stop) is posted, at most `timeoutMs`. Sleeping is set before the wait re-checks
   * the mailbox, so a job posted after that check is notified.
   */
  waitForJob(timeoutMs: number): 'ok' | 'not-equal' | 'timed-out' {
    const cells = this.cells;
    Atomics.store(cells, ChannelCell.Sleeping, 1);
    const woken = Atomics.wait(cells, ChannelCell.Mailbox, MailboxState.Idle, timeoutMs);
    Atomics.store(cells, ChannelCell.Sleeping, 0);
    return woken;
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

/** A thrown value in words, for the failure it becomes on either side of the boundary. */
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message || thrown.name;
  return String(thrown);
}

/**
 * The pool-wide "results are waiting" flag, shared by every worker: the first result published after the
 * main thread last drained raises it and posts the one wake-up; the main thread lowers it as it starts draining.
 */
export class WakeFlag {
  readonly buffer: SharedArrayBuffer;
  private readonly cells: Int32Array;

  constructor(buffer = new SharedArrayBuffer(PoolCell.Count * Int32Array.BYTES_PER_ELEMENT)) {
    this.buffer = buffer;
    this.cells = new Int32Array(buffer);
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
