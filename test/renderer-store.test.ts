// The renderer's data path without a browser: ViewerMessages through the bridge into the store (real
// server events from real sockets and worker threads where it matters), the store's command actions, and
// the dashboard's WebSocket client against a real WebSocket server.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { PoolBridge } from '../src/renderer/bridge/pool-bridge';
import { type AppStore, createAppStore } from '../src/renderer/store/app-store';
import { checkBurstCount, MAX_MESSAGES } from '../src/renderer/store/commands-slice';
import { NOT_CONNECTED_ERROR, type SocketFactory, WebSocketPoolscopeApi } from '../src/renderer/transport/websocket-api';
import { type RunningServer, startServer } from '../src/server';
import type { CommandResult } from '../src/shared/commands';
import { BURST_USER_AGENT, burstUserAgent, type ServerEvent } from '../src/shared/events';
import { PoolModel } from '../src/shared/pool-model';
import { DEFAULT_SETTINGS, type ServerSettings } from '../src/shared/settings';
import type { ControllerStatus, DashboardClientFrame, DashboardServerFrame, PoolscopeApi, ViewerMessage } from '../src/shared/wire';
import { EventRecorder } from './support/event-recorder';
import { get, request } from './support/http-client';
import { listeningEvent } from './support/sample-events';

/** Stands in for requestAnimationFrame: frames run only when the test says so. */
class ManualFrames {
  private callbacks: Array<() => void> = [];
  readonly schedule = (callback: () => void) => {
    this.callbacks.push(callback);
  };
  get pending(): number {
    return this.callbacks.length;
  }
  run(): void {
    const callbacks = this.callbacks;
    this.callbacks = [];
    for (const callback of callbacks) callback();
  }
}

function status(overrides: Partial<ControllerStatus> = {}): ControllerStatus {
  return { phase: 'stopped', url: null, settings: { ...DEFAULT_SETTINGS }, lastError: null, ...overrides };
}

function snapshotOf(model: PoolModel, controllerStatus = status()): ViewerMessage {
  return { kind: 'snapshot', sentAt: Date.now(), snapshot: model.snapshot(), status: controllerStatus };
}

function delta(events: ServerEvent[], extra: { droppedEventCount?: number; status?: ControllerStatus } = {}): ViewerMessage {
  return {
    kind: 'delta',
    sentAt: Date.now(),
    events,
    droppedEventCount: extra.droppedEventCount ?? 0,
    ...(extra.status ? { status: extra.status } : {}),
  };
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
    getStatus: async () => status(),
    subscribe: () => () => {},
  };
  return api;
}

/** A bridge whose frames run when the test says; `clock` replaces the wall clock when given. */
function setup(clock?: { nowMs: number }): { store: AppStore; frames: ManualFrames; bridge: PoolBridge } {
  const store = createAppStore({ api: recordingApi() });
  const frames = new ManualFrames();
  const bridge = new PoolBridge(store, { scheduleFrame: frames.schedule, ...(clock ? { now: () => clock.nowMs } : {}) });
  return { store, frames, bridge };
}

/** Small builders for the event sequences of a pool at work. */
const t0 = 1_700_000_000_000;
function listening(workerCount: number, at = t0): ServerEvent[] {
  const spawned: ServerEvent[] = Array.from({ length: workerCount }, (_, workerId) => ({ type: 'worker-spawned', at, workerId }));
  return [...spawned, listeningEvent(at, { workerCount, sleepMs: 1000 })];
}
function arrives(requestId: number, at: number, target = '/sleep', userAgent: string | null = BURST_USER_AGENT): ServerEvent[] {
  return [
    { type: 'request-received', at, requestId, connectionId: requestId, method: 'GET', target, remoteAddress: '127.0.0.1', userAgent },
    { type: 'job-queued', at, requestId, queueDepth: 1 },
  ];
}
function starts(requestId: number, workerId: number, at: number, waitMs: number): ServerEvent {
  return { type: 'job-started', at, requestId, workerId, waitMs, queueDepth: 0 };
}
function finishes(requestId: number, workerId: number, at: number, runMs: number, httpStatus = 200): ServerEvent[] {
  return [
    { type: 'job-finished', at, requestId, workerId, runMs, status: httpStatus },
    { type: 'response-sent', at, requestId, status: httpStatus, bytes: 100 },
  ];
}

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

