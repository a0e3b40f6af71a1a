// The frame publisher with a real server (real sockets, real worker threads): frames paced by acks, never one
// per event; a paused view stops moving; queries answered from the recorder; bad views and acks refused.

import { afterEach, describe, expect, it } from 'vitest';
import { eventLoopBusyFraction, FramePublisher, type FramePublisherOptions, type FrameSink } from '../src/main/publisher';
import { ServerController } from '../src/main/server-controller';
import type { ViewerFrame, ViewerView } from '../src/shared/wire';
import { Changes } from './support/changes';
import { httpGet } from './support/http-client';
import { testSettings as settings } from './support/settings';

let controllers: ServerController[] = [];
let publishers: FramePublisher[] = [];

afterEach(async () => {
  for (const p of publishers) p.dispose();
  await Promise.all(controllers.map((c) => c.dispose()));
  controllers = [];
  publishers = [];
});

async function setUp() {
  const controller = new ServerController({ initialSettings: settings() });
  const publisher = new FramePublisher(controller);
  controllers.push(controller);
  publishers.push(publisher);
  const result = await controller.execute({ type: 'start-server', settings: settings({ workerCount: 2, sleepMs: 300 }) });
  expect(result).toEqual({ ok: true });
  const port = Number(controller.status.url!.split(':')[2]);
  return { controller, publisher, port };
}

/** A server of two workers watched by a publisher with `options`, and a live viewer that acks every frame as soon as it has it. */
async function setUpAckingViewer(options: FramePublisherOptions) {
  const controller = new ServerController({ initialSettings: settings() });
  const publisher = new FramePublisher(controller, options);
  controllers.push(controller);
  publishers.push(publisher);
  expect(await controller.execute({ type: 'start-server', settings: settings({ workerCount: 2 }) })).toEqual({ ok: true });
  const port = Number(controller.status.url!.split(':')[2]);
  const sink = new RecordingSink();
  const viewer = publisher.addViewer({
    send: (frame) => {
      sink.send(frame);
      queueMicrotask(() => viewer.ack(frame.seq));
    },
  });
  viewer.setView(liveView());
  return { controller, publisher, port, sink, viewer };
}

class RecordingSink implements FrameSink {
  readonly frames: ViewerFrame[] = [];
  private readonly changes = new Changes();

  send(frame: ViewerFrame): void {
    this.frames.push(frame);
    this.changes.notify();
  }

  get last(): ViewerFrame {
    return this.frames.at(-1)!;
  }

  until(predicate: (sink: RecordingSink) => boolean): Promise<void> {
    return this.changes.until(() => predicate(this));
  }
}

const liveView = (overrides: Partial<ViewerView> = {}): ViewerView => ({
  id: 1,
  windowMs: 10_000,
  plotWidthPx: 400,
  paused: false,
  cursor: 'live',
  ...overrides,
});

