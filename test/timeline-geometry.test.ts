// The timeline's geometry and its text alternative, without a browser: the scale (ms per pixel) every
// part shares, lanes, where a job's bar lies, what lies under a point, tick spacing, and the overlay's
// list of jobs with its keyboard moves.

import { describe, expect, it } from 'vitest';
import { describeOutcome } from '../src/renderer/components/format';
import {
  jobAt,
  LANE_LABEL_WIDTH_PX,
  laneCountFor,
  laneCountOf,
  laneHeightFor,
  laneTop,
  layoutFor,
  makeLayout,
  scrollBackAfterWheel,
  spanOf,
  TOP_PADDING_PX,
  tickStepFor,
  timeAtX,
  timelineHeightFor,
  windowEndAt,
  xOf,
} from '../src/renderer/components/timeline-geometry';
import {
  activeBarId,
  activeIndexAfterKey,
  MAX_OVERLAY_BARS,
  type OverlayBar,
  overlayBars,
} from '../src/renderer/components/timeline-overlay';
import type { ServerEvent } from '../src/shared/events';
import { PoolModel, type RequestRecord } from '../src/shared/pool-model';
import { listeningEvent } from './support/sample-events';

const t0 = 1_700_000_000_000;

function poolOf(workerCount: number): PoolModel {
  const model = new PoolModel();
  model.applyAll([
    ...Array.from({ length: workerCount }, (_, workerId): ServerEvent => ({ type: 'worker-spawned', at: t0, workerId })),
    listeningEvent(t0, { workerCount, sleepMs: 1000 }),
  ]);
  return model;
}

/** A job that arrived at `queuedAt`, ran on `workerId` from `startedAt` and (unless null) finished at `finishedAt`. */
function job(
  model: PoolModel,
  requestId: number,
  workerId: number,
  times: { queuedAt: number; startedAt: number; finishedAt: number | null },
  target = '/sleep',
): void {
  const { queuedAt, startedAt, finishedAt } = times;
  model.applyAll([
    {
      type: 'request-received',
      at: queuedAt,
      requestId,
      connectionId: requestId,
      method: 'GET',
      target,
      remoteAddress: '127.0.0.1',
      userAgent: 'curl/8',
    },
    { type: 'job-queued', at: queuedAt, requestId, queueDepth: 1 },
    { type: 'job-started', at: startedAt, requestId, workerId, waitMs: startedAt - queuedAt, queueDepth: 0 },
  ]);
  if (finishedAt !== null) {
    model.applyAll([
      { type: 'job-finished', at: finishedAt, requestId, workerId, runMs: finishedAt - startedAt, status: 200 },
      { type: 'response-sent', at: finishedAt, requestId, status: 200, bytes: 100 },
    ]);
  }
}

const record = (model: PoolModel, id: number): RequestRecord => model.requests.get(id)!;

describe('the scale: one ms-per-pixel for the whole plot', () => {
  it('spreads the window over the stage less the lane labels', () => {
    const layout = makeLayout(1_064, 4, t0, 30_000);
    expect(layout.plotWidthPx).toBe(1_000);
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
    const paused = layoutFor(poolOf(2), { windowMs: 10_000, pausedAt: t0, scrollBackMs: 2_000 }, 1_064, t0 + 50_000);
    expect([paused.startAt, paused.endAt, paused.laneCount, paused.msPerPx]).toEqual([t0 - 12_000, t0 - 2_000, 2, 10]);
  });
});

describe('lanes', () => {
  it('has one lane per worker, counting workers announced but not yet spawned, and one before any pool', () => {
    expect(laneCountFor(0, 0)).toBe(1);
    expect(laneCountFor(4, 0)).toBe(4);
    expect(laneCountFor(4, 6)).toBe(6);
    expect(laneCountOf(new PoolModel())).toBe(1);
    expect(laneCountOf(poolOf(3))).toBe(3);
  });

  it('keeps lanes between 12 and 48 px high, the plot near 280 px, and stacks them under the top padding', () => {
    expect(laneHeightFor(1)).toBe(48);
    expect(laneHeightFor(8)).toBe(35);
    expect(laneHeightFor(64)).toBe(12);
    expect(timelineHeightFor(8)).toBe(TOP_PADDING_PX + 8 * 35 + 22);
    const layout = makeLayout(1_064, 8, t0, 30_000);
    expect(laneTop(layout, 0)).toBe(TOP_PADDING_PX);
    expect(laneTop(layout, 3)).toBe(TOP_PADDING_PX + 3 * 35);
  });

  it('shares a given height between the lanes when the timeline fills its panel (presentation mode)', () => {
    const layout = makeLayout(1_064, 4, t0, 30_000, 428);
    expect(layout.heightPx).toBe(428);
    expect(layout.laneHeightPx).toBe(Math.floor((428 - TOP_PADDING_PX - 22) / 4));
    expect(laneTop(layout, 3) + layout.laneHeightPx).toBeLessThanOrEqual(428 - 22);
    // However little height there is, a lane keeps its minimum.
    expect(makeLayout(1_064, 64, t0, 30_000, 100).laneHeightPx).toBe(12);
  });
});

