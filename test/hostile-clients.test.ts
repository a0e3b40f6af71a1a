// Clients that try to hurt other clients or the machine (issue 8), through real sockets against a real server:
// one connection pipelining thousands of requests, a client that never reads its answers or pauses reading,
// floods past the connection cap, and senders that go on sending after their answer. Each test is a
// reproduction from the issue, asserted from the wire, the events and the server's own sockets.

import { readdirSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, type ServerOptions, startServer } from '../src/server';
import { MAX_PIPELINED_REQUESTS, MAX_UNSENT_BYTES } from '../src/server/connection';
import type { EventStream } from '../src/server/event-stream';
import { Changes } from './support/changes';
import { EventRecorder } from './support/event-recorder';
import { pipelined, ResponseCounter, tinyChunkedRequest } from './support/hostile-clients';
import { get, RawConnection, request } from './support/http-client';
import { percentile } from './support/percentile';
import { readResponsesStrictly } from './support/strict-responses';

let running: RunningServer[] = [];
let clients: net.Socket[] = [];

async function start(options: ServerOptions = {}): Promise<{ server: RunningServer; recorder: EventRecorder }> {
  const recorder = new EventRecorder();
  const server = await startServer({ port: 0, workerCount: 4, ...options, events: recorder.stream });
  running.push(server);
  return { server, recorder };
}

afterEach(async () => {
  for (const socket of clients) socket.destroy();
  clients = [];
  await Promise.all(running.map((s) => s.shutdown()));
  running = [];
});

/** A raw client socket, destroyed after the test whatever happens. `allowHalfOpen`: it does not end its side when the server ends its own. */
async function connect(port: number, allowHalfOpen = false): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen });
  clients.push(socket);
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** A client that writes `bytes` at once and counts the answers, reading them as they come unless it is `paused`. */
async function pipeliner(port: number, bytes: Buffer, paused = false) {
  const socket = await connect(port);
  const counter = new ResponseCounter();
  const received: Buffer[] = [];
  const changes = new Changes();
  if (paused) socket.pause();
  socket.on('data', (chunk: Buffer) => {
    received.push(chunk);
    counter.push(chunk);
    changes.notify();
  });
  socket.write(bytes);
  return { socket, counter, received, untilAnswered: (count: number) => changes.until(() => counter.count >= count) };
}

/**
 * The server's sockets for the connections it accepted, each holding a descriptor. This process runs the
 * server, so they are among its active handles: those whose local port is the server's.
 */
function serverSockets(port: number): net.Socket[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((handle): handle is net.Socket => handle instanceof net.Socket && handle.localPort === port);
}

/** Socket descriptors this process holds (server and client side alike). */
function socketDescriptorCount(): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) count++;
    } catch {
      // closed while we looked
    }
  }
  return count;
}

/** Requests in flight per connection (received, not yet answered), from the events, and the most any one had. */
class InFlightByConnection {
  most = 0;
  private readonly connectionOf = new Map<number, number>();
  private readonly counts = new Map<number, number>();

  constructor(events: EventStream) {
    events.subscribe((event) => {
      if (event.type === 'request-received') {
        this.connectionOf.set(event.requestId, event.connectionId);
        const count = (this.counts.get(event.connectionId) ?? 0) + 1;
        this.counts.set(event.connectionId, count);
        this.most = Math.max(this.most, count);
      } else if (event.type === 'response-sent') {
        const connectionId = this.connectionOf.get(event.requestId);
        if (connectionId !== undefined) this.counts.set(connectionId, this.counts.get(connectionId)! - 1);
      }
    });
  }
}

/** The queue depth each `GET /` (the polite clients' requests) found when its job was queued. */
function queueDepthsOfPoliteJobs(recorder: EventRecorder): number[] {
  const politeIds = new Set(
    recorder
      .of('request-received')
      .filter((e) => e.target === '/')
      .map((e) => e.requestId),
  );
  return recorder
    .of('job-queued')
    .filter((e) => politeIds.has(e.requestId))
    .map((e) => e.queueDepth);
}

