// The book's server through real sockets and real worker threads: routes, persistence, pipelining, each
// connection's phases and timeouts, limits, a full queue, client disconnects and graceful shutdown,
// asserted from the wire and the events.

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventStream, type RunningServer, type ServerOptions, startServer } from '../src/server';
import { MAX_PIPELINED_REQUESTS } from '../src/server/connection';
import { EventRecorder } from './support/event-recorder';
import { get, RawConnection, request } from './support/http-client';
import { occupyPort } from './support/ports';

const hello = readFileSync(new URL('../src/server/pages/hello.html', import.meta.url), 'utf8');
const notFound = readFileSync(new URL('../src/server/pages/404.html', import.meta.url), 'utf8');

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

describe('routes, as in the book', () => {
  it('answers GET / with hello.html and the headers every response carries', async () => {
    const { server } = await start();
    const res = await request(server.port, get('/'));
    expect(res.status).toBe(200);
    expect(res.body).toBe(hello);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(hello));
    expect(new Date(res.headers.date!).getTime()).not.toBeNaN();
  });

  it('answers an unknown path with 404.html', async () => {
    const { server } = await start();
    const res = await request(server.port, get('/something-else'));
    expect(res.status).toBe(404);
    expect(res.body).toBe(notFound);
  });

  it('answers GET /sleep with the hello page after its worker slept', async () => {
    const { server, recorder } = await start({ sleepMs: 120 });
    const res = await request(server.port, get('/sleep'));
    expect(res.status).toBe(200);
    expect(res.body).toBe(hello);
    expect(recorder.of('job-finished')[0]!.runMs).toBeGreaterThanOrEqual(110);
  });

  it('lets ?ms= override the sleep, and refuses an out-of-range value with 400 and a reason', async () => {
    const { server, recorder } = await start({ sleepMs: 60_000 });
    expect((await request(server.port, get('/sleep?ms=10'))).status).toBe(200);
    expect(recorder.of('job-finished')[0]!.runMs).toBeLessThan(60_000);
    const bad = await request(server.port, get('/sleep?ms=60001'));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/ms must be a whole number of milliseconds from 0 to 60000/);
    const twice = await request(server.port, get('/sleep?ms=10&ms=20000'));
    expect(twice.status).toBe(400);
    expect(twice.body).toMatch(/ms is given more than once/);
  });

  it('answers HEAD with the GET headers and no body, keeping the connection usable', async () => {
    const { server } = await start();
    const conn = await RawConnection.open(server.port);
    conn.send(`HEAD / HTTP/1.1\r\nHost: x\r\n\r\n${get('/nope')}`);
    const head = await conn.read(true);
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(hello));
    const next = await conn.read();
    expect(next.status).toBe(404);
    conn.close();
  });

  it('refuses POST with 405 and an Allow header, and an unknown method with 501', async () => {
    const { server } = await start();
    const post = await request(server.port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const brew = await request(server.port, 'BREW / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(brew.status).toBe(501);
  });
});