describe('spans', () => {
  const layout = makeLayout(1_064, 2, t0 + 30_000, 30_000);

  it('places a finished job in its worker lane: its wait from the queue, its run until it finished', () => {
    const model = poolOf(2);
    job(model, 1, 1, { queuedAt: t0 + 1_000, startedAt: t0 + 2_000, finishedAt: t0 + 7_000 });
    expect(spanOf(record(model, 1), layout, t0 + 30_000)).toMatchObject({
      lane: 1,
      waitFrom: t0 + 1_000,
      runFrom: t0 + 2_000,
      runTo: t0 + 7_000,
      isRunning: false,
    });
  });

  it('grows a running job up to now', () => {
    const model = poolOf(2);
    job(model, 1, 0, { queuedAt: t0 + 1_000, startedAt: t0 + 1_000, finishedAt: null });
    expect(spanOf(record(model, 1), layout, t0 + 4_000)).toMatchObject({ runTo: t0 + 4_000, isRunning: true });
  });

  it('has no bar for a job still waiting, one on a lane the layout lacks, or one outside the window', () => {
    const model = poolOf(4);
    model.applyAll([
      {
        type: 'request-received',
        at: t0 + 1,
        requestId: 1,
        connectionId: 1,
        method: 'GET',
        target: '/',
        remoteAddress: '',
        userAgent: null,
      },
      { type: 'job-queued', at: t0 + 1, requestId: 1, queueDepth: 1 },
    ]);
    job(model, 2, 3, { queuedAt: t0 + 1, startedAt: t0 + 2, finishedAt: t0 + 3 });
    job(model, 3, 0, { queuedAt: t0 - 9_000, startedAt: t0 - 8_000, finishedAt: t0 - 5_000 });
    expect(spanOf(record(model, 1), layout, t0 + 30_000)).toBeNull();
    expect(spanOf(record(model, 2), layout, t0 + 30_000)).toBeNull();
    expect(spanOf(record(model, 3), layout, t0 + 30_000)).toBeNull();
  });
});

