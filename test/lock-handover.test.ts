// The `while let` pool's lock handovers, reported in the order the workers lived them however their ports'
// messages are read: a taking of the lock never before the previous holder's release, each thread's news in order.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LockHandoverOrder, type LockNewsKind } from '../src/server/pool/lock-handover';

interface News {
  thread: number;
  kind: LockNewsKind;
  /** Place in the order the threads lived it. */
  seq: number;
}

function orderOf(): { order: LockHandoverOrder<News, number>; reported: News[] } {
  const reported: News[] = [];
  const order = new LockHandoverOrder<News, number>(
    (news) => news.thread,
    (news) => news.kind,
    (news) => reported.push(news),
  );
  return { order, reported };
}

describe('LockHandoverOrder', () => {
  it('reports news at once while nobody else holds the lock', () => {
    const { order, reported } = orderOf();
    order.receive({ thread: 0, kind: 'acquired', seq: 0 });
    order.receive({ thread: 1, kind: 'other', seq: 1 });
    order.receive({ thread: 0, kind: 'other', seq: 2 });
    expect(reported.map((n) => n.seq)).toEqual([0, 1, 2]);
    expect(order.heldCount).toBe(0);
  });

  it('holds a taking of the lock read before the previous release, and all that thread says after it', () => {
    const { order, reported } = orderOf();
    order.receive({ thread: 0, kind: 'acquired', seq: 0 });
    order.receive({ thread: 1, kind: 'acquired', seq: 3 });
    order.receive({ thread: 1, kind: 'other', seq: 4 });
    order.receive({ thread: 2, kind: 'other', seq: 1 });
    expect(reported.map((n) => n.seq)).toEqual([0, 1]);
    expect(order.heldCount).toBe(2);
    order.receive({ thread: 0, kind: 'released', seq: 2 });
    expect(reported.map((n) => n.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(order.heldCount).toBe(0);
  });

  it('lets the next holder through when the holder thread ends without a release (it died holding the lock)', () => {
    const { order, reported } = orderOf();
    order.receive({ thread: 0, kind: 'acquired', seq: 0 });
    order.receive({ thread: 1, kind: 'acquired', seq: 2 });
    order.receive({ thread: 0, kind: 'ended', seq: 1 });
    expect(reported.map((n) => n.seq)).toEqual([0, 1, 2]);
  });

  it('whatever the interleaving of the threads’ ports, never reports two holders and keeps each thread’s order', () => {
    // The lived order: holdings one after another, each acquired, some news, released; waits of the others between.
    const lived = fc.array(fc.record({ holder: fc.integer({ min: 0, max: 3 }), newsCount: fc.integer({ min: 0, max: 2 }) }), {
      minLength: 1,
      maxLength: 12,
    });
    fc.assert(
      fc.property(lived, fc.infiniteStream(fc.integer({ min: 0, max: 3 })), (holdings, picks) => {
        const perThread: News[][] = [[], [], [], []];
        let seq = 0;
        for (const { holder, newsCount } of holdings) {
          perThread[holder]!.push({ thread: holder, kind: 'acquired', seq: seq++ });
          for (let i = 0; i < newsCount; i++) perThread[holder]!.push({ thread: holder, kind: 'other', seq: seq++ });
          perThread[holder]!.push({ thread: holder, kind: 'released', seq: seq++ });
        }
        // Read as ports would: each thread's messages in order, the threads' interleaved at random.
        const { order, reported } = orderOf();
        const picker = picks[Symbol.iterator]();
        while (perThread.some((q) => q.length > 0)) {
          const thread = picker.next().value as number;
          const next = perThread[thread]!.shift();
          if (next !== undefined) order.receive(next);
        }
        expect(reported).toHaveLength(seq);
        expect(order.heldCount).toBe(0);
        let holder: number | null = null;
        for (const news of reported) {
          if (news.kind === 'acquired') {
            expect(holder).toBeNull();
            holder = news.thread;
          } else if (news.kind === 'released') {
            expect(holder).toBe(news.thread);
            holder = null;
          }
        }
        for (let thread = 0; thread < 4; thread++) {
          const seqs = reported.filter((n) => n.thread === thread).map((n) => n.seq);
          expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        }
      }),
    );
  });
});
