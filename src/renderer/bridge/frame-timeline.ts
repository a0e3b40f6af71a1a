// The timeline a viewer holds: frames carry it whole or as a tail (only the buckets at or after the first
// one that changed, and the bars and waits that overlap them); this keeps the merged whole. Pure and DOM-free.

import { type FrameLaneBuckets, type FrameQueueBuckets, type FrameTimeline, queueSpanKeyOf } from '../../shared/wire';
import { STATUS_SLOTS } from '../components/timeline-frame';

/**
 * Appends `bucketCount` buckets of `perBucket` values from `source`, starting at its bucket `fromBucket`; buckets
 * it does not hold are `empty`. Whole runs are copied, with no test per value: a frame merges tens of thousands.
 */
function appendBuckets<T>(
  merged: T[],
  source: readonly T[] | undefined,
  fromBucket: number,
  bucketCount: number,
  perBucket: number,
  empty: T,
): void {
  const heldBuckets = source === undefined ? 0 : Math.floor(source.length / perBucket);
  const firstHeld = Math.min(bucketCount, Math.max(0, -fromBucket));
  const endHeld = Math.max(firstHeld, Math.min(bucketCount, heldBuckets - fromBucket));
  for (let i = 0; i < firstHeld * perBucket; i++) merged.push(empty);
  const end = (fromBucket + endHeld) * perBucket;
  for (let i = (fromBucket + firstHeld) * perBucket; i < end; i++) merged.push(source![i]!);
  for (let i = endHeld * perBucket; i < bucketCount * perBucket; i++) merged.push(empty);
}

/** Bucket arrays over a new grid: held values before `tailFromIndex`, the tail's from there on; unknown buckets `empty`. */
function mergeArrays<T>(
  held: readonly T[] | undefined,
  heldFirstIndex: number,
  tail: readonly T[],
  tailFromIndex: number,
  firstIndex: number,
  count: number,
  perBucket: number,
  empty: T,
): T[] {
  const merged: T[] = [];
  const heldCount = Math.min(count, Math.max(0, tailFromIndex - firstIndex));
  appendBuckets(merged, held, firstIndex - heldFirstIndex, heldCount, perBucket, empty);
  appendBuckets(merged, tail, firstIndex + heldCount - tailFromIndex, count - heldCount, perBucket, empty);
  return merged;
}

const ROUTES_PER_BUCKET = 3;

function mergeLaneBuckets(
  held: FrameLaneBuckets | undefined,
  heldFirst: number,
  tail: FrameTimeline,
  buckets: FrameLaneBuckets,
): FrameLaneBuckets {
  const args = [tail.fromBucketIndex, tail.firstBucketIndex, tail.bucketCount] as const;
  return {
    busyFraction: mergeArrays(held?.busyFraction, heldFirst, buckets.busyFraction, ...args, 1, 0),
    jobs: mergeArrays(held?.jobs, heldFirst, buckets.jobs, ...args, 1, 0),
    routes: mergeArrays(held?.routes, heldFirst, buckets.routes, ...args, ROUTES_PER_BUCKET, 0),
    statuses: mergeArrays(held?.statuses, heldFirst, buckets.statuses, ...args, STATUS_SLOTS.perBucket, 0),
    burstJobs: mergeArrays(held?.burstJobs, heldFirst, buckets.burstJobs, ...args, 1, 0),
  };
}

function mergeQueueBuckets(held: FrameQueueBuckets, heldFirst: number, tail: FrameTimeline): FrameQueueBuckets {
  const b = tail.queue.buckets;
  const args = [tail.fromBucketIndex, tail.firstBucketIndex, tail.bucketCount] as const;
  return {
    meanLength: mergeArrays(held.meanLength, heldFirst, b.meanLength, ...args, 1, 0),
    maxLength: mergeArrays(held.maxLength, heldFirst, b.maxLength, ...args, 1, 0),
    received: mergeArrays(held.received, heldFirst, b.received, ...args, 1, 0),
    rejected: mergeArrays(held.rejected, heldFirst, b.rejected, ...args, 1, 0),
    dequeued: mergeArrays(held.dequeued, heldFirst, b.dequeued, ...args, 1, 0),
    meanWaitMs: mergeArrays<number | null>(held.meanWaitMs, heldFirst, b.meanWaitMs, ...args, 1, null),
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
  // A lane the tail leaves out had no job in it: it keeps what it held before the tail, and nothing from there on.
  const incomingIds = new Set(incoming.lanes.map((lane) => lane.workerId));
  const emptyLane = (workerId: number) => ({
    workerId,
    bars: [],
    buckets: { busyFraction: [], jobs: [], routes: [], statuses: [], burstJobs: [] },
  });
  const tailLanes = [
    ...incoming.lanes,
    ...held.lanes.filter((lane) => !incomingIds.has(lane.workerId)).map((lane) => emptyLane(lane.workerId)),
  ];
  tailLanes.sort((a, b) => a.workerId - b.workerId);
  const lanes = tailLanes.map((lane) => {
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
    const fresh = new Set(spans.map(queueSpanKeyOf));
    const kept = held.queue.spans.filter(
      (span) => !span.isWaiting && span.leftAt <= tailFromAt && span.leftAt > windowFromAt && !fresh.has(queueSpanKeyOf(span)),
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
