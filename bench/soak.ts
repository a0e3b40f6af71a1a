// `npm run bench -- --soak [--soak-s N]`: minutes of saturation with hostile clients beside polite ones (issue 8).
// A Poolscope child serves 20 polite keep-alive clients, each sending GET / in a loop in this process, while a
// second child runs the attackers: greedy pipeliners, clients that never read, slowloris header dribblers,
// one-byte-chunk senders and floods past the connection cap. Every 10 s it prints the polite clients' latency
// (p50, p99, max: request written to response read, closed loop) and errors, and the server's memory and
// descriptors; at the end, what each kind of attacker got. The first interval runs without attackers, as a
// baseline. Not part of `npm test`: it takes minutes and both cores.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { pipelined, ResponseCounter, tinyChunkedRequest } from '../test/support/hostile-clients';
import { get, RawConnection } from '../test/support/http-client';
import { percentile } from '../test/support/percentile';
import { killAllPrograms, spawnTsx } from '../test/support/processes';
import { atLeast, numberFlag } from './flags';
import { spawnServer } from './servers';

export const SOAK_USAGE = `  --soak               minutes of saturation with hostile clients beside polite ones, then exit (see bench/soak.ts)
  --soak-s N           seconds the soak runs (default 180)`;

const HOST = '127.0.0.1';
const DEFAULT_SOAK_S = 180;
const REPORT_INTERVAL_MS = 10_000;
const POLITE_CLIENTS = 20;
/** Lower than the default 10,000 so that the floods reach it on a small machine without exhausting its descriptors. */
const SOAK_MAX_CONNECTIONS = 1_000;
const WORKER_COUNT = 4;
const THIS_FILE = fileURLToPath(import.meta.url);

/** How many of each attacker run at once. */
const ATTACKERS = {
  /** Pipeline 20,000 GET /sleep?ms=1 in one write and read the answers, again and again. */
  greedyPipeliners: 2,
  /** Pipeline 20,000 GET / in one write and never read; the server must drop them (send timeout). */
  neverReaders: 5,
  /** Send a header byte a second; the server must answer 408 (header timeout). */
  slowloris: 200,
  /** Send a 6 MB body of one-byte chunks before reading; the server must answer 413 and the client read it. */
  chunkSenders: 3,
  /** Open this many connections at once, past the cap: 503s for some, idle-timeouts for the rest; half the refused never close. */
  capFloodConnections: 1_200,
} as const;

// ── the attackers, in a child process ────────────────────────────────────────

type Tally = Record<string, number>;

function add(tally: Tally, outcome: string | number, by = 1): void {
  tally[outcome] = (tally[outcome] ?? 0) + by;
}

class Attack {
  readonly tallies: Record<string, Tally> = {};
  private readonly sockets = new Set<net.Socket>();

  constructor(
    readonly port: number,
    readonly stopAt: number,
  ) {}

  get isOver(): boolean {
    return performance.now() >= this.stopAt;
  }

  count(kind: string, outcome: string, by = 1): void {
    this.tallies[kind] ??= {};
    add(this.tallies[kind], outcome, by);
  }

