// The timeline's level of detail: bars plus bucket summaries always add up to exactly the recorded run
// time, job counts and mix in every bucket, live and in replay; the switch from bars to buckets happens
// where jobs stop fitting; the whole window stays covered at any rate; the queue track, markers and rates.

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { EventHistory, ROUTE_CLASSES, STATUS_CLASSES, type Timeline } from '../src/history';
import { BURST_USER_AGENT, type ServerEvent } from '../src/shared/events';
import { DEFAULT_SETTINGS } from '../src/shared/settings';
import { eventSequenceArb, PoolSimulator } from './support/pool-simulator';
import { overlapMs, overlaps, ReferenceHistory, referenceStep } from './support/reference-history';
import { receivedEvent, servedRequestEvents } from './support/sample-events';

// Hundreds of generated runs per property: CPU-bound, so a loaded machine makes them slow, never wrong.
vi.setConfig({ testTimeout: 120_000 });

function record(events: readonly ServerEvent[], options: ConstructorParameters<typeof EventHistory>[0] = {}): EventHistory {
  const history = new EventHistory({ maxAgeMs: Number.POSITIVE_INFINITY, ...options });
  for (const e of events) history.append(e);
  return history;
}

function statusClassOf(status: number | null): number {
  if (status === null) return STATUS_CLASSES.indexOf('running');
  if (status >= 200 && status < 300) return 0;
  if (status >= 400 && status < 500) return 1;
  if (status >= 500 && status < 600) return 2;
  return 3;
}

/** Adds a run's share to the per-bucket tallies of the buckets it overlaps (the overlap rule, bucket by bucket). */
function tally(timeline: Timeline, fromAt: number, toAt: number, each: (k: number, overlapMs: number) => void): void {
  const { bucketMs, firstBucketIndex, bucketCount } = timeline;
  const first = Math.max(0, Math.floor(fromAt / bucketMs) - firstBucketIndex);
  const last = Math.min(bucketCount - 1, Math.floor(toAt / bucketMs) - firstBucketIndex);
  for (let k = first; k <= last; k++) {
    const from = (firstBucketIndex + k) * bucketMs;
    if (overlaps(fromAt, toAt, from, from + bucketMs)) each(k, overlapMs(fromAt, toAt, from, from + bucketMs));
  }
}

