// What a viewer sees of each strategy, through real sockets and real threads: the flight recorder reduces the
// strategies' own events (the while-let lock, the request threads, the single thread's waiting connections), so a
// viewer that arrives late, and a replay of the same events, get the truth in their first frame. Conditions are
// awaited on the server's events, never on sleeps that guess how long a thread takes; the jobs a frame shows running
// are held until the test has looked (test/support/held-jobs.ts), never sleeps hoped to outlast the look.

import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { EventHistory, ViewerFrames } from '../src/history';
import { type RunningServer, type ServerOptions, startServer } from '../src/server';
import type { Strategy } from '../src/shared/settings';
import type { ViewerFrame } from '../src/shared/wire';
import { EventRecorder } from './support/event-recorder';
import { HELD_REQUEST_WORKER, HeldJobs } from './support/held-jobs';
import { get, RawConnection, request } from './support/http-client';

let running: RunningServer[] = [];
const holds = new HeldJobs();

afterEach(async () => {
  holds.releaseAll();
  await Promise.all(running.map((s) => s.shutdown()));
  running = [];
  holds.dispose();
});

/** A server under `strategy` whose events a flight recorder keeps from its start, as the app's controller does. */
async function start(strategy: Strategy, options: ServerOptions = {}) {
  const recorder = new EventRecorder();
  const history = new EventHistory();
  recorder.stream.subscribe((event) => history.append(event));
  const server = await startServer({
    port: 0,
    workerCount: 4,
    strategy,
    workerScript: HELD_REQUEST_WORKER,
    ...options,
    events: recorder.stream,
  });
  running.push(server);
  return { server, recorder, history };
}

/** The first frame of a viewer that starts watching now. */
function lateViewerFrame(history: EventHistory, now: number, cursor: 'live' | { at: number } = 'live'): ViewerFrame {
  const frames = new ViewerFrames(history);
  frames.setView({ id: 1, windowMs: 30_000, plotWidthPx: 600, paused: false, cursor });
  const frame = frames.build({ now, status: null, maxAgeMs: Number.POSITIVE_INFINITY, maxEvents: 1_000_000 });
  expect(frame?.isFull).toBe(true);
  return frame!;
}

/** The same events read back by a fresh recorder, as a replay reads a recording, shown at `at`. */
function replayFrame(recorder: EventRecorder, at: number): ViewerFrame {
  const history = new EventHistory({ maxAgeMs: Number.POSITIVE_INFINITY });
  for (const event of recorder.events) history.append(event);
  return lateViewerFrame(history, at, { at });
}

describe('strategy pool-while-let, as a late viewer sees it', () => {
  it("shows the worker that holds the queue's lock busy with its job and the three others waiting for the lock, in order", async () => {
    const { server, recorder, history } = await start('pool-while-let');
    await recorder.until((r) => r.count('lock-waiting') >= 3);
    const answers = Promise.all([0, 1, 2, 3].map(() => request(server.port, get(holds.hold()))));
    await recorder.until((r) => r.count('job-started') === 1 && r.count('job-queued') === 4);
    const now = recorder.stream.now();
    const frame = lateViewerFrame(history, now);

    const busy = frame.workers.filter((w) => w.phase === 'busy');
    expect(busy).toHaveLength(1);
    expect(frame.workers.filter((w) => w.phase === 'waiting-for-lock').map((w) => w.id)).toHaveLength(3);
    expect(frame.strategy).toBe('pool-while-let');
    expect(frame.lock!.holderId).toBe(busy[0]!.id);
    expect(frame.lock!.heldSince).toBeLessThanOrEqual(busy[0]!.job!.startedAt!);
    // The waiters in the order they began to wait, as the pool itself reports them.
    const reported = server.state().pool.lock!;
    expect(frame.lock!.waiters.map((w) => w.workerId)).toEqual(reported.waiters.map((w) => w.workerId));
    expect(frame.threads).toMatchObject({ live: 4, peak: 4, startupMedianMs: null });
    expect(frame.queue.length).toBe(3);
    // A replay of the same events at the same moment tells the same.
    const replayed = replayFrame(recorder, now);
    expect(replayed.lock).toEqual(frame.lock);
    expect(replayed.workers.map((w) => w.phase)).toEqual(frame.workers.map((w) => w.phase));

    holds.releaseAll();
    expect((await answers).map((a) => a.status)).toEqual([200, 200, 200, 200]);
  });
});

