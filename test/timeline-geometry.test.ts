// The timeline's geometry and its text alternative, without a browser: the frame one projection makes
// from the flight recorder's timeline as frames carry it (bars, buckets, waits, the queue's length, markers,
// runs), the scale (ms per
// pixel) every part shares, lanes, bars with their minimum width and gaps, waits stacked in rows of the
// queue track or summed as its length, what lies under a point, tick spacing, and the overlay's lists.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventHistory, frameTimelineOf } from '../src/history';
import { mergeTimeline } from '../src/renderer/bridge/frame-timeline';
import { projectTimeline, type TimelineQuery, timelineFrameAt } from '../src/renderer/bridge/timeline-source';
import { queueTrackLabelOf, type TimelineFrame } from '../src/renderer/components/timeline-frame';
import {
  BAR_GAP_PX,
  barBand,
  jobAt,
  LANE_LABEL_WIDTH_PX,
  LANES_TOP_PX,
  laneCountFor,
  laneHeightFor,
  laneTop,
  MAX_QUEUE_ROWS,
  MIN_BAR_WIDTH_PX,
  MIN_LABELLED_LANE_HEIGHT_PX,
  makeLayout,
  minFillingTimelineHeightFor,
  plotWidthFor,
  QUEUE_TOP_PX,
  QUEUE_TRACK_HEIGHT_PX,
  sceneOf,
  scrollBackAfterWheel,
  stackRows,
  type TimelineScene,
  tickStepFor,
  timeAtX,
  timelineHeightFor,
  windowEndAt,
  xOf,
} from '../src/renderer/components/timeline-geometry';
import { backdropKeyOf, cornerNotesOf, growsWithPresent } from '../src/renderer/components/timeline-layers';
import {
  activeBarId,
  activeIndexAfterKey,
  isOverlayDue,
  JUMPING_OVERLAY_REFRESH_MS,
  MAX_OVERLAY_BARS,
  MAX_OVERLAY_BUCKETS,
  OVERLAY_REFRESH_MS,
  type OverlayBar,
  overlayBars,
  overlayBuckets,
  overlayMarkers,
  overlaySpans,
} from '../src/renderer/components/timeline-overlay';
import type { ServerEvent } from '../src/shared/events';
import { startingThreadCountOf } from '../src/shared/settings';
import type { FrameTimeline } from '../src/shared/wire';
import { frameWorkersOf } from './support/frame-workers';
import { listeningEvent, receivedEvent } from './support/sample-events';

const t0 = 1_700_000_000_000;
/** A 1,064 px stage: a 1,000 px plot, so a 30 s window is 30 ms per pixel. */
const STAGE_WIDTH_PX = 1_064;

/** A flight recorder fed the events, and its timeline as a frame carries it, projected as the bridge projects it. */
class Source {
  private readonly recorder = new EventHistory();
  private pending: ServerEvent[] = [];

  /** The helpers below give each job's events together; the recorder takes them in time order, as a server makes them. */
  apply(...events: ServerEvent[]): this {
    this.pending.push(...events);
    return this;
  }

  get history(): EventHistory {
    const events = this.pending.sort((a, b) => a.at - b.at);
    this.pending = [];
    for (const event of events) this.recorder.append(event);
    return this.recorder;
  }

  frame(query: Partial<TimelineQuery> & { now: number }): TimelineFrame {
    const toAt = query.toAt ?? query.now;
    const asked = {
      fromAt: query.fromAt ?? toAt - 30_000,
      toAt,
      plotWidthPx: query.plotWidthPx ?? plotWidthFor(STAGE_WIDTH_PX),
      now: query.now,
    };
    const state = this.history.stateAt(query.now);
    const timeline = this.history.timeline(asked);
    const projected = projectTimeline(frameTimelineOf(timeline, 'whole', timeline.firstBucketIndex), {
      runs: this.history.runs(),
      currentRunId: state?.runId ?? 0,
      currentWorkerCount: state?.settings ? startingThreadCountOf(state.settings) : 0,
      workers: frameWorkersOf(state),
    });
    return timelineFrameAt(projected, asked);
  }

  scene(now: number, windowMs = 30_000): TimelineScene {
    return sceneOf(this.frame({ now, fromAt: now - windowMs }), STAGE_WIDTH_PX);
  }
}

function listening(at: number, workerCount: number): ServerEvent[] {
  return [
    ...Array.from({ length: workerCount }, (_, workerId): ServerEvent => ({ type: 'worker-spawned', at, workerId })),
    listeningEvent(at, { workerCount, sleepMs: 1000 }),
  ];
}

function poolOf(workerCount: number, at = t0): Source {
  return new Source().apply(...listening(at, workerCount));
}

function received(requestId: number, at: number, target = '/sleep'): ServerEvent[] {
  return [
    receivedEvent(at, requestId, { connectionId: requestId, target, userAgent: 'curl/8' }),
    { type: 'job-queued', at, requestId, queueDepth: 1 },
  ];
}

/** A job that joined the queue at `queuedAt`, ran on `workerId` from `startedAt` and (unless null) finished at `finishedAt`. */
function job(
  source: Source,
  requestId: number,
  workerId: number,
  times: { queuedAt: number; startedAt: number; finishedAt: number | null },
  target = '/sleep',
  status = 200,
): void {
  const { queuedAt, startedAt, finishedAt } = times;
  source.apply(...received(requestId, queuedAt, target), {
    type: 'job-started',
    at: startedAt,
    requestId,
    workerId,
    waitMs: startedAt - queuedAt,
    queueDepth: 0,
  });
  if (finishedAt !== null) {
    source.apply(
      { type: 'job-finished', at: finishedAt, requestId, workerId, runMs: finishedAt - startedAt, status },
      { type: 'response-sent', at: finishedAt, requestId, status, bytes: 100 },
    );
  }
}

/** The book's demo at `at`: eight 5 s sleepers on four workers, the second wave waiting for the first. */
function bookBurst(source: Source, at: number, firstId = 1): void {
  for (let i = 0; i < 4; i++) job(source, firstId + i, i, { queuedAt: at, startedAt: at, finishedAt: at + 5_000 });
  for (let i = 0; i < 4; i++) job(source, firstId + 4 + i, i, { queuedAt: at + 1, startedAt: at + 5_000, finishedAt: at + 10_000 });
}

