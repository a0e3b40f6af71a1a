// Load generators behind one interface: wrk when installed (a C program in its own process, faster than
// any server it measures), else autocannon (npm) for keep-alive and a small node:net client for
// `Connection: close`; plus the /sleep burst, timed from its first send to its last response.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { percentile } from '../test/support/percentile';
import { spawnProgram } from '../test/support/processes';

export type LoadGeneratorName = 'wrk' | 'autocannon' | 'node-net';

export interface LoadOptions {
  host: string;
  port: number;
  path: string;
  connections: number;
  /** wrk takes whole seconds; fractions are rounded up for it. */
  durationS: number;
  /** Send `Connection: close`, so every request pays for a new TCP connection. */
  closeEachConnection: boolean;
  /** wrk only: run it on these CPUs (taskset's list, e.g. "1"), away from the server's. */
  pinnedCpus?: string;
}

export interface LoadResult {
  generator: LoadGeneratorName;
  requests: number;
  durationS: number;
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** Connect, read, write errors and timeouts together. */
  socketErrors: number;
  non2xx: number;
}

export function findWrk(): string | null {
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  // wrk --version prints its banner and exits 1; only a missing binary sets `error`.
  return probe.error === undefined && `${probe.stdout}${probe.stderr}`.includes('wrk') ? 'wrk' : null;
}

