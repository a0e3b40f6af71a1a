// `npm run bench:chunked`: the one-byte-chunk attack of issue 8 against Poolscope in its own process. N connections
// each send a chunked `POST /` of tiny chunks (by default one-byte chunks just under the 1 MiB body limit, 6 MB on the wire)
// while a probe sends `GET /` on a fresh connection every PROBE_INTERVAL_MS; prints the server's resident memory
// and the probe's latency before and during the flood. The flood runs in a child process of its own, so its
// sending never delays the probe's clock. Not part of `npm test`: it takes tens of seconds and a core.

import { readFileSync } from 'node:fs';
import net from 'node:net';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { MAX_BODY_BYTES } from '../src/server/http/parser';
import { tinyChunkedRequest } from '../test/support/hostile-clients';
import { percentile } from '../test/support/percentile';
import { spawnTsx } from '../test/support/processes';
import { BenchUsageError, numberFlag, positive, runBenchProgram, wholeAtLeast } from './flags';
import { SERVER_KINDS, type ServerKind, spawnServer } from './servers';

const USAGE = `npm run bench:chunked -- [flags]
  --connections N   flooding connections (default 30)
  --chunk-bytes N   data bytes per chunk (default 1)
  --chunks N        chunks per body (default: as many as fit under the 1 MiB body limit, 1048575 one-byte chunks)
  --baseline-s N    seconds of probing before the flood starts (default 2)
  --server NAME     poolscope (default) or node-http, the bench's node:http baseline, for comparison
  --whole-bodies    lift the chunk framing limit, so the server parses every chunk of every body (the
                    body buffer alone then bounds memory) instead of answering 413 after about 25 KB`;

const HOST = '127.0.0.1';
const PROBE_INTERVAL_MS = 50;
/** A probe that gets no answer in this long counts as lost. */
const PROBE_TIMEOUT_MS = 30_000;
const RSS_SAMPLE_INTERVAL_MS = 100;
const THIS_FILE = fileURLToPath(import.meta.url);

// ── the flood, in a child process ────────────────────────────────────────────

interface FloodOutcome {
  /** The status line's code, or 0 when the server closed without answering. */
  status: number;
  elapsedMs: number;
}

