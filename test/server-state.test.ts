// The server's report of its own state (RunningServer.state()) through real sockets and real worker threads:
// what it says during a burst, with and without anyone watching the events, through a crash, and once stopped.
// Where events were recorded, the report must agree with them to the microsecond: both read the same clock.

import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStream, type RunningServer, type ServerOptions, startServer } from '../src/server';
import type { ServerState } from '../src/shared/server-state';
import { EventRecorder } from './support/event-recorder';
import { get, RawConnection, request } from './support/http-client';

const SLEEP_MS = 2_000;
const faultyWorker = new URL('./fixtures/workers/faulty-request-worker.ts', import.meta.url).pathname;

let running: RunningServer[] = [];
let connections: RawConnection[] = [];

afterEach(async () => {
  await Promise.all(running.map((s) => s.shutdown()));
  for (const conn of connections) conn.close();
  running = [];
  connections = [];
});

async function start(options: ServerOptions): Promise<RunningServer> {
  const server = await startServer({ port: 0, workerCount: 4, sleepMs: SLEEP_MS, ...options });
  running.push(server);
  return server;
}

/** Eight GET /sleep, each on its own connection, sent one after another. */
async function fireSleepBurst(server: RunningServer, userAgent = 'state-test/1'): Promise<void> {
  for (let i = 0; i < 8; i++) {
    const conn = await RawConnection.open(server.port);
    connections.push(conn);
    conn.send(get('/sleep', `User-Agent: ${userAgent}\r\n`));
  }
}

/** Asks the server until its report satisfies `predicate` (the test's own timeout bounds the wait). */
async function untilState(server: RunningServer, predicate: (state: ServerState) => boolean): Promise<ServerState> {
  for (;;) {
    const state = server.state();
    if (predicate(state)) return state;
    await sleep(10);
  }
}

const isAscending = (values: number[]) => values.every((value, i) => i === 0 || value >= values[i - 1]!);