describe('the bridge publishes into the store once per frame', () => {
  it('turns a snapshot and many deltas that arrive between two frames into a single store update', () => {
    const { store, frames, bridge } = setup();
    const updates: number[] = [];
    store.subscribe((state) => updates.push(state.wire.modelVersion));

    bridge.receive(snapshotOf(new PoolModel(), status({ phase: 'listening', url: 'http://127.0.0.1:7878' })));
    bridge.receive(delta(listening(4)));
    for (let id = 1; id <= 100; id++) bridge.receive(delta(arrives(id, t0 + id)));
    expect(frames.pending).toBe(1);
    expect(store.getState().wire.hasSnapshot).toBe(false);

    frames.run();
    const wire = store.getState().wire;
    expect(bridge.publishes).toBe(1);
    expect(updates.length).toBeLessThanOrEqual(2); // the wire slice, plus at most the stats slice
    expect(wire.hasSnapshot).toBe(true);
    expect(wire.status.url).toBe('http://127.0.0.1:7878');
    expect(wire.workers.map((w) => w.state)).toEqual(['idle', 'idle', 'idle', 'idle']);
    expect(wire.queueLength).toBe(100);
    expect(wire.queue[0]).toMatchObject({ requestId: 1, target: '/sleep', origin: 'burst' });
  });

  it('keeps at most 200 queue items in the store and counts the rest', () => {
    const { store, frames, bridge } = setup();
    bridge.receive(snapshotOf(new PoolModel()));
    bridge.receive(delta([...listening(1), ...Array.from({ length: 1000 }, (_, i) => arrives(i + 1, t0 + i)).flat()]));
    frames.run();
    expect(store.getState().wire.queue).toHaveLength(200);
    expect(store.getState().wire.queueLength).toBe(1000);
  });

  it('ignores a delta that comes before the first snapshot', () => {
    const { store, frames, bridge } = setup();
    bridge.receive(delta(listening(2)));
    frames.run();
    expect(store.getState().wire.workers).toEqual([]);
    expect(store.getState().wire.hasSnapshot).toBe(false);
  });

  it('reuses the objects of workers that did not change, so their cards do not re-render', () => {
    const { store, frames, bridge } = setup();
    bridge.receive(snapshotOf(new PoolModel()));
    bridge.receive(delta(listening(3)));
    frames.run();
    const before = store.getState().wire.workers;
    bridge.receive(delta([...arrives(1, t0 + 10), starts(1, 1, t0 + 11, 1)]));
    frames.run();
    const after = store.getState().wire.workers;
    expect(after[0]).toBe(before[0]);
    expect(after[2]).toBe(before[2]);
    expect(after[1]).not.toBe(before[1]);
    expect(after[1]).toMatchObject({ state: 'busy', phase: 'busy', job: { requestId: 1, target: '/sleep', origin: 'burst' } });
  });

  it('shows a graceful stop worker by worker: stopping while a job runs, then exited', () => {
    const clock = { nowMs: t0 };
    const { store, frames, bridge } = setup(clock);
    bridge.receive(snapshotOf(new PoolModel()));
    bridge.receive(delta([...listening(2), ...arrives(1, t0 + 1), starts(1, 0, t0 + 2, 1)]));
    bridge.receive(
      delta(
        [
          { type: 'server-stopping', at: t0 + 3, reason: 'command' },
          { type: 'worker-stopping', at: t0 + 3, workerId: 0 },
        ],
        { status: status({ phase: 'stopping' }) },
      ),
    );
    frames.run();
    let wire = store.getState().wire;
    expect(wire.status.phase).toBe('stopping');
    expect(wire.inFlightJobs).toBe(1);
    expect(wire.workers[0]).toMatchObject({ phase: 'stopping', state: 'busy' });

    clock.nowMs += 16;
    bridge.receive(
      delta([...finishes(1, 0, t0 + 1000, 998), { type: 'worker-exited', at: t0 + 1001, workerId: 0, reason: 'shutdown', exitCode: 0 }]),
    );
    frames.run();
    wire = store.getState().wire;
    expect(wire.inFlightJobs).toBe(0);
    expect(wire.workers.map((w) => w.state)).toEqual(['exited', 'idle']);
    // Log lines are published at most four times a second; the held-back line comes on a later frame.
    expect(wire.log.map((l) => l.text)).not.toContain('Worker 0 disconnected; shutting down.');
    expect(frames.pending).toBe(1);
    clock.nowMs += 250;
    frames.run();
    expect(store.getState().wire.log.map((l) => l.text)).toContain('Worker 0 disconnected; shutting down.');
    expect(frames.pending).toBe(0);
  });

  it('carries the dropped-event count and the transport state to the store', () => {
    const { store, frames, bridge } = setup();
    bridge.setConnection('reconnecting');
    bridge.receive(snapshotOf(new PoolModel()));
    bridge.receive(delta([], { droppedEventCount: 1234 }));
    frames.run();
    expect(store.getState().wire.droppedEvents).toBe(1234);
    expect(store.getState().wire.connection).toBe('reconnecting');
  });

  it('computes percentiles per run: a new server-listening starts the numbers over', () => {
    const { store, bridge } = setup();
    bridge.receive(snapshotOf(new PoolModel()));
    const events: ServerEvent[] = [...listening(1)];
    for (let id = 1; id <= 100; id++) {
      const at = t0 + id * 10;
      events.push(...arrives(id, at, '/'), starts(id, 0, at + 2, 2), ...finishes(id, 0, at + 2 + id / 10, id / 10));
    }
    bridge.receive(delta(events));
    bridge.flush();
    let stats = store.getState().stats;
    expect(stats.finishedCount).toBe(100);
    expect(stats.latencyMs!.p50).toBeCloseTo(7, 1); // 2 ms wait + 5 ms run
    expect(stats.latencyMs!.p99).toBeCloseTo(11.9, 1);
    expect(stats.waitMs!.p95).toBeCloseTo(2, 1);

    bridge.receive(delta([{ type: 'server-stopped', at: t0 + 5000 }, ...listening(1, t0 + 6000)]));
    bridge.flush();
    stats = store.getState().stats;
    expect(stats.finishedCount).toBe(0);
    expect(stats.latencyMs).toBeNull();
  });

  it('keeps / and /sleep apart, sums up each burst, and drops requests per second to 0 when the server stops', () => {
    const clock = { nowMs: t0 + 10_000 };
    const { store, bridge } = setup(clock);
    bridge.receive(snapshotOf(new PoolModel()));
    const sleeper = burstUserAgent({ burstId: 1, size: 2 });
    bridge.receive(
      delta([
        ...listening(2),
        ...arrives(1, t0 + 100, '/sleep', sleeper),
        ...arrives(2, t0 + 100, '/sleep', sleeper),
        ...arrives(3, t0 + 100, '/', null),
        starts(1, 0, t0 + 100, 0.1),
        starts(2, 1, t0 + 100, 0.1),
        ...finishes(1, 0, t0 + 5_100, 5_000),
        starts(3, 0, t0 + 5_100, 5_000),
        ...finishes(3, 0, t0 + 5_101, 1),
        ...finishes(2, 1, t0 + 5_100, 5_000),
      ]),
    );
    clock.nowMs = t0 + 6_000;
    bridge.flush();
    const stats = store.getState().stats;
    expect(stats.routes.map((route) => [route.route, route.count])).toEqual([
      ['/', 1],
      ['/sleep', 2],
    ]);
    expect(stats.routes[0]!.waitMs!.p99).toBeCloseTo(5_000, -1);
    expect(stats.routes[1]!.latencyMs!.p99).toBeCloseTo(5_000, -1);
    expect(stats.bursts).toMatchObject([{ burstId: 1, size: 2, answered: 2, workerCount: 2, isComplete: true, waitedCount: 0 }]);
    expect(stats.requestsPerSecond).toBeGreaterThan(0);
    // Worker 0 ran 5,001 ms of the 6,000 ms it has lived; worker 1 5,000 ms.
    expect(stats.workerBusyPercent).toEqual([83, 83]);

    bridge.receive(
      delta([
        { type: 'server-stopping', at: t0 + 6_000, reason: 'command' },
        { type: 'server-stopped', at: t0 + 6_001 },
      ]),
    );
    bridge.flush();
    expect(store.getState().stats.requestsPerSecond).toBe(0);
  });

  it('rebuilds the stats of the current run from a snapshot', () => {
    const { store, bridge } = setup();
    const model = new PoolModel();
    model.applyAll([...listening(1), ...arrives(1, t0 + 1), starts(1, 0, t0 + 2, 1), ...finishes(1, 0, t0 + 502, 500, 503)]);
    bridge.receive(snapshotOf(model));
    bridge.flush();
    expect(store.getState().stats).toMatchObject({ finishedCount: 1, serverErrors: 1 });
    expect(store.getState().stats.latencyMs!.p50).toBeCloseTo(501, 0);
  });

  it('says in the UI why a running server stopped on its own', () => {
    const { store, frames, bridge } = setup();
    bridge.receive(snapshotOf(new PoolModel(), status({ phase: 'listening' })));
    bridge.receive(delta([], { status: status({ phase: 'stopped', lastError: 'Worker 2 crashed too often' }) }));
    frames.run();
    expect(store.getState().commands.messages).toMatchObject([{ tone: 'error', text: 'Worker 2 crashed too often' }]);
  });

  it("shows the running server's settings in the form until the person edits it", () => {
    const { store, bridge } = setup();
    bridge.receive(snapshotOf(new PoolModel(), status({ settings: { ...DEFAULT_SETTINGS, sleepMs: 1000 } })));
    expect(store.getState().view.form.sleepMs).toBe('1000');
    store.getState().viewActions.editSettingsField('sleepMs', '250');
    bridge.receive(delta([], { status: status({ settings: { ...DEFAULT_SETTINGS, sleepMs: 1000 } }) }));
    expect(store.getState().view.form.sleepMs).toBe('250');
  });
});

