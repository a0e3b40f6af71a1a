// The frame builder (src/history/viewer-frames.ts) on recorded runs: a frame is bounded by the view, not the
// traffic; a late viewer's first frame is the truth (busy workers, waiting jobs, their elapsed times); tails,
// pause and the capped log; and details on demand.

// The builder alone, as the main side loads it.
import { build as buildHistogram } from 'hdr-histogram-js/dist/HistogramBuilder.js';
import { describe, expect, it } from 'vitest';
import {
  answerQuery,
  EventHistory,
  FLOODED_LOG_INTERVAL_MS,
  frameTimelineOf,
  LiveStats,
  STATS_MIN_INTERVAL_MS,
  ViewerFrames,
  WHOLE_TIMELINE_INTERVAL_MS,
} from '../src/history';
import { mergeTimeline } from '../src/renderer/bridge/frame-timeline';
import { burstTagOf, burstUserAgent, isBurstUserAgent, type ServerEvent } from '../src/shared/events';
import { blankFinishedRequest, type FinishedRequest, routeKeyOf } from '../src/shared/request-stats';
import {
  type FrameTimeline,
  HIGH_RATE_REQUESTS_PER_S,
  MAX_FRAME_LOG_LINES,
  MAX_FRAME_QUEUE_JOBS,
  MAX_FRAME_QUEUE_SPANS,
  type ViewerFrame,
  type ViewerView,
} from '../src/shared/wire';
import { listeningEvent, servedRequestEvents } from './support/sample-events';
import { simulateRun } from './support/simulated-run';

const START_AT = 1_700_000_000_000;
const SETTINGS = { maxAgeMs: 600_000, maxEvents: 500_000 };

function historyOf(events: readonly ServerEvent[], untilAt = Number.POSITIVE_INFINITY): EventHistory {
  const history = new EventHistory({ startAt: START_AT - 1 });
  for (const event of events) if (event.at <= untilAt) history.append(event);
  return history;
}

function view(overrides: Partial<ViewerView> = {}): ViewerView {
  return { id: 1, windowMs: 30_000, plotWidthPx: 600, paused: false, cursor: 'live', ...overrides };
}

function build(frames: ViewerFrames, now: number, status = null): ViewerFrame | null {
  return frames.build({ now, status, ...SETTINGS });
}

/** `count` requests of `runMs`, one every `gapMs`, on 4 workers. */
function steadyRun(count: number, gapMs: number, runMs: number): ServerEvent[] {
  return simulateRun({
    workerCount: 4,
    startAt: START_AT,
    jobs: Array.from({ length: count }, () => ({ gapMs, runMs, path: '/' })),
  });
}

describe('a late viewer', () => {
  it('sees in its first frame the 4 busy workers and the 4 waiting jobs with their true elapsed time and wait', () => {
    const events = simulateRun({
      workerCount: 4,
      startAt: START_AT,
      jobs: Array.from({ length: 8 }, () => ({ gapMs: 1, runMs: 5_000, path: '/sleep' })),
    });
    const listeningAt = events.find((e) => e.type === 'server-listening')!.at;
    const now = listeningAt + 1_500;
    const frames = new ViewerFrames(historyOf(events, now));
    frames.setView(view());
    const frame = build(frames, now)!;

    expect(frame.isFull).toBe(true);
    expect(frame.at).toBe(now);
    const busy = frame.workers.filter((w) => w.phase === 'busy');
    expect(busy).toHaveLength(4);
    for (const worker of busy) {
      expect(worker.job?.path).toBe('/sleep');
      // Started about 1.5 s ago (the burst arrived over a few ms right after listening).
      expect(worker.job!.elapsedMs).toBeGreaterThan(1_480);
      expect(worker.job!.elapsedMs).toBeLessThanOrEqual(1_500);
    }
    expect(frame.queue.length).toBe(4);
    expect(frame.queue.jobs.map((j) => j.requestId)).toEqual([5, 6, 7, 8]);
    for (const job of frame.queue.jobs) {
      expect(job.startedAt).toBeNull();
      expect(job.elapsedMs).toBeGreaterThan(1_480);
    }
    expect(frame.queue.oldestWaitMs).toBe(frame.queue.jobs[0]!.elapsedMs);
    expect(frame.counters.openConnections).toBe(8);
    expect(frame.counters.requestsReceived).toBe(8);
    expect(frame.run.phase).toBe('listening');
    // The timeline is back-filled from the recorder: the 4 running jobs are bars.
    const bars = frame.timeline!.lanes.flatMap((lane) => lane.bars);
    expect(bars.filter((bar) => bar.isRunning)).toHaveLength(4);
    expect(frame.timeline!.queue.spans?.filter((span) => span.isWaiting)).toHaveLength(4);
    expect(frame.log!.lines.some((line) => line.text.startsWith('Listening on'))).toBe(true);
  });
});

