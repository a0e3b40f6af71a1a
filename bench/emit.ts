// Micro-benchmark of the event stream's emit path, away from the load generator's noise: what the five events of a
// keep-alive GET / (request-received, job-queued, job-started, job-finished, response-sent) cost the main thread
// per request, with nobody subscribed, with a subscriber of one event type a request does not emit (the pool then
// reports its facts, but no event is built), with a subscriber that does nothing, and with one that buffers every
// event as the app's publisher did before it read its frames from the recorder, and with `serve`'s book log printing
// to a file (src/server/book-log.ts, one line per request). It drives the real EventStream and PoolEventReporter;
// the server's and the connection's emit sites and the pool's calls are copied here with their checks, clock
// readings and objects.
// Run: npm run bench:emit [-- --rounds N --requests N]. Rounds alternate between the modes; the figure is
// each mode's median round in ns of CPU per request, and the median of the per-round differences to nobody.

import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { attachBookLog } from '../src/server/book-log';
import { EventStream } from '../src/server/event-stream';
import type { JobRunOutcome } from '../src/server/pool/observer';
import { PoolEventReporter } from '../src/server/pool-events';
import type { RouteOutput } from '../src/server/routes';
import type { ServerEvent } from '../src/shared/events';
import { percentile } from '../test/support/percentile';
import { numberFlag, readFlagsOrExit, wholeAtLeast } from './flags';

const { ROUNDS, REQUESTS_PER_ROUND } = readFlagsOrExit('bench:emit', () => {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, requests: { type: 'string' } } });
  return {
    ROUNDS: numberFlag('rounds', values.rounds, 15, wholeAtLeast(1)),
    REQUESTS_PER_ROUND: numberFlag('requests', values.requests, 200_000, wholeAtLeast(1)),
  };
});
/** The buffering subscriber hands its buffer off every 33 ms, as the publisher did: at about 27,000 req/s, this many. */
const EVENTS_PER_PUBLISH = 4_500;
const WORKER_COUNT = 4;

const MODES = ['nobody', 'server-stopped only', 'do-nothing subscriber', 'buffering subscriber', 'book log to a file'] as const;
type Mode = (typeof MODES)[number];

const events = new EventStream();
const reporter = new PoolEventReporter(events);
const output: RouteOutput = { status: 200, contentType: 'text/html; charset=utf-8', body: new Uint8Array(100) };
const request = { method: 'GET', target: '/', userAgent: 'wrk' as string | null };
const connection = { id: 7, remoteAddress: '127.0.0.1' };
/** The pool's `lastStampMs`: its stamps never go back. */
let lastStampMs = 0;

/** One keep-alive GET / through every emit site, each as the server, the pool and the connection write it. */
function oneRequest(requestId: number): void {
  // server.ts onRequest
  const receivedAtMs = performance.now();
  if (events.wants['request-received']) {
    events.emit({
      type: 'request-received',
      at: events.atOf(receivedAtMs),
      requestId,
      connectionId: connection.id,
      method: request.method,
      target: request.target,
      remoteAddress: connection.remoteAddress,
      userAgent: request.userAgent,
    });
  }
  // thread-pool.ts execute (stampNow) and start
  const queuedAtMs = performance.now();
  lastStampMs = queuedAtMs;
  if (reporter.isObserving) reporter.jobQueued(requestId, 1, queuedAtMs);
  const workerId = requestId % WORKER_COUNT;
  if (reporter.isObserving) reporter.jobStarted(requestId, workerId, 0, 0, queuedAtMs);
  // thread-pool.ts takeResult and finish: the outcome the job's callback gets anyway, stamped (stampAt) for its report
  const outcome: JobRunOutcome<RouteOutput> = { ok: true, output, runMs: 0.004, workerId };
  if (reporter.isObserving) {
    const nowMs = performance.now();
    const finishedAtMs = Math.max(Math.min(queuedAtMs + 0.01, nowMs), lastStampMs);
    lastStampMs = finishedAtMs;
    reporter.jobFinished(requestId, outcome, finishedAtMs);
  }
  // connection.ts flush
  if (events.wants['response-sent']) {
    events.emit({ type: 'response-sent', at: events.now(), requestId, status: 200, bytes: 163 });
  }
}

function subscribe(mode: Mode): () => void {
  if (mode === 'nobody') return () => {};
  // Observed, but by nobody who wants a request's events: the pool reports, and no event is built.
  if (mode === 'server-stopped only') return events.subscribe(() => {}, ['server-stopped']);
  if (mode === 'do-nothing subscriber') return events.subscribe(() => {});
  if (mode === 'book log to a file') {
    // As `serve > file` prints: serve's book log, a synchronous write to a file.
    const log = attachBookLog(events, (text) => void writeSync(logFd, text));
    return log.stop;
  }
  let buffered: ServerEvent[] = [];
  return events.subscribe((event) => {
    buffered.push(event);
    if (buffered.length >= EVENTS_PER_PUBLISH) buffered = [];
  });
}

const logDir = mkdtempSync(join(tmpdir(), 'poolscope-emit-'));
const logFd = openSync(join(logDir, 'book-log.txt'), 'w');

let nextRequestId = 1;
/** CPU ns per request of one round in `mode`. */
function round(mode: Mode): number {
  const unsubscribe = subscribe(mode);
  const before = process.cpuUsage();
  for (let i = 0; i < REQUESTS_PER_ROUND; i++) oneRequest(nextRequestId++);
  const used = process.cpuUsage(before);
  unsubscribe();
  return ((used.user + used.system) * 1000) / REQUESTS_PER_ROUND;
}

// Warm-up: every mode, so the JIT has seen the shapes of all of them before anything is measured.
for (let i = 0; i < 3; i++) for (const mode of MODES) round(mode);
const nsByMode = new Map<Mode, number[]>(MODES.map((mode) => [mode, []]));
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? MODES : [...MODES].reverse();
  for (const mode of order) nsByMode.get(mode)!.push(round(mode));
}
const median = (xs: readonly number[]): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
const nobody = nsByMode.get('nobody')!;
console.log(
  `emit path, ${ROUNDS} alternating rounds of ${REQUESTS_PER_ROUND.toLocaleString('en-US')} requests (5 events each), ` +
    'CPU ns per request: median round, fastest round (other load on the machine only ever adds), and what a mode adds to nobody',
);
for (const mode of MODES) {
  const ns = nsByMode.get(mode)!;
  const added = ns.map((x, i) => x - nobody[i]!);
  const extra =
    mode === 'nobody'
      ? ''
      : `  adds ${median(added).toFixed(0)} ns (median of rounds), ${(Math.min(...ns) - Math.min(...nobody)).toFixed(0)} ns (fastest rounds)`;
  console.log(
    `  ${mode.padEnd(22)} median ${median(ns).toFixed(0).padStart(5)} ns, fastest ${Math.min(...ns)
      .toFixed(0)
      .padStart(5)} ns${extra}`,
  );
}
closeSync(logFd);
rmSync(logDir, { recursive: true, force: true });
