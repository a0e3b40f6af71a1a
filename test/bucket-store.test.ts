// The time buckets the flight recorder keeps as events arrive (src/history/bucket-store.ts): at every resolution, a
// lane's stored buckets and the queue's hold exactly what the output-grid functions compute for the same jobs and
// stretches with the same overlap rule, whether a span lies inside the newest bucket or crosses bucket edges.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addJobToSums,
  addQueueLengthToSums,
  BUCKET_LEVELS_MS,
  type BucketGrid,
  BucketStore,
  emptyLaneSums,
  emptyQueueSums,
  jobClassOf,
} from '../src/history/bucket-store';

/** A realistic clock: epoch milliseconds with fractions, where rounding shows. */
const START_AT = 1_700_000_000_000.123;

/** One span after another: a gap, then a span of this length (short ones inside a bucket, long ones across several). */
const span = fc.record({
  gapMs: fc.oneof(fc.double({ min: 0, max: 0.5, noNaN: true }), fc.double({ min: 0, max: 40, noNaN: true })),
  lengthMs: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.2, noNaN: true }), fc.double({ min: 0, max: 300, noNaN: true })),
  jobClass: fc.record({ route: fc.integer({ min: 0, max: 2 }), status: fc.integer({ min: 0, max: 3 }), isBurst: fc.boolean() }),
  queueLength: fc.integer({ min: 0, max: 60 }),
});

function gridOf(sizeMs: number, fromAt: number, toAt: number): BucketGrid {
  const firstIndex = Math.floor(fromAt / sizeMs);
  return { bucketMs: sizeMs, firstIndex, count: Math.floor(toAt / sizeMs) - firstIndex + 1 };
}

describe('BucketStore', () => {
  it('holds at every resolution exactly the sums of the overlap rule, for spans inside a bucket and across its edges', () => {
    fc.assert(
      fc.property(fc.array(span, { minLength: 1, maxLength: 60 }), (spans) => {
        const store = new BucketStore(1 << 20);
        const jobs: Array<{ fromAt: number; toAt: number; jobClass: number }> = [];
        const stretches: Array<{ fromAt: number; toAt: number; length: number }> = [];
        let at = START_AT;
        for (const s of spans) {
          // One worker runs one job at a time, and the queue has one length at a time: spans follow each other.
          const fromAt = at + s.gapMs;
          const toAt = fromAt + s.lengthMs;
          const jobClass = jobClassOf(s.jobClass.route, s.jobClass.status, s.jobClass.isBurst);
          store.addJob(0, fromAt, toAt, jobClass);
          jobs.push({ fromAt, toAt, jobClass });
          store.addQueueLength(at, fromAt, s.queueLength);
          stretches.push({ fromAt: at, toAt: fromAt, length: s.queueLength });
          at = toAt;
        }
        BUCKET_LEVELS_MS.forEach((sizeMs, level) => {
          const grid = gridOf(sizeMs, START_AT, at);
          const stored = emptyLaneSums(grid.count);
          store.sumLane(0, level, grid, stored);
          const expected = emptyLaneSums(grid.count);
          for (const job of jobs) addJobToSums(expected, grid, job.fromAt, job.toAt, job.jobClass, 1);
          expect(stored).toEqual(expected);

          const storedQueue = emptyQueueSums(grid.count);
          store.sumQueue(level, grid, storedQueue);
          const expectedQueue = emptyQueueSums(grid.count);
          for (const s of stretches) addQueueLengthToSums(expectedQueue, grid, s.fromAt, s.toAt, s.length);
          expect(storedQueue.lengthMs).toEqual(expectedQueue.lengthMs);
          expect(storedQueue.maxLength).toEqual(expectedQueue.maxLength);
        });
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it('puts a span ending on a bucket edge in the bucket before it, and one of no length on the edge in the bucket after', () => {
    const store = new BucketStore(64);
    const root = jobClassOf(0, 0, false);
    const sleep = jobClassOf(1, 0, false);
    store.addJob(0, 1_000.5, 1_001, root);
    store.addJob(0, 1_001, 1_001, sleep);
    const grid: BucketGrid = { bucketMs: 1, firstIndex: 1_000, count: 2 };
    const sums = emptyLaneSums(grid.count);
    store.sumLane(0, 0, grid, sums);
    expect([...sums.busyMs]).toEqual([0.5, 0]);
    expect([...sums.started]).toEqual([1, 1]);
    // routes: three per bucket ('/', '/sleep', other).
    expect([...sums.routes]).toEqual([1, 0, 0, 0, 1, 0]);
  });
});
