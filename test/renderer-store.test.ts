// The renderer's data path without a browser: frames through the bridge into the store, the views, acks and
// queries it sends back, the store's command actions, and the dashboard's WebSocket client against a real
// WebSocket server.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { newRequest } from '../src/history/pool-state';
import {
  BUSY_LOG_PUBLISH_INTERVAL_MS,
  LOG_PUBLISH_INTERVAL_MS,
  LOG_REST_MS,
  OPEN_REQUEST_REFRESH_MS,
  PoolBridge,
  STORE_PUBLISH_INTERVAL_MS,
} from '../src/renderer/bridge/pool-bridge';
import { BUSY_LOG_LINES_SHOWN } from '../src/renderer/bridge/projections';
import { createAppStore } from '../src/renderer/store/app-store';
import { checkBurstCount, MAX_MESSAGES } from '../src/renderer/store/commands-slice';
import { NOT_CONNECTED_ERROR, type SocketFactory, WebSocketPoolscopeApi } from '../src/renderer/transport/websocket-api';
import type { CommandResult } from '../src/shared/commands';
import type { LiveMetrics } from '../src/shared/live-metrics';
import { QueueingWindow } from '../src/shared/queueing-window';
import { DEFAULT_SETTINGS, type ServerSettings } from '../src/shared/settings';
import {
  type ControllerStatus,
  type DashboardClientFrame,
  type DashboardServerFrame,
  type FrameCounters,
  type FrameJob,
  type FrameQueue,
  type FrameSubscription,
  type FrameWorker,
  MAX_FRAME_QUEUE_JOBS,
  type PoolscopeApi,
  type QueryResult,
  type ViewerFrame,
  type ViewerQuery,
  type ViewerView,
} from '../src/shared/wire';
import { framePoolParts, frameWorker } from './support/frame-workers';
import { unwatchedFrames } from './support/unwatched-api';

/**
 * Stands in for requestAnimationFrame and the bridge's timers: frames run only when the test says so, and a timer
 * fires at the first run once its time (on the test's clock) has come, before that run's frames.
 */
class ManualFrames {
  private callbacks: Array<() => void> = [];
  private timers: Array<{ dueAtMs: number; callback: () => void }> = [];
  /** Runs before each paint (a test's clock moving on). */
  constructor(
    private readonly nowMs: () => number,
    private readonly beforeRun: () => void = () => {},
  ) {}
  /** Paints asked for so far. */
  asked = 0;
  readonly schedule = (callback: () => void) => {
    this.asked++;
    this.callbacks.push(callback);
  };
  readonly setTimer = (callback: () => void, delayMs: number): unknown => {
    const timer = { dueAtMs: this.nowMs() + delayMs, callback };
    this.timers.push(timer);
    return timer;
  };
  readonly clearTimer = (timer: unknown) => {
    this.timers = this.timers.filter((t) => t !== timer);
  };
  /** Paints asked for, and timers that will ask for one. */
  get pending(): number {
    return this.callbacks.length + this.timers.length;
  }
  run(): void {
    this.beforeRun();
    const due = this.timers.filter((t) => t.dueAtMs <= this.nowMs());
    this.timers = this.timers.filter((t) => t.dueAtMs > this.nowMs());
    for (const timer of due) timer.callback();
    const callbacks = this.callbacks;
    this.callbacks = [];
    for (const callback of callbacks) callback();
  }
}

function status(overrides: Partial<ControllerStatus> = {}): ControllerStatus {
  return { phase: 'stopped', url: null, settings: { ...DEFAULT_SETTINGS }, lastError: null, ...overrides };
}

const viewAsked: ViewerView = { id: 1, windowMs: 30_000, plotWidthPx: 1_000, paused: false, cursor: 'live' };

function countersOf(): FrameCounters {
  return { requestsReceived: 0, responsesSent: 0, rejected: 0, serverErrors: 0, openConnections: 0, requestsPerSecond: 0 };
}

function jobOf(requestId: number, overrides: Partial<FrameJob> = {}): FrameJob {
  return {
    requestId,
    method: 'GET',
    target: '/sleep',
    path: '/sleep',
    origin: 'burst',
    receivedAt: t0 + requestId,
    queuedAt: t0 + requestId,
    startedAt: null,
    elapsedMs: 0,
    ...overrides,
  };
}

function workersOf(count: number, overrides: Record<number, Partial<FrameWorker>> = {}): FrameWorker[] {
  return Array.from({ length: count }, (_, id) => frameWorker(id, t0, overrides[id]));
}

function queueOf(length: number): FrameQueue {
  const jobs = Array.from({ length: Math.min(length, MAX_FRAME_QUEUE_JOBS) }, (_, i) => jobOf(i + 1));
  return { length, oldestWaitMs: length === 0 ? null : 100, jobs };
}

/** A frame of a listening pool of four, idle unless overridden. */
function frameOf(overrides: Partial<ViewerFrame> & { seq: number }): ViewerFrame {
  return {
    kind: 'frame',
    viewId: 1,
    sentAt: t0,
    at: t0,
    isLive: true,
    isFull: false,
    workers: workersOf(4),
    queue: queueOf(0),
    counters: countersOf(),
    run: { runId: 1, phase: 'listening', settings: { ...DEFAULT_SETTINGS, workerCount: 4 }, listeningAt: t0 },
    ...framePoolParts(),
    ...overrides,
  };
}

/** The frame API's side of a bridge: the views it was told, the acks, the queries (answered from `answers`). */
function watchingApi() {
  const watched = {
    views: [] as ViewerView[],
    acks: [] as number[],
    queries: [] as ViewerQuery[],
    watch(view: ViewerView, _listener: (frame: ViewerFrame) => void): FrameSubscription {
      watched.views.push(view);
      return { setView: (next) => watched.views.push(next), ack: (seq) => watched.acks.push(seq), close: () => {} };
    },
    async query(query: ViewerQuery): Promise<QueryResult> {
      watched.queries.push(query);
      if (query.kind === 'request') {
        const request = {
          ...newRequest(query.requestId, 1, t0),
          runId: 1,
          method: 'GET',
          target: '/sleep?ms=5',
          path: '/sleep',
          connectionWaitMs: null,
          strategy: 'pool' as const,
        };
        return { ok: true, kind: 'request', request };
      }
      const request = { ...newRequest(9, 1, t0), runId: 1, connectionWaitMs: null, strategy: 'pool' as const };
      return { ok: true, kind: 'requests-in', requests: [request], total: 412, isPartlyBeforeHistory: false };
    },
  };
  return watched;
}