function floodOne(port: number, request: Buffer): Promise<FloodOutcome> {
  return new Promise((done) => {
    const startedAt = performance.now();
    const socket = net.connect({ host: HOST, port });
    let answer = '';
    let isDone = false;
    const finish = () => {
      if (isDone) return;
      isDone = true;
      const match = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      done({ status: match ? Number(match[1]) : 0, elapsedMs: performance.now() - startedAt });
      socket.destroy();
    };
    socket.on('connect', () => socket.write(request));
    socket.on('data', (data: Buffer) => {
      answer += data.toString('latin1');
      if (answer.includes('\r\n\r\n')) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
  });
}

async function runFloodChild(port: number, connections: number, chunks: number, chunkBytes: number): Promise<void> {
  const request = tinyChunkedRequest(chunks, chunkBytes);
  const outcomes = await Promise.all(Array.from({ length: connections }, () => floodOne(port, request)));
  process.stdout.write(`${JSON.stringify(outcomes)}\n`);
}

async function spawnFlood(port: number, connections: number, chunks: number, chunkBytes: number): Promise<FloodOutcome[]> {
  const flood = spawnTsx(THIS_FILE, ['--flood-child', String(port), String(connections), String(chunks), String(chunkBytes)]);
  const exit = await flood.exited;
  if (exit.code !== 0) throw new Error(`the flood process exited with code ${exit.code}:\n${flood.output()}`);
  return JSON.parse(flood.stdout()) as FloodOutcome[];
}

// ── the probe and the memory sampler, in this process ────────────────────────

/** One `GET /` on a fresh connection; its latency counts from `scheduledAt`, so a stalled server is not flattered. */
function probe(port: number, scheduledAt: number): Promise<number> {
  return new Promise((done) => {
    const socket = net.connect({ host: HOST, port });
    let answer = '';
    const timer = setTimeout(() => finish(Number.POSITIVE_INFINITY), PROBE_TIMEOUT_MS);
    const finish = (latencyMs: number) => {
      clearTimeout(timer);
      socket.destroy();
      done(latencyMs);
    };
    socket.on('connect', () => socket.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`));
    socket.on('data', (data: Buffer) => {
      answer += data.toString('latin1');
    });
    socket.on('error', () => finish(Number.POSITIVE_INFINITY));
    socket.on('end', () => finish(/^HTTP\/1\.1 200 /.test(answer) ? performance.now() - scheduledAt : Number.POSITIVE_INFINITY));
  });
}

function residentMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

function describeLatencies(label: string, latencies: number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const lost = sorted.filter((ms) => !Number.isFinite(ms)).length;
  const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : 'lost');
  return `${label.padEnd(22)} ${String(sorted.length).padStart(4)} probes  p50 ${ms(percentile(sorted, 50))}  p99 ${ms(percentile(sorted, 99))}  max ${ms(sorted.at(-1) ?? Number.NaN)}  over 1 s: ${sorted.filter((v) => v > 1000).length}  lost: ${lost}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string' },
      'chunk-bytes': { type: 'string' },
      chunks: { type: 'string' },
      'baseline-s': { type: 'string' },
      'whole-bodies': { type: 'boolean', default: false },
      server: { type: 'string', default: 'poolscope' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const connections = numberFlag('connections', values.connections, 30, wholeAtLeast(1));
  const chunkBytes = numberFlag('chunk-bytes', values['chunk-bytes'], 1, wholeAtLeast(1));
  const chunks = numberFlag('chunks', values.chunks, Math.floor((MAX_BODY_BYTES - 1) / chunkBytes), wholeAtLeast(1));
  const baselineMs = numberFlag('baseline-s', values['baseline-s'], 2, positive('a number of seconds')) * 1000;

  const kind = values.server as ServerKind;
  if (!SERVER_KINDS.includes(kind)) throw new BenchUsageError(`--server must be one of ${SERVER_KINDS.join(', ')}`);
  const parserLimits = values['whole-bodies'] ? { maxChunkFramingExcessBytes: 8 * 2 ** 20 } : undefined;
  const server = await spawnServer(kind, { workerCount: 4, sleepMs: 1000, parserLimits });
  try {
    const probes: Array<{ phase: 'before' | 'during'; latency: Promise<number> }> = [];
    let phase: 'before' | 'during' | 'after' = 'before';
    const startAt = performance.now();
    const probeTimer = setInterval(() => {
      if (phase !== 'after') probes.push({ phase, latency: probe(server.port, performance.now()) });
    }, PROBE_INTERVAL_MS);
    let peakDuringMiB = 0;
    const rssTimer = setInterval(() => {
      peakDuringMiB = Math.max(peakDuringMiB, residentMiB(server.pid, 'VmRSS'));
    }, RSS_SAMPLE_INTERVAL_MS);

    await new Promise((wait) => setTimeout(wait, baselineMs));
    const rssBeforeMiB = residentMiB(server.pid, 'VmRSS');
    peakDuringMiB = rssBeforeMiB;
    const wireMiB = tinyChunkedRequest(chunks, chunkBytes).length / 2 ** 20;
    console.log(`${kind} server pid ${server.pid}, RSS before the flood ${rssBeforeMiB.toFixed(1)} MiB`);
    console.log(
      `flood: ${connections} connections × ${chunks} chunks of ${chunkBytes} byte(s) (${wireMiB.toFixed(1)} MiB on the wire each)` +
        (parserLimits ? ', chunk framing limit lifted' : ''),
    );
    phase = 'during';
    const floodStartAt = performance.now();
    const outcomes = await spawnFlood(server.port, connections, chunks, chunkBytes);
    const floodMs = performance.now() - floodStartAt;
    phase = 'after';
    clearInterval(probeTimer);
    clearInterval(rssTimer);
    const rssAfterMiB = residentMiB(server.pid, 'VmRSS');

    const statusCounts = new Map<number, number>();
    for (const outcome of outcomes) statusCounts.set(outcome.status, (statusCounts.get(outcome.status) ?? 0) + 1);
    const statuses = [...statusCounts].map(([status, count]) => `${count} × ${status === 0 ? 'closed without answer' : status}`).join(', ');
    const elapsed = outcomes.map((o) => o.elapsedMs).sort((a, b) => a - b);
    console.log(
      `flood answers: ${statuses}; slowest after ${(elapsed.at(-1)! / 1000).toFixed(1)} s; flood over after ${(floodMs / 1000).toFixed(1)} s`,
    );
    console.log(
      `server RSS: before ${rssBeforeMiB.toFixed(1)} MiB, peak during ${peakDuringMiB.toFixed(1)} MiB (sampled every ${RSS_SAMPLE_INTERVAL_MS} ms), after ${rssAfterMiB.toFixed(1)} MiB`,
    );
    const settled = await Promise.all(probes.map(async (p) => ({ phase: p.phase, latency: await p.latency })));
    console.log(
      describeLatencies(
        'GET / before the flood',
        settled.filter((p) => p.phase === 'before').map((p) => p.latency),
      ),
    );
    console.log(
      describeLatencies(
        'GET / during the flood',
        settled.filter((p) => p.phase === 'during').map((p) => p.latency),
      ),
    );
    console.log(`(${((performance.now() - startAt) / 1000).toFixed(1)} s in all)`);
  } finally {
    await server.stop();
  }
}

const isMain = process.argv[1] !== undefined && pathToFileURL(resolve(process.argv[1])).href === import.meta.url;
if (isMain) {
  const floodAt = process.argv.indexOf('--flood-child');
  runBenchProgram(
    'bench:chunked',
    floodAt === -1
      ? main
      : () => runFloodChild(...(process.argv.slice(floodAt + 1, floodAt + 5).map(Number) as [number, number, number, number])),
  );
}