describe("the bridge's timeline", () => {
  it("keeps a run's jobs and moments across a restart, even when one batch carries the restart and the new run's reused ids", () => {
    const { bridge } = setup();
    bridge.receive(snapshotOf(new PoolModel()));
    bridge.receive(delta([...listening(2), ...arrives(1, t0 + 10), starts(1, 0, t0 + 10, 0), ...finishes(1, 0, t0 + 5_010, 5_000)]));
    bridge.receive(
      delta([
        { type: 'server-stopping', at: t0 + 6_000, reason: 'command' },
        { type: 'worker-stopping', at: t0 + 6_001, workerId: 0 },
        { type: 'worker-exited', at: t0 + 6_001, workerId: 0, reason: 'shutdown', exitCode: 0 },
        { type: 'worker-stopping', at: t0 + 6_002, workerId: 1 },
        { type: 'worker-exited', at: t0 + 6_002, workerId: 1, reason: 'shutdown', exitCode: 0 },
        { type: 'server-stopped', at: t0 + 6_003 },
        ...listening(1, t0 + 7_000),
        ...arrives(1, t0 + 7_010, '/'),
        starts(1, 0, t0 + 7_010, 0),
      ]),
    );
    const frame = bridge.timeline({ fromAt: t0, toAt: t0 + 8_000, plotWidthPx: 800, now: t0 + 8_000 });
    expect(frame.bars.map((bar) => [bar.runId, bar.requestId, bar.path, bar.isCurrentRun])).toEqual([
      [1, 1, '/sleep', false],
      [2, 1, '/', true],
    ]);
    expect(frame.markers.map((marker) => [marker.kind, marker.runId, marker.workerId])).toEqual([
      ['start', 1, null],
      ['stop-requested', 1, null],
      ['worker-joined', 1, 0],
      ['worker-joined', 1, 1],
      ['stopped', 1, null],
      ['start', 2, null],
    ]);
    expect(frame.separators).toMatchObject([{ at: t0 + 7_000, runId: 2, workerCount: 1, previousWorkerCount: 2 }]);
    expect(frame.lanes).toHaveLength(2);
  });
});