describe('frame size', () => {
  it('is bounded by the plot width and the pool, not by the request rate', () => {
    // About 2,000 and 40,000 requests per second for 1 s; the frame at the end of each.
    const slow = steadyRun(2_000, 0.5, 0.2);
    const fast = steadyRun(40_000, 0.025, 0.02);
    const sizes = [slow, fast].map((events) => {
      const history = historyOf(events);
      const frames = new ViewerFrames(history);
      frames.setView(view({ plotWidthPx: 600 }));
      const frame = build(frames, history.lastAt!)!;
      expect(frame.timeline!.bucketCount).toBeLessThanOrEqual(600);
      return JSON.stringify(frame).length;
    });
    // Per bucket: 4 lanes × 11 numbers + the queue's 6: about 50 numbers. Far less than one event per request.
    const bound = 300 * 50 * 12 + 100_000;
    expect(sizes[0]).toBeLessThan(bound);
    expect(sizes[1]).toBeLessThan(bound);
    expect(sizes[1]!).toBeLessThan(sizes[0]! * 2);
  });

  it('caps the queue it lists and counts the rest', () => {
    const events = simulateRun({
      workerCount: 4,
      startAt: START_AT,
      jobs: Array.from({ length: 300 }, () => ({ gapMs: 0.1, runMs: 10_000, path: '/sleep' })),
    });
    const now = events.find((e) => e.type === 'server-listening')!.at + 2_000;
    const frames = new ViewerFrames(historyOf(events, now));
    frames.setView(view());
    const frame = build(frames, now)!;
    expect(frame.queue.length).toBe(296);
    expect(frame.queue.jobs).toHaveLength(MAX_FRAME_QUEUE_JOBS);
    expect(frame.queue.jobs[0]!.requestId).toBe(5);
  });
});

describe('the queue track', () => {
  /** Jobs arriving faster than 4 workers finish them, so each waits longer than the one before. */
  function queueingRun(count: number): ServerEvent[] {
    return simulateRun({
      workerCount: 4,
      startAt: START_AT,
      jobs: Array.from({ length: count }, () => ({ gapMs: 1, runMs: 10, path: '/' })),
    });
  }

  it('carries the waits one by one while there are at most MAX_FRAME_QUEUE_SPANS, then the queue length per bucket', () => {
    const frameAtEnd = (events: ServerEvent[]) => {
      const history = historyOf(events);
      const frames = new ViewerFrames(history);
      frames.setView(view({ windowMs: 60_000, plotWidthPx: 1_200 }));
      return build(frames, history.lastAt!)!;
    };
    // Every wait but the first few is longer than the 50 ms a pixel stands for.
    const few = frameAtEnd(queueingRun(MAX_FRAME_QUEUE_SPANS / 2));
    expect(few.timeline!.queue.spans!.length).toBeGreaterThan(MAX_FRAME_QUEUE_SPANS / 4);
    const many = frameAtEnd(queueingRun(MAX_FRAME_QUEUE_SPANS * 2));
    expect(many.timeline!.queue.spans).toBeNull();
    expect(Math.max(...many.timeline!.queue.buckets.maxLength)).toBeGreaterThan(MAX_FRAME_QUEUE_SPANS / 2);
  });
});

