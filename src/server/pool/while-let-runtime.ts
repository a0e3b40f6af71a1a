// The worker side of strategy 'pool-while-let' (while-let-pool.ts): the book's listing 21-21, done the book's
// way in shared memory. Every worker runs
//
//     while let Ok(job) = receiver.lock().unwrap().recv() { job(); }
//
// and, as in Rust, the lock's guard lives until the end of the loop's body: the worker holds the one lock while
// it waits for a job (recv) *and while the job runs*, so the other workers stay blocked on the lock and the
// pool runs one job at a time. The lock is a real futex mutex over an Int32 cell (Atomics.wait/notify); the
// queue is a ring of slots the main thread fills. This thread blocks for real in both waits; it reports what
// it does by message, each stamped with when it happened on the pool's clock (the main thread may read them late).

import { performance } from 'node:perf_hooks';
import type { MessagePort } from 'node:worker_threads';
import { type WhileLetAttachMessage, WhileLetCell, WhileLetLayout, type WhileLetWorkerMessage } from './protocol';
import { describeThrown } from './shared-channel';
import { SharedCodec } from './shared-codec';
import { poolClockOf, whenAttached } from './worker-attach';

/** The lock holder wakes from its wait for a job this often to check for nothing in particular: a bound, not a poll. */
const RECV_WAIT_SLICE_MS = 1_000;

/** Takes the lock (0 free, 1 held, 2 held and contended); `onBlocked` is called first when another thread holds it. */
export function lockMutex(cells: Int32Array, onBlocked: () => void): void {
  let c = Atomics.compareExchange(cells, WhileLetCell.Lock, 0, 1);
  if (c === 0) return;
  onBlocked();
  if (c !== 2) c = Atomics.exchange(cells, WhileLetCell.Lock, 2);
  while (c !== 0) {
    Atomics.wait(cells, WhileLetCell.Lock, 2);
    c = Atomics.exchange(cells, WhileLetCell.Lock, 2);
  }
}

export function unlockMutex(cells: Int32Array): void {
  if (Atomics.sub(cells, WhileLetCell.Lock, 1) !== 1) {
    Atomics.store(cells, WhileLetCell.Lock, 0);
    Atomics.notify(cells, WhileLetCell.Lock, 1);
  }
}

/** Serves jobs the while-let way until the pool drops its sender. Call it once, at the script's top level. */
export function serveWhileLet<In, Out>(handler: (input: In) => Out): void {
  whenAttached<WhileLetAttachMessage>('serveWhileLet() must run inside a worker of the while-let pool', (port, message) =>
    serve(port, message, handler),
  );
}

function serve<In, Out>(port: MessagePort, attach: WhileLetAttachMessage, handler: (input: In) => Out): void {
  const shared = attach.shared;
  const cells = new Int32Array(shared, 0, WhileLetCell.Count);
  const slotCount = (shared.byteLength - WhileLetLayout.headerBytes) / WhileLetLayout.slotBytes;
  const post = (message: WhileLetWorkerMessage): void => port.postMessage(message);
  const now = poolClockOf(attach.poolTimeOriginMs);
  const onBlocked = (): void => post({ type: 'lock-waiting', atMs: now() });
  post({ type: 'ready' });

  for (;;) {
    // receiver.lock().unwrap()
    const askedAtMs = now();
    lockMutex(cells, onBlocked);
    const heldFromMs = now();
    post({ type: 'lock-acquired', waitMs: heldFromMs - askedAtMs, atMs: heldFromMs });
    // .recv(): blocks, lock held, until a job is sent or the sender is dropped.
    let head = Atomics.load(cells, WhileLetCell.Head);
    let tail = Atomics.load(cells, WhileLetCell.Tail);
    while (head === tail && Atomics.load(cells, WhileLetCell.Closed) === 0) {
      Atomics.wait(cells, WhileLetCell.Tail, tail, RECV_WAIT_SLICE_MS);
      tail = Atomics.load(cells, WhileLetCell.Tail);
      head = Atomics.load(cells, WhileLetCell.Head);
    }
    if (head === tail) {
      // Err(RecvError): the sender is gone and the queue is empty. The guard drops with the loop.
      // Stamped as the guard drops: once unlocked, another worker may take the lock and stamp that first.
      const releasedAtMs = now();
      unlockMutex(cells);
      post({ type: 'lock-released', heldMs: releasedAtMs - heldFromMs, atMs: releasedAtMs });
      return;
    }
    const slotOffset = WhileLetLayout.headerBytes + (head % slotCount) * WhileLetLayout.slotBytes;
    const numbers = new Float64Array(shared, slotOffset, 2);
    const requestId = numbers[0]!;
    const deadlineEpochMs = numbers[1]!;
    const codec = new SharedCodec(shared, slotOffset + WhileLetLayout.slotHeaderBytes, WhileLetLayout.slotInputBytes);
    let input: unknown;
    let inputError: string | null = null;
    try {
      input = codec.decode();
    } catch (thrown) {
      inputError = describeThrown(thrown);
    }
    Atomics.store(cells, WhileLetCell.Head, head + 1);
    if (performance.timeOrigin + performance.now() >= deadlineEpochMs) {
      post({ type: 'expired', requestId, atMs: now() });
    } else {
      // job(): still inside the while let's body, so still holding the lock.
      const startedAtMs = now();
      post({ type: 'started', requestId, atMs: startedAtMs });
      let isOk = false;
      let payload: unknown;
      if (inputError !== null) {
        payload = `the job's input could not be read: ${inputError}`;
      } else {
        try {
          payload = handler(input as In);
          isOk = true;
        } catch (thrown) {
          payload = describeThrown(thrown);
        }
      }
      const finishedAtMs = now();
      post({ type: 'result', requestId, isOk, payload, runMs: inputError === null ? finishedAtMs - startedAtMs : 0, atMs: finishedAtMs });
    }
    // End of the loop's body: the temporary guard is dropped only now.
    const releasedAtMs = now();
    unlockMutex(cells);
    post({ type: 'lock-released', heldMs: releasedAtMs - heldFromMs, atMs: releasedAtMs });
  }
}