/** For every lane and bucket: bars + summary = what the reference says ran there, as a viewer at `now` knew it. */
function expectTimelineMatchesReference(timeline: Timeline, reference: ReferenceHistory): void {
  const { now, bucketMs, firstBucketIndex, bucketCount } = timeline;
  const jobs = reference
    .jobs()
    .filter((j) => j.startedAt <= now)
    .map((j) => {
      const isDone = j.finishedAt !== null && j.finishedAt <= now;
      return { ...j, endAt: isDone ? j.finishedAt! : now, status: isDone ? j.status : null };
    });
  const laneIds = timeline.lanes.map((l) => l.workerId);
  for (const j of jobs) {
    if (overlaps(j.startedAt, j.endAt, timeline.fromAt, Math.min(timeline.toAt, now + 1e-9)) && j.endAt > timeline.knownFromAt) {
      expect(laneIds).toContain(j.workerId);
    }
  }
  const isKnown = (k: number) => {
    const from = (firstBucketIndex + k) * bucketMs;
    return from >= timeline.knownFromAt && from <= now;
  };
  // Per bucket: [busy ms, jobs, routes…, statuses…, burst jobs], expected and shown.
  const width = 3 + ROUTE_CLASSES.length + STATUS_CLASSES.length;
  for (const lane of timeline.lanes) {
    const expected = new Float64Array(bucketCount * width);
    const shown = new Float64Array(bucketCount * width);
    const add = (into: Float64Array, k: number, ms: number, route: string, status: number | null, isBurst: boolean) => {
      const base = k * width;
      into[base]! += ms;
      into[base + 1]! += 1;
      into[base + 2 + ROUTE_CLASSES.indexOf(route as (typeof ROUTE_CLASSES)[number])]! += 1;
      into[base + 2 + ROUTE_CLASSES.length + statusClassOf(status)]! += 1;
      if (isBurst) into[base + width - 1]! += 1;
    };
    for (const j of jobs) {
      if (j.workerId === lane.workerId)
        tally(timeline, j.startedAt, j.endAt, (k, ms) => add(expected, k, ms, j.route, j.status, j.isBurst));
    }
    for (const b of lane.bars)
      tally(timeline, b.startedAt, b.finishedAt ?? now, (k, ms) => add(shown, k, ms, b.route, b.status, b.origin === 'burst'));
    const bk = lane.buckets;
    for (let k = 0; k < bucketCount; k++) {
      if (!isKnown(k)) continue;
      const from = (firstBucketIndex + k) * bucketMs;
      const base = k * width;
      expect(shown[base]! + bk.busyFraction[k]! * (Math.min(from + bucketMs, now) - from)).toBeCloseTo(expected[base]!, 6);
      expect(shown[base + 1]! + bk.jobs[k]!).toBe(expected[base + 1]);
      for (let r = 0; r < ROUTE_CLASSES.length; r++) {
        expect(shown[base + 2 + r]! + bk.routes[k * ROUTE_CLASSES.length + r]!).toBe(expected[base + 2 + r]);
      }
      for (let st = 0; st < STATUS_CLASSES.length; st++) {
        const i = base + 2 + ROUTE_CLASSES.length + st;
        expect(shown[i]! + bk.statuses[k * STATUS_CLASSES.length + st]!).toBe(expected[i]);
      }
      expect(shown[base + width - 1]! + bk.burstJobs[k]!).toBe(expected[base + width - 1]);
    }
    for (const bar of lane.bars) {
      const job = jobs.find((j) => j.requestId === bar.requestId && j.runId === bar.runId && j.workerId === lane.workerId)!;
      expect(job).toBeDefined();
      expect([bar.startedAt, bar.finishedAt ?? now, bar.status, bar.isRunning]).toEqual([
        job.startedAt,
        job.endAt,
        job.status,
        job.status === null,
      ]);
    }
  }
  const received = new Array<number>(bucketCount).fill(0);
  const rejected = new Array<number>(bucketCount).fill(0);
  // Jobs that left the queue: for a worker, or abandoned unrun; with their waits.
  const dequeued = new Array<number>(bucketCount).fill(0);
  const waitMsSum = new Array<number>(bucketCount).fill(0);
  for (const e of reference.events) {
    const k = Math.floor(e.at / bucketMs) - firstBucketIndex;
    if (e.at > now || k < 0 || k >= bucketCount) continue;
    if (e.type === 'request-received') received[k]!++;
    if (e.type === 'request-rejected') rejected[k]!++;
    if (e.type === 'job-started' || e.type === 'job-abandoned') {
      dequeued[k]!++;
      waitMsSum[k]! += e.waitMs;
    }
  }
  for (let k = 0; k < bucketCount; k++) {
    if (!isKnown(k)) continue;
    const from = (firstBucketIndex + k) * bucketMs;
    const to = Math.min(from + bucketMs, now);
    expect(timeline.queue.buckets.meanLength[k]! * (to - from)).toBeCloseTo(reference.queueLengthMs(from, to), 6);
    expect(timeline.queue.buckets.received[k]).toBe(received[k]);
    expect(timeline.queue.buckets.rejected[k]).toBe(rejected[k]);
    expect(timeline.queue.buckets.dequeued[k]).toBe(dequeued[k]);
    if (dequeued[k]! > 0) expect(timeline.queue.buckets.meanWaitMs[k]).toBeCloseTo(waitMsSum[k]! / dequeued[k]!, 6);
    else expect(timeline.queue.buckets.meanWaitMs[k]).toBeNaN();
  }
}