describe('the server reports its state', () => {
  it('during a burst of 8 /sleep on 4 workers: 4 busy workers with their requests, 4 queued jobs in arrival order, 8 connections', async () => {
    const recorder = new EventRecorder();
    const server = await start({ events: recorder.stream });
    await fireSleepBurst(server);
    await recorder.until((r) => r.count('job-started') === 4 && r.count('job-queued') === 8);
    const state = server.state();

    expect(state.phase).toBe('listening');
    expect(state.settings).toMatchObject({ host: '127.0.0.1', port: server.port, workerCount: 4, sleepMs: SLEEP_MS });
    expect(state.listeningAt).toBe(recorder.of('server-listening')[0]!.at);
    expect(state.takenAt).toBeGreaterThanOrEqual(recorder.events.at(-1)!.at);

    const started = recorder.of('job-started');
    expect(state.pool.workers.map((w) => w.phase)).toEqual(['busy', 'busy', 'busy', 'busy']);
    for (const worker of state.pool.workers) {
      const start = started.find((e) => e.workerId === worker.id)!;
      expect(worker).toMatchObject({ requestId: start.requestId, busySince: start.at, jobsDone: 0, replacements: 0 });
      expect(worker.spawnedAt).toBe(recorder.of('worker-spawned')[worker.id]!.at);
    }

    const waiting = recorder.of('job-queued').filter((q) => !started.some((s) => s.requestId === q.requestId));
    expect(state.pool.queue).toEqual(waiting.map((q) => ({ requestId: q.requestId, enqueuedAt: q.at })));
    expect(state.pool.queue).toHaveLength(4);
    expect(isAscending(state.pool.queue.map((j) => j.enqueuedAt))).toBe(true);

    expect(state.openConnectionCount).toBe(8);
    expect(state.connections).toEqual(
      recorder.of('connection-opened').map((e) => ({
        id: e.connectionId,
        remoteAddress: e.remoteAddress,
        remotePort: e.remotePort,
        // Each owes the answer to its /sleep, queued or running.
        phase: 'answering',
        refused: false,
        openedAt: e.at,
        requestsInFlight: 1,
      })),
    );
    // Listed by connection; numbered as they arrived.
    const byRequestId = (a: { requestId: number }, b: { requestId: number }) => a.requestId - b.requestId;
    expect([...state.requests].sort(byRequestId)).toEqual(
      recorder
        .of('request-received')
        .sort(byRequestId)
        .map((e) => ({
          requestId: e.requestId,
          connectionId: e.connectionId,
          method: 'GET',
          target: '/sleep',
          userAgent: 'state-test/1',
          origin: 'external',
          receivedAt: e.at,
          status: null,
        })),
    );
    // Plain JSON: what a viewer is sent is what the server said.
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  it('is as true when nobody watched the events: a burst fired before anyone subscribed', async () => {
    const events = new EventStream();
    const server = await start({ events });
    await fireSleepBurst(server, 'poolscope-burst/1');
    const state = await untilState(server, (s) => s.pool.queue.length === 4);
    expect(events.isObserved).toBe(false);

    expect(state.pool.workers.map((w) => w.phase)).toEqual(['busy', 'busy', 'busy', 'busy']);
    const running = state.pool.workers.map((w) => w.requestId!).sort((a, b) => a - b);
    const queued = state.pool.queue.map((j) => j.requestId);
    // Requests are numbered as they arrive: the first four run, the last four wait in that order.
    expect(running).toEqual([1, 2, 3, 4]);
    expect(queued).toEqual([5, 6, 7, 8]);
    expect(isAscending(state.pool.queue.map((j) => j.enqueuedAt))).toBe(true);
    for (const worker of state.pool.workers) expect(worker.busySince).toBeLessThanOrEqual(state.takenAt);
    expect(state.openConnectionCount).toBe(8);
    expect(state.requests.map((r) => r.requestId).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(state.requests.every((r) => r.origin === 'burst' && r.status === null)).toBe(true);
    // Each request was read before its job was queued.
    const byId = new Map(state.requests.map((r) => [r.requestId, r]));
    for (const job of state.pool.queue) expect(byId.get(job.requestId)!.receivedAt).toBeLessThanOrEqual(job.enqueuedAt);
  });

  it('after a worker crash: restarting under its id, then idle again with the job it died on counted', async () => {
    const recorder = new EventRecorder();
    const server = await start({ events: recorder.stream, workerCount: 2, workerScript: faultyWorker });
    expect((await request(server.port, get('/die'))).status).toBe(500);
    await recorder.until((r) => r.count('worker-exited') === 1);
    const diedOn = recorder.of('worker-exited')[0]!.workerId;
    const during = server.state();
    expect(during.pool.workers[diedOn]).toMatchObject({ phase: 'restarting', requestId: null, busySince: null, jobsDone: 1 });
    expect(during.pool.workers[1 - diedOn]!.phase).toBe('idle');

    await recorder.until((r) => r.count('worker-replaced') === 1);
    const after = server.state();
    expect(after.pool.workers[diedOn]).toMatchObject({ phase: 'idle', jobsDone: 1, replacements: 1 });
  });

  it('keeps a request in flight after its client left, until its job is done', async () => {
    const recorder = new EventRecorder();
    const server = await start({ events: recorder.stream, workerCount: 1 });
    const quitter = await RawConnection.open(server.port);
    quitter.send(get('/sleep?ms=400'));
    await recorder.until((r) => r.count('job-started') === 1);
    quitter.reset();
    await recorder.until((r) => r.count('connection-closed') === 1);
    const requestId = recorder.of('job-started')[0]!.requestId;
    const during = server.state();
    expect(during.connections).toEqual([]);
    expect(during.requests.map((r) => [r.requestId, r.target, r.status])).toEqual([[requestId, '/sleep?ms=400', null]]);
    expect(during.pool.workers[0]).toMatchObject({ phase: 'busy', requestId });
    await recorder.until((r) => r.count('response-sent') === 1);
    expect(server.state().requests).toEqual([]);
  });

  it('once stopped: every worker exited, no connection, nothing in flight', async () => {
    const server = await start({ workerCount: 2, sleepMs: 10 });
    expect((await request(server.port, get('/sleep'))).status).toBe(200);
    await server.shutdown();
    const state = server.state();
    expect(state.phase).toBe('stopped');
    expect(state.pool.workers.map((w) => w.phase)).toEqual(['exited', 'exited']);
    expect(state.pool.workers.reduce((sum, w) => sum + w.jobsDone, 0)).toBe(1);
    expect(state.pool.queue).toEqual([]);
    expect(state.connections).toEqual([]);
    expect(state.requests).toEqual([]);
  });
});