describe('later frames', () => {
  it("carry the runs again when a moment of the last run becomes known, as a replay's present passes it", () => {
    // A replay's history already holds the whole run: its present (the cursor) moves through it on later frames.
    const events: ServerEvent[] = [
      { type: 'worker-spawned', at: START_AT, workerId: 0 },
      listeningEvent(START_AT + 100, { workerCount: 1 }),
      { type: 'server-stopping', at: START_AT + 200, reason: 'command' },
      { type: 'server-stopped', at: START_AT + 300 },
    ];
    const frames = new ViewerFrames(historyOf(events));
    frames.setView(view());
    const lastRunOf = (frame: ViewerFrame | null) => frame?.runs?.at(-1);
    expect(lastRunOf(build(frames, START_AT + 50))).toMatchObject({ listeningAt: null, stoppingAt: null, stoppedAt: null });
    expect(build(frames, START_AT + 60)?.runs).toBeUndefined();
    expect(lastRunOf(build(frames, START_AT + 150))).toMatchObject({ listeningAt: START_AT + 100, stoppingAt: null });
    expect(lastRunOf(build(frames, START_AT + 250))).toMatchObject({ stoppingAt: START_AT + 200, stoppedAt: null });
    expect(lastRunOf(build(frames, START_AT + 350))).toMatchObject({ stoppedAt: START_AT + 300 });
  });

  it('carry the timeline as a tail from the bucket that held the previous frame, and only new log lines, capped', () => {
    const events = steadyRun(8_000, 0.1, 0.05);
    const listeningAt = events.find((e) => e.type === 'server-listening')!.at;
    const history = new EventHistory({ startAt: START_AT - 1 });
    let next = 0;
    const appendUntil = (at: number) => {
      while (next < events.length && events[next]!.at <= at) history.append(events[next++]!);
    };
    const frames = new ViewerFrames(history);
    frames.setView(view());
    appendUntil(listeningAt + 500);
    const first = build(frames, listeningAt + 500)!;
    expect(first.timeline!.mode).toBe('whole');
    appendUntil(listeningAt + 600);
    const second = build(frames, listeningAt + 600)!;
    expect(second.isFull).toBe(false);
    expect(second.status).toBeUndefined();
    const tail = second.timeline!;
    expect(tail.mode).toBe('tail');
    expect(tail.fromBucketIndex).toBe(Math.floor((listeningAt + 500) / tail.bucketMs));
    expect(tail.lanes[0]!.buckets.jobs).toHaveLength(tail.firstBucketIndex + tail.bucketCount - tail.fromBucketIndex);
    // 100 ms at 10 requests per ms: about 1,000 "got a job" lines, of which the newest MAX_FRAME_LOG_LINES come.
    expect(second.log!.lines.length).toBeLessThanOrEqual(MAX_FRAME_LOG_LINES);
    expect(second.log!.omittedLineCount).toBeGreaterThan(0);
    expect(second.log!.lines.at(-1)!.at).toBeLessThanOrEqual(listeningAt + 600);
    expect(second.log!.lines[0]!.at).toBeGreaterThan(listeningAt + 500);
  });

  it('stop for a paused view until something it shows can change; leaving pause sends a full frame', () => {
    const events = steadyRun(2_000, 1, 0.5);
    const listeningAt = events.find((e) => e.type === 'server-listening')!.at;
    const history = historyOf(events, listeningAt + 1_000);
    const frames = new ViewerFrames(history);
    frames.setView(view());
    const live = build(frames, listeningAt + 1_000)!;
    frames.setView(view({ id: 2, paused: true }));
    const paused = build(frames, listeningAt + 1_100)!;
    // The paused view stays at the moment last shown.
    expect(paused.at).toBe(live.at);
    expect(paused.isLive).toBe(false);
    expect(paused.viewId).toBe(2);
    expect(build(frames, listeningAt + 1_200)).toBeNull();
    const status = { phase: 'stopping', url: null, settings: {}, lastError: null } as never;
    const onStatus = frames.build({ now: listeningAt + 1_300, status, ...SETTINGS })!;
    expect(onStatus.status).toBe(status);
    expect(onStatus.at).toBe(live.at);
    expect(onStatus.timeline).toBeUndefined();
    frames.setView(view({ id: 3 }));
    const resumed = build(frames, listeningAt + 1_400)!;
    expect(resumed.isFull).toBe(true);
    expect(resumed.at).toBe(listeningAt + 1_400);
  });

  it('return a paused view to the paused moment after a scroll-back, not to the scrolled-back one', () => {
    const events = steadyRun(2_000, 1, 0.5);
    const listeningAt = events.find((e) => e.type === 'server-listening')!.at;
    const frames = new ViewerFrames(historyOf(events, listeningAt + 1_000));
    frames.setView(view());
    const live = build(frames, listeningAt + 1_000)!;
    frames.setView(view({ id: 2, paused: true }));
    expect(build(frames, listeningAt + 1_100)!.at).toBe(live.at);
    // Scrolled back half a second while paused: the history as it was then.
    frames.setView(view({ id: 3, paused: true, cursor: { at: live.at - 500 } }));
    expect(build(frames, listeningAt + 1_200)!.at).toBe(live.at - 500);
    // Scrolled forward to the end again: the paused moment, as before the scroll-back.
    frames.setView(view({ id: 4, paused: true }));
    const back = build(frames, listeningAt + 1_300)!;
    expect(back.at).toBe(live.at);
    expect(back.isLive).toBe(false);
    frames.setView(view({ id: 5 }));
    expect(build(frames, listeningAt + 1_400)!.at).toBe(listeningAt + 1_400);
  });

  it('show the history at a cursor as it was then', () => {
    const events = simulateRun({
      workerCount: 4,
      startAt: START_AT,
      jobs: Array.from({ length: 8 }, () => ({ gapMs: 1, runMs: 5_000, path: '/sleep' })),
    });
    const listeningAt = events.find((e) => e.type === 'server-listening')!.at;
    const frames = new ViewerFrames(historyOf(events));
    frames.setView(view({ cursor: { at: listeningAt + 1_000 } }));
    const frame = build(frames, events.at(-1)!.at)!;
    expect(frame.at).toBe(listeningAt + 1_000);
    expect(frame.workers.filter((w) => w.phase === 'busy')).toHaveLength(4);
    expect(frame.queue.length).toBe(4);
  });
});