/** autocannon is optional: a computed specifier keeps TypeScript from requiring its types or its presence. */
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
interface AutocannonResult {
  duration: number;
  requests: { total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

export async function loadAutocannon(): Promise<Autocannon | null> {
  const specifier = 'autocannon';
  try {
    const module = (await import(specifier)) as { default: Autocannon };
    return module.default;
  } catch {
    return null;
  }
}

export interface LoadGenerators {
  keepAlive: LoadGeneratorName;
  close: LoadGeneratorName;
}

/** wrk for both when present; otherwise autocannon for keep-alive (node-net if it is missing too) and node-net for close. */
export async function chooseLoadGenerators(preferred: 'auto' | LoadGeneratorName): Promise<LoadGenerators> {
  if (preferred === 'wrk' || (preferred === 'auto' && findWrk() !== null)) {
    if (findWrk() === null) throw new Error('wrk was asked for but is not installed');
    return { keepAlive: 'wrk', close: 'wrk' };
  }
  if (preferred === 'node-net') return { keepAlive: 'node-net', close: 'node-net' };
  if ((await loadAutocannon()) !== null) return { keepAlive: 'autocannon', close: 'node-net' };
  if (preferred === 'autocannon') throw new Error('autocannon was asked for but is not installed (npm install --no-save autocannon)');
  return { keepAlive: 'node-net', close: 'node-net' };
}

export function runLoad(generator: LoadGeneratorName, options: LoadOptions): Promise<LoadResult> {
  switch (generator) {
    case 'wrk':
      return runWrk(options);
    case 'autocannon':
      return runAutocannon(options);
    case 'node-net':
      return runNodeNet(options);
  }
}

// ── wrk ──────────────────────────────────────────────────────────────────────

const WRK_RESULT_PREFIX = 'POOLSCOPE_WRK_RESULT ';
/** wrk's `done` hook prints the figures as one JSON line, so nothing depends on its human-readable units. */
const WRK_REPORT_SCRIPT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\n${WRK_RESULT_PREFIX}{"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
`;

interface WrkReport {
  requests: number;
  durationUs: number;
  p50Us: number;
  p99Us: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
}

async function runWrk(options: LoadOptions): Promise<LoadResult> {
  const scriptDir = mkdtempSync(join(tmpdir(), 'poolscope-wrk-'));
  const scriptPath = join(scriptDir, 'report.lua');
  writeFileSync(scriptPath, WRK_REPORT_SCRIPT);
  // One wrk thread: on a 2-core machine one core drives the load and the other serves it.
  const args = ['-t1', `-c${options.connections}`, `-d${Math.max(1, Math.ceil(options.durationS))}s`, '-s', scriptPath];
  if (options.closeEachConnection) args.push('-H', 'Connection: close');
  args.push(`http://${options.host}:${options.port}${options.path}`);
  try {
    const output =
      options.pinnedCpus === undefined
        ? await runToEnd('wrk', args)
        : await runToEnd('taskset', ['-c', options.pinnedCpus, 'wrk', ...args]);
    const line = output.split('\n').find((l) => l.startsWith(WRK_RESULT_PREFIX));
    if (line === undefined) throw new Error(`wrk printed no result:\n${output}`);
    const report = JSON.parse(line.slice(WRK_RESULT_PREFIX.length)) as WrkReport;
    const durationS = report.durationUs / 1e6;
    return {
      generator: 'wrk',
      requests: report.requests,
      durationS,
      requestsPerS: report.requests / durationS,
      p50Ms: report.p50Us / 1000,
      p99Ms: report.p99Us / 1000,
      socketErrors: report.connect + report.read + report.write + report.timeout,
      non2xx: report.status,
    };
  } finally {
    rmSync(scriptDir, { recursive: true, force: true });
  }
}

async function runToEnd(command: string, args: string[]): Promise<string> {
  const program = spawnProgram(command, args);
  const { code } = await program.exited;
  if (code !== 0) throw new Error(`${command} exited with code ${code}:\n${program.output()}`);
  return program.output();
}

// ── autocannon ───────────────────────────────────────────────────────────────

async function runAutocannon(options: LoadOptions): Promise<LoadResult> {
  // autocannon always keeps connections alive; close mode goes to runNodeNet.
  if (options.closeEachConnection) return runNodeNet(options);
  const autocannon = await loadAutocannon();
  if (autocannon === null) throw new Error('autocannon is not installed');
  const result = await autocannon({
    url: `http://${options.host}:${options.port}${options.path}`,
    connections: options.connections,
    duration: options.durationS,
    pipelining: 1,
  });
  return {
    generator: 'autocannon',
    requests: result.requests.total,
    durationS: result.duration,
    requestsPerS: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    socketErrors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

// ── node:net ─────────────────────────────────────────────────────────────────

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Each of `connections` loops sends one request at a time and reads the whole response (by
 * Content-Length). Keep-alive reuses the socket; close mode waits for the server to close it and
 * opens a new one. Latency runs from write to complete response, connect time excluded, as wrk counts it.
 */
function runNodeNet(options: LoadOptions): Promise<LoadResult> {
  const connectionHeader = options.closeEachConnection ? 'Connection: close\r\n' : '';
  const requestBytes = Buffer.from(
    `GET ${options.path} HTTP/1.1\r\nHost: ${options.host}:${options.port}\r\n${connectionHeader}\r\n`,
    'latin1',
  );
  const startedAt = performance.now();
  const endsAt = startedAt + options.durationS * 1000;
  const latenciesMs: number[] = [];
  let socketErrors = 0;
  let non2xx = 0;

  return new Promise((resolveResult) => {
    let loopsRunning = options.connections;
    const finish = (): void => {
      const durationS = (performance.now() - startedAt) / 1000;
      latenciesMs.sort((a, b) => a - b);
      resolveResult({
        generator: 'node-net',
        requests: latenciesMs.length,
        durationS,
        requestsPerS: latenciesMs.length / durationS,
        p50Ms: percentile(latenciesMs, 50),
        p99Ms: percentile(latenciesMs, 99),
        socketErrors,
        non2xx,
      });
    };
    const loopEnded = (): void => {
      if (--loopsRunning === 0) finish();
    };

    const runLoop = (): void => {
      const socket = net.connect({ host: options.host, port: options.port, noDelay: true });
      let received: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      let isAwaitingClose = false;
      let isDone = false;
      const send = (): void => {
        if (performance.now() >= endsAt) {
          isDone = true;
          socket.destroy();
          loopEnded();
          return;
        }
        received = Buffer.alloc(0);
        sentAt = performance.now();
        socket.write(requestBytes);
      };
      const record = (status: number): void => {
        latenciesMs.push(performance.now() - sentAt);
        if (status < 200 || status >= 300) non2xx++;
      };
      socket.on('connect', send);
      socket.on('data', (chunk: Buffer) => {
        received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
        const headerEnd = received.indexOf(HEADER_END);
        if (headerEnd === -1 || isAwaitingClose) return;
        const head = received.subarray(0, headerEnd).toString('latin1');
        const contentLength = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (received.length < headerEnd + HEADER_END.length + contentLength) return;
        const status = Number(head.slice(9, 12));
        if (options.closeEachConnection) {
          isAwaitingClose = true;
          record(status);
        } else {
          record(status);
          send();
        }
      });
      socket.on('error', () => {
        socketErrors++;
      });
      socket.on('close', () => {
        if (isDone) return;
        isDone = true;
        if (options.closeEachConnection && isAwaitingClose) {
          runLoop();
        } else if (performance.now() < endsAt) {
          // The server closed a connection it should have kept, or the connect failed: count it, go on.
          if (!options.closeEachConnection) socketErrors++;
          runLoop();
        } else {
          loopEnded();
        }
      });
    };
    for (let i = 0; i < options.connections; i++) runLoop();
  });
}

// ── the /sleep burst ─────────────────────────────────────────────────────────

export interface BurstResult {
  /** First request written to last response complete. */
  makespanMs: number;
  /** Each request's time from the first send to its own response, in completion order. */
  completionMs: number[];
  statuses: number[];
}

/**
 * Opens `count` connections first, so connect time stays out of the makespan, then writes one
 * `Connection: close` request on each in the same tick.
 */
export async function runBurst(host: string, port: number, path: string, count: number): Promise<BurstResult> {
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Socket>((resolveSocket, reject) => {
          const socket = net.connect({ host, port, noDelay: true }, () => resolveSocket(socket));
          socket.once('error', reject);
        }),
    ),
  );
  const requestBytes = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n\r\n`, 'latin1');
  const completionMs: number[] = [];
  const statuses: number[] = [];
  const firstSentAt = performance.now();
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolveResponse, reject) => {
          const chunks: Buffer[] = [];
          socket.on('data', (chunk: Buffer) => chunks.push(chunk));
          socket.once('error', reject);
          socket.once('end', () => {
            completionMs.push(performance.now() - firstSentAt);
            statuses.push(Number(Buffer.concat(chunks).subarray(9, 12).toString('latin1')));
            socket.destroy();
            resolveResponse();
          });
          socket.write(requestBytes);
        }),
    ),
  );
  return { makespanMs: Math.max(...completionMs), completionMs, statuses };
}
