// The pool's queue on its own: first in, first out through wrap-around and growth, and deadlines that
// only ever concern the head, because every job waits under the same limit.

import { describe, expect, it } from 'vitest';
import { JobQueue, NO_MAX_WAIT, RingQueue } from '../src/server/pool/job-queue';

const job = (id: number, enqueuedAtMs: number) => ({ id, enqueuedAtMs });

describe('RingQueue', () => {
  it('keeps first in, first out while it wraps around and grows, and reads any place without removing it', () => {
    const queue = new RingQueue<number>();
    const expected: number[] = [];
    let next = 0;
    // Interleave pushes and shifts so the head moves around the ring before and after it grows.
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 3; i++) {
        queue.push(next);
        expected.push(next++);
      }
      expect(queue.shift()).toBe(expected.shift());
    }
    expect(queue.length).toBe(expected.length);
    expect(Array.from({ length: queue.length }, (_, i) => queue.at(i))).toEqual(expected);
    expect(queue.peek()).toBe(expected[0]);
    expect(queue.at(-1)).toBeUndefined();
    expect(queue.at(queue.length)).toBeUndefined();
    queue.remove(expected[5]!);
    expected.splice(5, 1);
    const drained: number[] = [];
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) drained.push(item);
    expect(drained).toEqual(expected);
    expect(queue.peek()).toBeUndefined();
  });
});

describe('JobQueue', () => {
  it('finds the head overdue once it has waited maxWaitMs, and only the head', () => {
    const queue = new JobQueue<ReturnType<typeof job>>(100);
    expect(queue.nextDeadlineAtMs()).toBe(Infinity);
    queue.push(job(1, 1_000));
    queue.push(job(2, 1_040));
    queue.push(job(3, 1_090));
    expect(queue.nextDeadlineAtMs()).toBe(1_100);
    expect(queue.overdueHead(1_099.9)).toBeUndefined();
    expect(queue.overdueHead(1_150)?.id).toBe(1);
    expect(queue.length).toBe(3);
    queue.shift();
    expect(queue.overdueHead(1_150)?.id).toBe(2);
    queue.shift();
    expect(queue.overdueHead(1_150)).toBeUndefined();
    expect(queue.nextDeadlineAtMs()).toBe(1_190);
    expect(queue.shift()?.id).toBe(3);
    expect(queue.overdueHead(1e12)).toBeUndefined();
  });

  it('never gives up a job when waits have no limit', () => {
    const queue = new JobQueue<ReturnType<typeof job>>(NO_MAX_WAIT);
    queue.push(job(1, 0));
    expect(queue.nextDeadlineAtMs()).toBe(Infinity);
    expect(queue.overdueHead(Number.MAX_VALUE)).toBeUndefined();
    expect(queue.length).toBe(1);
  });
});