describe('details on demand', () => {
  it('answers a bucket of a lane with a bounded list and the total, and one request by id', () => {
    const events = steadyRun(4_000, 0.5, 0.2);
    const history = historyOf(events);
    const listeningAt = events.find((e) => e.type === 'server-listening')!.at;
    const list = answerQuery(history, { kind: 'requests-in', track: 0, fromAt: listeningAt, toAt: listeningAt + 1_000, limit: 10 });
    expect(list.ok && list.kind === 'requests-in').toBe(true);
    if (!list.ok || list.kind !== 'requests-in') return;
    expect(list.requests).toHaveLength(10);
    expect(list.total).toBeGreaterThan(10);
    expect(list.requests.every((r) => r.workerId === 0)).toBe(true);
    const one = answerQuery(history, { kind: 'request', requestId: 42 });
    expect(one.ok && one.kind === 'request' && one.request?.id).toBe(42);
    const none = answerQuery(history, { kind: 'request', requestId: 999_999 });
    expect(none).toEqual({ ok: true, kind: 'request', request: null });
  });
});

describe('the stats in frames', () => {
  const newHistogram = () =>
    buildHistogram({ useWebAssembly: false, numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, autoResize: true });

  /** A steady run that is still listening: its traffic stopped, the server did not. */
  function trafficThatStopped(): ServerEvent[] {
    const events = steadyRun(200, 10, 5);
    return events.slice(
      0,
      events.findIndex((event) => event.type === 'server-stopping'),
    );
  }

  function watching(events: readonly ServerEvent[]) {
    const history = historyOf(events);
    const stats = new LiveStats(history, newHistogram);
    stats.catchUp();
    const frames = new ViewerFrames(history);
    frames.setView(view());
    const frameAt = (now: number) =>
      frames.build({ now, status: null, ...SETTINGS, stats: { version: stats.version, read: (at, state) => stats.summary(at, state) } });
    return { frames, frameAt };
  }

  it('count every response of a server that appends more between two frames than one step reads', () => {
    const events = steadyRun(3_000, 0.2, 0.1);
    const responses = events.filter((e) => e.type === 'response-sent').length;
    const history = new EventHistory({ startAt: START_AT - 1 });
    const appendUpTo = (end: number, from: number) => {
      for (let i = from; i < end; i++) history.append(events[i]!);
      return end;
    };
    // One viewer from the start, one that arrives with a third of the run already in the history.
    let appended = appendUpTo(10, 0);
    const early = new LiveStats(history, newHistogram);
    appended = appendUpTo(Math.floor(events.length / 3), appended);
    const late = new LiveStats(history, newHistogram);
    const STEP = 100;
    while (appended < events.length) {
      appended = appendUpTo(Math.min(events.length, appended + 1_000), appended);
      early.follow(STEP);
      late.follow(STEP);
      // However fast the server appends, a viewer that kept up stays caught up.
      expect(early.isCaughtUp).toBe(true);
    }
    const lastAt = events.at(-1)!.at;
    expect(early.summary(lastAt, null).finishedCount).toBe(responses);
    // The late viewer reads its backlog one step per frame on top of what arrives, and gets there.
    for (let frame = 0; frame < 100 && !late.isCaughtUp; frame++) late.follow(STEP);
    expect(late.summary(lastAt, null).finishedCount).toBe(responses);
  });

  it(`are sent at most every ${STATS_MIN_INTERVAL_MS} ms while events keep coming`, () => {
    const events = steadyRun(4_000, 1, 0.5);
    const listeningAt = events.find((e) => e.type === 'server-listening')!.at;
    const history = new EventHistory({ startAt: START_AT - 1 });
    let next = 0;
    const stats = new LiveStats(history, newHistogram);
    const frames = new ViewerFrames(history);
    frames.setView(view());
    const sentAt: number[] = [];
    for (let at = listeningAt + 100; at < listeningAt + 2_000; at += 33) {
      while (next < events.length && events[next]!.at <= at) history.append(events[next++]!);
      stats.catchUp();
      const frame = frames.build({
        now: at,
        status: null,
        ...SETTINGS,
        stats: { version: stats.version, read: (t, state) => stats.summary(t, state) },
      });
      if (frame?.stats) sentAt.push(at);
    }
    expect(sentAt.length).toBeGreaterThan(4);
    for (let i = 1; i < sentAt.length; i++) expect(sentAt[i]! - sentAt[i - 1]!).toBeGreaterThanOrEqual(STATS_MIN_INTERVAL_MS);
    expect(sentAt.at(-1)).toBeGreaterThan(listeningAt + 2_000 - STATS_MIN_INTERVAL_MS - 40);
  });

  it('fall to 0 requests per second once traffic stops, and the busy shares with them, with no new event', () => {
    const events = trafficThatStopped();
    const lastAt = events.at(-1)!.at;
    const { frameAt } = watching(events);

    const first = frameAt(lastAt)!;
    expect(first.stats!.requestsPerSecond).toBeGreaterThan(50);
    expect(Math.max(...first.stats!.workerBusyPercent)).toBeGreaterThan(0);
    // Nothing new and not yet due: the numbers are not sent again.
    expect(frameAt(lastAt + 100)!.stats).toBeUndefined();

    // Past the rate's window and the busy shares' (5 s and 10 s), read again on the clock alone.
    const quiet = frameAt(lastAt + 11_000)!;
    expect(quiet.stats).toMatchObject({ requestsPerSecond: 0, finishedCount: first.stats!.finishedCount });
    expect(quiet.stats!.workerBusyPercent.every((percent) => percent === 0)).toBe(true);
    // Once they stopped moving they are not sent again.
    expect(frameAt(lastAt + 12_000)!.stats).toBeUndefined();
  });

  it('stay as they were in a paused view', () => {
    const events = trafficThatStopped();
    const lastAt = events.at(-1)!.at;
    const { frames, frameAt } = watching(events);
    frameAt(lastAt);
    frames.setView(view({ id: 2, paused: true }));
    const paused = frameAt(lastAt + 10)!;
    expect(paused.stats!.requestsPerSecond).toBeGreaterThan(50);
    // A still view gets a frame only when something it shows can change: never for the clock alone.
    expect(frameAt(lastAt + 11_000)).toBeNull();
  });

  it('of the present hold at the paused moment while more responses come, even in a full frame, and move on when resumed', () => {
    const events = trafficThatStopped();
    const half = Math.floor(events.length / 2);
    const history = historyOf(events.slice(0, half));
    const stats = new LiveStats(history, newHistogram);
    stats.follow();
    const frames = new ViewerFrames(history);
    frames.setView(view());
    const frameAt = (now: number) =>
      frames.build({
        now,
        status: null,
        ...SETTINGS,
        stats: { version: stats.version, read: (at, state) => stats.summary(at, state), isOfPresent: true },
      });
    const pausedAt = events[half - 1]!.at;
    const live = frameAt(pausedAt)!;
    frames.setView(view({ id: 2, paused: true }));
    for (const event of events.slice(half)) history.append(event);
    stats.follow();
    expect(stats.summary(events.at(-1)!.at, null).finishedCount).toBeGreaterThan(live.stats!.finishedCount);

    // The first paused frame is full (a new view): its numbers are those the live frame had.
    const paused = frameAt(events.at(-1)!.at + 10);
    expect(paused?.stats ?? live.stats).toEqual(live.stats);
    // A new window while paused is a full frame: the numbers in it are still the paused moment's.
    frames.setView(view({ id: 3, paused: true, windowMs: 10_000 }));
    const rewindowed = frameAt(events.at(-1)!.at + 20)!;
    expect(rewindowed.stats).toEqual(live.stats);

    frames.setView(view({ id: 4 }));
    const resumed = frameAt(events.at(-1)!.at + 30)!;
    expect(resumed.stats!.finishedCount).toBeGreaterThan(live.stats!.finishedCount);
  });
});

