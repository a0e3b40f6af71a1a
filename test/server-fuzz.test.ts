// The parser's fuzzing, taken to the whole server: random bytes, noisy fragments and mutated valid requests,
// cut at random points and sent over many concurrent real connections to a real server with real worker
// threads. Every connection must end with well-framed responses and a close within the timeouts; the server
// must not crash, must release every connection, and must still answer GET / afterwards.
//
// `npm test` runs a few seconds with a fixed seed. A longer hunt: `FUZZ_RUNS=500 npx vitest run test/server-fuzz.test.ts`;
// `FUZZ_SEED=n` picks another seed (a failure prints the seed and path that reproduce it).

import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStream, type RunningServer, startServer } from '../src/server';
import type { ParserLimits } from '../src/server/http/parser';
import { Changes } from './support/changes';
import { get, request } from './support/http-client';
import { headerOf, readResponsesStrictly, type StrictResponse } from './support/strict-responses';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 6);
const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_811);
/** Short, so that connections left half-sent or idle end quickly. */
const TIMEOUT_MS = 300;
/** The server checks its deadlines on this interval (TIMEOUT_SWEEP_INTERVAL_MS in server.ts). */
const SWEEP_INTERVAL_MS = 200;
/**
 * A connection must be closed this long after its last byte at the latest: its timeout, one sweep, and a wide
 * margin for a loaded machine (jobs here take milliseconds). Generous on purpose: the test is about framing
 * and closing, not speed.
 */
const CLOSE_DEADLINE_MS = TIMEOUT_MS + SWEEP_INTERVAL_MS + 4_000;
/** Small limits, so that random mutations cross every one of them. */
const PARSER_LIMITS: ParserLimits = {
  maxRequestLineBytes: 128,
  maxHeaderBytes: 256,
  maxHeaderCount: 8,
  maxBodyBytes: 64,
  maxChunkFramingExcessBytes: 32,
};

/** Valid requests the mutations start from: every route, method family, target form and framing. */
const VALID_REQUESTS = [
  get('/'),
  get('/sleep'),
  get('/missing?q=1'),
  'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET / HTTP/1.0\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  'GET http://127.0.0.1:7878/ HTTP/1.1\r\nHost: x\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n',
  'CONNECT 127.0.0.1:7878 HTTP/1.1\r\nHost: 127.0.0.1:7878\r\n\r\n',
  'POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n',
  'BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n',
];

/** Pieces of HTTP that mutations splice in, so that the bytes stay close enough to HTTP to reach deep states. */
const FRAGMENTS = [
  '\r\n',
  '\r',
  '\n',
  ' ',
  '\t',
  ':',
  '0',
  'ff',
  ';x="y"',
  'Host: x\r\n',
  'Content-Length: 3\r\n',
  'Content-Length: 99999\r\n',
  'Transfer-Encoding: chunked\r\n',
  'Connection: close\r\n',
  'HEAD ',
  'GET / HTTP/1.1\r\n',
  'http://',
  '1\r\na\r\n',
  '\x00',
  '\xff',
];

type Mutation =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'insert'; at: number; bytes: Buffer }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'repeat'; at: number; length: number; times: number }
  | { kind: 'truncate'; at: number };

const latin1 = (text: string) => Buffer.from(text, 'latin1');
/** A position as a fraction of the length it applies to, so a mutation stays meaningful after earlier ones. */
const fraction = fc.double({ min: 0, max: 1, noNaN: true });

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fraction, byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fraction,
    bytes: fc.oneof(
      fc.constantFrom(...FRAGMENTS.map(latin1)),
      fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => Buffer.from(b)),
    ),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fraction, length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({
    kind: fc.constant('repeat' as const),
    at: fraction,
    length: fc.integer({ min: 1, max: 24 }),
    times: fc.integer({ min: 2, max: 40 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fraction }),
);

function mutate(bytes: Buffer, mutation: Mutation): Buffer {
  const at = Math.floor(mutation.at * bytes.length);
  switch (mutation.kind) {
    case 'set': {
      if (bytes.length === 0) return bytes;
      const copy = Buffer.from(bytes);
      copy[Math.min(at, bytes.length - 1)] = mutation.byte;
      return copy;
    }
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), mutation.bytes, bytes.subarray(at)]);
    case 'delete':
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + mutation.length)]);
    case 'repeat': {
      const piece = bytes.subarray(at, at + mutation.length);
      return Buffer.concat([bytes.subarray(0, at), ...Array<Buffer>(mutation.times).fill(piece), bytes.subarray(at)]);
    }
    case 'truncate':
      return bytes.subarray(0, at);
  }
}