/** Lets timers and sockets run for a while (only to give a wrong implementation the chance to send more). */
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('FramePublisher with a real server', () => {
  it('sends nothing before a view, then a full frame with the running server; no second frame before the ack', async () => {
    const { publisher, port } = await setUp();
    const sink = new RecordingSink();
    const viewer = publisher.addViewer(sink);
    await settle(100);
    expect(sink.frames).toHaveLength(0);

    expect(viewer.setView(liveView())).toBeNull();
    await sink.until((s) => s.frames.length === 1);
    const first = sink.last;
    expect(first.isFull).toBe(true);
    expect(first.status?.phase).toBe('listening');
    expect(first.workers).toHaveLength(2);
    expect(first.history?.maxEvents).toBe(500_000);

    // Traffic while the frame is unacknowledged: still exactly one frame.
    await Promise.all(Array.from({ length: 20 }, () => httpGet(port, '/')));
    await settle(200);
    expect(sink.frames).toHaveLength(1);

    expect(viewer.ack(first.seq)).toBeNull();
    await sink.until((s) => s.frames.length === 2 && s.last.counters.responsesSent >= 20);
    expect(sink.last.isFull).toBe(false);
    expect(sink.last.seq).toBe(first.seq + 1);
  });

  it('sends far fewer frames than events: one per ack, whatever the traffic', async () => {
    const { controller, publisher, port } = await setUp();
    const sink = new RecordingSink();
    const viewer = publisher.addViewer(sink);
    viewer.setView(liveView());
    let isAcking = true;
    const ackLoop = (async () => {
      while (isAcking) {
        await sink.until((s) => s.frames.length > 0);
        viewer.ack(sink.last.seq);
        await settle(5);
      }
    })();
    const eventsBefore = controller.history.nextSeq;
    for (let round = 0; round < 10; round++) await Promise.all(Array.from({ length: 20 }, () => httpGet(port, '/')));
    const events = controller.history.nextSeq - eventsBefore;
    await sink.until((s) => s.last.counters.responsesSent >= 200);
    isAcking = false;
    await ackLoop;
    expect(events).toBeGreaterThan(1_000);
    expect(sink.frames.length).toBeLessThan(events / 5);
    // Every frame is bounded: no frame carries events, only what the view shows.
    for (const frame of sink.frames) expect(JSON.stringify(frame).length).toBeLessThan(200_000);
  });

  it('paces live frames at the busy interval while the server answers at the busy rate, at the normal one before', async () => {
    const intervalMs = 20;
    const busyIntervalMs = 300;
    const controller = new ServerController({ initialSettings: settings() });
    // No resting interval here: the quiet frames before the traffic are the normal pace's.
    const publisher = new FramePublisher(controller, { intervalMs, busyIntervalMs, busyRequestsPerS: 20, restingIntervalMs: intervalMs });
    controllers.push(controller);
    publishers.push(publisher);
    expect(await controller.execute({ type: 'start-server', settings: settings({ workerCount: 2 }) })).toEqual({ ok: true });
    const port = Number(controller.status.url!.split(':')[2]);
    const sink = new RecordingSink();
    const viewer = publisher.addViewer(sink);
    viewer.setView(liveView());
    let isAcking = true;
    const ackLoop = (async () => {
      let acked = 0;
      while (isAcking) {
        await sink.until((s) => s.frames.length > acked || !isAcking);
        acked = sink.frames.length;
        if (acked > 0) viewer.ack(sink.last.seq);
      }
    })();
    await sink.until((s) => s.frames.length >= 5);
    const quietFrames = sink.frames.length;
    const loadUntil = Date.now() + 2_000;
    while (Date.now() < loadUntil) await Promise.all(Array.from({ length: 10 }, () => httpGet(port, '/')));
    isAcking = false;
    await ackLoop;

    const gapsMs = (frames: ViewerFrame[]) =>
      frames.slice(1).map((frame, i) => ({ gapMs: frame.sentAt - frames[i]!.sentAt, after: frames[i]! }));
    // Before any traffic the frames came at the normal pace: some closer together than the busy interval.
    expect(gapsMs(sink.frames.slice(0, quietFrames)).some(({ gapMs }) => gapMs < busyIntervalMs)).toBe(true);
    // Every frame after one that counted the busy rate waited the busy interval (a timer may fire a ms early).
    const busyGaps = gapsMs(sink.frames).filter(({ after }) => after.counters.requestsPerSecond >= 20);
    expect(busyGaps.length).toBeGreaterThan(0);
    for (const { gapMs } of busyGaps) expect(gapMs).toBeGreaterThanOrEqual(busyIntervalMs - 2);
  });

  it('slows live frames to the saturated interval while the main thread has no slack at the busy rate, and back when it has some', async () => {
    const busyIntervalMs = 40;
    const saturatedIntervalMs = 300;
    // The main thread's busy fraction as the test sets it, so the pace does not depend on this machine's load.
    let busyFraction: number | null = null;
    const { port, sink } = await setUpAckingViewer({
      intervalMs: 20,
      busyIntervalMs,
      busyRequestsPerS: 20,
      restingIntervalMs: 20,
      saturatedIntervalMs,
      saturatedBusyFraction: 0.85,
      saturatedExitBusyFraction: 0.7,
      busyFraction: () => busyFraction,
    });

    // No slack but no traffic either: the normal pace (a main thread busy with something else slows no viewer).
    busyFraction = 0.95;
    await sink.until((s) => s.frames.length >= 3);
    expect(sink.last.pace).toEqual({ reason: 'normal', intervalMs: 20, serverBusyFraction: 0.95 });

    let isLoading = true;
    const loadLoop = (async () => {
      while (isLoading) await Promise.all(Array.from({ length: 10 }, () => httpGet(port, '/')));
    })();
    try {
      // Traffic at the busy rate with no slack: the saturated pace, and it says so.
      await sink.until((s) => s.last.pace?.reason === 'saturated');
      expect(sink.last.pace).toEqual({ reason: 'saturated', intervalMs: saturatedIntervalMs, serverBusyFraction: 0.95 });
      let from = sink.frames.length - 1;
      await sink.until((s) => s.frames.length >= from + 4);
      // Between the thresholds it stays saturated (no flapping at the edge).
      busyFraction = 0.8;
      await sink.until((s) => s.frames.length >= from + 7);
      const saturatedFrames = sink.frames.slice(from);
      for (const frame of saturatedFrames.slice(0, -1)) expect(frame.pace?.reason).toBe('saturated');
      // Every frame after a saturated one waited the saturated interval (a timer may fire a ms early).
      for (let i = 1; i < saturatedFrames.length; i++)
        expect(saturatedFrames[i]!.sentAt - saturatedFrames[i - 1]!.sentAt).toBeGreaterThanOrEqual(saturatedIntervalMs - 2);

      // The load on the main thread falls: back to the busy pace at once, with the traffic still coming.
      busyFraction = 0.3;
      await sink.until((s) => s.last.pace?.reason === 'busy');
      from = sink.frames.length - 1;
      await sink.until((s) => s.frames.length >= from + 6);
      const busyFrames = sink.frames.slice(from);
      const busyGapsMs = busyFrames.slice(1).map((frame, i) => frame.sentAt - busyFrames[i]!.sentAt);
      // Some frames come sooner than the saturated interval allows (the ack comes at once; only the pace holds them).
      expect(busyGapsMs.some((gapMs) => gapMs < saturatedIntervalMs - 50)).toBe(true);
      expect(busyFrames.filter((frame) => frame.pace?.reason === 'saturated')).toHaveLength(0);
    } finally {
      isLoading = false;
      await loadLoop;
    }
  });

  it('at rest sends a live viewer no frame until something new is recorded, then one at the normal pace', async () => {
    // A resting interval far longer than the test: any frame at rest comes from something new.
    const { port, sink, viewer } = await setUpAckingViewer({ intervalMs: 20, restingIntervalMs: 600_000 });
    await sink.until((s) => s.frames.length >= 1);
    // Idle: the pool is at rest and nothing is recorded meanwhile, so (almost) nothing more is sent; at the normal
    // pace of 20 ms this would be about 25 frames.
    await settle(500);
    const restingFrames = sink.frames.length;
    expect(restingFrames).toBeLessThanOrEqual(3);
    // A request: its answer is shown without waiting for the resting interval, then frames follow at the normal
    // pace until the request rate (the last second's count) has fallen back to none.
    expect((await httpGet(port, '/')).status).toBe(200);
    await sink.until((s) => s.last.counters.responsesSent >= 1);
    await sink.until((s) => s.last.counters.requestsPerSecond === 0);
    expect(sink.frames.length).toBeGreaterThan(restingFrames + 10);
    // At rest again: quiet.
    await settle(100);
    const quietAgain = sink.frames.length;
    await settle(300);
    expect(sink.frames.length).toBeLessThanOrEqual(quietAgain + 1);
    // A change of the view is answered at once.
    viewer.setView(liveView({ id: 2, windowMs: 30_000 }));
    await sink.until((s) => s.last.viewId === 2);
  });

  it('stops moving for a paused view, sends it a frame when the status changes, and a full one on resume', async () => {
    const { controller, publisher, port } = await setUp();
    const sink = new RecordingSink();
    const viewer = publisher.addViewer(sink);
    viewer.setView(liveView());
    await sink.until((s) => s.frames.length === 1);
    viewer.setView(liveView({ id: 2, paused: true }));
    await sink.until((s) => s.last.viewId === 2);
    const paused = sink.last;
    expect(paused.isLive).toBe(false);
    viewer.ack(paused.seq);
    const countWhilePaused = sink.frames.length;
    await Promise.all(Array.from({ length: 10 }, () => httpGet(port, '/')));
    await settle(300);
    // The view stays at its moment: whatever still reaches it meanwhile (the live figures' panel, which goes on
    // being sampled) carries no later pool, no timeline and no log.
    for (const frame of sink.frames.slice(countWhilePaused)) {
      expect(frame.at).toBe(paused.at);
      expect(frame.timeline).toBeUndefined();
      expect(frame.log).toBeUndefined();
    }
    viewer.ack(sink.last.seq);

    const stopped = controller.execute({ type: 'stop-server' });
    await sink.until((s) => s.last.status?.phase === 'stopping' || s.last.status?.phase === 'stopped');
    expect(sink.last.at).toBe(paused.at);
    expect(sink.last.timeline).toBeUndefined();
    viewer.ack(sink.last.seq);
    await stopped;

    viewer.setView(liveView({ id: 3 }));
    await sink.until((s) => s.last.viewId === 3);
    expect(sink.last.isFull).toBe(true);
    expect(sink.last.isLive).toBe(true);
    expect(sink.last.at).toBeGreaterThan(paused.at);
  });

  it('answers queries from the recorder, bounded, and refuses bad views, acks and queries with a reason', async () => {
    const { publisher, port } = await setUp();
    const sink = new RecordingSink();
    const viewer = publisher.addViewer(sink);
    expect(viewer.setView({ ...liveView(), windowMs: -1 })).toMatch(/windowMs/);
    expect(viewer.setView('everything')).toMatch(/must be an object/);
    expect(viewer.ack(0)).toMatch(/seq/);
    await Promise.all(Array.from({ length: 12 }, () => httpGet(port, '/')));

    // Twelve requests on two workers: one of them ran at least six (which one, and how many, the pool decides).
    const listOf = (track: number) => viewer.query({ kind: 'requests-in', track, fromAt: 0, toAt: Date.now() + 60_000, limit: 3 });
    let list = listOf(0);
    if (list.ok && list.kind === 'requests-in' && list.total < 6) list = listOf(1);
    expect(list.ok).toBe(true);
    if (!list.ok || list.kind !== 'requests-in') throw new Error('expected a request list');
    expect(list.requests).toHaveLength(3);
    expect(list.total).toBeGreaterThan(3);
    const one = viewer.query({ kind: 'request', requestId: list.requests[0]!.id });
    expect(one.ok && one.kind === 'request' && one.request?.path).toBe('/');
    expect(viewer.query({ kind: 'requests-in', track: 0, fromAt: 0, toAt: 1, limit: 100_000 })).toMatchObject({ ok: false });
    expect(viewer.query({ kind: 'drop-tables' })).toEqual({ ok: false, error: 'unknown query "drop-tables"' });
    expect(sink.frames).toHaveLength(0);
  });
});

