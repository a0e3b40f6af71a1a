// The frame builder (src/history/viewer-frames.ts) on recorded runs: a frame is bounded by the view, not the
// traffic; a late viewer's first frame is the truth (busy workers, waiting jobs, their elapsed times); tails,
// pause and the capped log; and details on demand.

// The builder alone, as the main side loads it.
import { build as buildHistogram } from 'hdr-histogram-js/dist/HistogramBuilder.js';
import { describe, expect, it } from 'vitest';
import { answerQuery, EventHistory, LiveStats, ViewerFrames } from '../src/history';
import type { ServerEvent } from '../src/shared/events';
import { MAX_FRAME_LOG_LINES, MAX_FRAME_QUEUE_JOBS, MAX_FRAME_QUEUE_SPANS, type ViewerFrame, type ViewerView } from '../src/shared/wire';
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
});