/** How a client ends: half-closes and reads, stays open until the server closes, or vanishes (RST). */
type Ending = 'half-close' | 'stay-open' | 'reset';

interface ClientScript {
  bytes: Buffer;
  /** Sorted offsets where the bytes are cut into separate writes. */
  cuts: number[];
  /** Pause before each write after the first. */
  pauseMs: number;
  ending: Ending;
  /** Requests the client sent unchanged, when it did: then each gets its answer, up to the first that closes. */
  unchangedRequests: string[] | null;
}

const bytesArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        requests: fc.array(fc.constantFrom(...VALID_REQUESTS), { minLength: 1, maxLength: 4 }),
        mutations: fc.array(mutationArb, { maxLength: 4 }),
      })
      .map(({ requests, mutations }) => ({
        bytes: mutations.reduce(mutate, latin1(requests.join(''))),
        unchangedRequests: mutations.length === 0 ? requests : null,
      })),
  },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 400 }).map((b) => ({ bytes: Buffer.from(b), unchangedRequests: null })) },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(...FRAGMENTS, ...VALID_REQUESTS), fc.string({ maxLength: 6 })), { maxLength: 30 })
      .map((parts) => ({ bytes: latin1(parts.join('')), unchangedRequests: null })),
  },
);

const scriptArb: fc.Arbitrary<ClientScript> = fc
  .record({
    sent: bytesArb,
    cutFractions: fc.array(fraction, { maxLength: 6 }),
    pauseMs: fc.constantFrom(0, 0, 1, 5),
    ending: fc.constantFrom<Ending>('half-close', 'half-close', 'stay-open', 'stay-open', 'reset'),
  })
  .map(({ sent, cutFractions, pauseMs, ending }) => {
    const cuts = [...new Set(cutFractions.map((f) => Math.floor(f * sent.bytes.length)))].filter((at) => at > 0).sort((a, b) => a - b);
    return { bytes: sent.bytes, cuts, pauseMs, ending, unchangedRequests: sent.unchangedRequests };
  });

interface ClientOutcome {
  script: ClientScript;
  localPort: number;
  received: Buffer;
  /** From the last write to the close; null when the client reset the connection itself. */
  closedAfterMs: number | null;
  hung: boolean;
}

const pause = (ms: number) => new Promise<void>((resolve) => (ms === 0 ? setImmediate(resolve) : setTimeout(resolve, ms)));

async function play(port: number, script: ClientScript): Promise<ClientOutcome> {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const localPort = socket.localPort!;
  const received: Buffer[] = [];
  socket.on('data', (data: Buffer) => received.push(data));
  // The server may close or reset mid-send (after an error answer): writes then fail, which is fine.
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));

  const offsets = [0, ...script.cuts, script.bytes.length];
  for (let i = 0; i + 1 < offsets.length && !socket.destroyed; i++) {
    if (i > 0) await pause(script.pauseMs);
    if (!socket.destroyed) socket.write(script.bytes.subarray(offsets[i], offsets[i + 1]));
  }
  const lastWriteAt = performance.now();
  if (script.ending === 'reset') {
    socket.resetAndDestroy();
    await closed;
    return { script, localPort, received: Buffer.concat(received), closedAfterMs: null, hung: false };
  }
  if (script.ending === 'half-close' && !socket.destroyed) socket.end();
  let hung = false;
  const deadline = setTimeout(() => {
    hung = true;
    socket.destroy();
  }, CLOSE_DEADLINE_MS);
  await closed;
  clearTimeout(deadline);
  return { script, localPort, received: Buffer.concat(received), closedAfterMs: performance.now() - lastWriteAt, hung };
}

/** Which requests a connection's server side received, in order, keyed by the client's port: HEAD answers have no body. */
class ServerView {
  opened = 0;
  closed = 0;
  private readonly connectionByPort = new Map<number, number>();
  private readonly methodsByConnection = new Map<number, string[]>();
  private readonly changes = new Changes();