/**
 * These tests send tens of thousands of requests: on a loaded 2-core machine one can take 20 s. A ceiling
 * above the suite's 30 s default, so load makes them slow, never failed; no assertion depends on it.
 */
const FLOOD_TEST_TIMEOUT_MS = 90_000;

/** Bytes of one answer to `GET /` (with `Connection: close`, so a little more than a keep-alive one). */
async function answerBytesOfGetRoot(port: number): Promise<number> {
  const conn = await RawConnection.open(port);
  conn.send(get('/', 'Connection: close\r\n'));
  return Buffer.byteLength(await conn.readUntilClosed(), 'latin1');
}

describe('one connection cannot take the pool (issue 8, point 1)', { timeout: FLOOD_TEST_TIMEOUT_MS }, () => {
  it(`takes at most ${MAX_PIPELINED_REQUESTS} of 1,100 GET /sleep?ms=100 pipelined in one write, so other clients are served meanwhile`, async () => {
    const { server, recorder } = await start({ sleepMs: 100 });
    const inFlight = new InFlightByConnection(recorder.stream);
    const greedy = await pipeliner(server.port, pipelined(get('/sleep?ms=100'), 1_100));
    await recorder.until((r) => r.count('request-received') >= MAX_PIPELINED_REQUESTS);
    for (let i = 0; i < 3; i++) expect((await request(server.port, get('/'))).status).toBe(200);
    // Each polite request waited behind at most the greedy connection's share, not behind a full queue.
    const depths = queueDepthsOfPoliteJobs(recorder);
    expect(depths).toHaveLength(3);
    for (const depth of depths) expect(depth).toBeLessThanOrEqual(MAX_PIPELINED_REQUESTS + 1);
    expect(inFlight.most).toBe(MAX_PIPELINED_REQUESTS);
    expect(greedy.counter.count).toBeLessThan(1_100);
    expect(recorder.count('request-rejected')).toBe(0);
  });

  it('keeps other clients fast while one connection pipelines 5,000 GET /sleep?ms=1', async () => {
    // What makes it fair is where a polite job queues (behind at most the greedy connection's share), checked
    // below; the time bound only backs it up. It is far above what a quiet machine needs (a few ms: at most 32
    // one-millisecond jobs on 4 workers), and loose enough that a heavily loaded machine makes no difference.
    const boundMs = 2_000;
    const { server, recorder } = await start({ sleepMs: 1 });
    const inFlight = new InFlightByConnection(recorder.stream);
    const greedy = await pipeliner(server.port, pipelined(get('/sleep?ms=1'), 5_000));
    await recorder.until((r) => r.count('request-received') >= MAX_PIPELINED_REQUESTS);
    const latenciesMs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const sentAt = performance.now();
      expect((await request(server.port, get('/'))).status).toBe(200);
      latenciesMs.push(performance.now() - sentAt);
    }
    expect(Math.max(...latenciesMs), `latencies ${latenciesMs.map((ms) => ms.toFixed(1)).join(', ')} ms`).toBeLessThan(boundMs);
    for (const depth of queueDepthsOfPoliteJobs(recorder)) expect(depth).toBeLessThanOrEqual(MAX_PIPELINED_REQUESTS + 1);
    await greedy.untilAnswered(5_000);
    expect(greedy.counter.of(200)).toBe(5_000);
    expect(inFlight.most).toBe(MAX_PIPELINED_REQUESTS);
  });

  it('keeps the p99 of 20 polite clients within 1 s while one connection pipelines without pause', async () => {
    // Fairness (issue 8, "Tests and numbers"). On a quiet machine the polite p99 is a few ms; without the
    // fair share the greedy connection filled the queue and polite requests got 503 or waited seconds. Where
    // each polite job queued is the exact check; the p99 bound is loose, so a loaded machine does not fail it.
    const p99BoundMs = 1_000;
    const { server, recorder } = await start({ sleepMs: 2 });
    const greedy = await pipeliner(server.port, pipelined(get('/sleep?ms=2'), 20_000));
    await recorder.until((r) => r.count('request-received') >= MAX_PIPELINED_REQUESTS);
    const latenciesMs: number[] = [];
    const statuses = new Map<number, number>();
    const until = performance.now() + 3_000;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const conn = await RawConnection.open(server.port);
        try {
          while (performance.now() < until) {
            const sentAt = performance.now();
            conn.send(get('/'));
            const { status } = await conn.read();
            latenciesMs.push(performance.now() - sentAt);
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
          }
        } finally {
          conn.close();
        }
      }),
    );
    latenciesMs.sort((a, b) => a - b);
    const p99 = percentile(latenciesMs, 99);
    const summary = `${latenciesMs.length} polite requests, p50 ${percentile(latenciesMs, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; greedy answered ${greedy.counter.count}`;
    expect([...statuses.keys()], summary).toEqual([200]);
    expect(p99, summary).toBeLessThan(p99BoundMs);
    // Each polite job queued behind at most the greedy connection's share and one job of each other polite client.
    for (const depth of queueDepthsOfPoliteJobs(recorder)) expect(depth, summary).toBeLessThanOrEqual(MAX_PIPELINED_REQUESTS + 20);
    // The greedy connection was served too, all along.
    expect(greedy.counter.count, summary).toBeGreaterThan(MAX_PIPELINED_REQUESTS);
  });
});