/** Run time drawn per lane and bucket of the window (buckets' busy time plus the bars' overlap), in ms. */
function drawnBusyMs(timeline: FrameTimeline): Map<number, number[]> {
  const byLane = new Map<number, number[]>();
  const size = timeline.bucketMs;
  for (const lane of timeline.lanes) {
    const busy = new Array<number>(timeline.bucketCount).fill(0);
    for (let k = 0; k < timeline.bucketCount; k++) {
      const from = (timeline.firstBucketIndex + k) * size;
      busy[k] = lane.buckets.busyFraction[k]! * Math.max(0, Math.min(from + size, timeline.now) - from);
    }
    for (const bar of lane.bars) {
      const to = bar.finishedAt ?? timeline.now;
      for (let k = 0; k < timeline.bucketCount; k++) {
        const from = (timeline.firstBucketIndex + k) * size;
        busy[k]! += Math.max(0, Math.min(to, from + size) - Math.max(bar.startedAt, from));
      }
    }
    byLane.set(lane.workerId, busy);
  }
  return byLane;
}

describe('the live stats read of a finished request', () => {
  it('is its full record, but the route for its path and the User-Agent of a burst only', () => {
    const paths = ['/', '/sleep', '/nope', '/?q=1', '/sleep?ms=5'];
    const events = simulateRun({
      workerCount: 2,
      startAt: START_AT,
      maxWaitMs: 30,
      jobs: Array.from({ length: 80 }, (_, i) => ({ gapMs: 2, runMs: i % 5 === 1 ? 20 : 3, path: paths[i % paths.length]! })),
    }).map((event) =>
      event.type === 'request-received' && event.requestId % 3 === 0
        ? { ...event, userAgent: burstUserAgent({ burstId: 7, size: 30 }) }
        : event,
    );
    const history = historyOf(events);
    const runId = history.runs().at(-1)!.runId;
    const out = blankFinishedRequest();
    const kinds = new Set<string>();
    for (const event of events) {
      if (event.type !== 'response-sent') continue;
      const full = history.request(event.requestId, runId)!;
      const light = { ...history.finishedRequest(event.requestId, runId, out)! };
      expect(routeKeyOf(light.path)).toBe(routeKeyOf(full.path));
      expect(light.userAgent).toBe(isBurstUserAgent(full.userAgent) ? full.userAgent : null);
      expect(burstTagOf(light.userAgent)).toEqual(burstTagOf(full.userAgent));
      const { path: _lightPath, userAgent: _lightAgent, ...lightTimes } = light;
      const { id, receivedAt, startedAt, finishedAt, sentAt, workerId, waitMs, runMs, status, abandonReason } = full;
      expect(lightTimes).toEqual({ id, receivedAt, startedAt, finishedAt, sentAt, workerId, waitMs, runMs, status, abandonReason });
      kinds.add(`${routeKeyOf(full.path)} ${abandonReason ?? 'ran'} ${burstTagOf(full.userAgent) === null ? 'external' : 'burst'}`);
    }
    // Every route, abandoned and run jobs, bursts and not were compared.
    expect([...kinds].sort()).toEqual(
      expect.arrayContaining(['/ max-wait burst', '/ ran external', '/sleep ran burst', 'other ran external', 'other max-wait external']),
    );
  });

  it('a request not in the run it is asked in is looked up as request() does', () => {
    const history = historyOf(steadyRun(10, 5, 1));
    const out = { ...history.request(3)!, path: '' } as FinishedRequest;
    expect(history.finishedRequest(3, 99, out)).toBeNull();
    expect(history.finishedRequest(3, undefined, out)).toEqual(history.request(3));
  });
});

