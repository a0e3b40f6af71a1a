// Pre-aggregated time buckets, kept as events arrive so the timeline keeps its whole window at any rate
// when the event history holds only the last seconds: per worker lane (run time, and the jobs by route,
// status class and origin) and for the queue (its length over time, arrivals, rejections, waits), at
// several resolutions (BUCKET_LEVELS_MS), each a bounded ring of its newest non-empty buckets.
//
// Bucket k of a level of size s covers [k·s, (k+1)·s): aligned to absolute time, so buckets never move
// as a window slides. Any size of the 1-2-5 ladder is a sum of 1, 2 or 5 (or 10^n) buckets of a level.
//
// Jobs are counted in every bucket their run overlaps — the count a person reading a bucket expects,
// and the number of requests details on demand lists for it. Such counts do not simply add up when
// buckets are merged (a job spanning two buckets would count twice), so a lane bucket keeps the jobs that
// STARTED in it plus the class of the one job running at its start ("carried": a worker runs one job at a
// time). A merged bucket's overlap count is the sum of its parts' starts plus its first part's carried job.

import { isLaneId, ROUTE_CLASSES, STATUS_CLASSES } from './classify';
import { ColumnRing, lowerBound } from './column-ring';

/** Sizes of the kept resolutions, finest first. */
export const BUCKET_LEVELS_MS = [1, 10, 100, 1_000, 10_000] as const;
/** Non-empty buckets kept per level per lane (and for the queue): 4096 × 100 ms covers 6.8 minutes at full load. */
export const DEFAULT_BUCKETS_PER_LEVEL = 4096;

/** Per lane bucket counts: routes, then finished status classes (no `running`: only finished jobs are stored), then burst. */
export const COUNT_ROUTE = 0;
export const COUNT_STATUS = ROUTE_CLASSES.length;
export const COUNT_BURST = COUNT_STATUS + STATUS_CLASSES.length - 1;
export const LANE_COUNTS = COUNT_BURST + 1;

/** Per queue bucket counts. */
export const QUEUE_RECEIVED = 0;
export const QUEUE_REJECTED = 1;
export const QUEUE_DEQUEUED = 2;
export const QUEUE_COUNTS = 3;

const NOT_CARRIED = -1;
const INITIAL_CELLS = 64;

/** A job's class in one small integer: route | status class << 2 | burst << 5. */
export function jobClassOf(routeCode: number, statusClass: number, isBurst: boolean): number {
  return routeCode | (statusClass << 2) | (isBurst ? 32 : 0);
}
export const routeOfClass = (jobClass: number): number => jobClass & 3;
export const statusOfClass = (jobClass: number): number => (jobClass >> 2) & 7;
export const isBurstClass = (jobClass: number): boolean => (jobClass & 32) !== 0;

function makeLaneColumns(capacity: number) {
  return {
    index: new Float64Array(capacity),
    busyMs: new Float64Array(capacity),
    /** Class of the finished job running at the bucket's start, or NOT_CARRIED. */
    carried: new Int8Array(capacity),
    /** LANE_COUNTS per bucket: jobs that started in it, by class. */
    counts: new Uint32Array(capacity * LANE_COUNTS),
  };
}

// The queue's length and its counts live in separate rings: a length stretch is only known when it ends,
// after counts at its end time may already be in, and each ring must be written in time order.
function makeQueueLengthColumns(capacity: number) {
  return {
    index: new Float64Array(capacity),
    /** ∫ queue length dt over the bucket (job·ms). */
    lengthMs: new Float64Array(capacity),
    /** Longest the queue was in the bucket. */
    maxLength: new Uint32Array(capacity),
  };
}

function makeQueueCountColumns(capacity: number) {
  return {
    index: new Float64Array(capacity),
    /** Sum of the waits of the jobs that left the queue in the bucket. */
    waitMsSum: new Float64Array(capacity),
    counts: new Uint32Array(capacity * QUEUE_COUNTS),
  };
}

type LaneColumns = ReturnType<typeof makeLaneColumns>;
type QueueLengthColumns = ReturnType<typeof makeQueueLengthColumns>;
type QueueCountColumns = ReturnType<typeof makeQueueCountColumns>;
type AnyColumns = LaneColumns | QueueLengthColumns | QueueCountColumns;