describe('a client that does not read its answers (issue 8, points 2 and 3)', { timeout: FLOOD_TEST_TIMEOUT_MS }, () => {
  it('keeps at most MAX_UNSENT_BYTES and one share of answers waiting for a client that never reads, and drops it after the send timeout', async () => {
    const { server, recorder } = await start({ sendTimeoutMs: 1_000 });
    const answerBytes = await answerBytesOfGetRoot(server.port);
    await pipeliner(server.port, pipelined(get('/'), 20_000), true);
    let mostUnsentBytes = 0;
    const sampler = setInterval(() => {
      for (const socket of serverSockets(server.port)) mostUnsentBytes = Math.max(mostUnsentBytes, socket.writableLength);
    }, 20);
    try {
      await recorder.until((r) => r.count('connection-closed') === 2);
    } finally {
      clearInterval(sampler);
    }
    expect(recorder.of('connection-closed').map((e) => e.reason)).toEqual(['server-closed', 'send-timeout']);
    expect(mostUnsentBytes).toBeGreaterThan(0);
    expect(mostUnsentBytes).toBeLessThanOrEqual(MAX_UNSENT_BYTES + MAX_PIPELINED_REQUESTS * answerBytes);
    // It stopped reading the requests once the answers piled up: the rest stayed in the client's socket.
    expect(recorder.count('request-received')).toBeLessThan(20_000);
  });

  it('answers every one of 20,000 pipelined GET /, none with 408, when the client stops reading for longer than the header timeout', async () => {
    const headerTimeoutMs = 300;
    const { server, recorder } = await start({ headerTimeoutMs });
    const client = await pipeliner(server.port, pipelined(get('/'), 20_000), true);
    // The server stops reading while its answers wait; a request cut at the end of its last read is not the client's slowness.
    await new Promise((resolve) => setTimeout(resolve, headerTimeoutMs * 5));
    client.socket.resume();
    await client.untilAnswered(20_000);
    const responses = readResponsesStrictly(Buffer.concat(client.received), () => false);
    expect(responses).toHaveLength(20_000);
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(recorder.count('request-rejected')).toBe(0);
  });
});