describe('persistent connections (RFC 9112 §9)', () => {
  it('keeps an HTTP/1.1 connection open for the next request', async () => {
    const { server, recorder } = await start();
    const conn = await RawConnection.open(server.port);
    conn.send(get('/'));
    expect((await conn.read()).status).toBe(200);
    conn.send(get('/'));
    expect((await conn.read()).status).toBe(200);
    expect(conn.isClosed).toBe(false);
    expect(new Set(recorder.of('request-received').map((e) => e.connectionId)).size).toBe(1);
    conn.close();
  });

  it('honours Connection: close and closes after the response', async () => {
    const { server, recorder } = await start();
    const conn = await RawConnection.open(server.port);
    conn.send(get('/', 'Connection: close\r\n'));
    const res = await conn.read();
    expect(res.headers.connection).toBe('close');
    expect(await conn.readUntilClosed()).toBe('');
    await recorder.until((r) => r.count('connection-closed') === 1);
    expect(recorder.of('connection-closed')).toMatchObject([{ reason: 'server-closed', requestCount: 1 }]);
  });

  it('closes an HTTP/1.0 connection after one response', async () => {
    const { server, recorder } = await start();
    const conn = await RawConnection.open(server.port);
    conn.send('GET / HTTP/1.0\r\n\r\n');
    expect((await conn.read()).status).toBe(200);
    expect(await conn.readUntilClosed()).toBe('');
    await recorder.until((r) => r.count('connection-closed') === 1);
    expect(recorder.of('connection-closed')).toMatchObject([{ reason: 'server-closed', requestCount: 1 }]);
  });

  it('answers pipelined requests in order even when a later one finishes first', async () => {
    const { server, recorder } = await start({ workerCount: 3 });
    const conn = await RawConnection.open(server.port);
    conn.send(get('/sleep?ms=300') + get('/') + get('/missing'));
    const statuses = [(await conn.read()).status, (await conn.read()).status, (await conn.read()).status];
    expect(statuses).toEqual([200, 200, 404]);
    // The quick jobs really did finish before the sleeper: order came from the server, not luck.
    const finished = recorder.of('job-finished').map((e) => e.requestId);
    const [sleeper] = recorder.of('request-received').map((e) => e.requestId);
    expect(finished.indexOf(sleeper!)).toBe(2);
    conn.close();
  });

  it('answers a client that half-closes after its request', async () => {
    const { server } = await start();
    const conn = await RawConnection.open(server.port);
    conn.socket.end(get('/sleep?ms=50'));
    expect((await conn.read()).status).toBe(200);
  });

  it('closes an idle keep-alive connection after keepAliveTimeoutMs', async () => {
    const { server, recorder } = await start({ keepAliveTimeoutMs: 200 });
    const conn = await RawConnection.open(server.port);
    conn.send(get('/'));
    await conn.read();
    await conn.closedPromise;
    await recorder.until((r) => r.count('connection-closed') === 1);
    expect(recorder.of('connection-closed')[0]!.reason).toBe('idle-timeout');
  });
});