/** One level of one track: its newest non-empty buckets, in increasing index. */
class LevelRing<C extends AnyColumns> {
  readonly ring: ColumnRing<C>;
  /** Buckets below this index may have been dropped: the level knows nothing before it. */
  coverageFromIndex = Number.NEGATIVE_INFINITY;

  // The newest bucket, cached: almost every write goes to it (a slot stays put until the ring grows, in push()).
  private lastIndex = Number.NaN;
  private lastSlot = -1;
  private lastFromAt = Number.NaN;
  private lastToAt = Number.NaN;

  constructor(
    make: (capacity: number) => C,
    maxCells: number,
    private readonly sizeMs: number,
  ) {
    this.ring = new ColumnRing(make, Math.min(INITIAL_CELLS, maxCells), maxCells);
  }

  /** The slot of the bucket holding time `at` (see slotFor). */
  slotAt(at: number, zero: (c: C, slot: number) => void): number {
    if (at >= this.lastFromAt && at < this.lastToAt) return this.lastSlot;
    return this.slotFor(Math.floor(at / this.sizeMs), zero);
  }

  /**
   * The newest bucket's slot when a span [fromAt, toAt] lies in it alone (it starts in it and ends by its end), else
   * -1. The common case (a job or a queue stretch far shorter than a bucket), answered without bucket arithmetic;
   * the span's overlap with the bucket is then toAt − fromAt exactly, as overlapWithBucketMs computes it.
   */
  slotHolding(fromAt: number, toAt: number): number {
    return fromAt >= this.lastFromAt && fromAt < this.lastToAt && toAt <= this.lastToAt ? this.lastSlot : -1;
  }

  /** The slot of bucket `index`, appended (zeroed) if it is newer than the last one; -1 if it is older than a kept bucket. */
  slotFor(index: number, zero: (c: C, slot: number) => void): number {
    if (index === this.lastIndex) return this.lastSlot;
    const ring = this.ring;
    if (index < this.lastIndex) return this.find(index);
    if (ring.isFull) {
      this.coverageFromIndex = Math.max(this.coverageFromIndex, ring.columns.index[ring.slotOf(ring.firstSeq)]! + 1);
      ring.shift();
    }
    const slot = ring.push();
    ring.columns.index[slot] = index;
    zero(ring.columns, slot);
    this.lastIndex = index;
    this.lastSlot = slot;
    this.lastFromAt = index * this.sizeMs;
    this.lastToAt = (index + 1) * this.sizeMs;
    return slot;
  }

  /**
   * The kept buckets with index in [fromIndex, toIndex): the first one's slot and how many there are. They
   * follow each other slot by slot, wrapping from the ring's capacity back to 0.
   */
  range(fromIndex: number, toIndex: number): { slot: number; count: number } {
    const first = this.firstAtOrAfter(fromIndex);
    const count = this.firstAtOrAfter(toIndex) - first;
    return { slot: count > 0 ? this.ring.slotOf(first) : 0, count };
  }

  /** Sequence number of the first kept bucket with index ≥ `index`. */
  firstAtOrAfter(index: number): number {
    const ring = this.ring;
    return lowerBound(ring.firstSeq, ring.nextSeq, index, (seq) => ring.columns.index[ring.slotOf(seq)]!);
  }

  private find(index: number): number {
    const seq = this.firstAtOrAfter(index);
    const ring = this.ring;
    return seq < ring.nextSeq && ring.columns.index[ring.slotOf(seq)] === index ? ring.slotOf(seq) : -1;
  }
}

function zeroLane(c: LaneColumns, slot: number): void {
  c.busyMs[slot] = 0;
  c.carried[slot] = NOT_CARRIED;
  c.counts.fill(0, slot * LANE_COUNTS, (slot + 1) * LANE_COUNTS);
}

function zeroQueueLength(c: QueueLengthColumns, slot: number): void {
  c.lengthMs[slot] = 0;
  c.maxLength[slot] = 0;
}

function zeroQueueCount(c: QueueCountColumns, slot: number): void {
  c.waitMsSum[slot] = 0;
  c.counts.fill(0, slot * QUEUE_COUNTS, (slot + 1) * QUEUE_COUNTS);
}

/** Sums of buckets on an output grid of `count` buckets of `bucketMs`, the first being bucket `firstIndex`. */
export interface BucketGrid {
  bucketMs: number;
  firstIndex: number;
  count: number;
}