describe('a watching viewer', () => {
  /** A history fed as the server would, and a viewer of it framed every `stepMs`; each frame's timeline merged as the page does. */
  function watchedRun(events: readonly ServerEvent[], viewOverrides: Partial<ViewerView> = {}) {
    const history = new EventHistory({ startAt: START_AT - 1 });
    let next = 0;
    const frames = new ViewerFrames(history);
    frames.setView(view(viewOverrides));
    let held: FrameTimeline | null = null;
    const frameAt = (now: number) => {
      while (next < events.length && events[next]!.at <= now) history.append(events[next++]!);
      const frame = build(frames, now);
      if (frame?.timeline) held = mergeTimeline(frame.isFull ? null : held, frame.timeline);
      return frame;
    };
    return { history, frames, frameAt, held: () => held! };
  }

  it('holds after every tail the run time a whole timeline of the same moment draws, with only the tail built', () => {
    // Jobs of 10 ms every 15 ms on 4 workers: buckets of 100 ms hold bars and summaries side by side.
    const events = steadyRun(400, 15, 10);
    const listeningAt = events.find((e) => e.type === 'server-listening')!.at;
    const watched = watchedRun(events, { windowMs: 5_000, plotWidthPx: 100 });
    const first = watched.frameAt(listeningAt + 1_000)!;
    expect(first.timeline!.mode).toBe('whole');
    let at = listeningAt + 1_000;
    for (let i = 0; i < 20; i++) {
      at += 33;
      const frame = watched.frameAt(at)!;
      const tail = frame.timeline!;
      expect(tail.mode).toBe('tail');
      // Built from the bucket that held the previous frame's moment: one or two buckets, not the window.
      expect(tail.lanes[0]!.buckets.jobs.length).toBeLessThanOrEqual(2);
      const timeline = watched.history.timeline({ fromAt: at - 5_000, toAt: at, plotWidthPx: 100, now: at });
      const whole = frameTimelineOf(timeline, 'whole', timeline.firstBucketIndex);
      expect(whole.bucketMs).toBe(tail.bucketMs);
      const drawn = drawnBusyMs(watched.held());
      for (const [workerId, busy] of drawnBusyMs(whole)) {
        const heldBusy = drawn.get(workerId)!;
        for (let k = 0; k < busy.length; k++) expect(heldBusy[k]).toBeCloseTo(busy[k]!, 1);
      }
      expect(watched.held().queue.buckets.received).toEqual(whole.queue.buckets.received);
    }
    // Then whole again, so what a tail cannot see (a request that left the history, a moved start) is set right.
    expect(watched.frameAt(listeningAt + 1_000 + WHOLE_TIMELINE_INTERVAL_MS)!.timeline!.mode).toBe('whole');
  });

  it('keeps one span per connection a single thread left waiting, across tails, naming its request once it is read', () => {
    // Listing 21-10: four /sleep connections at once; the thread reads one, the other three wait unread, 1 s apart.
    const at = (ms: number) => START_AT + ms;
    const events: ServerEvent[] = [
      { type: 'worker-spawned', at: at(0), workerId: 0 },
      listeningEvent(at(0), { strategy: 'single', workerCount: 1 }),
    ];
    for (let id = 1; id <= 4; id++) {
      events.push({ type: 'connection-opened', at: at(100), connectionId: id, remoteAddress: '127.0.0.1', remotePort: 40_000 + id });
      if (id > 1) events.push({ type: 'connection-waiting', at: at(100), connectionId: id, waitingCount: id - 1 });
    }
    for (let id = 1; id <= 4; id++) {
      const readAt = at(100 + (id - 1) * 1_000);
      if (id > 1) events.push({ type: 'connection-taken', at: readAt, connectionId: id, waitMs: (id - 1) * 1_000, waitingCount: 4 - id });
      events.push(...servedRequestEvents(id, 0, { queuedAt: readAt, startedAt: readAt, finishedAt: readAt + 1_000 }, { target: '/sleep' }));
      events.push({ type: 'connection-closed', at: readAt + 1_000, connectionId: id, reason: 'server-closed', requestCount: 1 });
    }
    const watched = watchedRun(events, { windowMs: 10_000, plotWidthPx: 1_000 });
    const connectionSpans = () => watched.held().queue.spans!.filter((span) => span.connection !== null);
    watched.frameAt(at(600));
    expect(connectionSpans().map((span) => [span.connection!.connectionId, span.requestId, span.isWaiting])).toEqual([
      [2, null, true],
      [3, null, true],
      [4, null, true],
    ]);
    for (let ms = 633; ms <= 4_300; ms += 33) watched.frameAt(at(ms));
    expect(watched.frameAt(at(4_333))!.timeline!.mode).toBe('tail');
    // One span each, ended where the thread took it, with the request read on it: no stale copy of a waiting one.
    expect(
      connectionSpans().map((span) => [span.connection!.connectionId, span.requestId, span.isWaiting, span.leftAt - span.queuedAt]),
    ).toEqual([
      [2, 2, false, 1_000],
      [3, 3, false, 2_000],
      [4, 4, false, 3_000],
    ]);
  });

  it('gets a full frame with the whole timeline after it lost one (resync), after a new window, and as a new viewer', () => {
    const events = steadyRun(2_000, 1, 0.5);
    const listeningAt = events.find((e) => e.type === 'server-listening')!.at;
    const watched = watchedRun(events);
    watched.frameAt(listeningAt + 500);
    expect(watched.frameAt(listeningAt + 533)!.timeline!.mode).toBe('tail');
    watched.frames.resync();
    const afterLoss = watched.frameAt(listeningAt + 566)!;
    expect(afterLoss.isFull).toBe(true);
    expect(afterLoss.timeline!.mode).toBe('whole');
    expect(afterLoss.log!.omittedLineCount).toBe(0);
    watched.frames.setView(view({ id: 2, windowMs: 10_000 }));
    const moved = watched.frameAt(listeningAt + 600)!;
    expect(moved).toMatchObject({ isFull: true, viewId: 2 });
    expect(moved.timeline!.mode).toBe('whole');
    expect(moved.timeline!.fromAt).toBe(listeningAt + 600 - 10_000);
    const newcomer = new ViewerFrames(watched.history);
    newcomer.setView(view());
    expect(build(newcomer, listeningAt + 600)!.timeline!.mode).toBe('whole');
  });

  it('gets a flooded log at most every FLOODED_LOG_INTERVAL_MS, every line left out counted', () => {
    // 10 requests per ms: far more lines than a frame carries.
    const events = steadyRun(20_000, 0.1, 0.05);
    const listeningAt = events.find((e) => e.type === 'server-listening')!.at;
    const watched = watchedRun(events);
    watched.frameAt(listeningAt + 100);
    const flooded = watched.frameAt(listeningAt + 133)!;
    expect(flooded.log!.omittedLineCount).toBeGreaterThan(0);
    const sentAt = listeningAt + 133;
    for (let at = sentAt + 33; at < sentAt + FLOODED_LOG_INTERVAL_MS; at += 33) expect(watched.frameAt(at)!.log).toBeUndefined();
    const next = watched.frameAt(sentAt + FLOODED_LOG_INTERVAL_MS)!;
    expect(next.log!.lines.length).toBeGreaterThan(0);
    expect(next.log!.lines.length).toBeLessThanOrEqual(MAX_FRAME_LOG_LINES);
    // Every event of the second between counts: what was not sent is said to be there.
    expect(next.log!.omittedLineCount).toBeGreaterThan(5_000);
    expect(next.log!.lines[0]!.at).toBeGreaterThan(sentAt + FLOODED_LOG_INTERVAL_MS - 100);
  });

  it('lists no queued job at a high rate, and still says how many wait and for how long', () => {
    // 4 workers, jobs of 2 ms arriving every 0.2 ms: the queue grows.
    const events = steadyRun(5_000, 0.2, 2);
    const listeningAt = events.find((e) => e.type === 'server-listening')!.at;
    const watched = watchedRun(events);
    const frame = watched.frameAt(listeningAt + 300)!;
    expect(frame.counters.requestsPerSecond).toBeGreaterThanOrEqual(HIGH_RATE_REQUESTS_PER_S);
    expect(frame.queue.length).toBeGreaterThan(MAX_FRAME_QUEUE_JOBS);
    expect(frame.queue.jobs).toEqual([]);
    expect(frame.queue.oldestWaitMs).toBeGreaterThan(0);
  });
});