/** A graceful stop of a pool of `workerCount` at `at`. */
function stop(source: Source, at: number, workerCount: number): void {
  source.apply({ type: 'server-stopping', at, reason: 'command' });
  for (let workerId = 0; workerId < workerCount; workerId++) {
    source.apply(
      { type: 'worker-stopping', at: at + workerId + 1, workerId },
      { type: 'worker-exited', at: at + workerId + 1, workerId, reason: 'shutdown', exitCode: 0 },
    );
  }
  source.apply({ type: 'server-stopped', at: at + workerCount + 1 });
}

describe('the scale: one ms-per-pixel for the whole plot', () => {
  it('spreads the window over the stage less the lane labels', () => {
    const layout = makeLayout(1_064, 4, t0, 30_000);
    expect(layout.plotWidthPx).toBe(1_000);
    expect(plotWidthFor(1_064)).toBe(1_000);
    expect(layout.msPerPx).toBe(30);
    expect(layout.startAt).toBe(t0 - 30_000);
    expect(xOf(layout, layout.startAt)).toBe(LANE_LABEL_WIDTH_PX);
    expect(xOf(layout, layout.endAt)).toBe(1_064);
  });

  it('maps time to x and back to the same time', () => {
    for (const [widthPx, windowMs] of [
      [1_064, 30_000],
      [333, 10_000],
      [2_000, 300_000],
      [65, 60_000],
    ] as const) {
      const layout = makeLayout(widthPx, 3, t0, windowMs);
      for (const at of [layout.startAt, t0 - windowMs / 3, t0 - 1, t0]) expect(timeAtX(layout, xOf(layout, at))).toBeCloseTo(at, 3);
    }
  });

  it('never divides by zero on a stage narrower than the labels', () => {
    const layout = makeLayout(10, 1, t0, 30_000);
    expect(layout.plotWidthPx).toBe(1);
    expect(Number.isFinite(layout.msPerPx)).toBe(true);
  });

  it('moves a paused window back by the wheel at the same scale as the bars, and never past the pause', () => {
    const layout = makeLayout(1_064, 4, t0, 30_000);
    expect(scrollBackAfterWheel(layout, 0, 100)).toBe(3_000);
    expect(scrollBackAfterWheel(layout, 3_000, -40)).toBe(1_800);
    expect(scrollBackAfterWheel(layout, 1_000, -1_000)).toBe(0);
  });

  it('ends the window now while live, and at the pause less the scroll-back while paused', () => {
    expect(windowEndAt({ windowMs: 30_000, pausedAt: null, scrollBackMs: 5_000 }, t0)).toBe(t0);
    expect(windowEndAt({ windowMs: 30_000, pausedAt: t0 - 1_000, scrollBackMs: 5_000 }, t0)).toBe(t0 - 6_000);
  });

  it('lays a frame out over its own window, one lane per worker', () => {
    const { layout } = sceneOf(poolOf(2).frame({ fromAt: t0 - 10_000, toAt: t0 - 2_000, now: t0 + 50_000 }), STAGE_WIDTH_PX);
    expect([layout.startAt, layout.endAt, layout.laneCount, layout.msPerPx]).toEqual([t0 - 10_000, t0 - 2_000, 2, 8]);
  });
});

describe('tracks and lanes', () => {
  it('has one lane per worker, counting workers announced but not yet spawned, and one before any pool', () => {
    expect(laneCountFor(0, 0)).toBe(1);
    expect(laneCountFor(4, 0)).toBe(4);
    expect(laneCountFor(4, 6)).toBe(6);
    expect(new Source().frame({ now: t0 }).lanes).toHaveLength(1);
    expect(
      poolOf(3)
        .frame({ now: t0 })
        .lanes.map((lane) => lane.workerId),
    ).toEqual([0, 1, 2]);
  });

  it('puts the queue track above the lanes, the lanes between 12 and 48 px high and the plot near 280 px', () => {
    expect(QUEUE_TOP_PX + QUEUE_TRACK_HEIGHT_PX).toBeLessThan(LANES_TOP_PX);
    expect(laneHeightFor(1)).toBe(48);
    expect(laneHeightFor(8)).toBe(35);
    expect(laneHeightFor(64)).toBe(12);
    expect(timelineHeightFor(8)).toBe(LANES_TOP_PX + 8 * 35 + 22);
    const layout = makeLayout(1_064, 8, t0, 30_000);
    expect(laneTop(layout, 0)).toBe(LANES_TOP_PX);
    expect(laneTop(layout, 3)).toBe(LANES_TOP_PX + 3 * 35);
  });

  it('shares a given height between the lanes when the timeline fills its panel (presentation mode)', () => {
    const layout = makeLayout(1_064, 4, t0, 30_000, 428);
    expect(layout.heightPx).toBe(428);
    expect(layout.laneHeightPx).toBe(Math.floor((428 - LANES_TOP_PX - 22) / 4));
    expect(laneTop(layout, 3) + layout.laneHeightPx).toBeLessThanOrEqual(428 - 22);
    // However little height there is, a lane keeps its minimum.
    expect(makeLayout(1_064, 64, t0, 30_000, 100).laneHeightPx).toBe(12);
  });

  it("keeps a filling timeline's stage tall enough that no lane is thinner than its label", () => {
    for (const laneCount of [1, 4, 16, 64]) {
      expect(makeLayout(1_064, laneCount, t0, 30_000, minFillingTimelineHeightFor(laneCount)).laneHeightPx).toBe(
        MIN_LABELLED_LANE_HEIGHT_PX,
      );
    }
  });
});