/** Per output bucket, what a lane's summarized jobs add up to. Counts are per overlapping job. */
export interface LaneSums {
  busyMs: Float64Array;
  jobs: Uint32Array;
  /** Jobs that started in the bucket (for rates: `jobs` also counts a job carried in from the bucket before). */
  started: Uint32Array;
  /** ROUTE_CLASSES.length per bucket. */
  routes: Uint32Array;
  /** STATUS_CLASSES.length per bucket. */
  statuses: Uint32Array;
  burstJobs: Uint32Array;
}

export interface QueueSums {
  lengthMs: Float64Array;
  maxLength: Uint32Array;
  received: Uint32Array;
  rejected: Uint32Array;
  dequeued: Uint32Array;
  waitMsSum: Float64Array;
}

export function emptyLaneSums(count: number): LaneSums {
  return {
    busyMs: new Float64Array(count),
    jobs: new Uint32Array(count),
    started: new Uint32Array(count),
    routes: new Uint32Array(count * ROUTE_CLASSES.length),
    statuses: new Uint32Array(count * STATUS_CLASSES.length),
    burstJobs: new Uint32Array(count),
  };
}

export function emptyQueueSums(count: number): QueueSums {
  return {
    lengthMs: new Float64Array(count),
    maxLength: new Uint32Array(count),
    received: new Uint32Array(count),
    rejected: new Uint32Array(count),
    dequeued: new Uint32Array(count),
    waitMsSum: new Float64Array(count),
  };
}

/** The last bucket of size `sizeMs` a run [fromAt, toAt] overlaps; the first is floor(fromAt / sizeMs). */
export function lastBucketOf(fromAt: number, toAt: number, sizeMs: number): number {
  return toAt > fromAt ? Math.ceil(toAt / sizeMs) - 1 : Math.floor(fromAt / sizeMs);
}

/** How much of a run [fromAt, toAt] falls in bucket `k` of size `sizeMs`. */
function overlapWithBucketMs(fromAt: number, toAt: number, k: number, sizeMs: number): number {
  return Math.min(toAt, (k + 1) * sizeMs) - Math.max(fromAt, k * sizeMs);
}

/**
 * Does a run [fromAt, toAt] overlap the half-open range [rangeFrom, rangeTo)? A run of zero length counts
 * where it happened. The one rule the stored buckets, the output buckets, bars and details all use.
 */
export function overlapsRange(fromAt: number, toAt: number, rangeFrom: number, rangeTo: number): boolean {
  return fromAt < rangeTo && (toAt > rangeFrom || (toAt === fromAt && fromAt >= rangeFrom));
}

/** A view of one output bucket of `sums`, to add to it alone. */
export function oneBucketOf(sums: LaneSums, i: number): LaneSums {
  return {
    busyMs: sums.busyMs.subarray(i, i + 1),
    jobs: sums.jobs.subarray(i, i + 1),
    started: sums.started.subarray(i, i + 1),
    routes: sums.routes.subarray(i * ROUTE_CLASSES.length, (i + 1) * ROUTE_CLASSES.length),
    statuses: sums.statuses.subarray(i * STATUS_CLASSES.length, (i + 1) * STATUS_CLASSES.length),
    burstJobs: sums.burstJobs.subarray(i, i + 1),
  };
}

/** Clears the output buckets from `i` on. */
export function clearLaneSumsFrom(sums: LaneSums, i: number): void {
  sums.busyMs.fill(0, i);
  sums.jobs.fill(0, i);
  sums.started.fill(0, i);
  sums.routes.fill(0, i * ROUTE_CLASSES.length);
  sums.statuses.fill(0, i * STATUS_CLASSES.length);
  sums.burstJobs.fill(0, i);
}

export function clearQueueSumsFrom(sums: QueueSums, i: number): void {
  sums.lengthMs.fill(0, i);
  sums.maxLength.fill(0, i);
  sums.received.fill(0, i);
  sums.rejected.fill(0, i);
  sums.dequeued.fill(0, i);
  sums.waitMsSum.fill(0, i);
}