  constructor(events: EventStream) {
    events.subscribe((event) => {
      if (event.type === 'connection-opened') {
        this.opened++;
        this.connectionByPort.set(event.remotePort, event.connectionId);
      } else if (event.type === 'connection-closed') {
        this.closed++;
      } else if (event.type === 'request-received') {
        const methods = this.methodsByConnection.get(event.connectionId) ?? [];
        methods.push(event.method);
        this.methodsByConnection.set(event.connectionId, methods);
      }
      this.changes.notify();
    });
  }

  methodsOf(clientPort: number): string[] {
    const connectionId = this.connectionByPort.get(clientPort);
    return connectionId === undefined ? [] : (this.methodsByConnection.get(connectionId) ?? []);
  }

  /** Resolves once every connection the server opened is closed; false if that takes longer than `withinMs`. */
  async allClosed(withinMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'gave-up'>((resolve) => {
      timer = setTimeout(() => resolve('gave-up'), withinMs);
    });
    const allClosed = this.changes.until(() => this.closed >= this.opened).then(() => 'closed' as const);
    const outcome = await Promise.race([allClosed, gaveUp]);
    clearTimeout(timer);
    return outcome === 'closed';
  }

  forget(): void {
    this.connectionByPort.clear();
    this.methodsByConnection.clear();
  }
}

function describeScript(outcome: ClientOutcome): string {
  const { script } = outcome;
  return `client port ${outcome.localPort}, ending ${script.ending}, cuts ${JSON.stringify(script.cuts)}, sent ${JSON.stringify(script.bytes.toString('latin1'))}`;
}

/** How many answers unchanged requests get: each one, up to and including the first that closes the connection. */
function expectedAnswers(requests: string[]): number {
  const closing = requests.findIndex((r) => / HTTP\/1\.0\r\n|Connection: close\r\n|^CONNECT /.test(r));
  return closing === -1 ? requests.length : closing + 1;
}

function checkClient(outcome: ClientOutcome, view: ServerView): void {
  const where = describeScript(outcome);
  expect(outcome.hung, `not closed within ${CLOSE_DEADLINE_MS} ms of the last byte: ${where}`).toBe(false);
  const methods = view.methodsOf(outcome.localPort);
  let responses: StrictResponse[];
  try {
    responses = readResponsesStrictly(outcome.received, (index) => methods[index] === 'HEAD');
  } catch (error) {
    throw new Error(`${(error as Error).message}: ${where}`);
  }
  const closingAt = responses.findIndex((r) => headerOf(r, 'connection') === 'close');
  if (closingAt !== -1) expect(closingAt, `a response after Connection: close: ${where}`).toBe(responses.length - 1);
  if (outcome.script.unchangedRequests !== null) {
    expect(responses.length, `answers to unchanged requests: ${where}`).toBe(expectedAnswers(outcome.script.unchangedRequests));
  }
}

describe('the server under fuzzed clients', () => {
  let server: RunningServer;
  let view: ServerView;
  let hasStopped = false;

  beforeAll(async () => {
    const events = new EventStream();
    view = new ServerView(events);
    server = await startServer({
      port: 0,
      workerCount: 2,
      sleepMs: 5,
      headerTimeoutMs: TIMEOUT_MS,
      keepAliveTimeoutMs: TIMEOUT_MS,
      parserLimits: PARSER_LIMITS,
      events,
    });
    void server.closed.then(() => {
      hasStopped = true;
    });
  });

  afterAll(async () => {
    await server?.shutdown();
  });

  it(
    `frames every answer, closes every connection and keeps serving (${FUZZ_RUNS} runs of 8–24 concurrent clients, seed ${FUZZ_SEED})`,
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(scriptArb, { minLength: 8, maxLength: 24 }), async (scripts) => {
          view.forget();
          const outcomes = await Promise.all(scripts.map((script) => play(server.port, script)));
          for (const outcome of outcomes) if (outcome.script.ending !== 'reset') checkClient(outcome, view);
          expect(await view.allClosed(CLOSE_DEADLINE_MS), `${view.opened - view.closed} connections still open`).toBe(true);
          expect(hasStopped).toBe(false);
        }),
        { seed: FUZZ_SEED, numRuns: FUZZ_RUNS, endOnFailure: true },
      );
      const after = await request(server.port, get('/'));
      expect(after.status).toBe(200);
      expect(await view.allClosed(CLOSE_DEADLINE_MS)).toBe(true);
    },
    60_000 + FUZZ_RUNS * 10_000,
  );
});
