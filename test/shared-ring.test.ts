// The pool's ring of waiting jobs (shared-ring.ts) driven from one thread, both ends in turn: when a slot may be
// written again, and when a claim's time may be read. The same checks under real threads: pool-ring.test.ts.

import { describe, expect, it } from 'vitest';
import { PoolCell, RingLayout } from '../src/server/pool/protocol';
import { JobRing } from '../src/server/pool/shared-ring';

const CAPACITY = RingLayout.capacity;
const FAR_DEADLINE_MS = 1e12;

/** A fresh ring with positions 0 … capacity − 1 published, as the pool fills it when jobs wait. */
function fullRing(): JobRing {
  const ring = new JobRing();
  for (let position = 0; position < CAPACITY; position++) {
    expect(ring.isSlotFree(position)).toBe(true);
    expect(ring.publish(position, `job at ${position}`, FAR_DEADLINE_MS)).toBe(true);
  }
  return ring;
}

describe('JobRing', () => {
  it.each([0, 1, CAPACITY - 1])('keeps slot %i (a fresh one) until the claimer of its first job has taken the input', (position) => {
    const ring = fullRing();
    // Claims up to `position`: the claim takes the oldest job first.
    for (let claimed = 0; claimed <= position; claimed++) expect(ring.claim(0, 100 + claimed)).toBe(claimed);
    expect(ring.isSlotFree(position + CAPACITY)).toBe(false);
    expect(ring.claimedAtMs(position)).toBeNaN();

    expect(ring.takeInput(position)).toBe(`job at ${position}`);
    expect(ring.isSlotFree(position + CAPACITY)).toBe(true);
    expect(ring.claimedAtMs(position)).toBe(100 + position);
  });

  it('goes on past the largest position: positions wrap as 32-bit integers and every job keeps its own input', () => {
    const ring = new JobRing();
    const first = 2 ** 31 - 5;
    // As if 2^31 − 5 jobs had gone through already.
    const cells = new Int32Array(ring.buffer);
    cells[PoolCell.RingHead] = first | 0;
    cells[PoolCell.RingTail] = first | 0;
    const positions = Array.from({ length: 3 * CAPACITY }, (_, i) => (first + i) | 0);
    const seen: unknown[] = [];
    let published = 0;
    for (const position of positions) {
      if (!ring.isSlotFree(position)) {
        // The slot's earlier job must be taken first: claim and take the oldest until it is free.
        while (!ring.isSlotFree(position)) {
          const claimed = ring.claim(0, 1);
          expect(claimed).toBe(positions[seen.length]);
          seen.push(ring.takeInput(claimed!));
        }
      }
      expect(ring.publish(position, `job ${published++}`, FAR_DEADLINE_MS)).toBe(true);
    }
    for (let claimed = ring.claim(1, 2); claimed !== null; claimed = ring.claim(1, 2)) seen.push(ring.takeInput(claimed));
    expect(seen).toEqual(positions.map((_, i) => `job ${i}`));
    expect(positions.at(-1)).toBeLessThan(0);
  });

  it('frees a revoked job’s slot at once, and never lets a claim take it', () => {
    const ring = fullRing();
    expect(ring.revoke(0)).toBe(true);
    expect(ring.isSlotFree(CAPACITY)).toBe(true);
    expect(ring.claim(1, 5)).toBe(1);
    expect(ring.revoke(1)).toBe(false);
  });

  it('revokes an overdue job instead of letting a worker claim it', () => {
    const ring = new JobRing();
    ring.publish(0, 'late', 10);
    ring.publish(1, 'on time', FAR_DEADLINE_MS);
    expect(ring.claim(0, 10)).toBe(1);
    expect(ring.hasRevoked).toBe(true);
    expect(ring.ownerAt(0)).toBe(0xff);
  });
});