/** Adds a stretch of queue length [fromAt, toAt) to the output buckets it overlaps. */
export function addQueueLengthToSums(sums: QueueSums, grid: BucketGrid, fromAt: number, toAt: number, length: number): void {
  if (length <= 0) return;
  const size = grid.bucketMs;
  const first = Math.floor(fromAt / size);
  const last = lastBucketOf(fromAt, toAt, size);
  const lo = Math.max(first, grid.firstIndex);
  const hi = Math.min(last, grid.firstIndex + grid.count - 1);
  for (let k = lo; k <= hi; k++) {
    const i = k - grid.firstIndex;
    sums.lengthMs[i]! += length * overlapWithBucketMs(fromAt, toAt, k, size);
    if (sums.maxLength[i]! < length) sums.maxLength[i] = length;
  }
}

/**
 * Adds (sign +1) or removes (sign -1) one job's run [fromAt, toAt] to the output buckets it overlaps, on the
 * grid's own resolution: the same overlap rule the stored buckets use. Counts may pass through negative
 * values in Uint32 arithmetic; once every add and remove is done they are exact.
 */
export function addJobToSums(sums: LaneSums, grid: BucketGrid, fromAt: number, toAt: number, jobClass: number, sign: 1 | -1): void {
  const size = grid.bucketMs;
  const first = Math.floor(fromAt / size);
  const last = lastBucketOf(fromAt, toAt, size);
  const lo = Math.max(first, grid.firstIndex);
  const hi = Math.min(last, grid.firstIndex + grid.count - 1);
  const route = routeOfClass(jobClass);
  const status = statusOfClass(jobClass);
  const burst = isBurstClass(jobClass) ? sign : 0;
  for (let k = lo; k <= hi; k++) {
    const i = k - grid.firstIndex;
    sums.busyMs[i]! += sign * overlapWithBucketMs(fromAt, toAt, k, size);
    sums.jobs[i]! += sign;
    if (k === first) sums.started[i]! += sign;
    sums.routes[i * ROUTE_CLASSES.length + route]! += sign;
    sums.statuses[i * STATUS_CLASSES.length + status]! += sign;
    sums.burstJobs[i]! += burst;
  }
}

/** Beyond this (year 142,000) bucket indexes would lose whole numbers; a foreign recording could hold anything. */
const MAX_BUCKETED_TIME_MS = 2 ** 52;

function isTime(at: number): boolean {
  return Math.abs(at) < MAX_BUCKETED_TIME_MS;
}

function isTimeSpan(fromAt: number, toAt: number): boolean {
  return isTime(fromAt) && isTime(toAt) && toAt >= fromAt;
}

export class BucketStore {
  private readonly lanes: Array<Array<LevelRing<LaneColumns>> | undefined> = [];
  private readonly queueLengths: Array<LevelRing<QueueLengthColumns>>;
  private readonly queueCounts: Array<LevelRing<QueueCountColumns>>;

  constructor(private readonly bucketsPerLevel: number) {
    this.queueLengths = BUCKET_LEVELS_MS.map((sizeMs) => new LevelRing(makeQueueLengthColumns, bucketsPerLevel, sizeMs));
    this.queueCounts = BUCKET_LEVELS_MS.map((sizeMs) => new LevelRing(makeQueueCountColumns, bucketsPerLevel, sizeMs));
  }

  get approximateBytes(): number {
    let bytes = 0;
    for (const level of this.queueLengths) bytes += level.ring.byteLength;
    for (const level of this.queueCounts) bytes += level.ring.byteLength;
    for (const lane of this.lanes) if (lane) for (const level of lane) bytes += level.ring.byteLength;
    return bytes;
  }

  /** Worker ids that have any bucket. */
  laneIds(): number[] {
    const ids: number[] = [];
    for (let id = 0; id < this.lanes.length; id++) if (this.lanes[id] !== undefined) ids.push(id);
    return ids;
  }

  /** Where a level's knowledge starts for every track: before it, some buckets may have been dropped. */
  coverageFromAt(level: number): number {
    let fromIndex = Math.max(this.queueLengths[level]!.coverageFromIndex, this.queueCounts[level]!.coverageFromIndex);
    for (const lane of this.lanes) if (lane) fromIndex = Math.max(fromIndex, lane[level]!.coverageFromIndex);
    return fromIndex * BUCKET_LEVELS_MS[level]!;
  }

