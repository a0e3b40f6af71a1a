// The bridge's projections from the frames the page holds to the store's wire view, on their own: what each
// view says, and that an unchanged worker or queue keeps its previous object (which is what lets React skip
// re-rendering it); and how the timeline's data layer moves at the pace the frames say.

import { describe, expect, it } from 'vitest';
import { HeldFrames } from '../src/renderer/bridge/held-frames';
import { HIGH_RATE_JOBS_PER_S, projectQueue, projectWire, projectWorkers, SEEN_JOB_MIN_MS } from '../src/renderer/bridge/projections';
import { dataLayerMotion } from '../src/renderer/components/timeline-layers';
import { initialWireState } from '../src/renderer/store/wire-slice';
import { DEFAULT_SETTINGS, type ServerSettings } from '../src/shared/settings';
import type { FrameJob, FrameWorker } from '../src/shared/wire';
import { framePoolParts, frameWorker, quietFrame } from './support/frame-workers';

const t0 = 1_700_000_000_000;

function jobOf(requestId: number, overrides: Partial<FrameJob> = {}): FrameJob {
  const at = t0 + requestId;
  return {
    requestId,
    method: 'GET',
    target: '/sleep',
    path: '/sleep',
    origin: 'burst',
    receivedAt: at,
    queuedAt: at,
    startedAt: null,
    elapsedMs: 0,
    ...overrides,
  };
}

function workerOf(id: number, overrides: Partial<FrameWorker> = {}): FrameWorker {
  return frameWorker(id, t0, overrides);
}

describe('workers', () => {
  it('keeps the objects of unchanged workers and the array of an unchanged pool', () => {
    const first = projectWorkers([workerOf(0), workerOf(1)], []);
    expect(projectWorkers([workerOf(0), workerOf(1)], first)).toBe(first);
    const busy = projectWorkers([workerOf(0), workerOf(1, { phase: 'busy', job: jobOf(3, { startedAt: t0 }) })], first);
    expect(busy[0]).toBe(first[0]);
    expect(busy[1]).toMatchObject({ state: 'busy', busySince: t0, job: { requestId: 3 } });
  });

  it('shows a stopping worker with a job as busy, and an exited one as exited', () => {
    const views = projectWorkers(
      [workerOf(0, { phase: 'stopping', job: jobOf(1, { startedAt: t0 }) }), workerOf(1, { phase: 'exited' })],
      [],
    );
    expect(views.map((view) => view.state)).toEqual(['busy', 'exited']);
  });

  it(`at ${HIGH_RATE_JOBS_PER_S} jobs/s and more names a job only once it has run ${SEEN_JOB_MIN_MS} ms`, () => {
    const fast = { phase: 'busy' as const, jobsPerSecond: HIGH_RATE_JOBS_PER_S, utilization: 0.3 };
    const views = projectWorkers(
      [
        workerOf(0, { ...fast, job: jobOf(1, { startedAt: t0, elapsedMs: SEEN_JOB_MIN_MS - 1 }) }),
        workerOf(1, { ...fast, job: jobOf(2, { startedAt: t0, elapsedMs: SEEN_JOB_MIN_MS }) }),
        workerOf(2, { phase: 'busy', jobsPerSecond: HIGH_RATE_JOBS_PER_S - 1, job: jobOf(3, { startedAt: t0, elapsedMs: 1 }) }),
      ],
      [],
    );
    expect(views.map((view) => [view.isHighRate, view.job?.requestId ?? null, view.state])).toEqual([
      [true, null, 'idle'],
      [true, 2, 'busy'],
      [false, 3, 'busy'],
    ]);
  });

  it('at a high rate, says busy or idle as the last second was, not as the frame caught the worker', () => {
    const fast = { jobsPerSecond: HIGH_RATE_JOBS_PER_S * 10 };
    const views = projectWorkers(
      [
        workerOf(0, { ...fast, phase: 'busy', utilization: 0.2, job: jobOf(1, { startedAt: t0, elapsedMs: 1 }) }),
        workerOf(1, { ...fast, phase: 'idle', utilization: 0.9 }),
        workerOf(2, { ...fast, phase: 'stopping', utilization: 0.9 }),
        workerOf(3, { phase: 'idle', jobsPerSecond: 1, utilization: 0.9 }),
      ],
      [],
    );
    expect(views.map((view) => [view.phase, view.state])).toEqual([
      ['idle', 'idle'],
      ['busy', 'busy'],
      ['stopping', 'busy'],
      ['idle', 'idle'],
    ]);
  });
});

describe('the queue', () => {
  it('keeps each waiting job as the same object wherever it moved, and the array when nothing moved', () => {
    const first = projectQueue([jobOf(1), jobOf(2), jobOf(3)], []);
    expect(first.map((item) => [item.requestId, item.queuedAt])).toEqual([
      [1, t0 + 1],
      [2, t0 + 2],
      [3, t0 + 3],
    ]);
    expect(projectQueue([jobOf(1), jobOf(2), jobOf(3)], first)).toBe(first);
    const moved = projectQueue([jobOf(2), jobOf(3), jobOf(4)], first);
    expect(moved[0]).toBe(first[1]);
    expect(moved[1]).toBe(first[2]);
  });

  it('falls back to when the request arrived for a job whose queue time the history lost', () => {
    expect(projectQueue([jobOf(1, { queuedAt: null })], [])[0]!.queuedAt).toBe(t0 + 1);
  });
});