describe('refused connections are released (issue 8, point 5)', () => {
  const cap = 20;
  const refusedCount = 500;
  /**
   * The connections at the cap stay open however long the refusals take: with the default keep-alive timeout (5 s),
   * a loaded machine let one of them time out mid-test, and a refused client's slot then served it a 200.
   */
  const keepAliveTimeoutMs = 600_000;

  /** Opens `cap` connections that each get an answer, so the server is at its connection cap. */
  async function fillToCap(port: number): Promise<void> {
    for (let i = 0; i < cap; i++) {
      const conn = await RawConnection.open(port);
      clients.push(conn.socket);
      conn.send(get('/'));
      expect((await conn.read()).status).toBe(200);
    }
  }

  /** Runs `client` for each of `count` clients, 50 at a time. */
  async function inBatches(count: number, client: () => Promise<void>): Promise<void> {
    for (let done = 0; done < count; done += 50) await Promise.all(Array.from({ length: Math.min(50, count - done) }, client));
  }

  it(`keeps ${cap} sockets after ${refusedCount} more clients each read their 503 and close`, async () => {
    const { server, recorder } = await start({ maxConnections: cap, keepAliveTimeoutMs });
    await fillToCap(server.port);
    const descriptorsAtCap = socketDescriptorCount();
    await inBatches(refusedCount, async () => {
      const conn = await RawConnection.open(server.port);
      conn.send(get('/'));
      const refusal = await conn.read();
      expect(refusal.status).toBe(503);
      conn.close();
    });
    await recorder.until((r) => r.count('connection-closed', (e) => e.reason === 'connection-limit') === refusedCount);
    expect(serverSockets(server.port)).toHaveLength(cap);
    expect(socketDescriptorCount()).toBeLessThanOrEqual(descriptorsAtCap);
  });

  it(`keeps ${cap} sockets after ${refusedCount} more clients read their 503 and never close, or half-close`, async () => {
    const lingerTimeoutMs = 300;
    const { server, recorder } = await start({ maxConnections: cap, lingerTimeoutMs, keepAliveTimeoutMs });
    await fillToCap(server.port);
    let refusals = 0;
    await inBatches(refusedCount, async () => {
      // allowHalfOpen: the client does not answer the server's FIN with its own; half of them half-close first.
      const socket = await connect(server.port, true);
      const answered = new Promise<string>((resolve) => {
        let text = '';
        socket.on('data', (chunk: Buffer) => {
          text += chunk.toString('latin1');
          if (text.includes('\r\n\r\n')) resolve(text);
        });
      });
      if (refusals % 2 === 0) socket.end(get('/'));
      else socket.write(get('/'));
      expect(await answered).toMatch(/^HTTP\/1\.1 503 /);
      refusals++;
    });
    // The server lets a refused connection linger a bounded time for its client to finish, then frees it.
    await recorder.until((r) => r.count('connection-closed', (e) => e.reason === 'connection-limit') === refusedCount);
    expect(serverSockets(server.port)).toHaveLength(cap);
    expect(refusals).toBe(refusedCount);
  });
});

describe('a client still sending when its answer closes the connection gets the answer (lingering close)', () => {
  /** Writes all of `bytes` before reading anything, as many simple clients do; resolves with the status it then reads, 0 for none. */
  async function sendAllThenRead(port: number, bytes: Buffer): Promise<number> {
    const socket = await connect(port);
    socket.pause();
    const writeError = await new Promise<Error | null | undefined>((resolve) => socket.write(bytes, resolve));
    if (writeError) return 0;
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.resume();
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const match = /^HTTP\/1\.1 (\d{3}) /.exec(Buffer.concat(chunks).toString('latin1'));
    return match ? Number(match[1]) : 0;
  }

  it('every one of 10 senders of a 6 MB one-byte-chunk body gets its 413, though the server stops parsing after 25 KB', async () => {
    const { server, recorder } = await start();
    const flood = tinyChunkedRequest(1_048_575);
    const statuses = await Promise.all(Array.from({ length: 10 }, () => sendAllThenRead(server.port, flood)));
    expect(statuses).toEqual(Array<number>(10).fill(413));
    expect(recorder.of('request-rejected').map((e) => e.errorCode)).toEqual(Array<string>(10).fill('CHUNKED_FRAMING_TOO_LARGE'));
  });
});