describe('FramePublisher viewers', () => {
  /** A viewer that applies and acks every frame at once, as a page keeping up does; it can be told it is backed up. */
  class KeepingUpViewer extends RecordingSink {
    isBackedUp = false;
    viewer: ReturnType<FramePublisher['addViewer']> | null = null;

    override send(frame: ViewerFrame): void {
      super.send(frame);
      queueMicrotask(() => this.viewer?.ack(frame.seq));
    }

    isCongested(): boolean {
      return this.isBackedUp;
    }

    static watch(publisher: FramePublisher): KeepingUpViewer {
      const sink = new KeepingUpViewer();
      sink.viewer = publisher.addViewer(sink);
      expect(sink.viewer.setView(liveView())).toBeNull();
      return sink;
    }
  }

  function stoppedController() {
    const controller = new ServerController({ initialSettings: settings() });
    const publisher = new FramePublisher(controller);
    controllers.push(controller);
    publishers.push(publisher);
    return { controller, publisher };
  }

  it('records every event whether or not a viewer is attached; the viewer count follows attach and remove', async () => {
    const { controller, publisher } = await setUp();
    // The flight recorder listens from the start: a viewer that attaches later still sees the truth.
    expect(controller.events.isObserved).toBe(true);
    expect(controller.history.runs()).toHaveLength(1);

    const viewer = publisher.addViewer(new RecordingSink());
    expect(publisher.viewerCount).toBe(1);
    viewer.remove();
    expect(publisher.viewerCount).toBe(0);
    expect(controller.events.isObserved).toBe(true);
  });

  it("shows a viewer that attaches to a running server that server's workers and address in its first frame", async () => {
    const { controller, publisher } = await setUp();
    const sink = KeepingUpViewer.watch(publisher);
    await sink.until((s) => s.frames.length >= 1);

    const first = sink.frames[0]!;
    expect(first.isFull).toBe(true);
    expect(first.status).toMatchObject({ phase: 'listening', url: controller.status.url });
    expect(first.run.phase).toBe('listening');
    expect(first.run.settings?.port).toBe(Number(controller.status.url!.split(':')[2]));
    expect(first.workers.map((w) => [w.id, w.phase])).toEqual([
      [0, 'idle'],
      [1, 'idle'],
    ]);
  });

  it('shows a server started while watching: its workers, its listening line in the log and the new status', async () => {
    const { controller, publisher } = stoppedController();
    const sink = KeepingUpViewer.watch(publisher);
    await sink.until((s) => s.frames.length >= 1);
    expect(sink.frames[0]!).toMatchObject({ isFull: true, status: { phase: 'stopped' }, run: { phase: 'stopped' }, workers: [] });

    await controller.execute({ type: 'start-server', settings: settings({ workerCount: 2 }) });
    await sink.until((s) => s.last.run.phase === 'listening' && s.frames.some((f) => f.status?.phase === 'listening'));
    await sink.until((s) => s.frames.some((f) => f.log?.lines.some((line) => line.text.startsWith('Listening on http://127.0.0.1:'))));

    expect(sink.last.workers.map((w) => [w.id, w.phase])).toEqual([
      [0, 'idle'],
      [1, 'idle'],
    ]);
  });

  it('stops sending to a removed viewer while others keep receiving', async () => {
    const { publisher, port } = await setUp();
    const leaving = KeepingUpViewer.watch(publisher);
    const staying = KeepingUpViewer.watch(publisher);
    await leaving.until((s) => s.frames.length >= 1);

    leaving.viewer!.remove();
    const framesWhenRemoved = leaving.frames.length;
    await Promise.all(Array.from({ length: 5 }, () => httpGet(port, '/')));
    await staying.until((s) => s.last.counters.responsesSent >= 5);
    await settle(100);

    expect(leaving.frames).toHaveLength(framesWhenRemoved);
  });

  it('holds frames back from a congested viewer, and sends it the whole truth once it catches up', async () => {
    const { publisher, port } = await setUp();
    const slow = KeepingUpViewer.watch(publisher);
    const reference = KeepingUpViewer.watch(publisher);
    await slow.until((s) => s.frames.length >= 1);

    slow.isBackedUp = true;
    const framesWhenBackedUp = slow.frames.length;
    await Promise.all(Array.from({ length: 20 }, () => httpGet(port, '/')));
    await reference.until((s) => s.last.counters.responsesSent >= 20);
    await settle(100);
    // Nothing piles up for a backed-up transport: no frame at all while it is.
    expect(slow.frames).toHaveLength(framesWhenBackedUp);

    slow.isBackedUp = false;
    await slow.until((s) => s.frames.length > framesWhenBackedUp);
    // Frames are not deltas of events: the next one already shows every response, none was lost on the way.
    expect(slow.frames[framesWhenBackedUp]!.counters.responsesSent).toBeGreaterThanOrEqual(20);
  });
});

describe('eventLoopBusyFraction', () => {
  it('reads nothing before a whole window, then how much of it the thread was busy', async () => {
    const read = eventLoopBusyFraction(50);
    expect(read()).toBeNull();
    // Busy: the thread runs without a break for longer than the window.
    const busyUntil = performance.now() + 80;
    while (performance.now() < busyUntil) {}
    const busy = read();
    expect(busy).not.toBeNull();
    expect(busy!).toBeGreaterThan(0.6);
    // Idle: the thread waits on a timer for longer than the window.
    await settle(150);
    expect(read()!).toBeLessThan(0.4);
  });
});
