// A connection's phases seen from the wire: which timeout runs when, reading paused and resumed under
// pipelining, and closing after the last owed answer. Real sockets against the real server.

import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, type ServerOptions, startServer } from '../src/server';
import { MAX_PIPELINED_REQUESTS } from '../src/server/connection';
import { EventRecorder } from './support/event-recorder';
import { get, RawConnection } from './support/http-client';

let running: RunningServer[] = [];

async function start(options: ServerOptions = {}): Promise<{ server: RunningServer; recorder: EventRecorder }> {
  const recorder = new EventRecorder();
  const server = await startServer({ port: 0, workerCount: 2, sleepMs: 50, ...options, events: recorder.stream });
  running.push(server);
  return { server, recorder };
}

afterEach(async () => {
  await Promise.all(running.map((s) => s.shutdown()));
  running = [];
});

describe('connection phases', () => {
  it('runs the header timeout from the first byte: a request trickling in byte by byte still gets 408', async () => {
    const { server } = await start({ headerTimeoutMs: 500 });
    const conn = await RawConnection.open(server.port);
    // A byte every 100 ms for far longer than the test runs: only a timeout that kept its first deadline ends it.
    const bytes = `GET / HTTP/1.1\r\nX-Slow: ${'a'.repeat(10_000)}`;
    let sent = 0;
    const trickle = setInterval(() => conn.send(bytes[sent++]!), 100);
    try {
      const res = await conn.read();
      expect(res.status).toBe(408);
      expect(res.headers.connection).toBe('close');
    } finally {
      clearInterval(trickle);
    }
    await conn.closedPromise;
  });

  it('runs no timeout while answers are owed, and the header timeout for a pipelined half-request only after them', async () => {
    const { server, recorder } = await start({ headerTimeoutMs: 300, sleepMs: 1_000 });
    const conn = await RawConnection.open(server.port);
    conn.send(`${get('/sleep')}GET / HTTP/1.1\r\nHost: x\r\n`);
    // The sleeper takes longer than the header timeout: the half-sent second request must not be cut off meanwhile.
    expect((await conn.read()).status).toBe(200);
    expect((await conn.read()).status).toBe(408);
    await conn.closedPromise;
    await recorder.until((r) => r.count('connection-closed') === 1);
    expect(recorder.of('connection-closed')[0]!.reason).toBe('header-timeout');
  });

  it(`stops reading at ${MAX_PIPELINED_REQUESTS} owed answers and resumes as they go out, answering all in order`, async () => {
    const { server, recorder } = await start({ workerCount: 2 });
    const conn = await RawConnection.open(server.port);
    const count = MAX_PIPELINED_REQUESTS * 3;
    // One request per write, so the server parses them in many reads and throttles between them.
    for (let i = 0; i < count; i++) conn.send(get(i % 2 === 0 ? '/' : `/missing-${i}`));
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) statuses.push((await conn.read()).status);
    expect(statuses).toEqual(Array.from({ length: count }, (_, i) => (i % 2 === 0 ? 200 : 404)));
    const sent = recorder.of('response-sent').map((e) => e.requestId);
    expect(sent).toEqual([...sent].sort((a, b) => a - b));
    conn.close();
  });

  it('answers what a half-closed client is owed, then closes with its reason', async () => {
    const { server, recorder } = await start();
    const conn = await RawConnection.open(server.port);
    conn.send(get('/sleep?ms=200') + get('/'));
    conn.socket.end();
    expect([(await conn.read()).status, (await conn.read()).status]).toEqual([200, 200]);
    await conn.closedPromise;
    await recorder.until((r) => r.count('connection-closed') === 1);
    expect(recorder.of('connection-closed')[0]).toMatchObject({ reason: 'client-closed', requestCount: 2 });
  });
});