describe('bars', () => {
  it("places a finished job in its worker's lane, from its start until it finished, after a gap", () => {
    const source = poolOf(2);
    job(source, 1, 1, { queuedAt: t0 + 1_000, startedAt: t0 + 2_000, finishedAt: t0 + 7_000 });
    const scene = source.scene(t0 + 30_000);
    const [box] = scene.bars;
    expect(box!.bar).toMatchObject({ requestId: 1, workerId: 1, queuedAt: t0 + 1_000, startedAt: t0 + 2_000, finishedAt: t0 + 7_000 });
    expect(box!.x).toBe(xOf(scene.layout, t0 + 2_000) + BAR_GAP_PX);
    expect(box!.x + box!.w).toBeCloseTo(xOf(scene.layout, t0 + 7_000), 6);
    expect(box!.y).toBeGreaterThanOrEqual(laneTop(scene.layout, 1));
  });

  it('grows a running job up to now', () => {
    const source = poolOf(2);
    job(source, 1, 0, { queuedAt: t0 + 1_000, startedAt: t0 + 1_000, finishedAt: null });
    const scene = source.scene(t0 + 4_000);
    expect(scene.bars[0]!.isRunning).toBe(true);
    expect(scene.bars[0]!.x + scene.bars[0]!.w).toBeCloseTo(xOf(scene.layout, t0 + 4_000), 6);
  });

  it(`draws a job of a millisecond ${MIN_BAR_WIDTH_PX} px wide, so it can be seen and hit`, () => {
    const source = poolOf(1);
    job(source, 1, 0, { queuedAt: t0 + 100, startedAt: t0 + 100, finishedAt: t0 + 101 }, '/');
    expect(source.scene(t0 + 30_000).bars[0]!.w).toBe(MIN_BAR_WIDTH_PX);
  });

  it('keeps back-to-back jobs on a lane apart by a visible gap, not a hairline', () => {
    const source = poolOf(4);
    bookBurst(source, t0 + 1_000);
    const scene = source.scene(t0 + 30_000);
    const lane0 = scene.bars.filter((box) => box.bar.workerId === 0);
    expect(lane0).toHaveLength(2);
    expect(lane0[1]!.x - (lane0[0]!.x + lane0[0]!.w)).toBeGreaterThanOrEqual(BAR_GAP_PX);
  });

  it('has no bar for a job still waiting, or one outside the window', () => {
    const source = poolOf(4);
    source.apply(...received(1, t0 + 1));
    job(source, 3, 0, { queuedAt: t0 - 40_000, startedAt: t0 - 40_000, finishedAt: t0 - 35_000 });
    expect(source.frame({ now: t0 + 29_000 }).bars).toEqual([]);
  });
});

describe('the queue track', () => {
  it("shows each wait from joining the queue until a worker took it, and not a free worker's hand-over", () => {
    const source = poolOf(4);
    bookBurst(source, t0 + 1_000);
    const { spans } = source.frame({ now: t0 + 30_000 }).queue;
    expect(spans!.map((span) => [span.requestId, span.queuedAt, span.leftAt, span.workerId])).toEqual([
      [5, t0 + 1_001, t0 + 6_000, 0],
      [6, t0 + 1_001, t0 + 6_000, 1],
      [7, t0 + 1_001, t0 + 6_000, 2],
      [8, t0 + 1_001, t0 + 6_000, 3],
    ]);
  });

  it('ends a job still waiting at now', () => {
    const source = poolOf(1);
    job(source, 1, 0, { queuedAt: t0, startedAt: t0, finishedAt: null });
    source.apply(...received(2, t0 + 500));
    const { spans } = source.frame({ now: t0 + 2_000 }).queue;
    expect(spans).toEqual([
      expect.objectContaining({ requestId: 2, queuedAt: t0 + 500, leftAt: t0 + 2_000, isWaiting: true, workerId: null }),
    ]);
  });

  it('stacks overlapping waits in sub-rows, one per wait waiting at the same time', () => {
    const source = poolOf(4);
    bookBurst(source, t0 + 1_000);
    const { queue } = source.scene(t0 + 30_000);
    expect(queue.mode).toBe('spans');
    if (queue.mode !== 'spans') return;
    expect(queue.rowCount).toBe(4);
    expect(queue.spans.map((box) => box.row).sort()).toEqual([0, 1, 2, 3]);
    for (const box of queue.spans) {
      expect(box.y).toBeGreaterThanOrEqual(QUEUE_TOP_PX);
      expect(box.y + box.h).toBeLessThanOrEqual(QUEUE_TOP_PX + QUEUE_TRACK_HEIGHT_PX);
    }
  });

  it('puts waits that follow one another in the same row', () => {
    expect(
      stackRows(
        [
          { left: 0, right: 10 },
          { left: 5, right: 20 },
          { left: 12, right: 30 },
          { left: 22, right: 25 },
          { left: 33, right: 40 },
        ],
        2,
      ),
    ).toEqual([0, 1, 0, 1, 0]);
    // Closer than the gap: another row.
    expect(
      stackRows(
        [
          { left: 0, right: 10 },
          { left: 11, right: 20 },
        ],
        2,
      ),
    ).toEqual([0, 1]);
  });

  it(`switches to the queue's length when more than ${MAX_QUEUE_ROWS} waits overlap`, () => {
    const source = poolOf(1);
    job(source, 1, 0, { queuedAt: t0, startedAt: t0, finishedAt: t0 + 10_000 });
    const waiting = MAX_QUEUE_ROWS + 1;
    for (let i = 0; i < waiting; i++) {
      job(source, 2 + i, 0, { queuedAt: t0 + 100 + i, startedAt: t0 + 10_000 + i * 10, finishedAt: t0 + 10_000 + i * 10 + 10 });
    }
    const { queue, frame } = source.scene(t0 + 30_000);
    expect(queue.mode).toBe('steps');
    expect(frame.queue.peakLength).toBe(waiting);
    if (queue.mode !== 'steps') return;
    // 30 ms per pixel, so 100 ms buckets (at least two pixels, on the 1-2-5 ladder, aligned to absolute time).
    expect(queue.steps.bucketMs).toBe(100);
    expect(Math.max(...Array.from(queue.steps.maxLength))).toBe(waiting);
  });

  it('stops listing waits one by one when there are more than the plot has pixels, and leaves out those under a pixel', () => {
    const source = poolOf(1);
    for (let i = 0; i < 40; i++) {
      job(source, 1 + i, 0, { queuedAt: t0 + i * 100, startedAt: t0 + i * 100 + 1_100, finishedAt: t0 + i * 100 + 1_110 });
    }
    expect(source.frame({ now: t0 + 30_000, plotWidthPx: 1_000, fromAt: t0 }).queue.spans).toHaveLength(40);
    expect(source.frame({ now: t0 + 30_000, plotWidthPx: 30, fromAt: t0 }).queue.spans).toBeNull();
    // 1.1 s waits are under a pixel of a 10 min window on 300 px: the queue's length still counts them.
    const wide = source.frame({ now: t0 + 30_000, plotWidthPx: 300, fromAt: t0 - 570_000 }).queue;
    expect(wide.spans).toEqual([]);
    expect(wide.peakLength).toBe(11);
  });

  it('gives the peak and the longest wait of the window', () => {
    const source = poolOf(4);
    bookBurst(source, t0 + 1_000);
    const { queue } = source.frame({ now: t0 + 30_000 });
    expect(queue.peakLength).toBe(4);
    expect(queue.longestWaitMs).toBe(4_999);
    // Once the burst has left the window, nothing waited in it.
    expect(source.frame({ now: t0 + 60_000 }).queue).toMatchObject({ peakLength: 0, longestWaitMs: 0 });
  });

  it('gives the mean wait, not a longest of 0, when every wait is shorter than a pixel and none is listed', () => {
    const source = poolOf(1);
    // Waits of 10, 20 and 30 ms: each under a pixel of a 30 s window 200 px wide (150 ms).
    for (let i = 0; i < 3; i++) {
      job(source, 1 + i, 0, { queuedAt: t0 + 1_000, startedAt: t0 + 1_010 + i * 10, finishedAt: t0 + 1_020 + i * 10 });
    }
    const { queue } = source.frame({ now: t0 + 30_000, plotWidthPx: 200 });
    expect(queue.spans).toEqual([]);
    expect(queue.peakLength).toBeGreaterThan(0);
    expect(queue.longestWaitMs).toBeNull();
    expect(queue.meanWaitMs).toBeCloseTo(20, 0);
  });
});