describe('strategy per-request, as a late viewer sees it', () => {
  it('shows one lane per live thread with the live count, the peak and the start-up median, and the lanes gone once the threads ended', async () => {
    const { server, recorder, history } = await start('per-request');
    const answers = Promise.all([0, 1, 2].map(() => request(server.port, get(holds.hold()))));
    await recorder.until((r) => r.count('job-started') === 3);
    const during = lateViewerFrame(history, recorder.stream.now());
    // The pool size (4) does not apply: the lanes are the threads alive.
    expect(during.workers.map((w) => [w.id, w.phase])).toEqual([
      [0, 'busy'],
      [1, 'busy'],
      [2, 'busy'],
    ]);
    expect(during.threads.live).toBe(3);
    expect(during.threads.peak).toBe(3);
    const startups = recorder.of('thread-started').map((e) => e.startupMs);
    expect(during.threads.startupMedianMs).toBe([...startups].sort((a, b) => a - b)[1]);
    expect(during.lock).toBeNull();

    holds.releaseAll();
    expect((await answers).map((a) => a.status)).toEqual([200, 200, 200]);
    await recorder.until((r) => r.count('thread-exited') === 3);
    const after = lateViewerFrame(history, recorder.stream.now());
    expect(after.workers).toEqual([]);
    expect(after.threads).toMatchObject({ live: 0, peak: 3 });
    // The timeline keeps each thread's lane while its job is in the window, the bar ending where the job ended.
    const lanes = after.timeline!.lanes;
    expect(lanes.map((lane) => lane.workerId)).toEqual([0, 1, 2]);
    for (const lane of lanes) {
      expect(lane.bars).toHaveLength(1);
      expect(lane.bars[0]!.finishedAt).not.toBeNull();
    }
  });
});

describe('strategy single, as a late viewer sees it', () => {
  it('shows the one thread busy with a long job and the GET / sent after it waiting, unread, with how long it has waited', async () => {
    const { server, recorder, history } = await start('single');
    const held = holds.hold();
    const sleeper = await RawConnection.open(server.port);
    sleeper.send(get(held));
    await recorder.until((r) => r.count('job-started') === 1);
    const reader = await RawConnection.open(server.port);
    reader.send(get('/'));
    await recorder.until((r) => r.count('connection-waiting') === 1);
    await delay(200);
    const now = recorder.stream.now();
    const frame = lateViewerFrame(history, now);
    const waiting = recorder.of('connection-waiting')[0]!;
    const opened = recorder.of('connection-opened').find((e) => e.connectionId === waiting.connectionId)!;

    // One lane, the single thread, whatever the pool size says.
    expect(frame.workers.map((w) => w.phase)).toEqual(['busy']);
    expect(frame.threads).toMatchObject({ live: 1, peak: 1 });
    expect(frame.waiting.count).toBe(1);
    expect(frame.waiting.connections[0]).toMatchObject({
      connectionId: waiting.connectionId,
      remoteAddress: opened.remoteAddress,
      remotePort: opened.remotePort,
      since: opened.at,
    });
    expect(frame.waiting.connections[0]!.waitedMs).toBeCloseTo(now - opened.at, 6);
    expect(replayFrame(recorder, now).waiting).toEqual(frame.waiting);

    holds.release(held);
    expect((await sleeper.read()).status).toBe(200);
    expect((await reader.read()).status).toBe(200);
    await recorder.until((r) => r.count('connection-taken') === 1);
    expect(lateViewerFrame(history, recorder.stream.now()).waiting).toEqual({ count: 0, connections: [] });
    sleeper.close();
    reader.close();
  });
});
