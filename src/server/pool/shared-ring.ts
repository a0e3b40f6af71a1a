// The pool's ring of waiting jobs in shared memory, as both ends use it: the main thread publishes and
// revokes, a worker claims the oldest job and takes its input. The protocol is described in protocol.ts.

import { PoolCell, RingLayout, RingState } from './protocol';
import { SharedCodec } from './shared-codec';

const SLOT_MASK = RingLayout.capacity - 1;
/** RingLayout's offsets read once: its getters are called per slot access otherwise, several times per job on each thread. */
const RING_OFFSET_BYTES = RingLayout.offset;
const SLOT_BYTES = RingLayout.slotBytes;
/** Int32 cells of a slot, from its start. */
const STATE = 0;
const INPUT_TAKEN = 1;
/** Float64 indices of a slot's deadline and its claim time, from its start. */
const DEADLINE = 1;
const CLAIMED_AT = 2;

/** A slot's state for `position` and an owner byte. */
function stateOf(position: number, owner: number): number {
  return ((position & RingState.SeqMask) << 8) | owner;
}

export class JobRing {
  private readonly cells: Int32Array;
  private readonly float64Cells: Float64Array;
  private readonly codecs: SharedCodec[] = [];
  /** Worker end: set when claim() revoked an overdue job, so the main thread must hear of it. */
  hasRevoked = false;

  /** `buffer`: the pool-wide buffer (PoolCell, then the ring); a fresh one when omitted. */
  constructor(readonly buffer = JobRing.allocate()) {
    this.cells = new Int32Array(buffer);
    this.float64Cells = new Float64Array(buffer);
    for (let slot = 0; slot < RingLayout.capacity; slot++) {
      this.codecs.push(new SharedCodec(buffer, slotOffset(slot) + RingLayout.slotHeaderBytes, RingLayout.slotInputBytes));
    }
  }

  private static allocate(): SharedArrayBuffer {
    const buffer = new SharedArrayBuffer(RingLayout.totalBytes);
    const cells = new Int32Array(buffer);
    for (let slot = 0; slot < RingLayout.capacity; slot++) {
      const at = slotOffset(slot) / 4;
      cells[at + STATE] = RingState.Empty;
      // Zeroed memory would say "position 0's input is taken" before position 0 is even claimed, and its slot
      // could be written over under its claimer. A position before the first, taken, says nothing of any.
      cells[at + INPUT_TAKEN] = slot - RingLayout.capacity;
    }
    return buffer;
  }

  // ── main thread ────────────────────────────────────────────────────────────

  /** May `position` be written? Its slot's previous job was revoked or its input taken (or there was none). */
  isSlotFree(position: number): boolean {
    const at = slotOffset(position & SLOT_MASK) / 4;
    const state = Atomics.load(this.cells, at + STATE);
    if (state === RingState.Empty || (state & RingState.OwnerMask) === RingState.Revoked) return true;
    return Atomics.load(this.cells, at + INPUT_TAKEN) === ((position - RingLayout.capacity) | 0);
  }

  /**
   * Writes the job at `position` (the tail; its slot free) and publishes it. False, and nothing published,
   * when its input is outside the compact encoding or too large for a slot: it waits for the mailbox then.
   */
  publish(position: number, input: unknown, deadlineMs: number): boolean {
    const slot = position & SLOT_MASK;
    const at = slotOffset(slot) / 4;
    try {
      this.codecs[slot]!.encode(input);
    } catch {
      return false;
    }
    this.float64Cells[at / 2 + DEADLINE] = deadlineMs;
    Atomics.store(this.cells, at + STATE, stateOf(position, RingState.Published));
    Atomics.store(this.cells, PoolCell.RingTail, (position + 1) | 0);
    return true;
  }

  /** Of a published position: RingState.Published while nobody has consumed it, else its owner byte. */
  ownerAt(position: number): number {
    return Atomics.load(this.cells, slotOffset(position & SLOT_MASK) / 4 + STATE) & RingState.OwnerMask;
  }

  /**
   * When the job at a claimed `position` was claimed (the pool's clock), once its claimer has taken the input;
   * NaN before that: the claim is then only an instant old and the job not running yet.
   */
  claimedAtMs(position: number): number {
    const at = slotOffset(position & SLOT_MASK) / 4;
    // InputTaken is stored after the claim time, so seeing it means the time is there.
    return Atomics.load(this.cells, at + INPUT_TAKEN) === position ? this.float64Cells[at / 2 + CLAIMED_AT]! : Number.NaN;
  }

  /** Takes back a job nobody has claimed; false when a worker claimed (or revoked) it first. */
  revoke(position: number): boolean {
    const at = slotOffset(position & SLOT_MASK) / 4;
    const published = stateOf(position, RingState.Published);
    if (Atomics.compareExchange(this.cells, at + STATE, published, stateOf(position, RingState.Revoked)) !== published) return false;
    this.moveHeadPast(position);
    return true;
  }

  // ── worker thread ──────────────────────────────────────────────────────────

  /** Jobs wait to be claimed (as far as this thread can see). */
  get hasWaiting(): boolean {
    return Atomics.load(this.cells, PoolCell.RingHead) !== Atomics.load(this.cells, PoolCell.RingTail);
  }

  /**
   * Claims the oldest waiting job for `workerId` at `nowMs` (the pool's clock): its position, or null when none
   * waits. A job whose deadline has passed by then is revoked instead (hasRevoked is set) and the next one is tried.
   */
  claim(workerId: number, nowMs: number): number | null {
    const cells = this.cells;
    for (;;) {
      const head = Atomics.load(cells, PoolCell.RingHead);
      if (head === Atomics.load(cells, PoolCell.RingTail)) return null;
      const at = slotOffset(head & SLOT_MASK) / 4;
      const published = stateOf(head, RingState.Published);
      if (Atomics.load(cells, at + STATE) === published) {
        const isOverdue = nowMs >= this.float64Cells[at / 2 + DEADLINE]!;
        const next = stateOf(head, isOverdue ? RingState.Revoked : RingState.ClaimedBase + workerId);
        if (Atomics.compareExchange(cells, at + STATE, published, next) === published) {
          this.moveHeadPast(head);
          if (!isOverdue) {
            // The slot is this claimer's now; takeInput() makes the time visible to the main thread.
            this.float64Cells[at / 2 + CLAIMED_AT] = nowMs;
            return head;
          }
          this.hasRevoked = true;
          continue;
        }
      }
      // Consumed by someone else (or already reused by a later position): help the head past it.
      this.moveHeadPast(head);
    }
  }

  /**
   * The claimed job's input; its slot may be written again from then on (also when decoding throws), and its
   * claim time may be read.
   */
  takeInput(position: number): unknown {
    const slot = position & SLOT_MASK;
    try {
      return this.codecs[slot]!.decode();
    } finally {
      this.markInputTaken(position);
    }
  }

  // ── both ends ──────────────────────────────────────────────────────────────

  /** The claimer has its input (the main thread calls it for a claimer whose thread has ended). */
  markInputTaken(position: number): void {
    Atomics.store(this.cells, slotOffset(position & SLOT_MASK) / 4 + INPUT_TAKEN, position);
  }

  /** RingHead from `position` to the next, unless someone moved it already. */
  private moveHeadPast(position: number): void {
    Atomics.compareExchange(this.cells, PoolCell.RingHead, position, (position + 1) | 0);
  }
}

function slotOffset(slot: number): number {
  return RING_OFFSET_BYTES + slot * SLOT_BYTES;
}
