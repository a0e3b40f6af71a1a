// The history recording a real server through real sockets and real worker threads: during a /sleep
// burst it knows 4 busy workers and 4 waiting jobs, and it still knows them afterwards (replay from its
// checkpoints), with the queue track, the details and the book's GET / traffic around them.

import { afterEach, describe, expect, it } from 'vitest';
import { EventHistory } from '../src/history';
import { EventStream, type RunningServer, startServer } from '../src/server';
import { BURST_USER_AGENT } from '../src/shared/events';
import { blankFinishedRequest } from '../src/shared/request-stats';
import { get, RawConnection, request } from './support/http-client';

const SLEEP_MS = 1_500;

let server: RunningServer | null = null;

afterEach(async () => {
  await server?.shutdown();
  server = null;
});

/** A history fed by the server's event stream, and a way to wait until it holds something. */
function recordedServerEvents(history: EventHistory): { stream: EventStream; until: (predicate: () => boolean) => Promise<void> } {
  const stream = new EventStream();
  let waiters: Array<() => void> = [];
  stream.subscribe((event) => {
    history.append(event);
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  });
  const until = async (predicate: () => boolean) => {
    while (!predicate()) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { stream, until };
}

describe('the history of a real server', () => {
  it('knows the 4 busy workers and the 4 waiting jobs of a burst, during it and afterwards', async () => {
    const history = new EventHistory({ checkpointIntervalEvents: 16 });
    const { stream, until } = recordedServerEvents(history);
    server = await startServer({ port: 0, workerCount: 4, sleepMs: SLEEP_MS, events: stream });

    // Some ordinary traffic first: a browser's GET / twenty times.
    for (let i = 0; i < 20; i++) expect((await request(server.port, get('/', 'User-Agent: Mozilla/5.0\r\n'))).status).toBe(200);

    const sleepers = await Promise.all(Array.from({ length: 8 }, () => RawConnection.open(server!.port)));
    for (const c of sleepers) c.send(get('/sleep', `User-Agent: ${BURST_USER_AGENT}\r\n`));
    await until(() => {
      const state = history.stateAt(stream.now());
      return state !== null && state.workers.filter((w) => w.phase === 'busy').length === 4 && state.queue.length === 4;
    });
    const duringAt = stream.now();
    const during = history.stateAt(duringAt)!;
    expect(during.phase).toBe('listening');
    expect(during.settings).toMatchObject({ workerCount: 4, sleepMs: SLEEP_MS });
    const busy = during.workers.filter((w) => w.phase === 'busy');
    expect(busy.map((w) => w.id).sort()).toEqual([0, 1, 2, 3]);
    const requestsById = new Map(during.requests.map((r) => [r.id, r]));
    for (const w of busy) {
      expect(requestsById.get(w.requestId!)).toMatchObject({ path: '/sleep', origin: 'burst', workerId: w.id });
      expect(w.busySince).toBeLessThanOrEqual(duringAt);
    }
    const waiting = during.queue.map((job) => requestsById.get(job.requestId)!);
    expect(waiting.map((r) => [r.path, r.origin, r.startedAt])).toEqual(Array(4).fill(['/sleep', 'burst', null]));
    expect(during.queue.map((j) => j.queuedAt)).toEqual([...during.queue.map((j) => j.queuedAt)].sort((a, b) => a - b));
    expect(during.connections.length).toBe(8);
    expect(history.activity(duringAt)).toMatchObject({ queueLength: 4 });

    for (const c of sleepers) expect((await c.read()).status).toBe(200);
    for (const c of sleepers) c.close();
    await until(() => history.stateAt(stream.now())!.requests.length === 0);

    // Afterwards: the same moment, rebuilt from a checkpoint and the events after it.
    expect(history.stateAt(duringAt)).toEqual(during);

    // The timeline shows the 4 waits of about one sleep each, handed to the worker that took them.
    const endAt = stream.now();
    const timeline = history.timeline({ fromAt: endAt - 10_000, toAt: endAt, plotWidthPx: 1_200, now: endAt });
    const spans = timeline.queue.spans!;
    const longWaits = spans.filter((s) => s.leftAt - s.queuedAt > SLEEP_MS / 2);
    expect(longWaits.map((s) => [s.route, s.origin, s.isWaiting])).toEqual(Array(4).fill(['/sleep', 'burst', false]));
    expect(longWaits.map((s) => s.workerId).sort()).toEqual([0, 1, 2, 3]);
    const sleepBars = timeline.lanes.flatMap((lane) => lane.bars.filter((b) => b.route === '/sleep'));
    expect(sleepBars.length).toBe(8);
    for (const bar of sleepBars) expect(bar.finishedAt! - bar.startedAt).toBeGreaterThanOrEqual(SLEEP_MS * 0.9);

    // Every GET / is on a lane, as a bar or within a bucket, and hovering the lanes lists it.
    let rootJobs = 0;
    for (const lane of timeline.lanes) {
      let shown = lane.bars.filter((b) => b.route === '/').length;
      for (let k = 0; k < timeline.bucketCount; k++) shown += lane.buckets.routes[k * 3]!;
      const listed = history.requestsIn({ track: lane.workerId, fromAt: endAt - 10_000, toAt: endAt, limit: 100 });
      const root = listed.requests.filter((r) => r.path === '/').length;
      // A job across a bucket boundary counts in both buckets.
      expect(shown).toBeGreaterThanOrEqual(root);
      rootJobs += root;
    }
    expect(rootJobs).toBe(20);

    // Details on demand: the queue's requests over the burst, and one of them in full.
    const queued = history.requestsIn({ track: 'queue', fromAt: endAt - 10_000, toAt: endAt, limit: 50 });
    expect(queued.total).toBe(28);
    expect(queued.requests.filter((r) => r.path === '/sleep').length).toBe(8);
    const detail = history.request(longWaits[0]!.requestId!)!;
    expect(detail).toMatchObject({
      method: 'GET',
      target: '/sleep',
      userAgent: BURST_USER_AGENT,
      status: 200,
      workerId: longWaits[0]!.workerId,
    });
    expect(detail.waitMs!).toBeGreaterThan(SLEEP_MS / 2);
    expect(detail.runMs!).toBeGreaterThanOrEqual(SLEEP_MS * 0.9);
  });
});

describe('the history of a real single-threaded server (strategy single)', () => {
  const SINGLE_SLEEP_MS = 400;
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('draws each connection’s wait, unread, for the one thread on the queue track, and counts it in the queue’s length', async () => {
    const history = new EventHistory({ checkpointIntervalEvents: 16 });
    const { stream, until } = recordedServerEvents(history);
    server = await startServer({ port: 0, workerCount: 1, sleepMs: SINGLE_SLEEP_MS, strategy: 'single', events: stream });
    const port = server.port;

    // Four sleepers at once: the thread serves one, three wait unread in the backlog.
    const sleepers = await Promise.all(Array.from({ length: 4 }, () => RawConnection.open(port)));
    for (const c of sleepers) c.send(get('/sleep', `User-Agent: ${BURST_USER_AGENT}\r\n`));
    await until(() => history.stateAt(stream.now())!.waitingConnections.length === 3);
    // Long enough to be drawn: a wait under a pixel (10 s over 1,200 px) is not.
    await pause(SINGLE_SLEEP_MS / 4);
    const duringAt = stream.now();
    const waitingIds = history.stateAt(duringAt)!.waitingConnections.map((c) => c.connectionId);
    expect(waitingIds.length).toBe(3);
    const timelineAt = (now: number) => history.timeline({ fromAt: now - 10_000, toAt: now, plotWidthPx: 1_200, now });
    const during = timelineAt(duringAt).queue;
    expect(during.spans!.map((s) => [s.connection?.connectionId, s.isWaiting, s.requestId])).toEqual(
      waitingIds.map((id) => [id, true, null]),
    );
    expect(Math.max(...during.buckets.maxLength)).toBe(3);

    for (const c of sleepers) expect((await c.read()).status).toBe(200);
    for (const c of sleepers) c.close();
    await until(() => history.stateAt(stream.now())!.connections.length === 0);

    // Afterwards: each of the three waits ended when the thread took it and read its /sleep, about one sleep apart.
    const endAt = stream.now();
    const afterTimeline = timelineAt(endAt);
    const after = afterTimeline.queue;
    const connectionSpans = after.spans!.filter((s) => s.connection !== null);
    expect(connectionSpans.map((s) => s.connection!.connectionId)).toEqual(waitingIds);
    expect(connectionSpans.map((s) => [s.connection!.wasRead, s.isWaiting, s.route, s.origin])).toEqual(
      Array(3).fill([true, false, '/sleep', 'burst']),
    );
    const waitsMs = connectionSpans.map((s) => s.leftAt - s.queuedAt);
    for (let k = 0; k < 3; k++) expect(waitsMs[k]!).toBeGreaterThanOrEqual((k + 1) * SINGLE_SLEEP_MS * 0.9);
    // Each wait hands over to its request's bar on the thread's lane.
    const barIds = new Set(afterTimeline.lanes.flatMap((l) => l.bars.map((b) => b.requestId)));
    for (const s of connectionSpans) expect(barIds.has(s.requestId!)).toBe(true);
    // The live stats count the same wait, and each request's latency from when its connection was accepted.
    for (const span of connectionSpans) {
      const counted = history.finishedRequest(span.requestId!, span.runId, blankFinishedRequest())!;
      expect(counted.waitMs!).toBeGreaterThanOrEqual(span.leftAt - span.queuedAt);
      // (The request itself is read a moment after the thread took its connection.)
      expect(counted.receivedAt).toBeGreaterThanOrEqual(span.queuedAt);
      expect(counted.receivedAt).toBeLessThan(span.leftAt);
    }
    // The queue's mean wait is the connections' waits, not their jobs' (which start at once).
    let waitMsSum = 0;
    let dequeued = 0;
    after.buckets.meanWaitMs.forEach((mean, k) => {
      if (after.buckets.dequeued[k]! > 0) {
        waitMsSum += mean * after.buckets.dequeued[k]!;
        dequeued += after.buckets.dequeued[k]!;
      }
    });
    expect(dequeued).toBe(4);
    expect(waitMsSum).toBeGreaterThanOrEqual(6 * SINGLE_SLEEP_MS * 0.9);

    // Replayed at the moment above, the three wait again, with nothing known of their requests.
    expect(timelineAt(duringAt).queue.spans).toEqual(during.spans);

    // Stopped while two wait: they are answered 503 unread, and their waits end there.
    const late = await Promise.all(Array.from({ length: 3 }, () => RawConnection.open(port)));
    for (const c of late) c.send(get('/sleep'));
    await until(() => history.stateAt(stream.now())!.waitingConnections.length === 2);
    const refusedIds = history.stateAt(stream.now())!.waitingConnections.map((c) => c.connectionId);
    await pause(SINGLE_SLEEP_MS / 4);
    const stopped = server.shutdown();
    const statuses = await Promise.all(late.map(async (c) => (await c.read()).status));
    expect(statuses.sort()).toEqual([200, 503, 503]);
    await stopped;
    const stoppedAt = stream.now();
    const refused = timelineAt(stoppedAt).queue.spans!.filter(
      (s) => s.connection !== null && refusedIds.includes(s.connection.connectionId),
    );
    expect(refused.map((s) => [s.connection!.wasRead, s.isWaiting, s.requestId])).toEqual(Array(2).fill([false, false, null]));
  });
});