  /** A finished job's run [fromAt, toAt] on worker `workerId`'s lane. */
  addJob(workerId: number, fromAt: number, toAt: number, jobClass: number): void {
    if (!isLaneId(workerId) || !isTimeSpan(fromAt, toAt)) return;
    const lane = this.laneOf(workerId);
    const route = routeOfClass(jobClass);
    const status = statusOfClass(jobClass);
    const isBurst = isBurstClass(jobClass);
    for (let level = 0; level < BUCKET_LEVELS_MS.length; level++) {
      const ring = lane[level]!;
      const held = ring.slotHolding(fromAt, toAt);
      if (held !== -1) {
        const c = ring.ring.columns;
        c.busyMs[held]! += toAt - fromAt;
        const base = held * LANE_COUNTS;
        c.counts[base + COUNT_ROUTE + route]!++;
        c.counts[base + COUNT_STATUS + status]!++;
        if (isBurst) c.counts[base + COUNT_BURST]!++;
        continue;
      }
      const size = BUCKET_LEVELS_MS[level]!;
      const first = Math.floor(fromAt / size);
      const last = lastBucketOf(fromAt, toAt, size);
      for (let k = this.firstKept(ring, first, last); k <= last; k++) {
        const slot = ring.slotFor(k, zeroLane);
        if (slot === -1) continue;
        const c = ring.ring.columns;
        c.busyMs[slot]! += overlapWithBucketMs(fromAt, toAt, k, size);
        if (k === first) {
          const base = slot * LANE_COUNTS;
          c.counts[base + COUNT_ROUTE + route]!++;
          c.counts[base + COUNT_STATUS + status]!++;
          if (isBurst) c.counts[base + COUNT_BURST]!++;
        } else {
          c.carried[slot] = jobClass;
        }
      }
    }
  }

  /** The queue held `length` jobs over [fromAt, toAt). */
  addQueueLength(fromAt: number, toAt: number, length: number): void {
    if (length <= 0 || !isTimeSpan(fromAt, toAt)) return;
    for (let level = 0; level < BUCKET_LEVELS_MS.length; level++) {
      const ring = this.queueLengths[level]!;
      const held = ring.slotHolding(fromAt, toAt);
      if (held !== -1) {
        const c = ring.ring.columns;
        c.lengthMs[held]! += length * (toAt - fromAt);
        if (c.maxLength[held]! < length) c.maxLength[held] = length;
        continue;
      }
      const size = BUCKET_LEVELS_MS[level]!;
      const first = Math.floor(fromAt / size);
      const last = lastBucketOf(fromAt, toAt, size);
      for (let k = this.firstKept(ring, first, last); k <= last; k++) {
        const slot = ring.slotFor(k, zeroQueueLength);
        if (slot === -1) continue;
        const c = ring.ring.columns;
        c.lengthMs[slot]! += length * overlapWithBucketMs(fromAt, toAt, k, size);
        if (c.maxLength[slot]! < length) c.maxLength[slot] = length;
      }
    }
  }

  /** One more request-received (QUEUE_RECEIVED), rejection (QUEUE_REJECTED) or dispatch (QUEUE_DEQUEUED, with its wait). */
  countQueueEvent(at: number, count: number, waitMs = 0): void {
    if (!isTime(at)) return;
    for (let level = 0; level < BUCKET_LEVELS_MS.length; level++) {
      const ring = this.queueCounts[level]!;
      const slot = ring.slotAt(at, zeroQueueCount);
      if (slot === -1) continue;
      const c = ring.ring.columns;
      c.counts[slot * QUEUE_COUNTS + count]!++;
      if (count === QUEUE_DEQUEUED) c.waitMsSum[slot]! += waitMs;
    }
  }