  /** A connected socket, or null when the connection failed (counted). */
  async open(kind: string, allowHalfOpen = false): Promise<net.Socket | null> {
    const socket = net.connect({ host: HOST, port: this.port, allowHalfOpen });
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    const isConnected = await new Promise<boolean>((done) => {
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
    this.count(kind, isConnected ? 'connections' : 'connect failed');
    return isConnected ? socket : null;
  }

  /** Runs `session` on one new connection after another until the attack is over; a failed connect waits a second. */
  async repeat(kind: string, session: (socket: net.Socket) => Promise<void>): Promise<void> {
    while (!this.isOver) {
      const socket = await this.open(kind);
      if (socket === null) await pause(1_000);
      else await session(socket);
    }
  }

  stopAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}

/** How long a never-reader waits before it reads, to learn whether the server dropped it. */
const NEVER_READER_WAIT_MS = 40_000;
const closedOf = (socket: net.Socket) => new Promise<void>((done) => (socket.destroyed ? done() : socket.once('close', () => done())));
const pause = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
/** The status of the first response in `text`, or 'no answer'. */
const statusIn = (text: string) => /^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1] ?? 'no answer';

async function greedyPipeliner(attack: Attack): Promise<void> {
  const kind = 'greedy pipeliner';
  const burst = pipelined(get('/sleep?ms=1'), 20_000);
  await attack.repeat(kind, async (socket) => {
    const counter = new ResponseCounter();
    socket.on('data', (chunk: Buffer) => {
      counter.push(chunk);
      if (counter.count === 20_000) socket.destroy();
    });
    socket.write(burst);
    await closedOf(socket);
    for (const [status, n] of counter.statuses) attack.count(kind, `answers ${status}`, n);
  });
}

async function neverReader(attack: Attack): Promise<void> {
  const kind = 'never reader';
  const burst = pipelined(get('/'), 20_000);
  await attack.repeat(kind, async (socket) => {
    socket.pause();
    socket.write(burst);
    // A paused socket does not see the server drop it. The server serves it (its share at a time) until about
    // 4 MB of answers fill the TCP buffers, then drops it after its send timeout (10 s): on a saturated
    // server that takes tens of seconds. Then read, to learn whether it has.
    await Promise.race([closedOf(socket), pause(NEVER_READER_WAIT_MS)]);
    socket.resume();
    const wasDropped = await Promise.race([closedOf(socket).then(() => true), pause(5_000).then(() => false)]);
    attack.count(kind, wasDropped ? 'dropped by the server' : `still open after ${(NEVER_READER_WAIT_MS + 5_000) / 1_000} s`);
    socket.destroy();
  });
}

async function slowloris(attack: Attack): Promise<void> {
  const kind = 'slowloris';
  await attack.repeat(kind, async (socket) => {
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
    });
    socket.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nX-Slow: `);
    const dribble = setInterval(() => socket.write('a'), 1_000);
    await closedOf(socket);
    clearInterval(dribble);
    attack.count(kind, answer === '' && attack.isOver ? 'open when the soak ended' : statusIn(answer));
  });
}

async function chunkSender(attack: Attack): Promise<void> {
  const kind = 'one-byte-chunk sender';
  const body = tinyChunkedRequest(1_048_575);
  await attack.repeat(kind, async (socket) => {
    // Sends the whole body before reading, as simple clients do: only a lingering close lets it see its answer.
    socket.pause();
    const writeError = await new Promise<Error | null | undefined>((done) => socket.write(body, done));
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
    });
    socket.resume();
    await closedOf(socket);
    attack.count(kind, writeError ? 'write failed, no answer' : statusIn(answer));
    await pause(1_000);
  });
}

async function capFlood(attack: Attack): Promise<void> {
  const kind = 'cap flood';
  while (!attack.isOver) {
    const floods = Array.from({ length: ATTACKERS.capFloodConnections }, async (_, i) => {
      const socket = await attack.open(kind, true);
      if (socket === null) return;
      let answer = '';
      let hasClosedItself = false;
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString('latin1');
        // Refused: half close at once, half never close (the server must free them anyway).
        if (answer.startsWith('HTTP/1.1 503 ') && answer.includes('\r\n\r\n') && i % 2 === 0) {
          hasClosedItself = true;
          socket.destroy();
        }
      });
      const serverEnded = new Promise<void>((done) => socket.once('end', () => done()));
      socket.write(get('/'));
      // allowHalfOpen: the client never closes its side. The accepted ones idle until the server's keep-alive timeout (5 s).
      await Promise.race([serverEnded, closedOf(socket), pause(15_000)]);
      attack.count(kind, statusIn(answer));
      if (!hasClosedItself)
        attack.count(
          kind,
          socket.readableEnded ? 'ended by the server' : attack.isOver ? 'open when the soak ended' : 'not ended by the server in 15 s',
        );
      socket.destroy();
    });
    await Promise.all(floods);
  }
}

async function runAttackers(port: number, durationMs: number): Promise<void> {
  const attack = new Attack(port, performance.now() + durationMs);
  const stopTimer = setTimeout(() => attack.stopAll(), durationMs);
  const times = (n: number, attacker: (attack: Attack) => Promise<void>) => Array.from({ length: n }, () => attacker(attack));
  await Promise.all([
    ...times(ATTACKERS.greedyPipeliners, greedyPipeliner),
    ...times(ATTACKERS.neverReaders, neverReader),
    ...times(ATTACKERS.slowloris, slowloris),
    ...times(ATTACKERS.chunkSenders, chunkSender),
    capFlood(attack),
  ]);
  clearTimeout(stopTimer);
  process.stdout.write(`${JSON.stringify(attack.tallies)}\n`);
}

// ── the polite clients and the report, in this process ───────────────────────

interface Interval {
  latenciesMs: number[];
  errors: Tally;
}

const newInterval = (): Interval => ({ latenciesMs: [], errors: {} });

async function politeClient(port: number, isOver: () => boolean, current: () => Interval): Promise<void> {
  let conn: RawConnection | null = null;
  while (!isOver()) {
    try {
      conn ??= await RawConnection.open(port);
      const sentAt = performance.now();
      conn.send(get('/'));
      const { status } = await conn.read();
      if (status === 200) current().latenciesMs.push(performance.now() - sentAt);
      else {
        add(current().errors, status);
        if (status === 503) await pause(100);
      }
      if (conn.isClosed) conn = null;
    } catch (error) {
      add(current().errors, (error as NodeJS.ErrnoException).code ?? 'closed');
      conn?.close();
      conn = null;
      await pause(100);
    }
  }
  conn?.close();
}

function processStatus(pid: number): { rssMiB: number; descriptors: number; sockets: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  let descriptors = 0;
  let sockets = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    descriptors++;
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      // closed while we looked
    }
  }
  return { rssMiB: rssKiB / 1024, descriptors, sockets };
}

function printRow(cells: string[]): void {
  const widths = [7, 9, 9, 9, 9, 22, 9, 6, 8];
  console.log(`| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 8)).join(' | ')} |`);
}

const ms = (value: number) => (Number.isFinite(value) ? `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms` : '-');
const describeErrors = (errors: Tally) =>
  Object.entries(errors)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ') || '0';

export async function runSoak(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { soak: { type: 'boolean' }, 'soak-s': { type: 'string' } } });
  const soakS = numberFlag('soak-s', values['soak-s'], DEFAULT_SOAK_S, atLeast(20, 'a number of seconds'));
  const server = await spawnServer('poolscope', { workerCount: WORKER_COUNT, sleepMs: 1_000, maxConnections: SOAK_MAX_CONNECTIONS });
  try {
    const totalMs = soakS * 1_000;
    const attackMs = totalMs - REPORT_INTERVAL_MS;
    console.log(
      `Soak: ${soakS} s against Poolscope (pid ${server.pid}, ${WORKER_COUNT} workers, maxConnections ${SOAK_MAX_CONNECTIONS}, other limits at their defaults); ` +
        `${POLITE_CLIENTS} polite keep-alive clients send GET / in a loop; attackers from ${REPORT_INTERVAL_MS / 1_000} s on: ${JSON.stringify(ATTACKERS)}\n`,
    );
    const startAt = performance.now();
    const isOver = () => performance.now() - startAt >= totalMs;
    let interval = newInterval();
    const all = newInterval();
    const polite = Array.from({ length: POLITE_CLIENTS }, () => politeClient(server.port, isOver, () => interval));
    printRow(['t (s)', 'polite', 'p50', 'p99', 'max', 'polite errors', 'RSS MiB', 'fds', 'sockets']);
    console.log(`|${[7, 9, 9, 9, 9, 22, 9, 6, 8].map((w) => '-'.repeat(w + 2)).join('|')}|`);
    const report = () => {
      const { latenciesMs, errors } = interval;
      interval = newInterval();
      all.latenciesMs.push(...latenciesMs);
      for (const [kind, n] of Object.entries(errors)) add(all.errors, kind, n);
      latenciesMs.sort((a, b) => a - b);
      const proc = processStatus(server.pid);
      printRow([
        ((performance.now() - startAt) / 1_000).toFixed(0),
        String(latenciesMs.length),
        ms(percentile(latenciesMs, 50)),
        ms(percentile(latenciesMs, 99)),
        ms(latenciesMs.at(-1) ?? Number.NaN),
        describeErrors(errors),
        proc.rssMiB.toFixed(1),
        String(proc.descriptors),
        String(proc.sockets),
      ]);
    };
    const reporter = setInterval(report, REPORT_INTERVAL_MS);
    await pause(REPORT_INTERVAL_MS);
    const attackers = spawnTsx(THIS_FILE, ['--attackers', String(server.port), String(attackMs)]);
    const attackExit = await attackers.exited;
    await Promise.all(polite);
    clearInterval(reporter);
    report();
    if (attackExit.code !== 0) throw new Error(`the attackers exited with code ${attackExit.code}:\n${attackers.output()}`);
    all.latenciesMs.sort((a, b) => a - b);
    console.log(
      `\nPolite clients over the whole soak: ${all.latenciesMs.length} answered, p50 ${ms(percentile(all.latenciesMs, 50))}, ` +
        `p99 ${ms(percentile(all.latenciesMs, 99))}, max ${ms(all.latenciesMs.at(-1) ?? Number.NaN)}, errors: ${describeErrors(all.errors)}`,
    );
    console.log('\nWhat the attackers got:');
    const tallies = JSON.parse(attackers.stdout()) as Record<string, Tally>;
    for (const [kind, tally] of Object.entries(tallies)) console.log(`  ${kind.padEnd(22)} ${describeErrors(tally)}`);
  } finally {
    await server.stop();
  }
}

const isMain = process.argv[1] !== undefined && pathToFileURL(resolve(process.argv[1])).href === import.meta.url;
if (isMain) {
  const at = process.argv.indexOf('--attackers');
  const run = at === -1 ? runSoak(process.argv.slice(2)) : runAttackers(Number(process.argv[at + 1]), Number(process.argv[at + 2]));
  run.catch((error: unknown) => {
    killAllPrograms();
    process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  });
}