/** A PoolscopeApi that records the commands it gets and answers each with `answer` (changeable mid-test). */
function recordingApi(answer: CommandResult = { ok: true }): PoolscopeApi & {
  answer: CommandResult;
  started: ServerSettings[];
  bursts: Array<[string, number]>;
} {
  const api = {
    answer,
    started: [] as ServerSettings[],
    bursts: [] as Array<[string, number]>,
    startServer: async (settings: ServerSettings) => {
      api.started.push(settings);
      return api.answer;
    },
    stopServer: async () => api.answer,
    fireBurst: async (path: string, count: number) => {
      api.bursts.push([path, count]);
      return api.answer;
    },
    startLoad: async () => api.answer,
    cancelLoad: async () => api.answer,
    startSweep: async () => api.answer,
    cancelSweep: async () => api.answer,
    setHistory: async () => api.answer,
    getStatus: async () => status(),
    ...unwatchedFrames,
  };
  return api;
}

/**
 * A bridge watching frames, whose paints run when the test says. With a `clock`, the test moves the time;
 * without, each paint comes a second after the one before (paints far apart: every one publishes).
 */
function setup(clock?: { nowMs: number }) {
  const store = createAppStore({ api: recordingApi() });
  const time = clock ?? { nowMs: t0 };
  const frames = new ManualFrames(() => time.nowMs, clock ? undefined : () => (time.nowMs += 1_000));
  const bridge = new PoolBridge(store, {
    scheduleFrame: frames.schedule,
    now: () => time.nowMs,
    setTimer: frames.setTimer,
    clearTimer: frames.clearTimer,
  });
  const watched = watchingApi();
  bridge.connect(watched);
  return { store, frames, bridge, watched };
}

const t0 = 1_700_000_000_000;

describe("the store's slices", () => {
  it('keep their actions beside their state, unchanged by updates', () => {
    const store = createAppStore({ api: recordingApi() });
    const before = store.getState();
    before.viewActions.setTimelineWindow(60_000);
    before.commandActions.showMessage('info', 'hello');
    const after = store.getState();
    expect(after.view.timelineWindowMs).toBe(60_000);
    expect(after.commands.messages).toMatchObject([{ tone: 'info', text: 'hello' }]);
    for (const actions of ['wireActions', 'statsActions', 'viewActions', 'commandActions'] as const)
      expect(after[actions]).toBe(before[actions]);
  });

  it('keep the stats object when the bridge publishes the same numbers, so the strip does not re-render', () => {
    const store = createAppStore({ api: recordingApi() });
    const first = {
      requestsPerSecond: 2,
      latencyMs: { p50: 1, p95: 2, p99: 3 },
      waitMs: null,
      finishedCount: 4,
      serverErrors: 0,
      clientErrors: 1,
      waitedTooLong: 0,
      routes: [{ route: '/sleep' as const, count: 4, latencyMs: { p50: 1, p95: 2, p99: 3 }, waitMs: null }],
      bursts: [],
      workerBusyPercent: [50, 0],
    };
    store.getState().statsActions.publish(first);
    store.getState().statsActions.publish({
      ...first,
      latencyMs: { p50: 1, p95: 2, p99: 3 },
      routes: [{ route: '/sleep', count: 4, latencyMs: { p50: 1, p95: 2, p99: 3 }, waitMs: null }],
      workerBusyPercent: [50, 0],
    });
    expect(store.getState().stats).toBe(first);
    store.getState().statsActions.publish({ ...first, latencyMs: { p50: 1, p95: 2, p99: 4 }, workerBusyPercent: [50, 0] });
    expect(store.getState().stats.latencyMs?.p99).toBe(4);
    // The parts that did not change keep their objects: the route table and the busy shares do not re-render.
    expect(store.getState().stats.routes).toBe(first.routes);
    expect(store.getState().stats.workerBusyPercent).toBe(first.workerBusyPercent);
  });
});