  /** Adds a lane's stored buckets of `level` onto the grid (whose bucketMs is a multiple of the level's size). */
  sumLane(workerId: number, level: number, grid: BucketGrid, sums: LaneSums): void {
    const lane = this.lanes[workerId];
    if (lane === undefined) return;
    const ring = lane[level]!;
    const factor = Math.round(grid.bucketMs / BUCKET_LEVELS_MS[level]!);
    const { slot: firstSlot, count } = ring.range(grid.firstIndex * factor, (grid.firstIndex + grid.count) * factor);
    const capacity = ring.ring.capacity;
    const { index: indexes, busyMs, counts, carried: carriedColumn } = ring.ring.columns;
    const { routes, statuses } = sums;
    // The hot loop of every timeline query: no division or call per stored bucket.
    let i = 0;
    let nextBucketIndex = Number.NEGATIVE_INFINITY;
    for (let n = 0, slot = firstSlot; n < count; n++, slot = slot + 1 === capacity ? 0 : slot + 1) {
      const index = indexes[slot]!;
      if (index >= nextBucketIndex) {
        i = Math.floor(index / factor) - grid.firstIndex;
        nextBucketIndex = (grid.firstIndex + i + 1) * factor;
      }
      sums.busyMs[i]! += busyMs[slot]!;
      const base = slot * LANE_COUNTS;
      const r = i * ROUTE_CLASSES.length;
      const s = i * STATUS_CLASSES.length;
      const root = counts[base + COUNT_ROUTE]!;
      const sleep = counts[base + COUNT_ROUTE + 1]!;
      const other = counts[base + COUNT_ROUTE + 2]!;
      routes[r]! += root;
      routes[r + 1]! += sleep;
      routes[r + 2]! += other;
      statuses[s]! += counts[base + COUNT_STATUS]!;
      statuses[s + 1]! += counts[base + COUNT_STATUS + 1]!;
      statuses[s + 2]! += counts[base + COUNT_STATUS + 2]!;
      statuses[s + 3]! += counts[base + COUNT_STATUS + 3]!;
      sums.burstJobs[i]! += counts[base + COUNT_BURST]!;
      const started = root + sleep + other;
      sums.jobs[i]! += started;
      sums.started[i]! += started;
      const carried = carriedColumn[slot]!;
      // Only the first part of an output bucket brings in the job running at the output bucket's start.
      if (carried !== NOT_CARRIED && index === nextBucketIndex - factor) {
        sums.jobs[i]!++;
        routes[r + routeOfClass(carried)]!++;
        statuses[s + statusOfClass(carried)]!++;
        if (isBurstClass(carried)) sums.burstJobs[i]!++;
      }
    }
  }

  sumQueue(level: number, grid: BucketGrid, sums: QueueSums): void {
    const factor = Math.round(grid.bucketMs / BUCKET_LEVELS_MS[level]!);
    const fromIndex = grid.firstIndex * factor;
    const toIndex = (grid.firstIndex + grid.count) * factor;
    const lengths = this.queueLengths[level]!;
    const l = lengths.ring.columns;
    const lengthRange = lengths.range(fromIndex, toIndex);
    for (let n = 0, slot = lengthRange.slot; n < lengthRange.count; n++, slot = slot + 1 === lengths.ring.capacity ? 0 : slot + 1) {
      const i = Math.floor(l.index[slot]! / factor) - grid.firstIndex;
      sums.lengthMs[i]! += l.lengthMs[slot]!;
      if (sums.maxLength[i]! < l.maxLength[slot]!) sums.maxLength[i] = l.maxLength[slot]!;
    }
    const counts = this.queueCounts[level]!;
    const c = counts.ring.columns;
    const countRange = counts.range(fromIndex, toIndex);
    for (let n = 0, slot = countRange.slot; n < countRange.count; n++, slot = slot + 1 === counts.ring.capacity ? 0 : slot + 1) {
      const i = Math.floor(c.index[slot]! / factor) - grid.firstIndex;
      sums.waitMsSum[i]! += c.waitMsSum[slot]!;
      const base = slot * QUEUE_COUNTS;
      sums.received[i]! += c.counts[base + QUEUE_RECEIVED]!;
      sums.rejected[i]! += c.counts[base + QUEUE_REJECTED]!;
      sums.dequeued[i]! += c.counts[base + QUEUE_DEQUEUED]!;
    }
  }

  /** Buckets older than a ring's reach would be dropped at once: skip them, and say the level no longer knows them. */
  private firstKept(ring: LevelRing<AnyColumns>, first: number, last: number): number {
    const reach = last - this.bucketsPerLevel + 1;
    if (first >= reach) return first;
    ring.coverageFromIndex = Math.max(ring.coverageFromIndex, reach);
    return reach;
  }

  private laneOf(workerId: number): Array<LevelRing<LaneColumns>> {
    let lane = this.lanes[workerId];
    if (lane === undefined) {
      lane = BUCKET_LEVELS_MS.map((sizeMs) => new LevelRing(makeLaneColumns, this.bucketsPerLevel, sizeMs));
      this.lanes[workerId] = lane;
    }
    return lane;
  }
}