describe('markers and runs', () => {
  it('marks the start, the stop request, each worker joined and the stop', () => {
    const source = poolOf(2);
    stop(source, t0 + 5_000, 2);
    expect(source.frame({ now: t0 + 10_000 }).markers.map((marker) => [marker.kind, marker.at - t0, marker.workerId])).toEqual([
      ['start', 0, null],
      ['stop-requested', 5_000, null],
      ['worker-joined', 5_001, 0],
      ['worker-joined', 5_002, 1],
      ['stopped', 5_003, null],
    ]);
  });

  it("marks a worker's crash and its replacement in the worker's lane", () => {
    const source = poolOf(2);
    source.apply(
      { type: 'worker-exited', at: t0 + 1_000, workerId: 1, reason: 'crashed', exitCode: 1 },
      { type: 'worker-spawned', at: t0 + 1_001, workerId: 1 },
      { type: 'worker-replaced', at: t0 + 1_050, workerId: 1 },
    );
    const markers = source.frame({ now: t0 + 10_000 }).markers.filter((marker) => marker.kind !== 'start');
    expect(markers.map((marker) => [marker.kind, marker.at - t0, marker.workerId])).toEqual([
      ['worker-crashed', 1_000, 1],
      ['worker-replaced', 1_050, 1],
    ]);
  });

  it('says why a job left the queue without running', () => {
    const source = poolOf(1);
    job(source, 1, 0, { queuedAt: t0 + 1_000, startedAt: t0 + 1_000, finishedAt: t0 + 4_000 });
    source.apply(...received(2, t0 + 1_100), {
      type: 'job-abandoned',
      at: t0 + 1_600,
      requestId: 2,
      reason: 'max-wait',
      waitMs: 500,
      queueDepth: 0,
    });
    const spans = source.frame({ now: t0 + 10_000 }).queue.spans!;
    expect(spans.map((span) => [span.requestId, span.abandonReason, span.leftAt - t0])).toEqual([[2, 'max-wait', 1_600]]);
  });

  it("keeps the old run's jobs and lanes after a restart, though the new run reuses their request ids", () => {
    const source = poolOf(4);
    bookBurst(source, t0 + 1_000);
    stop(source, t0 + 12_000, 4);
    source.apply(...listening(t0 + 14_000, 2));
    job(source, 1, 0, { queuedAt: t0 + 15_000, startedAt: t0 + 15_000, finishedAt: t0 + 16_000 }, '/');
    const frame = source.frame({ now: t0 + 20_000 });
    expect(frame.bars.filter((bar) => bar.runId === 1)).toHaveLength(8);
    expect(frame.bars.find((bar) => bar.runId === 1 && bar.requestId === 1)).toMatchObject({ path: '/sleep', isCurrentRun: false });
    expect(frame.bars.find((bar) => bar.runId === 2 && bar.requestId === 1)).toMatchObject({ path: '/', isCurrentRun: true });
    expect(frame.queue.spans!.map((span) => span.runId)).toEqual([1, 1, 1, 1]);
    expect(frame.lanes.map((lane) => [lane.workerId, lane.isInCurrentRun])).toEqual([
      [0, true],
      [1, true],
      [2, false],
      [3, false],
    ]);
    expect(frame.separators).toEqual([
      {
        at: t0 + 14_000,
        runId: 2,
        threadsWords: '2 workers',
        previousRunId: 1,
        previousThreadsWords: '4 workers',
        previousStoppedAt: t0 + 12_005,
      },
    ]);
    expect(frame.markers.filter((marker) => marker.kind === 'start').map((marker) => marker.runId)).toEqual([1, 2]);
  });
});