describe('the bridge fed by a real server', () => {
  let server: RunningServer | null = null;
  afterEach(async () => {
    await server?.shutdown();
    server = null;
  });

  it('shows a /sleep burst as busy workers and queued burst jobs, then its latencies', async () => {
    const recorder = new EventRecorder();
    server = await startServer({ port: 0, workerCount: 2, sleepMs: 300, events: recorder.stream });
    const { store, frames, bridge } = setup();
    bridge.receive(snapshotOf(new PoolModel(), status({ phase: 'listening', url: server.url })));
    let fed = 0;
    const feed = () => {
      bridge.receive(delta(recorder.events.slice(fed)));
      fed = recorder.events.length;
      frames.run();
    };

    const burst = Array.from({ length: 4 }, () => request(server!.port, get('/sleep', `User-Agent: ${BURST_USER_AGENT}\r\n`)));
    await recorder.until((r) => r.count('job-started') === 2 && r.count('job-queued') === 4);
    feed();
    let wire = store.getState().wire;
    expect(wire.workers.map((w) => w.state)).toEqual(['busy', 'busy']);
    expect(wire.workers.every((w) => w.job?.target === '/sleep' && w.job.origin === 'burst')).toBe(true);
    expect(wire.queue.map((q) => q.origin)).toEqual(['burst', 'burst']);

    const responses = await Promise.all(burst);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    await recorder.until((r) => r.count('response-sent') === 4);
    feed();
    bridge.refreshStats();
    wire = store.getState().wire;
    const stats = store.getState().stats;
    expect(wire.queueLength).toBe(0);
    expect(wire.workers.map((w) => w.jobsDone)).toEqual([2, 2]);
    expect(stats.finishedCount).toBe(4);
    expect(stats.latencyMs!.p50).toBeGreaterThanOrEqual(290);
    // Half the burst waited for a sleeper to finish.
    expect(stats.waitMs!.p99).toBeGreaterThanOrEqual(250);
    expect(stats.requestsPerSecond).toBeGreaterThan(0);
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
      { host: '127.0.0.1', port: 7878, workerCount: 4, sleepMs: 5000, maxQueuedJobs: 1024, sendTimeoutMs: 10_000, maxWaitMs: 60_000 },
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

  /** A stand-in dashboard: answers subscribe with a snapshot and every command with ok:true. */
  async function fakeDashboard(port = 0): Promise<{ server: WebSocketServer; port: number; frames: DashboardClientFrame[] }> {
    const frames: DashboardClientFrame[] = [];
    const server = new WebSocketServer({ port, host: '127.0.0.1', path: '/ws' });
    servers.push(server);
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    server.on('connection', (socket) => {
      socket.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as DashboardClientFrame;
        frames.push(frame);
        const reply: DashboardServerFrame =
          frame.kind === 'command' ? { kind: 'command-result', id: frame.id, result: { ok: true } } : snapshotOf(new PoolModel(), status());
        socket.send(JSON.stringify(reply));
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

  function nextMessage(api: PoolscopeApi): Promise<ViewerMessage> {
    return new Promise((resolve) => {
      const unsubscribe = api.subscribe((message) => {
        unsubscribe();
        resolve(message);
      });
    });
  }

  it('subscribes, receives a snapshot, and resolves each command with its own result', async () => {
    const dashboard = await fakeDashboard();
    const api = client(dashboard.port);
    const first = await nextMessage(api);
    expect(first.kind).toBe('snapshot');
    const results = await Promise.all([api.fireBurst('/sleep', 8), api.stopServer()]);
    expect(results).toEqual([{ ok: true }, { ok: true }]);
    expect(dashboard.frames.filter((f) => f.kind === 'command').map((f) => f.kind === 'command' && f.command.type)).toEqual([
      'fire-burst',
      'stop-server',
    ]);
    expect(await api.getStatus()).toMatchObject({ phase: 'stopped' });
  });

  it('answers a command sent while disconnected with "Not connected", then reconnects and re-subscribes', async () => {
    const dashboard = await fakeDashboard();
    const api = client(dashboard.port);
    const states: string[] = [];
    api.onConnectionChange((state) => states.push(state));
    await nextMessage(api);

    for (const socket of dashboard.server.clients) socket.terminate();
    await new Promise<void>((resolve) => api.onConnectionChange((state) => state === 'reconnecting' && resolve()));
    expect(await api.stopServer()).toEqual({ ok: false, error: NOT_CONNECTED_ERROR });

    const again = await nextMessage(api);
    expect(again.kind).toBe('snapshot');
    expect(states).toEqual(['connected', 'reconnecting', 'connected']);
    expect(dashboard.frames.filter((f) => f.kind === 'subscribe')).toHaveLength(2);
  });
});
