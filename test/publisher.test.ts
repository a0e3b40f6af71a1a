// The publisher as a viewer sees it: a snapshot first, then batched deltas; nothing observed while
// nobody watches; a viewer that falls behind loses events (counted) and is resynchronised with a snapshot.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventPublisher, type ViewerSink } from '../src/main/publisher';
import { ServerController } from '../src/main/server-controller';
import { EventStream } from '../src/server';
import type { ServerEvent } from '../src/shared/events';
import { DEFAULT_SETTINGS } from '../src/shared/settings';
import type { ControllerStatus, ViewerMessage } from '../src/shared/wire';
import { Changes } from './support/changes';
import { testSettings as settings } from './support/settings';

let controllers: ServerController[] = [];
let publishers: EventPublisher[] = [];

afterEach(async () => {
  vi.useRealTimers();
  for (const p of publishers) p.dispose();
  await Promise.all(controllers.map((c) => c.dispose()));
  controllers = [];
  publishers = [];
});

function setUp(options: ConstructorParameters<typeof EventPublisher>[1] = {}) {
  const controller = new ServerController({ initialSettings: settings() });
  const publisher = new EventPublisher(controller, options);
  controllers.push(controller);
  publishers.push(publisher);
  return { controller, publisher };
}

/** A viewer that keeps every message and can be told it is backed up. */
class RecordingSink implements ViewerSink {
  /** Snapshots and deltas: the event stream's messages. */
  readonly messages: ViewerMessage[] = [];
  isBackedUp = false;
  private readonly changes = new Changes();

  send(message: ViewerMessage): void {
    this.messages.push(message);
    this.changes.notify();
  }

  isCongested(): boolean {
    return this.isBackedUp;
  }

  get events(): ServerEvent[] {
    return this.messages.flatMap((m) => (m.kind === 'delta' ? m.events : []));
  }

  count(type: ServerEvent['type']): number {
    return this.events.filter((e) => e.type === type).length;
  }

  until(predicate: (sink: RecordingSink) => boolean): Promise<void> {
    return this.changes.until(() => predicate(this));
  }
}

describe('EventPublisher with a real server', () => {
  it('records every event whether or not a viewer is attached; the viewer count follows attach and remove', async () => {
    const { controller, publisher } = setUp();
    await controller.execute({ type: 'start-server', settings: settings() });
    // The flight recorder listens from the start: a viewer that attaches later still sees the truth.
    expect(controller.events.isObserved).toBe(true);
    expect(controller.history.runs()).toHaveLength(1);

    const sink = new RecordingSink();
    const remove = publisher.addViewer(sink);
    expect(publisher.viewerCount).toBe(1);

    remove();
    expect(controller.events.isObserved).toBe(true);
    expect(publisher.viewerCount).toBe(0);
  });

  it("sends a snapshot at once to a viewer that attaches to a running server, with the server's workers", async () => {
    const { controller, publisher } = setUp();
    await controller.execute({ type: 'start-server', settings: settings({ workerCount: 3 }) });
    const sink = new RecordingSink();

    publisher.addViewer(sink);

    expect(sink.messages).toHaveLength(1);
    const first = sink.messages[0]!;
    expect(first.kind).toBe('snapshot');
    if (first.kind !== 'snapshot') return;
    expect(first.status).toMatchObject({ phase: 'listening', url: controller.status.url });
    expect(first.snapshot.phase).toBe('listening');
    expect(first.snapshot.port).toBe(Number(controller.status.url!.split(':')[2]));
    expect(first.snapshot.workers.map((w) => [w.id, w.phase])).toEqual([
      [0, 'idle'],
      [1, 'idle'],
      [2, 'idle'],
    ]);
  });

  it('shows a server started while watching: its workers, its listening event and the new status', async () => {
    const { controller, publisher } = setUp();
    const sink = new RecordingSink();
    publisher.addViewer(sink);

    await controller.execute({ type: 'start-server', settings: settings({ workerCount: 2 }) });
    await sink.until(
      (s) => s.count('server-listening') === 1 && s.messages.some((m) => m.kind === 'delta' && m.status?.phase === 'listening'),
    );

    expect(sink.events.filter((e) => e.type === 'worker-spawned').map((e) => e.type === 'worker-spawned' && e.workerId)).toEqual([0, 1]);
  });

  it('batches deltas: 500 requests arrive in far fewer messages than events', async () => {
    const { controller, publisher } = setUp();
    await controller.execute({ type: 'start-server', settings: settings({ workerCount: 4 }) });
    const sink = new RecordingSink();
    publisher.addViewer(sink);

    await controller.execute({ type: 'fire-burst', path: '/', count: 500 });
    await sink.until((s) => s.count('response-sent') === 500);

    const deltas = sink.messages.filter((m) => m.kind === 'delta');
    expect(sink.events.length).toBeGreaterThanOrEqual(500 * 6);
    expect(deltas.length).toBeLessThanOrEqual(sink.events.length / 10);
    expect(deltas.every((m) => m.kind === 'delta' && m.droppedEventCount === 0)).toBe(true);
  });

  it('stops sending to a removed viewer while others keep receiving', async () => {
    const { controller, publisher } = setUp();
    await controller.execute({ type: 'start-server', settings: settings() });
    const leaving = new RecordingSink();
    const staying = new RecordingSink();
    const removeLeaving = publisher.addViewer(leaving);
    publisher.addViewer(staying);

    removeLeaving();
    const messagesWhenRemoved = leaving.messages.length;
    await controller.execute({ type: 'fire-burst', path: '/', count: 5 });
    await staying.until((s) => s.count('response-sent') === 5);

    expect(leaving.messages).toHaveLength(messagesWhenRemoved);
  });

  it('drops events for a congested viewer, counts them, and sends a fresh snapshot once it catches up', async () => {
    const { controller, publisher } = setUp();
    await controller.execute({ type: 'start-server', settings: settings() });
    const slow = new RecordingSink();
    const reference = new RecordingSink();
    publisher.addViewer(slow);
    publisher.addViewer(reference);

    slow.isBackedUp = true;
    await controller.execute({ type: 'fire-burst', path: '/', count: 20 });
    // Both viewers are handled in the same flush, so once the reference has every response the slow one has dropped them.
    await reference.until((s) => s.count('response-sent') === 20);
    expect(slow.messages).toHaveLength(1);

    slow.isBackedUp = false;
    await slow.until((s) => s.messages.length === 2);
    const resync = slow.messages[1]!;
    expect(resync.kind).toBe('snapshot');
    if (resync.kind !== 'snapshot') return;
    expect(resync.snapshot.counters.droppedEvents).toBeGreaterThanOrEqual(20 * 6);
    expect(resync.snapshot.counters.responsesSent).toBe(20);

    await controller.execute({ type: 'fire-burst', path: '/', count: 1 });
    await slow.until((s) => s.count('response-sent') === 1);
    const lastDelta = slow.messages.at(-1)!;
    expect(lastDelta.kind === 'delta' && lastDelta.droppedEventCount).toBe(resync.snapshot.counters.droppedEvents);
  });
});