describe("a run's lanes by its strategy", () => {
  it('gives the single thread one lane, whatever pool size the settings hold', () => {
    const single = new Source().apply(
      { type: 'worker-spawned', at: t0, workerId: 0 },
      listeningEvent(t0, { strategy: 'single', workerCount: 4, sleepMs: 1000 }),
    );
    job(single, 1, 0, { queuedAt: t0 + 1_000, startedAt: t0 + 1_000, finishedAt: t0 + 2_000 });
    const frame = single.frame({ now: t0 + 5_000 });
    expect(frame.lanes.map((lane) => lane.workerId)).toEqual([0]);
    expect(frame.runs).toMatchObject([{ fixedThreadCount: 1, strategy: 'single', threadsWords: 'a single thread' }]);
    // Listing 21-10 has no Worker and no channel: its lane is the thread, its track the listen backlog.
    expect(overlayBars(single.scene(t0 + 5_000))[0]!.label).toBe(
      '#1 GET /sleep on the thread, external, status 200, waited 0 ms, ran 1.0 s',
    );
    expect(queueTrackLabelOf(frame.runs)).toBe('Backlog');
  });

  it('shades no lane of a thread per request as workerless: its threads come and go on them', () => {
    const perRequest = new Source().apply(listeningEvent(t0, { strategy: 'per-request', workerCount: 4, maxThreads: 8, sleepMs: 1000 }));
    job(perRequest, 1, 5, { queuedAt: t0 + 1_000, startedAt: t0 + 1_000, finishedAt: t0 + 2_000 });
    const frame = perRequest.frame({ now: t0 + 5_000 });
    expect(frame.lanes.map((lane) => lane.workerId)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(frame.runs).toMatchObject([{ fixedThreadCount: null, strategy: 'per-request', threadsWords: 'a thread per request' }]);
    // Listing 21-11 spawns threads, no Worker: a lane is the slot a thread runs in.
    expect(overlayBars(perRequest.scene(t0 + 5_000))[0]!.label).toBe(
      '#1 GET /sleep on thread 5, external, status 200, waited 0 ms, ran 1.0 s',
    );
    // Nothing runs and no lane is shaded up to now: the picture does not grow with the present.
    expect(growsWithPresent(sceneOf(frame, STAGE_WIDTH_PX))).toBe(false);
    // A pool of 4 whose lane 5 holds an earlier run's job does shade lanes 4 and 5 up to now.
    const pool = poolOf(4);
    expect(growsWithPresent(sceneOf({ ...pool.frame({ now: t0 + 5_000 }), lanes: frame.lanes }, STAGE_WIDTH_PX))).toBe(true);
  });
});

describe('hit tests', () => {
  // 1 px = 30 ms; lanes of 48 px for 2 workers.
  const source = poolOf(2);
  job(source, 1, 0, { queuedAt: t0 + 3_000, startedAt: t0 + 3_000, finishedAt: t0 + 9_000 });
  job(source, 2, 0, { queuedAt: t0 + 6_000, startedAt: t0 + 9_000, finishedAt: t0 + 15_000 });
  job(source, 3, 1, { queuedAt: t0 + 20_000, startedAt: t0 + 20_000, finishedAt: t0 + 20_030 });
  const scene = source.scene(t0 + 30_000);
  const { layout } = scene;
  const hit = (at: number, lane: number) => jobAt(scene, xOf(layout, at), laneTop(layout, lane) + 10);

  it('finds the job whose bar lies under the point, in the lane under the point', () => {
    expect(hit(t0 + 5_000, 0)).toBe(1);
    expect(hit(t0 + 12_000, 0)).toBe(2);
    expect(hit(t0 + 12_000, 1)).toBeNull();
  });

  it('finds the job whose wait lies under the point in the queue track', () => {
    if (scene.queue.mode !== 'spans') throw new Error('expected spans');
    const wait = scene.queue.spans[0]!;
    expect(jobAt(scene, xOf(layout, t0 + 7_000), wait.y + wait.h / 2)).toBe(2);
    expect(jobAt(scene, xOf(layout, t0 + 12_000), wait.y + wait.h / 2)).toBeNull();
  });

  it('hits a short job from a few pixels away, but not from further', () => {
    expect(hit(t0 + 20_000 + 5 * layout.msPerPx, 1)).toBe(3);
    expect(hit(t0 + 20_000 - 3 * layout.msPerPx, 1)).toBe(3);
    expect(hit(t0 + 20_000 + 10 * layout.msPerPx, 1)).toBeNull();
  });

  it('finds nothing over the lane labels or below the lanes', () => {
    expect(jobAt(scene, LANE_LABEL_WIDTH_PX - 1, laneTop(layout, 0) + 10)).toBeNull();
    expect(jobAt(scene, xOf(layout, t0 + 5_000), laneTop(layout, 2) + 1)).toBeNull();
  });

  it("does not name an earlier run's job: its request id belongs to the new run now", () => {
    const restarted = poolOf(1);
    job(restarted, 1, 0, { queuedAt: t0, startedAt: t0, finishedAt: t0 + 5_000 });
    stop(restarted, t0 + 5_500, 1);
    restarted.apply(...listening(t0 + 6_000, 1));
    const after = restarted.scene(t0 + 10_000);
    expect(jobAt(after, xOf(after.layout, t0 + 2_000), laneTop(after.layout, 0) + 10)).toBeNull();
  });
});

describe('ticks', () => {
  it('puts a labelled tick about every 90 px or more, on a round step', () => {
    expect(tickStepFor(makeLayout(964, 1, t0, 30_000))).toBe(5_000);
    expect(tickStepFor(makeLayout(964, 1, t0, 10_000))).toBe(1_000);
    expect(tickStepFor(makeLayout(464, 1, t0, 10_000))).toBe(5_000);
    expect(tickStepFor(makeLayout(1_864, 1, t0, 300_000))).toBe(15_000);
    expect(tickStepFor(makeLayout(164, 1, t0, 300_000))).toBe(300_000);
  });

  it('never puts two ticks closer than 90 px unless the plot is too narrow for two', () => {
    for (const widthPx of [300, 640, 1_000, 1_500, 2_500]) {
      for (const windowMs of [10_000, 30_000, 60_000, 300_000]) {
        const layout = makeLayout(widthPx, 1, t0, windowMs);
        const stepPx = tickStepFor(layout) / layout.msPerPx;
        if (layout.plotWidthPx >= 180) expect(stepPx).toBeGreaterThanOrEqual(90);
      }
    }
  });
});

describe('the overlay: the timeline in words and as test hooks', () => {
  it('is refreshed on every tick while the frames rest, and at most once a second while they jump (a scrub)', () => {
    const restingSince = t0 - 10_000;
    expect(isOverlayDue(t0, restingSince, t0 - OVERLAY_REFRESH_MS)).toBe(true);
    // A full frame a moment ago: a scrub or a step is under way; the elements would all be replaced for nothing.
    expect(isOverlayDue(t0, t0 - 10, t0 - OVERLAY_REFRESH_MS)).toBe(false);
    expect(isOverlayDue(t0, t0 - 10, t0 - JUMPING_OVERLAY_REFRESH_MS)).toBe(true);
    // Once the frames rest for a refresh interval, the next tick catches up.
    expect(isOverlayDue(t0 + OVERLAY_REFRESH_MS, t0, t0 - OVERLAY_REFRESH_MS)).toBe(true);
    // The first refresh is never held back.
    expect(isOverlayDue(t0, t0 - 10, Number.NEGATIVE_INFINITY)).toBe(true);
  });

  it('lists each job that ran in the window over its bar, named in words', () => {
    const source = poolOf(2);
    job(source, 1, 1, { queuedAt: t0 + 1_000, startedAt: t0 + 2_500, finishedAt: t0 + 7_500 });
    job(source, 2, 0, { queuedAt: t0 + 29_000, startedAt: t0 + 29_000, finishedAt: null }, '/sleep?ms=9000');
    const scene = source.scene(t0 + 30_000);
    const bars = overlayBars(scene);
    expect(bars.map((bar) => bar.requestId)).toEqual([1, 2]);
    expect(bars[0]).toMatchObject({
      workerId: 1,
      runId: 1,
      isCurrentRun: true,
      path: '/sleep',
      status: '200',
      leftPx: xOf(scene.layout, t0 + 2_500) + BAR_GAP_PX,
      topPx: laneTop(scene.layout, 1),
      heightPx: scene.layout.laneHeightPx,
      label: '#1 GET /sleep on worker 1, external, status 200, waited 1.5 s, ran 5.0 s',
    });
    expect(bars[1]!.status).toBe('');
    // A frame's bar names the path; the request's details (asked for on hover) give the whole target.
    expect(bars[1]!.label).toBe('#2 GET /sleep on worker 0, external, running, waited 0 ms, running for 1.0 s');
  });

  it(`keeps only the newest ${MAX_OVERLAY_BARS} jobs, oldest first`, () => {
    const source = poolOf(1);
    // One job per 50 ms bucket of a 25 s window on 1,000 px: each owns its bucket, so each is a bar.
    for (let id = 1; id <= 450; id++) job(source, id, 0, { queuedAt: t0 + id * 50, startedAt: t0 + id * 50, finishedAt: t0 + id * 50 + 5 });
    const ids = overlayBars(source.scene(t0 + 25_000, 25_000)).map((bar) => bar.requestId);
    expect(ids).toHaveLength(MAX_OVERLAY_BARS);
    expect(ids[0]).toBe(151);
    expect(ids.at(-1)).toBe(450);
  });

  it('lists the waits of the window with their length in whole ms, after the jobs left the queue', () => {
    const source = poolOf(4);
    bookBurst(source, t0 + 1_000);
    const spans = overlaySpans(source.scene(t0 + 30_000));
    expect(spans.map((span) => [span.requestId, span.waitMs, span.isWaiting])).toEqual([
      [5, 4_999, false],
      [6, 4_999, false],
      [7, 4_999, false],
      [8, 4_999, false],
    ]);
    expect(spans[0]!.label).toBe('#5 GET /sleep waited 5.0 s in the queue, then worker 0 took it');
  });

  it("names a thread per request's waits as what they are: for its new thread to start, there being no queue", () => {
    const source = new Source().apply(listeningEvent(t0, { strategy: 'per-request', workerCount: 4, maxThreads: 8, sleepMs: 1000 }));
    job(source, 1, 2, { queuedAt: t0 + 1_000, startedAt: t0 + 1_400, finishedAt: t0 + 2_400 });
    source.apply(...received(2, t0 + 9_000));
    const spans = overlaySpans(source.scene(t0 + 9_300));
    expect(spans.map((span) => span.label)).toEqual([
      '#1 GET /sleep waited 400 ms for its new thread to start, then ran on thread 2',
      // Not yet run, it has no bar to name its method.
      '#2 /sleep waiting for its new thread to start for 300 ms',
    ]);
    // Its track is named for what it holds, and the backdrop that writes the name is painted again for it.
    expect(queueTrackLabelOf(source.frame({ now: t0 + 9_300 }).runs)).toBe('Start-up');
    expect(queueTrackLabelOf(poolOf(2).frame({ now: t0 + 9_300 }).runs)).toBe('Queue');
  });

  it('lists the markers and the line between runs, each named with its time', () => {
    const source = poolOf(2);
    stop(source, t0 + 5_000, 2);
    source.apply(...listening(t0 + 8_000, 3));
    const markers = overlayMarkers(source.scene(t0 + 10_000));
    expect(markers.map((marker) => [marker.kind, marker.workerId, marker.runId])).toEqual([
      ['start', null, 1],
      ['stop-requested', null, 1],
      ['worker-joined', 0, 1],
      ['worker-joined', 1, 1],
      ['stopped', null, 1],
      ['start', null, 2],
      ['run-separator', null, 2],
    ]);
    expect(markers.at(-1)!.label).toMatch(/^Run 2 with 3 workers began at \d\d:\d\d:\d\d\.\d{3}; before it, run 1 with 2 workers$/);
  });

  it('moves the keyboard through the list like a listbox: arrows step, Home and End jump, the ends hold', () => {
    expect(activeIndexAfterKey('ArrowRight', 2, 5)).toBe(3);
    expect(activeIndexAfterKey('ArrowDown', 4, 5)).toBe(4);
    expect(activeIndexAfterKey('ArrowLeft', 0, 5)).toBe(0);
    expect(activeIndexAfterKey('ArrowUp', 3, 5)).toBe(2);
    expect(activeIndexAfterKey('Home', 3, 5)).toBe(0);
    expect(activeIndexAfterKey('End', 0, 5)).toBe(4);
    expect(activeIndexAfterKey('Enter', 0, 5)).toBeNull();
    expect(activeIndexAfterKey('ArrowRight', 0, 0)).toBeNull();
  });

  it('keeps the tab stop on its job while listed, hands it to the next newer job once it leaves, and starts on the pinned or newest job', () => {
    const bars = [4, 7, 9].map((requestId) => ({ requestId }) as OverlayBar);
    expect(activeBarId(bars, 7, null)).toBe(7);
    expect(activeBarId(bars, 5, 9)).toBe(7);
    expect(activeBarId(bars, 12, null)).toBe(9);
    expect(activeBarId(bars, null, 4)).toBe(4);
    expect(activeBarId(bars, null, 2)).toBe(9);
    expect(activeBarId(bars, null, null)).toBe(9);
    expect(activeBarId([], 7, 7)).toBeNull();
  });
});

describe('dense jobs: buckets instead of bars', () => {
  /** Two workers, each running a 2 ms job every 5 ms from `fromAt` until `toAt`: 40 % busy, 200 jobs a second each. */
  function flood(source: Source, fromAt: number, toAt: number): void {
    let id = 1;
    for (let at = fromAt; at < toAt; at += 5) {
      for (const workerId of [0, 1]) job(source, id++, workerId, { queuedAt: at, startedAt: at, finishedAt: at + 2 }, '/');
    }
  }

  it('draws each bucket as high as the jobs kept its worker busy, and no bar for them', () => {
    const source = poolOf(2);
    flood(source, t0, t0 + 30_000);
    const scene = source.scene(t0 + 30_000);
    expect(scene.bars).toEqual([]);
    expect(scene.buckets.length).toBeGreaterThan(100);
    const band = barBand(scene.layout, 1);
    for (const box of scene.buckets.filter((b) => b.toAt <= t0 + 30_000)) {
      expect(box.busyFraction).toBeCloseTo(0.4, 2);
      expect(box.routeJobs[0]).toBe(box.jobs);
      expect(box.h).toBe(Math.round(band.h * box.busyFraction));
    }
  });

  it(`covers the whole window with at most ${MAX_OVERLAY_BUCKETS} bucket hooks, whatever the rate`, () => {
    const source = poolOf(2);
    flood(source, t0 - 5_000, t0 + 30_000);
    const buckets = overlayBuckets(source.scene(t0 + 30_000));
    expect(buckets.length).toBeLessThanOrEqual(MAX_OVERLAY_BUCKETS);
    for (const workerId of [0, 1]) {
      const lane = buckets.filter((bucket) => bucket.workerId === workerId);
      const covered = new Set<number>();
      for (const bucket of lane) for (let s = Math.floor(bucket.fromAt / 1_000); s * 1_000 < bucket.toAt; s++) covered.add(s);
      expect(covered.size).toBeGreaterThanOrEqual(30);
      for (const bucket of lane) expect(bucket.busyFraction).toBeCloseTo(0.4, 2);
      expect(lane[0]!.label).toMatch(/^Worker \d, .* 40 % busy, .* jobs \(GET \/ \d+\)$/);
    }
  });

  it('keeps the bucket hooks that did not change since the last refresh, and writes the changed ones again', () => {
    const source = poolOf(2);
    flood(source, t0, t0 + 30_000);
    const first = overlayBuckets(source.scene(t0 + 30_000));
    const again = overlayBuckets(source.scene(t0 + 30_000), first);
    expect(again).toHaveLength(first.length);
    for (const [i, bucket] of again.entries()) expect(bucket).toBe(first[i]);
    // A failed job late in worker 1's lane: its buckets are written again, every other one kept.
    job(source, 300_000, 1, { queuedAt: t0 + 29_000, startedAt: t0 + 29_001, finishedAt: t0 + 29_002 }, '/nope', 500);
    const scene = source.scene(t0 + 30_000);
    const after = overlayBuckets(scene, first);
    const fresh = overlayBuckets(scene);
    for (const [i, bucket] of after.entries()) {
      const before = first.find((old) => old.workerId === bucket.workerId && old.fromAt === bucket.fromAt);
      const isUnchanged = before !== undefined && JSON.stringify(before) === JSON.stringify(fresh[i]);
      if (isUnchanged) expect(bucket).toBe(before);
      else expect(first).not.toContain(bucket);
    }
    expect(after.filter((bucket) => !first.includes(bucket)).length).toBeLessThan(10);
    expect(after.filter((bucket) => bucket.serverErrorJobs > 0).at(-1)!.label).toMatch(/answered 5xx$/);
    // The same hooks, word for word, as written from nothing.
    expect(after).toEqual(overlayBuckets(scene));
  });

  it('marks the buckets whose jobs failed, 5xx before 4xx, and says how many in their hooks', () => {
    const source = poolOf(2);
    flood(source, t0, t0 + 30_000);
    // Worker 1 answers 404 to three jobs and 500 to two in the window's last seconds; worker 0 fails none.
    let id = 100_000;
    for (const [at, status] of [
      [25_000, 404],
      [25_010, 404],
      [26_000, 404],
      [27_000, 500],
      [27_010, 500],
    ] as const) {
      job(source, id++, 1, { queuedAt: t0 + at, startedAt: t0 + at + 1, finishedAt: t0 + at + 2 }, '/nope', status);
    }
    const scene = source.scene(t0 + 30_000);
    const failed = (workerId: number) => scene.buckets.filter((b) => b.workerId === workerId);
    expect(failed(0).every((b) => b.clientErrorJobs === 0 && b.serverErrorJobs === 0)).toBe(true);
    const lane1 = failed(1);
    expect(lane1.reduce((n, b) => n + b.clientErrorJobs, 0)).toBe(3);
    expect(lane1.reduce((n, b) => n + b.serverErrorJobs, 0)).toBe(2);
    const hooks = overlayBuckets(scene).filter((bucket) => bucket.workerId === 1 && bucket.serverErrorJobs > 0);
    expect(hooks.reduce((n, b) => n + b.serverErrorJobs, 0)).toBe(2);
    expect(hooks.at(-1)!.label).toMatch(/; 2 answered 5xx$/);
  });

  it('ticks the queue track where requests were refused, one tick per bucket with their count', () => {
    const source = poolOf(2);
    flood(source, t0, t0 + 30_000);
    // A full queue turns three requests away at 20 s and one at 28 s.
    let id = 200_000;
    for (const at of [20_000, 20_001, 20_002, 28_000]) {
      source.apply(receivedEvent(t0 + at, id, { connectionId: id, target: '/', userAgent: 'curl/8' }), {
        type: 'request-rejected',
        at: t0 + at,
        requestId: id,
        connectionId: id,
        status: 503,
        errorCode: 'QUEUE_FULL',
      });
      id++;
    }
    const scene = source.scene(t0 + 30_000);
    expect(scene.refusals.map((box) => box.count)).toEqual([3, 1]);
    const [first, second] = scene.refusals;
    expect(first!.fromAt).toBeLessThanOrEqual(t0 + 20_000);
    expect(first!.toAt).toBeGreaterThan(t0 + 20_002);
    expect(second!.fromAt).toBeLessThanOrEqual(t0 + 28_000);
    expect(second!.x).toBeGreaterThan(first!.x);
    expect(first!.y).toBe(QUEUE_TOP_PX);
    // None where nothing was refused.
    expect(poolOf(1).scene(t0 + 30_000).refusals).toEqual([]);
  });

  it('turns a busy second back into bars when the window zooms in on it', () => {
    const source = poolOf(2);
    flood(source, t0, t0 + 30_000);
    const zoomed = source.frame({ fromAt: t0 + 29_800, toAt: t0 + 29_900, now: t0 + 30_000, plotWidthPx: 1_000 });
    expect(zoomed.bars.filter((bar) => bar.workerId === 0)).toHaveLength(20);
  });

  it('merges a tail into the timeline held: older buckets and bars kept, the tail replacing the rest', () => {
    const source = poolOf(1);
    job(source, 1, 0, { queuedAt: t0 + 1_000, startedAt: t0 + 1_000, finishedAt: t0 + 2_000 });
    const window = (fromAt: number, now: number) => source.history.timeline({ fromAt, toAt: now, plotWidthPx: 1_000, now });
    const before = window(t0, t0 + 10_000);
    const held = frameTimelineOf(before, 'whole', before.firstBucketIndex);
    job(source, 2, 0, { queuedAt: t0 + 11_000, startedAt: t0 + 11_000, finishedAt: t0 + 11_500 });
    const after = window(t0 + 2_000, t0 + 12_000);
    expect(after.bucketMs).toBe(before.bucketMs);
    const whole = frameTimelineOf(after, 'whole', after.firstBucketIndex);
    // The tail from t0 + 10 s on, as the server sends it.
    const tail = frameTimelineOf(after, 'tail', (t0 + 10_000) / after.bucketMs);
    const merged = mergeTimeline(held, tail);
    expect(merged.lanes[0]!.bars.map((bar) => bar.requestId)).toEqual([2]);
    expect(merged.lanes[0]!.buckets).toEqual(whole.lanes[0]!.buckets);
    expect(merged.queue.buckets).toEqual(whole.queue.buckets);
    expect([merged.firstBucketIndex, merged.bucketCount, merged.fromBucketIndex]).toEqual([
      whole.firstBucketIndex,
      whole.bucketCount,
      whole.firstBucketIndex,
    ]);
  });

  it('merges bucket by bucket whatever the held and new grids: held before the tail, the tail from it, zero (or no wait) where neither has it', () => {
    /** A timeline whose bucket k of the lane and the queue holds k's own number, from `fromIndex` to the grid's end. */
    const timelineOf = (firstBucketIndex: number, bucketCount: number, fromIndex: number, mark: number): FrameTimeline => {
      const carried = Array.from({ length: firstBucketIndex + bucketCount - fromIndex }, (_, k) => mark + fromIndex + k);
      const buckets = {
        busyFraction: carried,
        jobs: carried,
        routes: carried.flatMap((v) => [v, v, v]),
        statuses: carried.flatMap((v) => [v, v, v, v, v]),
        burstJobs: carried,
      };
      return {
        mode: fromIndex === firstBucketIndex ? 'whole' : 'tail',
        fromAt: 0,
        toAt: 0,
        now: 0,
        bucketMs: 10,
        firstBucketIndex,
        bucketCount,
        fromBucketIndex: fromIndex,
        knownFromAt: 0,
        historyStartAt: null,
        lanes: [{ workerId: 0, bars: [], buckets }],
        queue: {
          spans: null,
          buckets: {
            meanLength: carried,
            maxLength: carried,
            received: carried,
            rejected: carried,
            dequeued: carried,
            meanWaitMs: carried,
          },
        },
        markers: [],
        runs: [],
      };
    };
    fc.assert(
      fc.property(
        fc.nat(50),
        fc.nat(40),
        fc.integer({ min: -20, max: 60 }),
        fc.nat(40),
        fc.nat(45),
        (heldFirst, heldCount, first, count, tailAt) => {
          const fromIndex = first + Math.min(count, tailAt);
          const held = timelineOf(heldFirst, heldCount, heldFirst, 1_000);
          const merged = mergeTimeline(held, timelineOf(first, count, fromIndex, 2_000));
          const expected = (index: number, empty: number | null) =>
            index >= fromIndex ? 2_000 + index : index >= heldFirst && index < heldFirst + heldCount ? 1_000 + index : empty;
          const indexes = Array.from({ length: count }, (_, k) => first + k);
          expect(merged.lanes[0]!.buckets.jobs).toEqual(indexes.map((index) => expected(index, 0)));
          expect(merged.lanes[0]!.buckets.statuses).toEqual(indexes.flatMap((index) => Array(5).fill(expected(index, 0))));
          expect(merged.queue.buckets.meanWaitMs).toEqual(indexes.map((index) => expected(index, null)));
        },
      ),
    );
  });
});

describe('the backdrop and the data layer', () => {
  const live = { isLive: true, highlightedRequestId: null };

  it('keep the backdrop as the live window slides and jobs come and go, and repaint it when the lanes or the pause change', () => {
    const source = poolOf(2);
    job(source, 1, 0, { queuedAt: t0 + 1_000, startedAt: t0 + 1_000, finishedAt: t0 + 2_000 });
    const key = backdropKeyOf(source.scene(t0 + 5_000), live);
    job(source, 2, 1, { queuedAt: t0 + 5_100, startedAt: t0 + 5_100, finishedAt: null });
    expect(backdropKeyOf(source.scene(t0 + 5_500), live)).toBe(key);
    // Paused, the clock under the right edge is written on it.
    expect(backdropKeyOf(source.scene(t0 + 5_500), { ...live, isLive: false })).not.toBe(key);
    // A pool of another size has other lanes and labels.
    expect(backdropKeyOf(poolOf(3).scene(t0 + 5_000), live)).not.toBe(key);
    // Another window is another scale, so another grid.
    expect(backdropKeyOf(source.scene(t0 + 5_500, 60_000), live)).not.toBe(key);
  });

  it('say the data layer grows with the present only while a job runs or a smaller pool than the lanes listens', () => {
    const source = poolOf(2);
    job(source, 1, 0, { queuedAt: t0 + 1_000, startedAt: t0 + 1_000, finishedAt: t0 + 2_000 });
    // At rest: the slid layer is what a repaint would draw.
    expect(growsWithPresent(source.scene(t0 + 5_000))).toBe(false);
    job(source, 2, 1, { queuedAt: t0 + 5_100, startedAt: t0 + 5_100, finishedAt: null });
    // A running job's bar ends at the present.
    expect(growsWithPresent(source.scene(t0 + 5_500))).toBe(true);

    const restarted = poolOf(3);
    stop(restarted, t0 + 2_000, 3);
    restarted.apply(...listening(t0 + 3_000, 2));
    // The third lane, the earlier run's, is shaded up to the present while the pool of two listens.
    expect(growsWithPresent(restarted.scene(t0 + 5_000))).toBe(true);
    stop(restarted, t0 + 6_000, 2);
    expect(growsWithPresent(restarted.scene(t0 + 8_000))).toBe(false);
  });

  it("writes the queue's peak as a note only where the queue is drawn as its length, and no refusals where there were none", () => {
    const quiet = poolOf(1);
    job(quiet, 1, 0, { queuedAt: t0, startedAt: t0, finishedAt: t0 + 10_000 });
    job(quiet, 2, 0, { queuedAt: t0 + 100, startedAt: t0 + 10_000, finishedAt: t0 + 10_010 });
    expect(cornerNotesOf(quiet.scene(t0 + 30_000))).toEqual({ peak: null, refused: null });
    const source = poolOf(1);
    job(source, 1, 0, { queuedAt: t0, startedAt: t0, finishedAt: t0 + 10_000 });
    const waiting = MAX_QUEUE_ROWS + 1;
    for (let i = 0; i < waiting; i++) {
      job(source, 2 + i, 0, { queuedAt: t0 + 100 + i, startedAt: t0 + 10_000 + i * 10, finishedAt: t0 + 10_000 + i * 10 + 10 });
    }
    expect(cornerNotesOf(source.scene(t0 + 30_000))).toEqual({ peak: `peak ${waiting} waiting`, refused: null });
  });
});