describe('Expect: 100-continue (RFC 9110 §10.1.1)', () => {
  const withBody = (method: string, path: string, body: string) =>
    `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`;

  it('tells a client that waits for it to send its body, then answers the request', async () => {
    const { server } = await start();
    const conn = await RawConnection.open(server.port);
    conn.send(withBody('GET', '/', 'hello'));
    expect((await conn.read()).status).toBe(100);
    conn.send('hello');
    const answer = await conn.read();
    expect([answer.status, answer.body]).toEqual([200, hello]);
    conn.close();
  });

  it('sends the 100 only once the answers before it are written, so it cannot be taken for one of them', async () => {
    const { server } = await start();
    const conn = await RawConnection.open(server.port);
    conn.send(get('/sleep?ms=200') + withBody('POST', '/', 'hello'));
    expect((await conn.read()).status).toBe(200);
    expect((await conn.read()).status).toBe(100);
    conn.send('hello');
    expect((await conn.read()).status).toBe(405);
    conn.close();
  });

  it('sends no 100 when the body came with the request', async () => {
    const { server } = await start();
    const conn = await RawConnection.open(server.port);
    conn.send(`${withBody('GET', '/', 'hello')}hello${get('/missing')}`);
    expect((await conn.read()).status).toBe(200);
    expect((await conn.read()).status).toBe(404);
    conn.close();
  });
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

describe('bad input gets a clear status and the connection closes', () => {
  it.each([
    ['a lowercase method', 'get / HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['an unsupported version', 'GET / HTTP/2.0\r\nHost: x\r\n\r\n', 505],
    ['a header without a colon', 'GET / HTTP/1.1\r\nHost x\r\n\r\n', 400],
    // Before any timeout: no LF would ever come.
    ['lines ended by CR alone', 'GET / HTTP/1.1\rHost: x\r\r', 400],
    ['Transfer-Encoding with Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['a request line over 8 KiB', `GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
    ['more than 100 header fields', `GET / HTTP/1.1\r\nHost: x\r\n${'X-A: 1\r\n'.repeat(101)}\r\n`, 431],
    ['a body over 1 MiB', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n', 413],
    [
      'a chunked body of one-byte chunks, mostly framing',
      `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${'1\r\na\r\n'.repeat(5000)}`,
      413,
    ],
    ['an https target, which a plain-TCP server cannot answer for', 'GET https://127.0.0.1/ HTTP/1.1\r\nHost: x\r\n\r\n', 421],
    ['a malformed absolute-form target', 'GET http://user@127.0.0.1/ HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ])('%s', async (_why, raw, status) => {
    const { server, recorder } = await start();
    const conn = await RawConnection.open(server.port);
    conn.send(raw);
    const res = await conn.read();
    expect(res.status).toBe(status);
    expect(res.headers.connection).toBe('close');
    expect(res.body.length).toBeGreaterThan(10);
    await conn.closedPromise;
    expect(recorder.of('request-rejected')[0]!.status).toBe(status);
  });

  it('answers 408 to a client that never finishes its header section', async () => {
    const { server, recorder } = await start({ headerTimeoutMs: 200 });
    const conn = await RawConnection.open(server.port);
    conn.send('GET / HTTP/1.1\r\nHost: x\r\n');
    const res = await conn.read();
    expect(res.status).toBe(408);
    await conn.closedPromise;
    await recorder.until((r) => r.count('connection-closed') === 1);
    expect(recorder.of('connection-closed')[0]!.reason).toBe('header-timeout');
    expect(recorder.of('request-rejected').map((e) => [e.status, e.errorCode])).toEqual([[408, 'HEADER_TIMEOUT']]);
  });
});

describe('request-target forms (RFC 9112 §3.2)', () => {
  it('routes an absolute-form GET like its path, and reports the target as sent', async () => {
    const { server, recorder } = await start();
    const conn = await RawConnection.open(server.port);
    const origin = `http://127.0.0.1:${server.port}`;
    conn.send(`GET ${origin}/ HTTP/1.1\r\nHost: elsewhere.example\r\n\r\n`);
    const home = await conn.read();
    expect(home.status).toBe(200);
    expect(home.body).toBe(hello);
    conn.send(`GET ${origin}/sleep?ms=30 HTTP/1.1\r\nHost: x\r\n\r\nGET ${origin}/nope HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect((await conn.read()).status).toBe(200);
    expect((await conn.read()).status).toBe(404);
    conn.send(`GET ${origin} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect((await conn.read()).body).toBe(hello);
    expect(recorder.of('request-received').map((e) => e.target)).toEqual([`${origin}/`, `${origin}/sleep?ms=30`, `${origin}/nope`, origin]);
    const sleeperId = recorder.of('request-received')[1]!.requestId;
    expect(recorder.of('job-finished').find((e) => e.requestId === sleeperId)!.runMs).toBeGreaterThanOrEqual(25);
    conn.close();
  });

  it('answers OPTIONS * with 405 and the methods the server allows, and keeps the connection', async () => {
    const { server } = await start();
    const conn = await RawConnection.open(server.port);
    conn.send('OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n');
    const res = await conn.read();
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.headers.connection).toBeUndefined();
    conn.send(get('/'));
    expect((await conn.read()).status).toBe(200);
    conn.close();
  });

  it('answers CONNECT with 405 and closes, never reading what follows as requests', async () => {
    const { server, recorder } = await start();
    const conn = await RawConnection.open(server.port);
    conn.send(`CONNECT 127.0.0.1:${server.port} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n${get('/')}`);
    const res = await conn.read();
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.headers.connection).toBe('close');
    expect(await conn.readUntilClosed()).toBe('');
    expect(recorder.count('request-received')).toBe(1);
  });
});

describe('the pool under load', () => {
  it('runs four sleepers at once and queues the fifth until a worker frees up', async () => {
    const { server, recorder } = await start({ workerCount: 4, sleepMs: 1500 });
    const conns = await Promise.all(Array.from({ length: 5 }, () => RawConnection.open(server.port)));
    for (const c of conns) c.send(get('/sleep'));
    await recorder.until((r) => r.count('job-started') === 4 && r.count('job-queued') === 5);
    expect(recorder.count('job-finished')).toBe(0);
    const fifth = recorder.of('job-queued').find((q) => !recorder.of('job-started').some((s) => s.requestId === q.requestId))!;
    expect(fifth.queueDepth).toBe(1);
    const responses = await Promise.all(conns.map((c) => c.read()));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const fifthStart = recorder.of('job-started').find((s) => s.requestId === fifth.requestId)!;
    expect(fifthStart.waitMs).toBeGreaterThan(0);
    expect(new Set(recorder.of('job-started').map((s) => s.workerId))).toEqual(new Set([0, 1, 2, 3]));
    for (const c of conns) c.close();
  });

  it('answers 503 with Retry-After when the job queue is full', async () => {
    const { server, recorder } = await start({ workerCount: 1, maxQueuedJobs: 1, sleepMs: 1000 });
    const first = await RawConnection.open(server.port);
    first.send(get('/sleep'));
    await recorder.until((r) => r.count('job-started') === 1);
    const second = await RawConnection.open(server.port);
    second.send(get('/sleep?ms=0'));
    await recorder.until((r) => r.count('job-queued') === 2);
    const third = await request(server.port, get('/'));
    expect(third.status).toBe(503);
    expect(third.headers['retry-after']).toBe('1');
    expect(third.body).toMatch(/queue/);
    expect(recorder.of('request-rejected').map((e) => [e.status, e.errorCode])).toEqual([[503, 'QUEUE_FULL']]);
    expect((await first.read()).status).toBe(200);
    expect((await second.read()).status).toBe(200);
    first.close();
    second.close();
  });

  it('answers 503 with Retry-After to the jobs of a flood that wait longer than maxWaitMs, keeping the others in order', async () => {
    const maxWaitMs = 300;
    const { server, recorder } = await start({ workerCount: 2, maxWaitMs });
    const conns: RawConnection[] = [];
    for (let i = 0; i < 16; i++) {
      const conn = await RawConnection.open(server.port);
      conn.send(get('/sleep?ms=200'));
      conns.push(conn);
    }
    const responses = await Promise.all(conns.map((c) => c.read()));
    await recorder.until((r) => r.count('response-sent') === 16);

    // Connections are numbered as accepted, in the order they were opened here.
    const statusOf = (e: { connectionId: number }) => responses[e.connectionId - 1]!.status;
    const received = recorder.of('request-received').map((e) => e.requestId);
    const refused = recorder.of('request-received').flatMap((e) => (statusOf(e) === 503 ? [e.requestId] : []));
    const served = recorder.of('request-received').flatMap((e) => (statusOf(e) === 200 ? [e.requestId] : []));
    expect(served.length + refused.length).toBe(16);
    expect(served.length).toBeGreaterThanOrEqual(2);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const res of responses.filter((r) => r.status === 503)) {
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body).toMatch(/no worker was free within 300 ms/);
    }
    // Nothing lost, nothing twice: one response per request, on the wire and in the events.
    expect(
      recorder
        .of('response-sent')
        .map((e) => e.requestId)
        .sort((a, b) => a - b),
    ).toEqual([...received].sort((a, b) => a - b));
    // The refused ones are exactly the jobs abandoned for their wait, each after waiting the limit, each never run.
    const abandoned = recorder.of('job-abandoned');
    expect(abandoned.map((e) => e.requestId).sort((a, b) => a - b)).toEqual([...refused].sort((a, b) => a - b));
    expect(abandoned.every((e) => e.reason === 'max-wait' && e.waitMs >= maxWaitMs)).toBe(true);
    expect(recorder.of('request-rejected').map((e) => [e.requestId, e.status, e.errorCode])).toEqual(
      abandoned.map((e) => [e.requestId, 503, 'QUEUE_WAIT_EXCEEDED']),
    );
    for (const id of refused) {
      const story = recorder.events.filter((e) => 'requestId' in e && e.requestId === id).map((e) => e.type);
      expect(story).toEqual(['request-received', 'job-queued', 'job-abandoned', 'request-rejected', 'response-sent']);
    }
    // First in, first out among the jobs admitted.
    const queuedOrder = recorder.of('job-queued').map((e) => e.requestId);
    const startedOrder = recorder.of('job-started').map((e) => e.requestId);
    expect(startedOrder).toEqual(queuedOrder.filter((id) => served.includes(id)));
    expect(server.state().pool.queue).toEqual([]);
    for (const c of conns) c.close();
  });

  it('drains on shutdown with jobs that expire in the queue: every request answered once, then the workers joined', async () => {
    const { server, recorder } = await start({ workerCount: 1, maxWaitMs: 300 });
    const conns = await Promise.all(Array.from({ length: 4 }, () => RawConnection.open(server.port)));
    for (const c of conns) c.send(get('/sleep?ms=700'));
    await recorder.until((r) => r.count('job-queued') === 4);
    const stopped = server.shutdown('command');
    const responses = await Promise.all(conns.map((c) => c.read()));
    await stopped;
    expect(responses.map((r) => r.status).sort()).toEqual([200, 503, 503, 503]);
    expect(responses.every((r) => r.headers.connection === 'close')).toBe(true);
    expect(recorder.count('response-sent')).toBe(4);
    expect(recorder.count('job-abandoned')).toBe(3);
    const lastAnswer = recorder.events.findLastIndex((e) => e.type === 'response-sent');
    expect(recorder.events.findIndex((e) => e.type === 'worker-stopping')).toBeGreaterThan(lastAnswer);
    expect(recorder.events.at(-1)!.type).toBe('server-stopped');
  });

  it('survives a client that disconnects while its job runs', async () => {
    const { server, recorder } = await start({ workerCount: 1 });
    const quitter = await RawConnection.open(server.port);
    quitter.send(get('/sleep?ms=200'));
    await recorder.until((r) => r.count('job-started') === 1);
    quitter.reset();
    await recorder.until((r) => r.count('connection-closed') === 1);
    await recorder.until((r) => r.count('response-sent') === 1);
    // The answer was owed to a vanished client: nothing was written, and the server carries on.
    expect(recorder.of('connection-closed')[0]!.reason).toBe('client-closed');
    expect(recorder.of('response-sent')[0]!.bytes).toBe(0);
    expect((await request(server.port, get('/'))).status).toBe(200);
  });

  it('refuses connections past maxConnections with 503', async () => {
    const { server, recorder } = await start({ maxConnections: 2 });
    const a = await RawConnection.open(server.port);
    const b = await RawConnection.open(server.port);
    a.send(get('/'));
    b.send(get('/'));
    await a.read();
    await b.read();
    const c = await RawConnection.open(server.port);
    const text = await c.readUntilClosed();
    expect(text).toMatch(/^HTTP\/1\.1 503 /);
    expect(text).toMatch(/too many open connections/);
    expect(text).toMatch(/\r\nRetry-After: 1\r\n/);
    await recorder.until((r) => r.count('connection-closed') === 1);
    // No request was read, so no request-rejected: the refusal shows as the connection's close reason.
    expect(recorder.of('connection-closed')[0]!.reason).toBe('connection-limit');
    expect(recorder.count('request-rejected')).toBe(0);
    a.close();
    b.close();
  });
});

describe('faults stay with their own request', () => {
  const faultyWorker = new URL('./fixtures/workers/faulty-request-worker.ts', import.meta.url).pathname;

  it('answers 500 to a job that throws, and the same worker serves the next request', async () => {
    const { server, recorder } = await start({ workerCount: 1, workerScript: faultyWorker });
    const conn = await RawConnection.open(server.port);
    conn.send(get('/boom'));
    const failed = await conn.read();
    expect(failed.status).toBe(500);
    expect(failed.body).toMatch(/the \/boom route always fails/);
    expect(failed.headers.connection).toBeUndefined();
    conn.send(get('/'));
    expect((await conn.read()).status).toBe(200);
    expect(recorder.of('job-finished').map((e) => [e.workerId, e.status])).toEqual([
      [0, 500],
      [0, 200],
    ]);
    conn.close();
  });

  it('answers 500 when a worker thread dies mid-job, replaces it under its id, and leaves other requests alone', async () => {
    const { server, recorder } = await start({ workerCount: 2, workerScript: faultyWorker, sleepMs: 300 });
    const sleeper = request(server.port, get('/sleep'));
    await recorder.until((r) => r.count('job-started') === 1);
    const died = await request(server.port, get('/die'));
    expect(died.status).toBe(500);
    expect(died.body).toMatch(/worker thread running this request died/);
    expect((await sleeper).status).toBe(200);
    await recorder.until((r) => r.count('worker-replaced') === 1);
    const diedOn = recorder.of('job-finished').find((e) => e.status === 500)!.workerId;
    expect(recorder.of('worker-exited')).toMatchObject([{ workerId: diedOn, reason: 'crashed', exitCode: 3 }]);
    expect(recorder.of('worker-replaced')).toMatchObject([{ workerId: diedOn }]);
    const after = await Promise.all([request(server.port, get('/')), request(server.port, get('/'))]);
    expect(after.map((r) => r.status)).toEqual([200, 200]);
  });
});

describe('graceful shutdown (the book, ch. 21.3)', () => {
  it('delivers every queued and running response, then joins the workers in id order', async () => {
    const { server, recorder } = await start({ workerCount: 2, sleepMs: 300 });
    const conns = await Promise.all(Array.from({ length: 4 }, () => RawConnection.open(server.port)));
    for (const c of conns) c.send(get('/sleep'));
    await recorder.until((r) => r.count('job-queued') === 4 && r.count('job-started') === 2);
    const stopped = server.shutdown('command');
    const responses = await Promise.all(conns.map((c) => c.read()));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(responses.every((r) => r.headers.connection === 'close')).toBe(true);
    await stopped;
    const order = recorder.events
      .filter((e) => e.type === 'worker-stopping' || e.type === 'worker-exited')
      .map((e) => `${e.type}:${'workerId' in e ? e.workerId : ''}`);
    expect(order).toEqual(['worker-stopping:0', 'worker-exited:0', 'worker-stopping:1', 'worker-exited:1']);
    expect(recorder.events.at(-1)!.type).toBe('server-stopped');
    await expect(RawConnection.open(server.port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('delivers every pipelined request it read before stopping, saying close only on the last', async () => {
    const { server, recorder } = await start({ workerCount: 1 });
    const conn = await RawConnection.open(server.port);
    conn.send(get('/sleep?ms=200') + get('/sleep?ms=100') + get('/'));
    await recorder.until((r) => r.count('request-received') === 3 && r.count('job-started') === 1);
    const stopped = server.shutdown('command');
    const responses = [await conn.read(), await conn.read(), await conn.read()];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(responses.map((r) => r.headers.connection)).toEqual([undefined, undefined, 'close']);
    expect(await conn.readUntilClosed()).toBe('');
    await stopped;
    expect(recorder.of('response-sent').every((e) => e.bytes > 0)).toBe(true);
  });

  it('closes idle keep-alive connections when it stops', async () => {
    // An idle timeout far beyond the test's own: only the shutdown can close this connection in time.
    const { server, recorder } = await start({ keepAliveTimeoutMs: 10 * 60_000 });
    const idle = await RawConnection.open(server.port);
    idle.send(get('/'));
    expect((await idle.read()).status).toBe(200);
    expect(idle.isClosed).toBe(false);

    await server.shutdown();

    expect(await idle.readUntilClosed()).toBe('');
    expect(recorder.of('connection-closed')).toMatchObject([{ reason: 'shutdown', requestCount: 1 }]);
    expect(recorder.events.at(-1)!.type).toBe('server-stopped');
  });

  it("stops by itself after stopAfterRequests requests, answering each (the book's take(2))", async () => {
    const { server, recorder } = await start({ stopAfterRequests: 2 });
    expect((await request(server.port, get('/'))).status).toBe(200);
    const last = await request(server.port, get('/'));
    expect(last.status).toBe(200);
    expect(last.headers.connection).toBe('close');
    await server.closed;
    expect(recorder.of('server-stopping')[0]!.reason).toBe('stop-after');
  });

  it('answers both of take(2) when they come pipelined on one connection', async () => {
    const { server } = await start({ stopAfterRequests: 2 });
    const conn = await RawConnection.open(server.port);
    conn.send(get('/sleep?ms=100') + get('/'));
    const responses = [await conn.read(), await conn.read()];
    expect(responses.map((r) => [r.status, r.headers.connection])).toEqual([
      [200, undefined],
      [200, 'close'],
    ]);
    await server.closed;
  });

  it('reports a port already in use in words', async () => {
    const { port, release } = await occupyPort();
    try {
      await expect(startServer({ port, workerCount: 1 })).rejects.toThrow(`Port ${port} is already in use on 127.0.0.1`);
    } finally {
      await release();
    }
  });

  it('refuses a pool of size 0 with PoolCreationError', async () => {
    await expect(startServer({ port: 0, workerCount: 0 })).rejects.toThrow(/at least 1/);
  });
});

describe('instrumentation', () => {
  it('builds no event and reads no event clock while nobody subscribes, through requests, faults and shutdown', async () => {
    const events = new EventStream();
    const emit = vi.spyOn(events, 'emit');
    const now = vi.spyOn(events, 'now');
    const atOf = vi.spyOn(events, 'atOf');
    const faultyWorker = new URL('./fixtures/workers/faulty-request-worker.ts', import.meta.url).pathname;
    const server = await startServer({ port: 0, workerCount: 2, sleepMs: 20, workerScript: faultyWorker, events });
    running.push(server);
    const statuses = await Promise.all(
      ['/', '/sleep', '/boom', '/missing', '/die', '/sleep'].map(async (path) => (await request(server.port, get(path))).status),
    );
    expect(statuses).toEqual([200, 200, 500, 404, 500, 200]);
    expect((await request(server.port, 'get / HTTP/1.1\r\n\r\n')).status).toBe(400);
    await server.shutdown();
    expect(emit).not.toHaveBeenCalled();
    expect(now).not.toHaveBeenCalled();
    expect(atOf).not.toHaveBeenCalled();
  });
});
