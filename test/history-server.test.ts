// The history recording a real server through real sockets and real worker threads: during a /sleep
// burst it knows 4 busy workers and 4 waiting jobs, and it still knows them afterwards (replay from its
// checkpoints), with the queue track, the details and the book's GET / traffic around them.

import { afterEach, describe, expect, it } from 'vitest';
import { EventHistory } from '../src/history';
import { EventStream, type RunningServer, startServer } from '../src/server';
import { BURST_USER_AGENT } from '../src/shared/events';
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
    const detail = history.request(longWaits[0]!.requestId)!;
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