describe('the wire view', () => {
  it('says nothing is known before the first frame, then the truth of the frame', () => {
    const held = new HeldFrames();
    const sources = { connection: null, inspectedRequest: null, bucketRequests: null, isLogDue: true };
    expect(projectWire(held, initialWireState(), sources).hasSnapshot).toBe(false);
    held.apply({
      kind: 'frame',
      seq: 1,
      viewId: 1,
      sentAt: t0,
      at: t0,
      isLive: true,
      isFull: true,
      workers: [workerOf(0, { phase: 'busy', job: jobOf(1, { startedAt: t0 - 1_500, elapsedMs: 1_500 }) })],
      queue: { length: 60, oldestWaitMs: 1_499, jobs: [jobOf(2)] },
      counters: { requestsReceived: 61, responsesSent: 0, rejected: 0, serverErrors: 0, openConnections: 61, requestsPerSecond: 0 },
      run: { runId: 1, phase: 'listening', settings: null, listeningAt: t0 - 2_000 },
      ...framePoolParts(1),
    });
    const wire = projectWire(held, initialWireState(), sources);
    expect(wire).toMatchObject({ hasSnapshot: true, queueLength: 60, oldestWaitMs: 1_499, inFlightJobs: 61, listeningAt: t0 - 2_000 });
    expect(wire.counters.openConnections).toBe(61);
    expect(wire.workers[0]).toMatchObject({ state: 'busy', busySince: t0 - 1_500 });
  });

  it("holds the shown run's settings, the same object while every setting is the same, a new one when one changed", () => {
    const held = new HeldFrames();
    const sources = { connection: null, inspectedRequest: null, bucketRequests: null, isLogDue: true };
    const runOf = (settings: ServerSettings | null) => ({ runId: 1, phase: 'listening' as const, settings, listeningAt: t0 });
    held.apply(quietFrame(1, t0, { run: runOf(null) }));
    const before = projectWire(held, initialWireState(), sources);
    expect(before.runSettings).toBeNull();
    held.apply(quietFrame(2, t0 + 100, { run: runOf({ ...DEFAULT_SETTINGS, strategy: 'single', sleepMs: 1_234 }) }));
    const first = projectWire(held, before, sources);
    expect(first.runSettings).toMatchObject({ strategy: 'single', sleepMs: 1_234 });
    // Each frame brings its own copy: an equal one keeps the object the page holds.
    held.apply(quietFrame(3, t0 + 200, { run: runOf({ ...DEFAULT_SETTINGS, strategy: 'single', sleepMs: 1_234 }) }));
    const second = projectWire(held, first, sources);
    expect(second.runSettings).toBe(first.runSettings);
    held.apply(quietFrame(4, t0 + 300, { run: runOf({ ...DEFAULT_SETTINGS, strategy: 'single', sleepMs: 99 }) }));
    expect(projectWire(held, second, sources).runSettings).toMatchObject({ strategy: 'single', sleepMs: 99 });
  });

  it('says the live frames come slower while the server is saturated, and nothing of it once the view is not live', () => {
    const held = new HeldFrames();
    const sources = { connection: null, inspectedRequest: null, bucketRequests: null, isLogDue: true };
    held.apply(quietFrame(1, t0, { pace: { reason: 'saturated', intervalMs: 500, serverBusyFraction: 0.93 } }));
    expect(projectWire(held, initialWireState(), sources)).toMatchObject({ framePace: 'saturated', framePaceIntervalMs: 500 });
    held.apply(quietFrame(2, t0 + 500, { pace: { reason: 'busy', intervalMs: 200, serverBusyFraction: 0.5 } }));
    expect(projectWire(held, initialWireState(), sources)).toMatchObject({ framePace: 'busy', framePaceIntervalMs: 200 });
    // Paused: the frame is not live and says no pace.
    held.apply(quietFrame(3, t0 + 700, { isLive: false }));
    expect(projectWire(held, initialWireState(), sources)).toMatchObject({ framePace: null, framePaceIntervalMs: null });
  });

  it('has the timeline step with each frame instead of sliding while the server is saturated, and slide at any other pace', () => {
    const held = new HeldFrames();
    const sources = { connection: null, inspectedRequest: null, bucketRequests: null, isLogDue: true };
    /** The data layer's motion for the wire view the held frames project, live and not a replay as the panel asks. */
    const motionNow = () => dataLayerMotion(true, false, projectWire(held, initialWireState(), sources).framePace);
    held.apply(quietFrame(1, t0, { pace: { reason: 'normal', intervalMs: 100, serverBusyFraction: 0.1 } }));
    expect(motionNow()).toBe('slide');
    held.apply(quietFrame(2, t0 + 100, { pace: { reason: 'busy', intervalMs: 200, serverBusyFraction: 0.6 } }));
    expect(motionNow()).toBe('slide');
    held.apply(quietFrame(3, t0 + 300, { pace: { reason: 'saturated', intervalMs: 500, serverBusyFraction: 0.93 } }));
    expect(motionNow()).toBe('step');
    held.apply(quietFrame(4, t0 + 800, { pace: { reason: 'busy', intervalMs: 200, serverBusyFraction: 0.65 } }));
    expect(motionNow()).toBe('slide');
    // Paused or in a replay the layer is repainted unslid, whatever the last pace said.
    expect(dataLayerMotion(false, false, 'saturated')).toBe('repaint');
    expect(dataLayerMotion(true, true, 'saturated')).toBe('repaint');
    expect(dataLayerMotion(true, true, null)).toBe('repaint');
  });
});
