// Reading every connection into one shared buffer (src/server/socket-reads.ts): whatever the server keeps of a read
// (a request cut across reads, pipelined requests it may not take yet, a body) must survive the next read of
// another connection into the same buffer. Each scenario runs with the shared buffer and with 'data' events
// (the fallback for a Node without it), through real sockets; the parser's side is checked with one reused buffer.

import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, type ServerOptions, startServer } from '../src/server';
import { MAX_PIPELINED_REQUESTS } from '../src/server/connection';
import { HttpRequestParser, type ParsedRequest } from '../src/server/http/parser';
import { canReadIntoSharedBuffer, type SocketReadMode } from '../src/server/socket-reads';
import { EventRecorder } from './support/event-recorder';
import { get, RawConnection } from './support/http-client';

let running: RunningServer[] = [];

afterEach(async () => {
  await Promise.all(running.map((s) => s.shutdown()));
  running = [];
});

describe('which sockets can read into the shared buffer', () => {
  it('an accepted socket not read yet can on this Node; a socket without a handle cannot', async () => {
    const accepted = new Promise<net.Socket>((resolve) => {
      const listener = net.createServer({ pauseOnConnect: true }, (socket) => {
        listener.close();
        resolve(socket);
      });
      listener.listen(0, '127.0.0.1', () => net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1').on('error', () => {}));
    });
    const socket = await accepted;
    expect(canReadIntoSharedBuffer(socket)).toBe(true);
    socket.destroy();
    expect(canReadIntoSharedBuffer(new net.Socket())).toBe(false);
  });
});

describe.each<SocketReadMode>(['shared-buffer', 'data-events'])('reads with %s', (socketReads) => {
  async function start(options: ServerOptions = {}): Promise<{ server: RunningServer; recorder: EventRecorder }> {
    const recorder = new EventRecorder();
    const server = await startServer({ port: 0, workerCount: 2, ...options, socketReads, events: recorder.stream });
    running.push(server);
    return { server, recorder };
  }

  it('keeps every byte of requests cut into many reads while other connections read in between', async () => {
    const { server, recorder } = await start();
    const clientCount = 6;
    const requests = Array.from(
      { length: clientCount },
      (_, i) =>
        `GET /missing-${i}-${String(i).repeat(300)} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: client-${i}-${'u'.repeat(200)}\r\n\r\n`,
    );
    const conns = await Promise.all(requests.map(() => RawConnection.open(server.port)));
    // Seven bytes per client per round, the clients taking turns, so the server reads each piece on its own and
    // every client's next piece lands where another client's last one was read.
    const pieceBytes = 7;
    for (let at = 0; at < Math.max(...requests.map((r) => r.length)); at += pieceBytes) {
      for (let i = 0; i < clientCount; i++) if (at < requests[i]!.length) conns[i]!.send(requests[i]!.slice(at, at + pieceBytes));
      await delay(2);
    }
    const statuses = await Promise.all(conns.map(async (conn) => (await conn.read()).status));
    expect(statuses).toEqual(requests.map(() => 404));
    const seen = recorder.of('request-received').map((e) => ({ target: e.target, userAgent: e.userAgent }));
    expect(seen.sort((a, b) => a.target.localeCompare(b.target))).toEqual(
      requests.map((_, i) => ({ target: `/missing-${i}-${String(i).repeat(300)}`, userAgent: `client-${i}-${'u'.repeat(200)}` })),
    );
    for (const conn of conns) conn.close();
  });

  it('parses the pipelined requests a throttled connection kept after other connections have read over them', async () => {
    const { server, recorder } = await start({ sleepMs: 50 });
    const pipeliner = await RawConnection.open(server.port);
    const keptCount = 8;
    const pipelined = [
      ...Array.from({ length: MAX_PIPELINED_REQUESTS }, () => '/sleep'),
      ...Array.from({ length: keptCount }, (_, k) => `/missing-kept-${k}`),
    ];
    // One write: the server takes its share and keeps the rest of the read until answers go out.
    pipeliner.send(pipelined.map((path) => get(path)).join(''));
    await recorder.until((r) => r.count('request-received') === MAX_PIPELINED_REQUESTS);
    const pipelinerId = recorder.of('request-received')[0]!.connectionId;
    // Others read meanwhile, each read longer than the pipeliner's, so a kept view of the buffer would be overwritten.
    const others = await Promise.all([0, 1, 2].map(() => RawConnection.open(server.port)));
    for (const [i, other] of others.entries()) other.send(get(`/missing-other-${i}-${'o'.repeat(3_000)}`));
    await recorder.until((r) => r.count('request-received') === MAX_PIPELINED_REQUESTS + others.length);
    // The sleeps (32 × 50 ms on 2 workers) were still running: the kept requests had not been parsed yet.
    expect(recorder.count('request-received', (e) => e.connectionId === pipelinerId)).toBe(MAX_PIPELINED_REQUESTS);

    const statuses: number[] = [];
    for (let i = 0; i < pipelined.length; i++) statuses.push((await pipeliner.read()).status);
    expect(statuses).toEqual(pipelined.map((path) => (path === '/sleep' ? 200 : 404)));
    expect(
      recorder
        .of('request-received')
        .filter((e) => e.connectionId === pipelinerId)
        .map((e) => e.target),
    ).toEqual(pipelined);
    expect(await Promise.all(others.map(async (other) => (await other.read()).status))).toEqual([404, 404, 404]);
    pipeliner.close();
    for (const other of others) other.close();
  });

  it('answers what a half-closed client is owed, pipelined, then closes', async () => {
    const { server, recorder } = await start();
    const conn = await RawConnection.open(server.port);
    conn.socket.end(get('/sleep?ms=100') + get('/') + get('/missing'));
    expect([(await conn.read()).status, (await conn.read()).status, (await conn.read()).status]).toEqual([200, 200, 404]);
    await conn.closedPromise;
    await recorder.until((r) => r.count('connection-closed') === 1);
    expect(recorder.of('connection-closed')[0]).toMatchObject({ reason: 'client-closed', requestCount: 3 });
  });

  it('gives a refused client its 503 and reads (and drops) the body it goes on sending', async () => {
    const { server, recorder } = await start({ maxConnections: 1, sleepMs: 300 });
    const holder = await RawConnection.open(server.port);
    holder.send(get('/sleep'));
    await recorder.until((r) => r.count('request-received') === 1);
    const refused = await RawConnection.open(server.port);
    refused.send(`POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 200000\r\n\r\n${'b'.repeat(200_000)}`);
    const answer = await refused.read();
    expect(answer.status).toBe(503);
    refused.socket.end();
    await refused.closedPromise;
    expect((await holder.read()).status).toBe(200);
    holder.close();
  });

  it("strategy single: serves a waiting connection's request, sent in pieces while it waited unread", async () => {
    const { server, recorder } = await start({ strategy: 'single', sleepMs: 200 });
    const first = await RawConnection.open(server.port);
    first.send(get('/sleep'));
    await recorder.until((r) => r.count('request-received') === 1);
    const waiting = await RawConnection.open(server.port);
    await recorder.until((r) => r.count('connection-waiting') === 1);
    const request = get(`/missing-waited-${'w'.repeat(500)}`);
    for (let at = 0; at < request.length; at += 50) {
      waiting.send(request.slice(at, at + 50));
      await delay(1);
    }
    expect((await first.read()).status).toBe(200);
    expect((await waiting.read()).status).toBe(404);
    expect(recorder.of('request-received').map((e) => e.target)).toEqual(['/sleep', `/missing-waited-${'w'.repeat(500)}`]);
    first.close();
    waiting.close();
  });
});

describe('the parser with one reused read buffer', () => {
  /** What a test compares of a request: its body as text. */
  const seen = (r: ParsedRequest) => ({ method: r.method, target: r.target, headers: r.headers, body: r.body.toString('latin1') });

  it('keeps lines, headers and bodies (Content-Length and chunked) whole when the buffer is overwritten after every call', () => {
    const wire = Buffer.from(
      'POST /upload HTTP/1.1\r\nHost: localhost\r\nX-Long: ' +
        'h'.repeat(2_000) +
        '\r\nContent-Length: 3000\r\n\r\n' +
        'c'.repeat(1_000) +
        'd'.repeat(2_000) +
        'PUT /chunks HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '5\r\nhello\r\n400\r\n' +
        'e'.repeat(1_024) +
        '\r\n0\r\nX-Trailer: t\r\n\r\n' +
        'GET /last HTTP/1.1\r\nHost: localhost\r\n\r\n',
      'latin1',
    );
    const whole = new HttpRequestParser().execute(wire).requests.map(seen);
    expect(whole.map((r) => r.target)).toEqual(['/upload', '/chunks', '/last']);

    for (const pieceBytes of [1, 7, 100, 1_500]) {
      const parser = new HttpRequestParser();
      const readBuffer = Buffer.alloc(64 * 1024);
      const requests: ParsedRequest[] = [];
      for (let at = 0; at < wire.length; at += pieceBytes) {
        const byteCount = wire.copy(readBuffer, 0, at, Math.min(at + pieceBytes, wire.length));
        const result = parser.execute(readBuffer, 0, Number.POSITIVE_INFINITY, byteCount);
        expect(result.error).toBeNull();
        expect(result.end).toBe(byteCount);
        requests.push(...result.requests);
        // The next read overwrites the buffer: anything the parser had kept a view of would turn to 'Z's.
        readBuffer.fill('Z');
      }
      expect(requests.map(seen)).toEqual(whole);
    }
  });
});