describe('hit tests', () => {
  // 1 px = 30 ms; lane 0 spans y 6..54, lane 1 spans y 54..102 (48 px lanes for 2 workers).
  const layout = makeLayout(1_064, 2, t0 + 30_000, 30_000);
  const model = poolOf(2);
  job(model, 1, 0, { queuedAt: t0 + 3_000, startedAt: t0 + 3_000, finishedAt: t0 + 9_000 });
  job(model, 2, 0, { queuedAt: t0 + 6_000, startedAt: t0 + 9_000, finishedAt: t0 + 15_000 });
  job(model, 3, 1, { queuedAt: t0 + 20_000, startedAt: t0 + 20_000, finishedAt: t0 + 20_030 });
  const hit = (at: number, lane: number) => jobAt(model, layout, t0 + 30_000, xOf(layout, at), laneTop(layout, lane) + 10)?.id ?? null;

  it('finds the job whose run lies under the point, in the lane under the point', () => {
    expect(hit(t0 + 5_000, 0)).toBe(1);
    expect(hit(t0 + 12_000, 0)).toBe(2);
    expect(hit(t0 + 12_000, 1)).toBeNull();
  });

  it("prefers a job's run over another job's wait at the same place", () => {
    // Job 2 waited from 6 s to 9 s, drawn under job 1's run in lane 0.
    expect(hit(t0 + 7_000, 0)).toBe(1);
  });

  it('hits a one-pixel job from a few pixels away, but not from further', () => {
    expect(hit(t0 + 20_000 + 3 * layout.msPerPx, 1)).toBe(3);
    expect(hit(t0 + 20_030 + 3 * layout.msPerPx, 1)).toBe(3);
    expect(hit(t0 + 20_030 + 6 * layout.msPerPx, 1)).toBeNull();
  });

  it('finds nothing over the lane labels, above the lanes or below them', () => {
    expect(jobAt(model, layout, t0 + 30_000, LANE_LABEL_WIDTH_PX - 1, laneTop(layout, 0) + 10)).toBeNull();
    expect(jobAt(model, layout, t0 + 30_000, xOf(layout, t0 + 5_000), TOP_PADDING_PX - 1)).toBeNull();
    expect(jobAt(model, layout, t0 + 30_000, xOf(layout, t0 + 5_000), laneTop(layout, 2) + 1)).toBeNull();
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

describe('the overlay: the timeline as a list of jobs', () => {
  const layout = makeLayout(1_064, 2, t0 + 30_000, 30_000);

  it('lists each job that ran in the window over its run, named in words', () => {
    const model = poolOf(2);
    job(model, 1, 1, { queuedAt: t0 + 1_000, startedAt: t0 + 2_500, finishedAt: t0 + 7_500 });
    job(model, 2, 0, { queuedAt: t0 + 29_000, startedAt: t0 + 29_000, finishedAt: null }, '/sleep?ms=9000');
    const bars = overlayBars(model, layout, t0 + 30_000);
    expect(bars.map((bar) => bar.requestId)).toEqual([1, 2]);
    expect(bars[0]).toMatchObject({
      workerId: 1,
      path: '/sleep',
      status: '200',
      leftPx: xOf(layout, t0 + 2_500),
      widthPx: expect.closeTo(5_000 / layout.msPerPx, 6),
      topPx: laneTop(layout, 1),
      heightPx: layout.laneHeightPx,
      label: '#1 GET /sleep on worker 1, external, status 200, waited 1.5 s, ran 5.0 s',
    });
    expect(bars[1]!.status).toBe('');
    expect(bars[1]!.label).toBe('#2 GET /sleep?ms=9000 on worker 0, external, running, waited 0 ms, running for 1.0 s');
  });

  it('names a job that never ran by why it left the queue, and draws no bar for it', () => {
    const model = poolOf(1);
    job(model, 1, 0, { queuedAt: t0 + 1_000, startedAt: t0 + 1_000, finishedAt: null });
    for (const [requestId, reason, status] of [
      [2, 'max-wait', 503],
      [3, 'no-workers', 500],
    ] as const) {
      model.applyAll([
        {
          type: 'request-received',
          at: t0 + 1_100,
          requestId,
          connectionId: requestId,
          method: 'GET',
          target: '/',
          remoteAddress: '',
          userAgent: null,
        },
        { type: 'job-queued', at: t0 + 1_100, requestId, queueDepth: 1 },
        { type: 'job-abandoned', at: t0 + 2_100, requestId, reason, waitMs: 1_000, queueDepth: 0 },
      ]);
      expect(describeOutcome(record(model, requestId))).toBe(reason === 'max-wait' ? 'waited too long' : 'no worker left to run it');
      model.apply({ type: 'response-sent', at: t0 + 2_100, requestId, status, bytes: 100 });
    }
    expect(describeOutcome(record(model, 2))).toBe('waited too long, status 503');
    expect(describeOutcome(record(model, 3))).toBe('no worker left to run it, status 500');
    expect(describeOutcome(record(model, 1))).toBe('running');
    expect(overlayBars(model, layout, t0 + 30_000).map((bar) => bar.requestId)).toEqual([1]);
  });

  it(`keeps only the newest ${MAX_OVERLAY_BARS} jobs, oldest first`, () => {
    const model = poolOf(1);
    for (let id = 1; id <= 450; id++) job(model, id, 0, { queuedAt: t0 + id * 10, startedAt: t0 + id * 10, finishedAt: t0 + id * 10 + 5 });
    const ids = overlayBars(model, makeLayout(1_064, 1, t0 + 30_000, 30_000), t0 + 30_000).map((bar) => bar.requestId);
    expect(ids).toHaveLength(MAX_OVERLAY_BARS);
    expect(ids[0]).toBe(151);
    expect(ids.at(-1)).toBe(450);
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