describe('the bridge applies frames and publishes into the store once per paint', () => {
  it('turns many frames that arrive between two paints into a single store update, and acks each once the store has it', () => {
    const { store, frames, bridge, watched } = setup();
    const updates: number[] = [];
    store.subscribe((state) => updates.push(state.wire.modelVersion));
    bridge.receive(frameOf({ seq: 1, isFull: true, status: status({ phase: 'listening', url: 'http://127.0.0.1:7878' }) }));
    for (let seq = 2; seq <= 10; seq++) bridge.receive(frameOf({ seq, queue: queueOf(seq * 10) }));
    expect(frames.pending).toBe(1);
    expect(store.getState().wire.hasSnapshot).toBe(false);
    expect(watched.acks).toEqual([]);

    frames.run();
    const wire = store.getState().wire;
    expect(bridge.publishes).toBe(1);
    expect(updates.length).toBeLessThanOrEqual(2); // the wire slice, plus at most the view (settings adopted)
    expect(wire.hasSnapshot).toBe(true);
    expect(wire.status.url).toBe('http://127.0.0.1:7878');
    expect(wire.workers.map((w) => w.state)).toEqual(['idle', 'idle', 'idle', 'idle']);
    expect(wire.queueLength).toBe(100);
    expect(wire.queue[0]).toMatchObject({ requestId: 1, target: '/sleep', origin: 'burst', queuedAt: t0 + 1 });
    expect(watched.acks).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("puts each frame's metrics panel in the store with that frame's publish, not as it arrives: one rendering a message", () => {
    const { store, frames, bridge } = setup();
    bridge.receive(frameOf({ seq: 1, isFull: true }));
    frames.run();
    const metricsOf = (...ats: number[]): LiveMetrics => ({
      at: t0,
      queueing: new QueueingWindow().snapshot(t0),
      samples: ats.map((at) => ({ at, responsesPerS: 1, p99LatencyMs: 1, meanQueueLength: 0, meanBusyWorkers: 0, workers: 4 })),
      isHistory: false,
      load: null,
      sweep: null,
      compare: null,
    });
    bridge.receive(frameOf({ seq: 2, queue: queueOf(3), panels: { metrics: metricsOf(1, 2) } }));
    bridge.receive(frameOf({ seq: 3, queue: queueOf(5), panels: { metrics: metricsOf(3) } }));
    // Until the paint, the store holds neither the frames' queue nor their chart samples (React renders nothing yet).
    expect(store.getState().workload.samples).toEqual([]);
    expect(store.getState().wire.queueLength).not.toBe(5);
    const publishesBefore = bridge.publishes;
    frames.run();
    // Then both in the same publish: the samples of every frame received meanwhile, in order.
    expect(bridge.publishes).toBe(publishesBefore + 1);
    expect(store.getState().workload.samples.map((sample) => sample.at)).toEqual([1, 2, 3]);
    expect(store.getState().wire.queueLength).toBe(5);
    bridge.dispose();
  });

  it('tells the main side what the timeline shows, and a pause at once, without waiting for a frame', () => {
    const { store, bridge, watched } = setup();
    expect(watched.views.at(-1)).toMatchObject({ windowMs: 30_000, paused: false, cursor: 'live' });
    store.getState().viewActions.setTimelinePlotWidth(812.4);
    store.getState().viewActions.setTimelineWindow(60_000);
    store.getState().viewActions.pauseTimeline(t0);
    expect(watched.views.slice(1).map((view) => [view.windowMs, view.plotWidthPx, view.paused, view.cursor])).toEqual([
      [30_000, 812, false, 'live'],
      [60_000, 812, false, 'live'],
      [60_000, 812, true, 'live'],
    ]);
    store.getState().viewActions.setTimelineScrollBack(5_000);
    expect(watched.views.at(-1)).toMatchObject({ paused: true, cursor: { at: t0 - 5_000 } });
    // Each view has its own id; a view that did not change is not sent again.
    store.getState().viewActions.setShowBookTerms(false);
    expect(new Set(watched.views.map((view) => view.id)).size).toBe(watched.views.length);
    expect(watched.views).toHaveLength(5);
    bridge.dispose();
  });

  it("stops the page's present at the paused moment, so every duration counted to it stands still until Resume", () => {
    const clock = { nowMs: t0 + 1_000 };
    const { store, bridge } = setup(clock);
    const busy = { 0: { phase: 'busy' as const, job: jobOf(1, { startedAt: t0, elapsedMs: 950 }) } };
    bridge.receive(frameOf({ seq: 1, isFull: true, at: t0 + 950, workers: workersOf(4, busy) }));
    bridge.flush();
    // Live, the present is the clock: a running job's time grows with it.
    expect(bridge.presentAt()).toBe(t0 + 1_000);
    clock.nowMs += 500;
    expect(bridge.presentAt()).toBe(t0 + 1_500);

    store.getState().viewActions.pauseTimeline(bridge.presentAt());
    clock.nowMs += 5_000;
    expect(bridge.presentAt()).toBe(t0 + 1_500);
    // The frames stop at the last one built before the pause, which can be stamped just after the click: its moment.
    bridge.receive(frameOf({ seq: 2, isFull: true, isLive: false, at: t0 + 1_520, workers: workersOf(4, busy) }));
    bridge.flush();
    expect(bridge.presentAt()).toBe(t0 + 1_520);
    clock.nowMs += 60_000;
    expect(bridge.presentAt()).toBe(t0 + 1_520);

    // Scrolled back: the window's end, once its frame is shown (until then, the moment of the frame still shown).
    store.getState().viewActions.setTimelineScrollBack(1_000);
    expect(bridge.presentAt()).toBe(t0 + 1_520);
    bridge.receive(frameOf({ seq: 3, isFull: true, isLive: false, at: t0 + 500, workers: workersOf(4, busy) }));
    bridge.flush();
    expect(bridge.presentAt()).toBe(t0 + 500);
    clock.nowMs += 60_000;
    expect(bridge.presentAt()).toBe(t0 + 500);

    // Resume gives the moving present back.
    store.getState().viewActions.resumeTimeline();
    expect(bridge.presentAt()).toBe(clock.nowMs);
    clock.nowMs += 100;
    expect(bridge.presentAt()).toBe(clock.nowMs);
    bridge.dispose();
  });

  it('reuses the objects of workers that did not change, so their cards do not re-render', () => {
    const { store, frames, bridge } = setup();
    bridge.receive(frameOf({ seq: 1, isFull: true }));
    frames.run();
    const before = store.getState().wire.workers;
    bridge.receive(
      frameOf({ seq: 2, workers: workersOf(4, { 1: { phase: 'busy', job: jobOf(1, { startedAt: t0 + 11, elapsedMs: 5 }) } }) }),
    );
    frames.run();
    const after = store.getState().wire.workers;
    expect(after[0]).toBe(before[0]);
    expect(after[2]).toBe(before[2]);
    expect(after[1]).not.toBe(before[1]);
    expect(after[1]).toMatchObject({
      state: 'busy',
      phase: 'busy',
      busySince: t0 + 11,
      job: { requestId: 1, target: '/sleep', origin: 'burst' },
    });
  });

  it('at a high rate shows jobs per second and utilization, and a job only once it has run 100 ms', () => {
    const { store, frames, bridge } = setup();
    const fast = { phase: 'busy' as const, jobsPerSecond: 2_400.4, utilization: 0.834 };
    bridge.receive(
      frameOf({
        seq: 1,
        isFull: true,
        workers: workersOf(2, {
          0: { ...fast, job: jobOf(7, { startedAt: t0, elapsedMs: 1 }) },
          1: { ...fast, job: jobOf(8, { startedAt: t0 - 4_000, elapsedMs: 4_000 }) },
        }),
        counters: { ...countersOf(), requestsPerSecond: 4_800 },
        queue: { length: 3, oldestWaitMs: 0.4, jobs: queueOf(3).jobs },
      }),
    );
    frames.run();
    const wire = store.getState().wire;
    expect(wire.workers.map((w) => [w.isHighRate, w.jobsPerSecond, w.utilization, w.job?.requestId ?? null])).toEqual([
      [true, 2_400, 0.83, null],
      [true, 2_400, 0.83, 8],
    ]);
    expect(wire.workers.map((w) => w.state)).toEqual(['busy', 'busy']);
    expect([wire.isHighRate, wire.queueLength, wire.oldestWaitMs]).toEqual([true, 3, 0.4]);
  });

  it('publishes log lines at most four times a second, and the held-back line on a later paint', () => {
    const clock = { nowMs: t0 };
    const { store, frames, bridge } = setup(clock);
    bridge.receive(frameOf({ seq: 1, isFull: true, log: { lines: [{ at: t0, text: 'Listening' }], omittedLineCount: 0 } }));
    frames.run();
    clock.nowMs += 16;
    bridge.receive(
      frameOf({ seq: 2, log: { lines: [{ at: t0 + 16, text: 'Worker 0 disconnected; shutting down.' }], omittedLineCount: 0 } }),
    );
    frames.run();
    expect(store.getState().wire.log.map((l) => l.text)).toEqual(['Listening']);
    expect(frames.pending).toBe(1);
    clock.nowMs += 250;
    frames.run();
    expect(store.getState().wire.log.map((l) => l.text)).toEqual(['Listening', 'Worker 0 disconnected; shutting down.']);
    expect(frames.pending).toBe(0);
  });

  it('counts the log lines the frames left out when they came too fast, until a full frame starts over', () => {
    const { store, bridge } = setup();
    bridge.receive(frameOf({ seq: 1, isFull: true, log: { lines: [{ at: t0, text: 'Listening' }], omittedLineCount: 0 } }));
    bridge.receive(frameOf({ seq: 2, log: { lines: [{ at: t0 + 1, text: 'Worker 0 got a job; executing.' }], omittedLineCount: 400 } }));
    bridge.receive(frameOf({ seq: 3, log: { lines: [{ at: t0 + 2, text: 'Worker 1 got a job; executing.' }], omittedLineCount: 250 } }));
    bridge.flush();
    expect(store.getState().wire.omittedLogLines).toBe(650);
    bridge.receive(frameOf({ seq: 4, isFull: true, log: { lines: [{ at: t0 + 3, text: 'Server stopped.' }], omittedLineCount: 0 } }));
    bridge.flush();
    expect(store.getState().wire.omittedLogLines).toBe(0);
  });

  it('under a steady stream of frames updates the store at most every STORE_PUBLISH_INTERVAL_MS, and acks every frame on its paint', () => {
    const clock = { nowMs: t0 };
    const { store, frames, bridge, watched } = setup(clock);
    const lengths: number[] = [];
    store.subscribe((state, previous) => {
      if (state.wire !== previous.wire) lengths.push(state.wire.queueLength);
    });
    // A frame every 33 ms and a paint every 16 ms for one second.
    for (let seq = 1; clock.nowMs - t0 < 1_000; clock.nowMs += 16) {
      if ((clock.nowMs - t0) % 32 === 0) bridge.receive(frameOf({ seq, isFull: seq === 1, queue: queueOf(seq++) }));
      frames.run();
    }
    expect(lengths.length).toBeGreaterThanOrEqual(1_000 / STORE_PUBLISH_INTERVAL_MS - 1);
    expect(lengths.length).toBeLessThanOrEqual(1_000 / STORE_PUBLISH_INTERVAL_MS + 1);
    // The first frame shows at once; the last one once its interval is over; none is acked later than its paint.
    expect(lengths[0]).toBe(1);
    expect(watched.acks).toEqual(Array.from({ length: watched.acks.length }, (_, i) => i + 1));
    expect(watched.acks.length).toBe(32);
    clock.nowMs += STORE_PUBLISH_INTERVAL_MS;
    frames.run();
    expect(store.getState().wire.queueLength).toBe(32);
    expect(frames.pending).toBe(0);
  });

  it('waits out the interval on a timer: the paints in between are not asked for, and the frame shows once it is over', () => {
    const clock = { nowMs: t0 };
    const { store, frames, bridge, watched } = setup(clock);
    bridge.receive(frameOf({ seq: 1, isFull: true, queue: queueOf(1) }));
    frames.run();
    frames.run();
    expect(frames.pending).toBe(0);
    clock.nowMs += 16;
    const askedBefore = frames.asked;
    bridge.receive(frameOf({ seq: 2, queue: queueOf(2) }));
    // Every 16 ms for the rest of the interval: the frame is acked on the first paint, and no other paint is asked for.
    for (; clock.nowMs < t0 + STORE_PUBLISH_INTERVAL_MS; clock.nowMs += 16) frames.run();
    expect(frames.asked - askedBefore).toBe(1);
    expect(watched.acks).toEqual([1, 2]);
    expect(store.getState().wire.queueLength).toBe(1);
    // Its time come, the timer asks for the paint that shows the frame.
    clock.nowMs = t0 + STORE_PUBLISH_INTERVAL_MS;
    frames.run();
    frames.run();
    expect(store.getState().wire.queueLength).toBe(2);
    expect(frames.asked - askedBefore).toBe(2);
    expect(frames.pending).toBe(0);
  });

  it('tells its publish listeners in the paint that updates the store, once per publish and not for a paint that only acks', () => {
    const clock = { nowMs: t0 };
    const { store, frames, bridge } = setup(clock);
    const seen: number[] = [];
    // What a listener reads is what the store already shows: the timeline paints in the frame React commits.
    const unsubscribe = bridge.onPublish(() => seen.push(store.getState().wire.queueLength));
    bridge.receive(frameOf({ seq: 1, isFull: true, queue: queueOf(1) }));
    frames.run();
    expect(seen).toEqual([1]);
    clock.nowMs += 16;
    bridge.receive(frameOf({ seq: 2, queue: queueOf(2) }));
    frames.run();
    // Acked, not published: the interval is not over.
    expect(seen).toEqual([1]);
    clock.nowMs = t0 + STORE_PUBLISH_INTERVAL_MS;
    frames.run();
    frames.run();
    expect(seen).toEqual([1, 2]);
    unsubscribe();
    clock.nowMs += STORE_PUBLISH_INTERVAL_MS;
    bridge.receive(frameOf({ seq: 3, queue: queueOf(3) }));
    frames.run();
    expect(store.getState().wire.queueLength).toBe(3);
    expect(seen).toEqual([1, 2]);
  });

  it('shows a full frame (the answer to a scrub, a step or a new view) on the next paint, within the interval too', () => {
    const clock = { nowMs: t0 };
    const { store, frames, bridge, watched } = setup(clock);
    bridge.receive(frameOf({ seq: 1, isFull: true, queue: queueOf(1) }));
    frames.run();
    // One scrub step per paint, 16 ms apart: each answer shows on the paint after it, none waits for the interval.
    for (let seq = 2; seq <= 6; seq++) {
      clock.nowMs += 16;
      bridge.receive(frameOf({ seq, isFull: true, queue: queueOf(seq) }));
      frames.run();
      expect(store.getState().wire.queueLength).toBe(seq);
    }
    // A frame that only adds to what is held still waits for its interval.
    clock.nowMs += 16;
    bridge.receive(frameOf({ seq: 7, queue: queueOf(7) }));
    frames.run();
    expect(store.getState().wire.queueLength).toBe(6);
    expect(watched.acks).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('replaces the log once a second while the frames leave lines out, with its newest lines only, four times a second otherwise', () => {
    const clock = { nowMs: t0 };
    const { store, frames, bridge } = setup(clock);
    const line = (text: string) => ({ lines: [{ at: clock.nowMs, text }], omittedLineCount: 0 });
    bridge.receive(frameOf({ seq: 1, isFull: true, log: line('Listening') }));
    frames.run();
    clock.nowMs += 300;
    bridge.receive(frameOf({ seq: 2, log: { ...line('Worker 0 got a job; executing.'), omittedLineCount: 400 } }));
    frames.run();
    // Lines were left out since the last publish: the log waits for its busy interval.
    expect(store.getState().wire.log.map((l) => l.text)).toEqual(['Listening']);
    clock.nowMs += BUSY_LOG_PUBLISH_INTERVAL_MS;
    frames.run();
    expect(store.getState().wire.log.map((l) => l.text)).toEqual(['Listening', 'Worker 0 got a job; executing.']);
    // None left out since: still busy (at its busy interval) until LOG_REST_MS have passed without lines left out.
    const firstOmissionAt = t0 + 300;
    clock.nowMs += 300;
    bridge.receive(frameOf({ seq: 3, log: line('Worker 1 got a job; executing.') }));
    frames.run();
    expect(store.getState().wire.log).toHaveLength(2);
    // Then back to the quiet interval: the log is shown whole at once, with no frame needed.
    clock.nowMs = firstOmissionAt + LOG_REST_MS;
    frames.run();
    expect(store.getState().wire.log).toHaveLength(3);
    // A busy log is a sample: of many lines, only the newest BUSY_LOG_LINES_SHOWN are shown.
    clock.nowMs += 300;
    const many = Array.from({ length: 100 }, (_, i) => ({ at: clock.nowMs, text: `Worker 2 got a job; executing. (${i})` }));
    bridge.receive(frameOf({ seq: 4, log: { lines: many, omittedLineCount: 900 } }));
    clock.nowMs += BUSY_LOG_PUBLISH_INTERVAL_MS;
    frames.run();
    expect(store.getState().wire.log).toEqual(many.slice(-BUSY_LOG_LINES_SHOWN));
    // Quiet again, the whole log the page holds.
    clock.nowMs += LOG_REST_MS;
    bridge.receive(frameOf({ seq: 5, log: line('Worker 3 got a job; executing.') }));
    frames.run();
    expect(store.getState().wire.log).toHaveLength(104);
    // A full frame replaces the log (a scrub does at every step): its newest lines, then all of them once it rests.
    clock.nowMs += 300;
    bridge.receive(frameOf({ seq: 6, isFull: true, log: { lines: many, omittedLineCount: 0 } }));
    frames.run();
    expect(store.getState().wire.log).toEqual(many.slice(-BUSY_LOG_LINES_SHOWN));
    clock.nowMs += LOG_PUBLISH_INTERVAL_MS;
    bridge.receive(frameOf({ seq: 7 }));
    frames.run();
    expect(store.getState().wire.log).toEqual(many);
  });

  it('keeps a busy log a sample between the frames that leave lines out, and shows it whole once none have been left out for LOG_REST_MS', () => {
    const clock = { nowMs: t0 };
    const { store, frames, bridge } = setup(clock);
    const lines = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({ at: t0 + from + i, text: `Worker ${i % 4} got a job; executing. (${from + i})` }));
    bridge.receive(frameOf({ seq: 1, isFull: true, log: { lines: lines(0, 1), omittedLineCount: 0 } }));
    frames.run();
    // A busy server: a frame every 200 ms, the log in one of five (as the publisher sends it), lines left out each time.
    const shownLengths: number[] = [];
    let lastOmissionAt = 0;
    for (let seq = 2; seq <= 31; seq++) {
      clock.nowMs += 200;
      const isLogFrame = seq % 5 === 0;
      if (isLogFrame) lastOmissionAt = clock.nowMs;
      bridge.receive(frameOf({ seq, log: isLogFrame ? { lines: lines(seq * 100, 100), omittedLineCount: 5_000 } : undefined }));
      frames.run();
      shownLengths.push(store.getState().wire.log.length);
    }
    // Once busy, never all the lines held (up to 200) between two busy logs: only the sample.
    const firstBusy = shownLengths.indexOf(BUSY_LOG_LINES_SHOWN);
    expect(firstBusy).toBeGreaterThanOrEqual(0);
    expect(shownLengths.slice(firstBusy).every((length) => length === BUSY_LOG_LINES_SHOWN)).toBe(true);
    // The traffic stops: no more frames. The log is shown whole LOG_REST_MS after the last lines left out (by the
    // store's next publish).
    clock.nowMs = lastOmissionAt + LOG_REST_MS - 1;
    frames.run();
    expect(store.getState().wire.log).toHaveLength(BUSY_LOG_LINES_SHOWN);
    clock.nowMs = lastOmissionAt + LOG_REST_MS;
    frames.run();
    clock.nowMs += STORE_PUBLISH_INTERVAL_MS;
    frames.run();
    expect(store.getState().wire.log.length).toBe(bridge.frames.log.length);
    expect(bridge.frames.log.length).toBeGreaterThan(BUSY_LOG_LINES_SHOWN);
  });

  it("shows a busy log's lines in the publish of the frame that brings them, not in a publish of their own after it", () => {
    const clock = { nowMs: t0 };
    const { store, frames, bridge } = setup(clock);
    const lines = (from: number) =>
      Array.from({ length: 100 }, (_, i) => ({ at: t0 + from + i, text: `Worker ${i % 4} got a job (${from + i})` }));
    bridge.receive(frameOf({ seq: 1, isFull: true }));
    frames.run();
    // A saturated server: a frame every 500 ms (a little early or late), its log at most once a second (as the
    // publisher sends a flooded log: every second or every one and a half), lines left out.
    const jitterMs = [0, -10, 8, -12, 5, -9, 11, -7, 3, -11];
    let logSentAt = t0;
    let logFrames = 0;
    let shownWithTheirFrame = 0;
    let publishesBetween = 0;
    for (let seq = 2; seq <= 21; seq++) {
      clock.nowMs = t0 + (seq - 1) * 500 + jitterMs[seq % jitterMs.length]!;
      const isLogFrame = clock.nowMs - logSentAt >= 1_000;
      if (isLogFrame) logSentAt = clock.nowMs;
      bridge.receive(frameOf({ seq, log: isLogFrame ? { lines: lines(seq * 100), omittedLineCount: 5_000 } : undefined }));
      frames.run();
      if (isLogFrame) {
        logFrames++;
        if (store.getState().wire.log.at(-1) === bridge.frames.log.at(-1)) shownWithTheirFrame++;
      }
      // Until the next frame: whatever timers and paints come, no other publish.
      const publishes = bridge.publishes;
      for (let ms = 0; ms < 480; ms += 16) {
        clock.nowMs += 16;
        frames.run();
      }
      publishesBetween += bridge.publishes - publishes;
    }
    // The first busy log waits for its interval (shown by a publish of its own), the next may come just too early
    // after that one; from then on each shows with its frame.
    expect(shownWithTheirFrame).toBeGreaterThanOrEqual(logFrames - 2);
    expect(publishesBetween).toBeLessThanOrEqual(2);
  });

  it("takes the stats panels' numbers from the frames as they are", () => {
    const { store, bridge } = setup();
    const stats = {
      waitedTooLong: 0,
      requestsPerSecond: 12,
      latencyMs: { p50: 7, p95: 9, p99: 11.9 },
      waitMs: { p50: 1, p95: 2, p99: 2 },
      finishedCount: 100,
      serverErrors: 1,
      clientErrors: 0,
      routes: [],
      bursts: [],
      workerBusyPercent: [83, 83],
    };
    bridge.receive(frameOf({ seq: 1, isFull: true, stats }));
    bridge.flush();
    expect(store.getState().stats).toEqual(stats);
  });

  it('asks for the request inspected and for the requests of a bucket, and shows the answers', async () => {
    const { store, frames, bridge, watched } = setup();
    bridge.receive(frameOf({ seq: 1, isFull: true }));
    store.getState().viewActions.hoverRequest(5);
    store.getState().viewActions.hoverBucket({ workerId: 1, fromAt: t0, toAt: t0 + 400 });
    // The job under the pointer comes first: the bucket is asked for once the pointer has left the job.
    await vi.waitFor(() => expect(watched.queries).toEqual([{ kind: 'request', requestId: 5, runId: 1 }]));
    await vi.waitFor(() => {
      frames.run();
      expect(store.getState().wire.inspectedRequest).not.toBeNull();
    });
    expect(store.getState().wire.inspectedRequest).toMatchObject({ id: 5, target: '/sleep?ms=5' });
    store.getState().viewActions.hoverRequest(null);
    await vi.waitFor(() => expect(watched.queries.at(-1)).toMatchObject({ kind: 'requests-in', track: 1, fromAt: t0, toAt: t0 + 400 }));
    await vi.waitFor(() => {
      frames.run();
      expect(store.getState().wire.bucketRequests).toMatchObject({ total: 412, requests: [{ id: 9 }] });
    });
    expect(store.getState().wire.inspectedRequest).toBeNull();
  });

  it('asks again for an open request inspected while the picture moves, once as of the paused moment, and again on Resume', async () => {
    const clock = { nowMs: t0 };
    const { store, frames, bridge, watched } = setup(clock);
    const asked = () => watched.queries.filter((query) => query.kind === 'request').length;
    const answered = () => new Promise((resolve) => setTimeout(resolve, 0));
    bridge.receive(frameOf({ seq: 1, isFull: true }));
    store.getState().viewActions.selectRequest(5);
    expect(asked()).toBe(1);
    await answered();
    clock.nowMs += OPEN_REQUEST_REFRESH_MS;
    frames.run();
    expect(asked()).toBe(2);
    await answered();

    expect(watched.queries.at(-1)).not.toHaveProperty('at');

    // Paused: asked once as it was at the paused moment, then it stays (a finish after that moment is not in the picture).
    const pausedAt = clock.nowMs;
    store.getState().viewActions.pauseTimeline(pausedAt);
    expect(asked()).toBe(3);
    expect(watched.queries.at(-1)).toEqual({ kind: 'request', requestId: 5, runId: 1, at: pausedAt });
    for (let i = 0; i < 10; i++) {
      clock.nowMs += OPEN_REQUEST_REFRESH_MS;
      frames.run();
      await answered();
    }
    expect(asked()).toBe(3);
    expect(store.getState().wire.inspectedRequest).toMatchObject({ id: 5, sentAt: null });

    // Scrolled back while paused: asked as of the window's new end.
    store.getState().viewActions.setTimelineScrollBack(200);
    await vi.waitFor(() => {
      frames.run();
      expect(watched.queries.at(-1)).toEqual({ kind: 'request', requestId: 5, runId: 1, at: pausedAt - 200 });
    });
    expect(asked()).toBe(4);
    await answered();
    // Dragged on: at most one ask per OPEN_REQUEST_REFRESH_MS while it moves, and one more where it stops.
    for (const scrollBackMs of [250, 300, 350, 400]) {
      clock.nowMs += OPEN_REQUEST_REFRESH_MS / 10;
      store.getState().viewActions.setTimelineScrollBack(scrollBackMs);
      frames.run();
      await answered();
    }
    expect(asked()).toBe(4);
    clock.nowMs += OPEN_REQUEST_REFRESH_MS;
    frames.run();
    await answered();
    expect(asked()).toBe(5);
    expect(watched.queries.at(-1)).toEqual({ kind: 'request', requestId: 5, runId: 1, at: pausedAt - 400 });
    clock.nowMs += OPEN_REQUEST_REFRESH_MS;
    frames.run();
    expect(asked()).toBe(5);

    store.getState().viewActions.resumeTimeline();
    expect(asked()).toBe(6);
    expect(watched.queries.at(-1)).not.toHaveProperty('at');
    await answered();
    clock.nowMs += OPEN_REQUEST_REFRESH_MS;
    frames.run();
    expect(asked()).toBe(7);
    bridge.dispose();
  });

  it('counts the old events the flight recorder dropped, and says from when its history starts', () => {
    const { store, frames, bridge } = setup();
    const history = { firstAt: null, knownFromAt: t0, eventCount: 0, evictedCount: 0, maxAgeMs: 600_000, maxEvents: 500_000 };
    bridge.receive(frameOf({ seq: 1, isFull: true, history }));
    frames.run();
    expect([store.getState().wire.droppedEvents, store.getState().wire.historyStartAt]).toEqual([0, null]);
    bridge.receive(frameOf({ seq: 2, history: { ...history, firstAt: t0 + 4_000, eventCount: 500_000, evictedCount: 123_456 } }));
    frames.run();
    expect([store.getState().wire.droppedEvents, store.getState().wire.historyStartAt]).toEqual([123_456, t0 + 4_000]);
  });

  it('says in the UI why a running server stopped on its own', () => {
    const { store, frames, bridge } = setup();
    bridge.receive(frameOf({ seq: 1, isFull: true, status: status({ phase: 'listening' }) }));
    frames.run();
    bridge.receive(frameOf({ seq: 2, status: status({ phase: 'stopped', lastError: 'Worker 2 crashed too often' }) }));
    frames.run();
    expect(store.getState().commands.messages).toMatchObject([{ tone: 'error', text: 'Worker 2 crashed too often' }]);
  });

  it("shows the running server's settings in the form until the person edits it", () => {
    const { store, bridge } = setup();
    bridge.receive(frameOf({ seq: 1, isFull: true, status: status({ settings: { ...DEFAULT_SETTINGS, sleepMs: 1000 } }) }));
    bridge.flush();
    expect(store.getState().view.form.sleepMs).toBe('1000');
    store.getState().viewActions.editSettingsField('sleepMs', '250');
    bridge.receive(frameOf({ seq: 2, status: status({ settings: { ...DEFAULT_SETTINGS, sleepMs: 1000 } }) }));
    bridge.flush();
    expect(store.getState().view.form.sleepMs).toBe('250');
  });

  it("holds the server's settings while a field has the focus, so a page that connects does not replace text being typed over", () => {
    const { store, bridge } = setup();
    const serverSettings = { ...DEFAULT_SETTINGS, port: 33069, sleepMs: 1000 };
    // The person clicks into Port (its text selected) before the page's first frame arrives.
    store.getState().viewActions.setFormFocused(true);
    bridge.receive(frameOf({ seq: 1, isFull: true, status: status({ settings: serverSettings }) }));
    bridge.flush();
    expect(store.getState().view.form.port).toBe(String(DEFAULT_SETTINGS.port));
    // Leaving the field without typing: the form shows the server's settings.
    store.getState().viewActions.setFormFocused(false);
    expect(store.getState().view.form).toMatchObject({ port: '33069', sleepMs: '1000' });

    // Typing while focused: what was typed stays, and the other fields take what the server said meanwhile.
    store.getState().viewActions.setFormFocused(true);
    bridge.receive(frameOf({ seq: 2, status: status({ settings: { ...serverSettings, sleepMs: 2000 } }) }));
    bridge.flush();
    expect(store.getState().view.form.sleepMs).toBe('1000');
    store.getState().viewActions.editSettingsField('port', '9000');
    store.getState().viewActions.setFormFocused(false);
    expect(store.getState().view.form).toMatchObject({ port: '9000', sleepMs: '2000' });
  });
});

describe('command actions', () => {
  it('refuses a pool of size 0 with a reason, inline as typed and in the alert on Start', async () => {
    const api = recordingApi();
    const store = createAppStore({ api });
    store.getState().viewActions.editSettingsField('workerCount', '0');
    const validation = store.getState().view.formValidation;
    expect(validation.ok).toBe(false);
    expect(!validation.ok && validation.error).toMatch(/^Pool size must be at least 1: /);

    await store.getState().commandActions.startServer();
    expect(api.started).toEqual([]);
    expect(store.getState().commands.messages[0]?.text).toMatch(/^Pool size must be at least 1: /);
  });

  it("shows the server's own words when a start fails, marks the field it names, and clears both when a start succeeds", async () => {
    const api = recordingApi({ ok: false, error: 'Port 7878 is already in use on 127.0.0.1', field: 'port' });
    const store = createAppStore({ api });
    await store.getState().commandActions.startServer();
    expect(api.started).toEqual([
      {
        strategy: 'pool',
        host: '127.0.0.1',
        port: 7878,
        workerCount: 4,
        sleepMs: 5000,
        maxQueuedJobs: 1024,
        sendTimeoutMs: 10_000,
        maxWaitMs: 60_000,
        maxThreads: 256,
        stopAfterConnections: 0,
      },
    ]);
    expect(store.getState().commands.messages).toMatchObject([{ tone: 'error', text: 'Port 7878 is already in use on 127.0.0.1' }]);
    expect(store.getState().commands.fieldError).toEqual({ field: 'port', text: 'Port 7878 is already in use on 127.0.0.1' });
    expect(store.getState().commands.pending).toBeNull();

    // Another command's success leaves the start's failure standing; the next start that works clears it.
    api.answer = { ok: true };
    await store.getState().commandActions.fireBurst('/sleep');
    expect(store.getState().commands.messages).toHaveLength(1);
    await store.getState().commandActions.startServer();
    expect(store.getState().commands).toMatchObject({ messages: [], fieldError: null });
  });

  it('keeps earlier messages when a later one comes, newest first, counting repeats instead of stacking copies', () => {
    const store = createAppStore({ api: recordingApi() });
    const { commandActions } = store.getState();
    commandActions.showMessage('error', 'Port 7878 is already in use on 127.0.0.1', 'start');
    commandActions.explain('Start the server first: a burst needs a server to send to.');
    commandActions.explain('Start the server first: a burst needs a server to send to.');
    const messages = store.getState().commands.messages;
    expect(messages.map((message) => [message.text, message.repeats])).toEqual([
      ['Start the server first: a burst needs a server to send to.', 2],
      ['Port 7878 is already in use on 127.0.0.1', 1],
    ]);
    expect(messages[0]!.id).toBeGreaterThan(messages[1]!.id);
    commandActions.dismissMessage(messages[1]!.id);
    expect(store.getState().commands.messages.map((message) => message.source)).toEqual(['explain']);
    for (let i = 0; i < 2 * MAX_MESSAGES; i++) commandActions.showMessage('error', `failure ${i}`);
    expect(store.getState().commands.messages).toHaveLength(MAX_MESSAGES);
    expect(store.getState().commands.messages[0]!.text).toBe(`failure ${2 * MAX_MESSAGES - 1}`);
  });

  it('forgets a server-side field error once the person edits that field', async () => {
    const store = createAppStore({ api: recordingApi({ ok: false, error: 'Port 80 needs privileges', field: 'port' }) });
    await store.getState().commandActions.startServer();
    store.getState().commandActions.clearFieldError('workerCount');
    expect(store.getState().commands.fieldError?.field).toBe('port');
    store.getState().commandActions.clearFieldError('port');
    expect(store.getState().commands.fieldError).toBeNull();
  });

  it('restarts with the new settings as one command: a graceful stop, then a start, with its progress', async () => {
    const answers: Array<(result: CommandResult) => void> = [];
    const calls: string[] = [];
    const api: PoolscopeApi = {
      ...recordingApi(),
      stopServer: () => {
        calls.push('stop');
        return new Promise((resolve) => answers.push(resolve));
      },
      startServer: (settings) => {
        calls.push(`start ${settings.workerCount}`);
        return new Promise((resolve) => answers.push(resolve));
      },
    };
    const store = createAppStore({ api });
    store.getState().viewActions.editSettingsField('workerCount', '8');
    const restarting = store.getState().commandActions.restartServer();
    expect(store.getState().commands).toMatchObject({ pending: 'restart', restartStep: 'stopping' });
    answers.shift()!({ ok: true });
    await vi.waitFor(() => expect(store.getState().commands.restartStep).toBe('starting'));
    answers.shift()!({ ok: true });
    await restarting;
    expect(calls).toEqual(['stop', 'start 8']);
    expect(store.getState().commands).toMatchObject({ pending: null, restartStep: null, messages: [] });
  });

  it('refuses a restart with invalid settings without stopping anything, and says why a failed one left the server stopped', async () => {
    const api = recordingApi();
    let stops = 0;
    const stopServer = async (): Promise<CommandResult> => {
      stops++;
      return { ok: true };
    };
    const store = createAppStore({ api: { ...api, stopServer } });
    store.getState().viewActions.editSettingsField('workerCount', '0');
    await store.getState().commandActions.restartServer();
    expect(stops).toBe(0);
    expect(store.getState().commands.messages[0]!.text).toMatch(/^Not restarted: Pool size must be at least 1/);

    store.getState().viewActions.editSettingsField('workerCount', '4');
    api.answer = { ok: false, error: 'Port 7878 is already in use on 127.0.0.1', field: 'port' };
    await store.getState().commandActions.restartServer();
    expect(stops).toBe(1);
    expect(store.getState().commands.messages[0]!.text).toBe('Stopped, but not started again: Port 7878 is already in use on 127.0.0.1');
    expect(store.getState().commands.fieldError?.field).toBe('port');
  });

  it('starts the server again with the settings it ran with when the new ones fail, and says so', async () => {
    const api = recordingApi();
    const store = createAppStore({ api });
    const running = { ...DEFAULT_SETTINGS, port: 7878, workerCount: 4 };
    const wire = store.getState().wire;
    store
      .getState()
      .wireActions.publish({ ...wire, status: status({ phase: 'listening', url: 'http://127.0.0.1:7878', settings: running }) });
    store.getState().viewActions.editSettingsField('port', '9000');
    api.startServer = async (settings) => {
      api.started.push(settings);
      return settings.port === 9000 ? { ok: false, error: 'Port 9000 is already in use on 127.0.0.1', field: 'port' } : { ok: true };
    };
    await store.getState().commandActions.restartServer();
    expect(api.started.map((settings) => settings.port)).toEqual([9000, 7878]);
    expect(store.getState().commands.messages[0]!.text).toBe(
      'Not restarted: Port 9000 is already in use on 127.0.0.1. The server runs again with its previous settings.',
    );
    expect(store.getState().commands.fieldError?.field).toBe('port');
    expect(store.getState().commands).toMatchObject({ pending: null, restartStep: null });
  });

  it('marks the command in flight until its answer comes', async () => {
    let answer: (result: CommandResult) => void = () => {};
    const api = { ...recordingApi(), stopServer: () => new Promise<CommandResult>((resolve) => (answer = resolve)) };
    const store = createAppStore({ api });
    const stopping = store.getState().commandActions.stopServer();
    expect(store.getState().commands.pending).toBe('stop');
    answer({ ok: true });
    await stopping;
    expect(store.getState().commands.pending).toBeNull();
  });

  it('fires bursts of the sizes typed, 8 sleepers and 200 GET / by default', async () => {
    const api = recordingApi();
    const store = createAppStore({ api });
    const { commandActions, viewActions } = store.getState();
    await commandActions.fireBurst('/sleep');
    await commandActions.fireBurst('/');
    viewActions.editBurstCount('sleep', '99999');
    await commandActions.fireBurst('/sleep');
    expect(api.bursts).toEqual([
      ['/sleep', 8],
      ['/', 200],
    ]);
    expect(store.getState().commands.messages[0]?.text).toBe('Burst size must be between 1 and 5000 (got 99999)');
    // Each burst field names itself.
    viewActions.editBurstCount('hello', '0');
    await commandActions.fireBurst('/');
    expect(store.getState().commands.messages[0]?.text).toBe('GET / count must be between 1 and 5000 (got 0)');
    expect(checkBurstCount('/', 'ten')).toEqual({ ok: false, error: 'GET / count must be a whole number (got "ten")' });
  });
});

describe('the dashboard WebSocket client', () => {
  const servers: WebSocketServer[] = [];
  const clients: WebSocketPoolscopeApi[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });

  const nodeSocket: SocketFactory = (url, handlers) => {
    const socket = new NodeWebSocket(url);
    socket.on('open', () => handlers.onOpen());
    socket.on('message', (data) => handlers.onMessage(data.toString()));
    socket.on('close', () => handlers.onClose());
    socket.on('error', () => {}); // a failed connect also closes; onClose handles both
    return socket;
  };

  /** A stand-in dashboard: answers a view with a full frame, a query with its result, a status request with a status and every command with ok:true. */
  async function fakeDashboard(port = 0): Promise<{ server: WebSocketServer; port: number; frames: DashboardClientFrame[] }> {
    const frames: DashboardClientFrame[] = [];
    const server = new WebSocketServer({ port, host: '127.0.0.1', path: '/ws' });
    servers.push(server);
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    server.on('connection', (socket) => {
      let seq = 0;
      socket.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as DashboardClientFrame;
        frames.push(frame);
        let reply: DashboardServerFrame | null = null;
        if (frame.kind === 'command') reply = { kind: 'command-result', id: frame.id, result: { ok: true } };
        else if (frame.kind === 'query')
          reply = { kind: 'query-result', id: frame.id, result: { ok: true, kind: 'request', request: null } };
        else if (frame.kind === 'view') reply = frameOf({ seq: ++seq, viewId: frame.view.id, isFull: true, status: status() });
        else if (frame.kind === 'status') reply = { kind: 'status-result', id: frame.id, status: status({ phase: 'listening' }) };
        if (reply !== null) socket.send(JSON.stringify(reply));
      });
    });
    return { server, port: (server.address() as { port: number }).port, frames };
  }

  function client(port: number): WebSocketPoolscopeApi {
    const api = new WebSocketPoolscopeApi({
      url: `ws://127.0.0.1:${port}/ws`,
      createSocket: nodeSocket,
      backoff: { initialDelayMs: 20, maxDelayMs: 100 },
    });
    clients.push(api);
    return api;
  }

  function nextFrame(api: WebSocketPoolscopeApi): Promise<ViewerFrame> {
    return new Promise((resolve) => {
      const subscription = api.watch(viewAsked, (frame) => {
        subscription.ack(frame.seq);
        subscription.close();
        resolve(frame);
      });
    });
  }

  it('sends the view, receives a full frame, acks it, and resolves each command, query and status request with its own answer', async () => {
    const dashboard = await fakeDashboard();
    const api = client(dashboard.port);
    const first = await nextFrame(api);
    expect(first).toMatchObject({ kind: 'frame', isFull: true, seq: 1 });
    const results = await Promise.all([api.fireBurst('/sleep', 8), api.stopServer()]);
    expect(results).toEqual([{ ok: true }, { ok: true }]);
    expect(await api.query({ kind: 'request', requestId: 3 })).toEqual({ ok: true, kind: 'request', request: null });
    // The status is asked of the dashboard, not taken from the last frame (which said 'stopped').
    expect(await api.getStatus()).toMatchObject({ phase: 'listening' });
    expect(dashboard.frames.map((f) => f.kind)).toEqual(['view', 'frame-ack', 'command', 'command', 'query', 'status']);
  });

  it('answers getStatus without watching frames: it asks, and starts no stream', async () => {
    const dashboard = await fakeDashboard();
    const api = client(dashboard.port);
    expect(await api.getStatus()).toMatchObject({ phase: 'listening' });
    expect(dashboard.frames.map((f) => f.kind)).toEqual(['status']);
  });

  it('answers a command sent while disconnected with "Not connected", then reconnects and sends its view again', async () => {
    const dashboard = await fakeDashboard();
    const api = client(dashboard.port);
    const states: string[] = [];
    api.onConnectionChange((state) => states.push(state));
    const received: ViewerFrame[] = [];
    api.watch(viewAsked, (frame) => received.push(frame));
    await vi.waitFor(() => expect(received).toHaveLength(1));

    for (const socket of dashboard.server.clients) socket.terminate();
    await new Promise<void>((resolve) => api.onConnectionChange((state) => state === 'reconnecting' && resolve()));
    expect(await api.stopServer()).toEqual({ ok: false, error: NOT_CONNECTED_ERROR });
    expect(await api.query({ kind: 'request', requestId: 1 })).toEqual({ ok: false, error: NOT_CONNECTED_ERROR });
    await expect(api.getStatus()).rejects.toThrow(NOT_CONNECTED_ERROR);

    await vi.waitFor(() => expect(received).toHaveLength(2));
    expect(received[1]).toMatchObject({ isFull: true });
    expect(states).toEqual(['connected', 'reconnecting', 'connected']);
    expect(dashboard.frames.filter((f) => f.kind === 'view')).toHaveLength(2);
  });
});