describe('EventPublisher bounds', () => {
  /** A stand-in controller whose events the test emits itself, so the bound is crossed deterministically. */
  function fakeController() {
    const status: ControllerStatus = { phase: 'stopped', url: null, settings: DEFAULT_SETTINGS, lastError: null };
    const events = new EventStream();
    // No live metrics here: this stand-in's viewers get the event stream's messages alone.
    return { events, status, currentRun: null } as unknown as ServerController & { events: EventStream };
  }

  const requestReceived = (requestId: number): ServerEvent => ({
    type: 'request-received',
    at: 1,
    requestId,
    connectionId: requestId,
    method: 'GET',
    target: '/',
    remoteAddress: '127.0.0.1',
    userAgent: null,
  });

  it('drops events past the per-viewer bound and resynchronises that viewer with a snapshot', async () => {
    const controller = fakeController();
    const publisher = new EventPublisher(controller, { maxBufferedEventsPerViewer: 5, intervalMs: 10 });
    publishers.push(publisher);
    const sink = new RecordingSink();
    publisher.addViewer(sink);

    for (let id = 1; id <= 12; id++) controller.events.emit(requestReceived(id));
    await sink.until((s) => s.messages.length === 2);

    const resync = sink.messages[1]!;
    expect(resync.kind).toBe('snapshot');
    if (resync.kind !== 'snapshot') return;
    expect(resync.snapshot.counters.droppedEvents).toBe(12);
    expect(resync.snapshot.counters.requestsReceived).toBe(12);
    expect(resync.snapshot.requests.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

    controller.events.emit(requestReceived(13));
    await sink.until((s) => s.messages.length === 3);
    expect(sink.messages[2]).toMatchObject({ kind: 'delta', droppedEventCount: 12, events: [{ requestId: 13 }] });
  });

  it('sends no empty deltas: intervals with nothing to say send nothing', () => {
    // The publisher's own clock, driven by hand: every interval runs exactly when the test says so.
    vi.useFakeTimers();
    const controller = fakeController();
    const publisher = new EventPublisher(controller, { intervalMs: 5 });
    publishers.push(publisher);
    const sink = new RecordingSink();
    publisher.addViewer(sink);

    controller.events.emit(requestReceived(1));
    vi.advanceTimersByTime(5);
    expect(sink.messages.map((m) => m.kind)).toEqual(['snapshot', 'delta']);

    vi.advanceTimersByTime(100 * 5);
    expect(sink.messages).toHaveLength(2);

    controller.events.emit(requestReceived(2));
    vi.advanceTimersByTime(5);
    expect(sink.messages).toHaveLength(3);
    expect(sink.messages[2]).toMatchObject({ kind: 'delta', events: [{ requestId: 2 }] });
  });
});
