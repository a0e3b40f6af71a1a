// The timeline a viewer holds: frames carry it whole or as a tail (only the buckets at or after the first
// one that changed, and the bars and waits that overlap them); this keeps the merged whole. Pure and DOM-free.

import type { FrameLaneBuckets, FrameQueueBuckets, FrameTimeline } from '../../shared/wire';

/** Bucket arrays over a new grid: held values before `fromIndex`, the tail's from there on. */
function mergeArrays(
  held: readonly number[] | undefined,
  heldFirstIndex: number,
  tail: readonly number[],
  tailFromIndex: number,
  firstIndex: number,
  count: number,
  perBucket: number,
): number[] {
  const merged = new Array<number>(count * perBucket).fill(0);
  for (let k = 0; k < count; k++) {
    const index = firstIndex + k;
    const source = index >= tailFromIndex ? tail : held;
    const at = index >= tailFromIndex ? index - tailFromIndex : index - heldFirstIndex;
    if (source === undefined || at < 0 || (at + 1) * perBucket > source.length) continue;
    for (let r = 0; r < perBucket; r++) merged[k * perBucket + r] = source[at * perBucket + r]!;
  }
  return merged;
}

function mergeNullableArrays(
  held: ReadonlyArray<number | null> | undefined,
  heldFirstIndex: number,
  tail: ReadonlyArray<number | null>,
  tailFromIndex: number,
  firstIndex: number,
  count: number,
): Array<number | null> {
  const merged = new Array<number | null>(count).fill(null);
  for (let k = 0; k < count; k++) {
    const index = firstIndex + k;
    const source = index >= tailFromIndex ? tail : held;
    const at = index >= tailFromIndex ? index - tailFromIndex : index - heldFirstIndex;
    if (source !== undefined && at >= 0 && at < source.length) merged[k] = source[at]!;
  }
  return merged;
}

const ROUTES_PER_BUCKET = 3;
const STATUSES_PER_BUCKET = 5;

function mergeLaneBuckets(
  held: FrameLaneBuckets | undefined,
  heldFirst: number,
  tail: FrameTimeline,
  buckets: FrameLaneBuckets,
): FrameLaneBuckets {
  const args = [tail.fromBucketIndex, tail.firstBucketIndex, tail.bucketCount] as const;
  return {
    busyFraction: mergeArrays(held?.busyFraction, heldFirst, buckets.busyFraction, ...args, 1),
    jobs: mergeArrays(held?.jobs, heldFirst, buckets.jobs, ...args, 1),
    routes: mergeArrays(held?.routes, heldFirst, buckets.routes, ...args, ROUTES_PER_BUCKET),
    statuses: mergeArrays(held?.statuses, heldFirst, buckets.statuses, ...args, STATUSES_PER_BUCKET),
    burstJobs: mergeArrays(held?.burstJobs, heldFirst, buckets.burstJobs, ...args, 1),
  };
}

function mergeQueueBuckets(held: FrameQueueBuckets, heldFirst: number, tail: FrameTimeline): FrameQueueBuckets {
  const b = tail.queue.buckets;
  const args = [tail.fromBucketIndex, tail.firstBucketIndex, tail.bucketCount] as const;
  return {
    meanLength: mergeArrays(held.meanLength, heldFirst, b.meanLength, ...args, 1),
    maxLength: mergeArrays(held.maxLength, heldFirst, b.maxLength, ...args, 1),
    received: mergeArrays(held.received, heldFirst, b.received, ...args, 1),
    rejected: mergeArrays(held.rejected, heldFirst, b.rejected, ...args, 1),
    dequeued: mergeArrays(held.dequeued, heldFirst, b.dequeued, ...args, 1),
    meanWaitMs: mergeNullableArrays(held.meanWaitMs, heldFirst, b.meanWaitMs, ...args),
  };
}

const keyOf = (item: { runId: number; requestId: number }) => `${item.runId}:${item.requestId}`;

/**
 * The timeline after `incoming`: itself when whole (or when nothing compatible is held), else the held one
 * with everything from the tail's first bucket on replaced (see FrameTimeline in src/shared/wire.ts).
 */
export function mergeTimeline(held: FrameTimeline | null, incoming: FrameTimeline): FrameTimeline {
  if (incoming.mode === 'whole' || held === null || held.bucketMs !== incoming.bucketMs) return { ...incoming, mode: 'whole' };
  const tailFromAt = incoming.fromBucketIndex * incoming.bucketMs;
  const windowFromAt = incoming.firstBucketIndex * incoming.bucketMs;
  const heldFirst = held.firstBucketIndex;
  const heldLanes = new Map(held.lanes.map((lane) => [lane.workerId, lane]));
  const lanes = incoming.lanes.map((lane) => {
    const before = heldLanes.get(lane.workerId);
    const fresh = new Set(lane.bars.map(keyOf));
    // Held bars that ended before the tail are unchanged; every other one comes again with the tail.
    const kept = (before?.bars ?? []).filter(
      (bar) => bar.finishedAt !== null && bar.finishedAt <= tailFromAt && bar.finishedAt > windowFromAt && !fresh.has(keyOf(bar)),
    );
    return {
      workerId: lane.workerId,
      bars: [...kept, ...lane.bars],
      buckets: mergeLaneBuckets(before?.buckets, heldFirst, incoming, lane.buckets),
    };
  });
  let spans = incoming.queue.spans;
  if (spans !== null && held.queue.spans !== null) {
    const fresh = new Set(spans.map(keyOf));
    const kept = held.queue.spans.filter(
      (span) => !span.isWaiting && span.leftAt <= tailFromAt && span.leftAt > windowFromAt && !fresh.has(keyOf(span)),
    );
    spans = [...kept, ...spans];
  }
  return {
    ...incoming,
    mode: 'whole',
    fromBucketIndex: incoming.firstBucketIndex,
    lanes,
    queue: { spans, buckets: mergeQueueBuckets(held.queue.buckets, heldFirst, incoming) },
  };
}