const windowArb = (events: readonly ServerEvent[]) => {
  const first = events[0]!.at;
  const last = events.at(-1)!.at;
  return fc.record({
    fromAt: fc.double({ min: first - 100, max: last, noNaN: true }),
    lengthMs: fc.double({ min: 1, max: Math.max(2, (last - first) * 1.2), noNaN: true }),
    plotWidthPx: fc.integer({ min: 20, max: 1500 }),
  });
};

describe('the timeline’s buckets and bars', () => {
  it('add up to the recorded run time, job count and mix in every bucket (live)', () => {
    fc.assert(
      fc.property(
        eventSequenceArb(250).chain((events) =>
          fc.tuple(fc.constant(events), windowArb(events), fc.double({ min: 0, max: 3000, noNaN: true })),
        ),
        ([events, window, afterLastMs]) => {
          const now = events.at(-1)!.at + afterLastMs;
          const timeline = record(events).timeline({
            fromAt: window.fromAt,
            toAt: window.fromAt + window.lengthMs,
            plotWidthPx: window.plotWidthPx,
            now,
          });
          expectTimelineMatchesReference(timeline, new ReferenceHistory(events));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('show in replay exactly what a live viewer saw at the cursor, nothing after it', () => {
    fc.assert(
      fc.property(
        eventSequenceArb(250).chain((events) =>
          fc.tuple(fc.constant(events), windowArb(events), fc.double({ min: events[0]!.at, max: events.at(-1)!.at, noNaN: true })),
        ),
        ([events, window, now]) => {
          const history = record(events, { checkpointIntervalEvents: 16 });
          const query = { fromAt: window.fromAt, toAt: window.fromAt + window.lengthMs, plotWidthPx: window.plotWidthPx, now };
          const replay = history.timeline(query);
          expectTimelineMatchesReference(replay, new ReferenceHistory(events));
          // The live viewer at `now` had only the events up to it.
          const live = record(
            events.filter((e) => e.at <= now),
            { checkpointIntervalEvents: 16 },
          ).timeline(query);
          // Later events can push a fine level's reach past the window's start: then replay draws it coarser.
          if (replay.bucketMs === live.bucketMs) expect(replay.lanes.map((l) => l.bars)).toEqual(live.lanes.map((l) => l.bars));
          expect(replay.queue.spans).toEqual(live.queue.spans);
          expect(replay.runs).toEqual(live.runs);
          expect(replay.markers).toEqual(live.markers);
        },
      ),
      { numRuns: 150 },
    );
  });
});

/** A server start with `workerCount` workers at `at`. */
function started(at: number, workerCount: number): ServerEvent[] {
  return [
    ...Array.from({ length: workerCount }, (_, workerId): ServerEvent => ({ type: 'worker-spawned', at, workerId })),
    { type: 'server-listening', at, ...DEFAULT_SETTINGS, workerCount },
  ];
}

/** One request's whole life on a worker. */
function job(
  requestId: number,
  workerId: number,
  queuedAt: number,
  startedAt: number,
  finishedAt: number,
  target = '/',
  userAgent: string | null = null,
): ServerEvent[] {
  return servedRequestEvents(requestId, workerId, { queuedAt, startedAt, finishedAt }, { target, userAgent });
}

function inTimeOrder(events: ServerEvent[]): ServerEvent[] {
  return events
    .map((e, i) => [e, i] as const)
    .sort((a, b) => a[0].at - b[0].at || a[1] - b[1])
    .map(([e]) => e);
}

/** Run time the timeline shows in [fromAt, toAt): bars plus bucket summaries. */
function shownBusyMs(timeline: Timeline, workerId?: number): number {
  let busyMs = 0;
  for (const lane of timeline.lanes) {
    if (workerId !== undefined && lane.workerId !== workerId) continue;
    for (let k = 0; k < timeline.bucketCount; k++) {
      const from = (timeline.firstBucketIndex + k) * timeline.bucketMs;
      busyMs += lane.buckets.busyFraction[k]! * Math.max(0, Math.min(from + timeline.bucketMs, timeline.now) - from);
    }
    for (const bar of lane.bars) busyMs += (bar.finishedAt ?? timeline.now) - bar.startedAt;
  }
  return busyMs;
}

/** Jobs the timeline shows: bars plus the jobs counted in bucket summaries (a job spanning buckets counts in each). */
function shownJobs(timeline: Timeline): number {
  let jobs = 0;
  for (const lane of timeline.lanes) jobs += lane.bars.length + lane.buckets.jobs.reduce((a, b) => a + b, 0);
  return jobs;
}

describe('the level of detail', () => {
  const twoJobs = inTimeOrder([...started(0, 1), ...job(1, 0, 1000, 1000, 1001), ...job(2, 0, 1010, 1010, 1011)]);

  it('draws two jobs 10 ms apart as bars while each has a bucket of its own, and as one bucket from there on', () => {
    const history = record(twoJobs);
    // 5 ms per pixel → 10 ms buckets: [1000, 1010) and [1010, 1020) hold one job each.
    const fine = history.timeline({ fromAt: 0, toAt: 6_000, plotWidthPx: 1_200, now: 2_000 });
    expect(fine.bucketMs).toBe(10);
    expect(fine.lanes[0]!.bars.map((b) => b.requestId)).toEqual([1, 2]);
    expect(fine.lanes[0]!.buckets.jobs.every((n) => n === 0)).toBe(true);
    // A hair more per pixel → 20 ms buckets: both jobs share [1000, 1020) and become its summary.
    const coarse = history.timeline({ fromAt: 0, toAt: 6_001, plotWidthPx: 1_200, now: 2_000 });
    expect(coarse.bucketMs).toBe(20);
    expect(coarse.lanes[0]!.bars).toEqual([]);
    const k = 1000 / 20 - coarse.firstBucketIndex;
    expect(coarse.lanes[0]!.buckets.jobs[k]).toBe(2);
    expect(coarse.lanes[0]!.buckets.busyFraction[k]).toBeCloseTo(2 / 20, 9);
  });

  it('gives a short job its bar when it shares a bucket only with the end of a bar', () => {
    const events = inTimeOrder([...started(0, 1), ...job(1, 0, 1000, 1000, 1052, '/sleep'), ...job(2, 0, 1055, 1055, 1056)]);
    const timeline = record(events).timeline({ fromAt: 0, toAt: 6_000, plotWidthPx: 1_200, now: 2_000 });
    expect(timeline.bucketMs).toBe(10);
    expect(timeline.lanes[0]!.bars.map((b) => [b.requestId, b.route])).toEqual([
      [1, '/sleep'],
      [2, '/'],
    ]);
    expect(timeline.lanes[0]!.buckets.jobs.every((n) => n === 0)).toBe(true);
  });

  it('keeps a long /sleep as a bar while a flood of short jobs beside it becomes buckets', () => {
    const events: ServerEvent[] = [...started(0, 2), ...job(1, 0, 100, 100, 5_100, '/sleep', BURST_USER_AGENT)];
    let id = 2;
    for (let at = 100; at < 5_000; at += 0.5) events.push(...job(id++, 1, at, at, at + 0.3));
    const timeline = record(inTimeOrder(events)).timeline({ fromAt: 0, toAt: 10_000, plotWidthPx: 1_000, now: 10_000 });
    const [sleeper, flooded] = timeline.lanes;
    expect(sleeper!.bars).toMatchObject([
      { requestId: 1, path: '/sleep', route: '/sleep', origin: 'burst', startedAt: 100, finishedAt: 5_100, status: 200 },
    ]);
    expect(flooded!.bars).toEqual([]);
    expect(shownBusyMs(timeline, 1)).toBeCloseTo((id - 2) * 0.3, 6);
  });

  it('bounds what it returns by the width, not by the traffic', () => {
    const events: ServerEvent[] = [...started(0, 4)];
    let id = 1;
    for (let at = 0; at < 30_000; at += 0.2) {
      const w = id % 4;
      events.push(...job(id++, w, at, at, at + 0.15));
    }
    const history = record(events, { maxEvents: 50_000 });
    const timeline = history.timeline({ fromAt: 0, toAt: 30_000, plotWidthPx: 600, now: 30_000 });
    expect(timeline.bucketCount).toBeLessThanOrEqual(301);
    for (const lane of timeline.lanes) expect(lane.bars.length).toBeLessThanOrEqual(timeline.bucketCount);
    // No job waited a visible time: nothing to draw on the queue track but its (empty) length.
    expect(timeline.queue.spans).toEqual([]);
  });
});

describe('bad queries', () => {
  it('get a clear error for a time that is not a number, and a bounded answer for any width', () => {
    const history = record(inTimeOrder([...started(0, 1), ...job(1, 0, 10, 10, 20)]));
    expect(() => history.timeline({ fromAt: Number.NaN, toAt: 10, plotWidthPx: 100, now: 10 })).toThrow(/fromAt must be a finite time/);
    expect(() => history.timeline({ fromAt: 0, toAt: Number.POSITIVE_INFINITY, plotWidthPx: 100, now: 10 })).toThrow(
      /toAt must be a finite time/,
    );
    const huge = history.timeline({ fromAt: 0, toAt: 1e9, plotWidthPx: 1e12, now: 1e9 });
    expect(huge.bucketCount).toBeLessThanOrEqual(8192);
    // A window that ends before it starts is an empty one.
    expect(history.timeline({ fromAt: 50, toAt: 0, plotWidthPx: 100, now: 60 }).bucketCount).toBe(1);
  });
});

describe('the whole window at any rate', () => {
  it('keeps 60 s of run time when the event history holds only the last second', () => {
    const events: ServerEvent[] = [...started(0, 4)];
    let id = 1;
    const runMs = 0.8;
    for (let at = 1; at < 60_000; at += 0.25) events.push(...job(id++, id % 4, at, at, at + runMs));
    const history = record(events, { maxEvents: 20_000 });
    expect(history.firstAt!).toBeGreaterThan(59_000);
    const timeline = history.timeline({ fromAt: 0, toAt: 60_010, plotWidthPx: 1_200, now: 60_010 });
    expect(timeline.knownFromAt).toBeLessThanOrEqual(0);
    expect(timeline.historyStartAt).toBe(history.firstAt);
    expect(shownBusyMs(timeline)).toBeCloseTo((id - 1) * runMs, 3);
    // Jobs spanning two buckets count in both.
    expect(shownJobs(timeline)).toBeGreaterThanOrEqual(id - 1);
    expect(timeline.lanes.map((l) => l.workerId)).toEqual([0, 1, 2, 3]);
  });
});

describe('the queue track', () => {
  /** The book's demo: 8 sleeps of 5 s on 4 workers, a browser's GET / arriving during the second wave. */
  function burst(): ServerEvent[] {
    const events: ServerEvent[] = [...started(0, 4)];
    for (let i = 0; i < 8; i++) {
      const startedAt = i < 4 ? 1_000 : 6_000;
      events.push(...job(i + 1, i % 4, 1_000, startedAt, startedAt + 5_000, '/sleep', BURST_USER_AGENT));
    }
    events.push(...job(9, 0, 7_000, 11_000, 11_001, '/', 'Mozilla/5.0'));
    return inTimeOrder(events);
  }

  it('shows each wait from enqueue to the worker that took it, and the jobs still waiting', () => {
    const history = record(burst());
    const during = history.timeline({ fromAt: 0, toAt: 30_000, plotWidthPx: 1_200, now: 3_000 });
    expect(during.queue.spans?.map((s) => [s.requestId, s.queuedAt, s.leftAt, s.workerId, s.isWaiting])).toEqual([
      [5, 1_000, 3_000, null, true],
      [6, 1_000, 3_000, null, true],
      [7, 1_000, 3_000, null, true],
      [8, 1_000, 3_000, null, true],
    ]);
    const after = history.timeline({ fromAt: 0, toAt: 30_000, plotWidthPx: 1_200, now: 20_000 });
    expect(after.queue.spans?.map((s) => [s.requestId, s.leftAt - s.queuedAt, s.workerId, s.route, s.origin])).toEqual([
      [5, 5_000, 0, '/sleep', 'burst'],
      [6, 5_000, 1, '/sleep', 'burst'],
      [7, 5_000, 2, '/sleep', 'burst'],
      [8, 5_000, 3, '/sleep', 'burst'],
      [9, 4_000, 0, '/', 'external'],
    ]);
    // Waits that were never visible (the first wave started at once) are not spans.
    expect(after.queue.spans?.some((s) => s.requestId! <= 4)).toBe(false);
  });

  it('ends an abandoned job’s wait where it left the queue unrun, counts it among the jobs that left, and keeps why', () => {
    const T = 1_700_000_000_000;
    const sleep = { kind: 'request', connection: 0, target: '/sleep', method: 'GET', userAgent: 'curl/8.5.0' } as const;
    const events = new PoolSimulator(T).run([
      { action: { kind: 'start', workerCount: 1, maxQueuedJobs: 6, maxWaitMs: 1_000 }, dtMs: 0 },
      { action: { kind: 'connect' }, dtMs: 1 },
      { action: sleep, dtMs: 1 }, // 1 runs
      { action: sleep, dtMs: 1 }, // 2 and 3 wait, then pass the deadline
      { action: sleep, dtMs: 1 },
      { action: { kind: 'idle' }, dtMs: 1_500 },
      { action: { kind: 'crash', worker: 0 }, dtMs: 10 }, // 1 dies with its worker
      { action: sleep, dtMs: 10 }, // 4 waits with no worker alive…
      { action: { kind: 'give-up' }, dtMs: 100 }, // …until the pool gives up
    ]);
    const abandoned = events.filter((e) => e.type === 'job-abandoned');
    expect(abandoned.map((e) => [e.requestId, e.reason, e.at - T])).toEqual([
      [2, 'max-wait', 1_504],
      [3, 'max-wait', 1_504],
      [4, 'no-workers', 1_624],
    ]);
    const history = record(events);
    const now = events.at(-1)!.at;
    const timeline = history.timeline({ fromAt: T, toAt: T + 2_000, plotWidthPx: 1_200, now });
    expect(timeline.queue.spans?.map((s) => [s.requestId, s.leftAt - T, s.workerId, s.abandonReason, s.isWaiting])).toEqual([
      [2, 1_504, null, 'max-wait', false],
      [3, 1_504, null, 'max-wait', false],
      [4, 1_624, null, 'no-workers', false],
    ]);
    expectTimelineMatchesReference(timeline, new ReferenceHistory(events));
    expect(history.stateAt(now)?.queue).toEqual([]);
    expect(history.request(2)).toMatchObject({ abandonReason: 'max-wait', waitMs: 1_501, status: 503, errorCode: 'QUEUE_WAIT_EXCEEDED' });
    expect(history.request(4)).toMatchObject({ abandonReason: 'no-workers', waitMs: 100, status: 500, workerId: null });
    // In replay before the deadline, 2 and 3 still wait: nothing of their abandonment is known yet.
    const before = history.timeline({ fromAt: T, toAt: T + 2_000, plotWidthPx: 1_200, now: T + 1_000 });
    expect(before.queue.spans?.map((s) => [s.requestId, s.isWaiting, s.abandonReason])).toEqual([
      [2, true, null],
      [3, true, null],
    ]);
    const queueList = history.requestsIn({ track: 'queue', fromAt: T, toAt: T + 2_000, limit: 10, now });
    // Request 1's wait took no time: it still counts where it happened.
    expect(queueList.requests.map((r) => [r.id, r.abandonReason])).toEqual([
      [1, null],
      [2, 'max-wait'],
      [3, 'max-wait'],
      [4, 'no-workers'],
    ]);
  });

  it('gives the queue’s length over time when the waits do not fit, and says so', () => {
    const events: ServerEvent[] = [...started(0, 1)];
    // One worker, jobs of 2 ms arriving every 1 ms: the queue grows by one job every 2 ms.
    let id = 1;
    let freeAt = 0;
    for (let at = 0; at < 400; at += 1) {
      const startedAt = Math.max(at, freeAt);
      freeAt = startedAt + 2;
      events.push(...job(id++, 0, at, startedAt, freeAt));
    }
    const ordered = inTimeOrder(events);
    const timeline = record(ordered).timeline({ fromAt: 0, toAt: 1_000, plotWidthPx: 100, now: 1_000 });
    expect(timeline.queue.spans).toBeNull();
    const reference = new ReferenceHistory(ordered);
    const b = timeline.bucketMs;
    for (let k = 0; k < timeline.bucketCount; k++) {
      const from = (timeline.firstBucketIndex + k) * b;
      expect(timeline.queue.buckets.meanLength[k]! * b).toBeCloseTo(reference.queueLengthMs(from, from + b), 6);
    }
    const state = structuredClone(reference.stateAt(Number.NEGATIVE_INFINITY));
    let longest = 0;
    for (const e of ordered) {
      referenceStep(state, e);
      longest = Math.max(longest, state.queue.length);
    }
    expect(Math.max(...timeline.queue.buckets.maxLength)).toBe(longest);
  });
});

describe('markers and runs', () => {
  it('marks start, listening, the stop, each worker’s join, a crash and replacement, the stop, and separates runs', () => {
    const sim = new PoolSimulator(0);
    const events = sim.run([
      { action: { kind: 'start', workerCount: 2, maxQueuedJobs: 4 }, dtMs: 0 },
      { action: { kind: 'crash', worker: 1 }, dtMs: 100 },
      { action: { kind: 'replace', worker: 1 }, dtMs: 10 },
      { action: { kind: 'stop' }, dtMs: 100 },
      { action: { kind: 'start', workerCount: 3, maxQueuedJobs: 4 }, dtMs: 500 },
    ]);
    const history = record(events);
    const timeline = history.timeline({ fromAt: -10, toAt: 1_000, plotWidthPx: 500, now: 1_000 });
    expect(timeline.markers.map((m) => [m.at, m.kind, m.runId, m.workerId])).toEqual([
      [0, 'server-started', 1, null],
      [0, 'server-listening', 1, null],
      [100, 'worker-crashed', 1, 1],
      [110, 'worker-replaced', 1, 1],
      [210, 'stop-requested', 1, null],
      [210, 'worker-stopping', 1, 0],
      [210, 'worker-joined', 1, 0],
      [210, 'worker-stopping', 1, 1],
      [210, 'worker-joined', 1, 1],
      [210, 'server-stopped', 1, null],
      [710, 'server-started', 2, null],
      [710, 'server-listening', 2, null],
    ]);
    expect(timeline.markers[4]).toMatchObject({ stopReason: 'command', isBeforeHistory: false });
    expect(timeline.runs.map((r) => [r.runId, r.startedAt, r.stoppedAt])).toEqual([
      [1, 0, 210],
      [2, 710, null],
    ]);
    expect(timeline.lanes.map((l) => l.workerId)).toEqual([0, 1, 2]);
  });

  it('keeps markers and buckets older than the event history, flagged as such', () => {
    const events: ServerEvent[] = [...started(0, 1)];
    for (let i = 1; i <= 2_000; i++) events.push(...job(i, 0, i, i, i + 0.5));
    const history = record(events, { maxEvents: 100 });
    const timeline = history.timeline({ fromAt: 0, toAt: 2_100, plotWidthPx: 210, now: 2_100 });
    expect(timeline.markers.map((m) => [m.kind, m.isBeforeHistory])).toEqual([
      ['server-started', true],
      ['server-listening', true],
    ]);
    expect(timeline.historyStartAt).toBeGreaterThan(1_900);
    expect(shownJobs(timeline)).toBe(2_000);
    // Only the newest jobs can still be asked about.
    expect(timeline.lanes[0]!.bars.every((bar) => bar.startedAt >= timeline.historyStartAt!)).toBe(true);
  });
});

describe('rates for worker cards', () => {
  it('give jobs per second, utilization over the last second and the last 10 s, and the current job', () => {
    const events: ServerEvent[] = [...started(0, 2)];
    let id = 1;
    // Worker 0: a 1 ms job every 4 ms for 20 s (25 % busy, 250 jobs/s). Worker 1: one sleep since 15 s.
    for (let at = 0; at < 20_000; at += 4) events.push(...job(id++, 0, at, at, at + 1));
    events.push(
      receivedEvent(15_000, id, { target: '/sleep', remoteAddress: '::1' }),
      { type: 'job-queued', at: 15_000, requestId: id, queueDepth: 1 },
      { type: 'job-started', at: 15_000, requestId: id, workerId: 1, waitMs: 0, queueDepth: 0 },
    );
    const history = record(inTimeOrder(events));
    const activity = history.activity(20_000);
    expect(activity.lastSecondFromAt).toBe(19_000);
    expect(activity.recentFromAt).toBe(10_000);
    const [w0, w1] = activity.workers;
    expect(w0).toMatchObject({ workerId: 0, phase: 'idle', requestId: null, runningForMs: null });
    expect(w0!.jobsPerSecond).toBeCloseTo(250, 6);
    expect(w0!.utilization).toBeCloseTo(0.25, 6);
    expect(w0!.recentUtilization).toBeCloseTo(0.25, 6);
    expect(w1).toMatchObject({ workerId: 1, phase: 'busy', requestId: id, busySince: 15_000, runningForMs: 5_000 });
    expect(w1!.utilization).toBe(1);
    expect(w1!.recentUtilization).toBeCloseTo(0.5, 6);
    expect(activity.requestsPerSecond).toBeCloseTo(250, 6);
    expect(activity).toMatchObject({ queueLength: 0, oldestWaitMs: null });
  });

  it('agree with the reference at any moment, live or in replay', () => {
    fc.assert(
      fc.property(
        eventSequenceArb(200).chain((events) =>
          fc.tuple(fc.constant(events), fc.double({ min: events[0]!.at, max: events.at(-1)!.at + 2_000, noNaN: true })),
        ),
        ([events, now]) => {
          const activity = record(events, { checkpointIntervalEvents: 16 }).activity(now);
          const reference = new ReferenceHistory(events);
          const state = reference.stateAt(now);
          expect(activity.workers.map((w) => [w.workerId, w.phase, w.requestId])).toEqual(
            state.workers.map((w) => [w.id, w.phase, w.requestId]),
          );
          expect(activity.queueLength).toBe(state.queue.length);
          const from = activity.lastSecondFromAt;
          for (const w of activity.workers) {
            const busy = reference
              .jobs()
              // A lane is a worker id: a restart inside the window does not reset it.
              .filter((j) => j.workerId === w.workerId && j.startedAt <= now)
              .reduce((sum, j) => sum + overlapMs(j.startedAt, Math.min(j.finishedAt ?? now, now), from, now), 0);
            expect(w.utilization * (now - from)).toBeCloseTo(busy, 6);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
