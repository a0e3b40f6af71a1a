// Micro-benchmarks of the flight recorder (src/history): append cost per event, bytes per stored event,
// memory once full, stateAt() at random times, timeline() for the usual windows, and what a live viewer's
// frame costs the main thread (stats, build, JSON) and weighs.
// Run: npm run bench:history [-- --quick] [-- --frames: the frames alone] [-- --saturated: the frames at saturation,
// at the saturated pace] (apart from `npm run bench`, which compares servers). CPU time is reported beside wall time: on a shared machine it is far less disturbed by the
// other processes.
//
// The traffic is synthetic but shaped like the real server's: keep-alive GET / on N workers at a steady
// rate (request-received, job-queued, job-started, job-finished, response-sent per request), a share of
// 404s and user agents, connections opening and closing, now and then a /sleep holding a worker.

import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
// The builder alone, as the frame publisher imports it.
import { build as buildHistogram } from 'hdr-histogram-js/dist/HistogramBuilder.js';
import { EventHistory, LiveStats, ViewerFrames } from '../src/history';
import { BURST_USER_AGENT, type ServerEvent } from '../src/shared/events';
import { DEFAULT_RECORDER_SETTINGS, DEFAULT_SETTINGS } from '../src/shared/settings';
import { type ControllerStatus, FRAME_INTERVAL_MS, SATURATED_FRAME_INTERVAL_MS } from '../src/shared/wire';
import { percentile } from '../test/support/percentile';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const isQuick = process.argv.includes('--quick');
const isFramesOnly = process.argv.includes('--frames');
const isSaturated = process.argv.includes('--saturated');

/** Valid server events, in time order, for `workerCount` workers at `ratePerS` requests per second. */
class Traffic {
  at = 1_700_000_000_000;
  private requestId = 0;
  private connectionId = 0;
  private readonly gapMs: number;
  private readonly runMs: number;
  private readonly freeAt: number[];
  /** Events already decided but later than `at` (finishes and responses), by time. */
  private pending: ServerEvent[] = [];
  private out: ServerEvent[] = [];

  constructor(
    private readonly workerCount: number,
    ratePerS: number,
  ) {
    this.gapMs = 1000 / ratePerS;
    // Each worker ~70 % busy with GET /.
    this.runMs = (this.gapMs * workerCount * 0.7) | 0 || this.gapMs * workerCount * 0.7;
    this.freeAt = new Array<number>(workerCount).fill(0);
    for (let id = 0; id < workerCount; id++) this.out.push({ type: 'worker-spawned', at: this.at, workerId: id });
    this.out.push({
      type: 'server-listening',
      at: this.at,
      ...DEFAULT_SETTINGS,
      workerCount,
    });
  }

  next(): ServerEvent {
    while (this.out.length === 0) this.step();
    return this.out.shift()!;
  }

  private step(): void {
    this.at += this.gapMs;
    const at = this.at;
    // Flush what happened before this arrival.
    this.pending.sort((a, b) => a.at - b.at);
    let flushed = 0;
    while (flushed < this.pending.length && this.pending[flushed]!.at <= at) this.out.push(this.pending[flushed++]!);
    this.pending = this.pending.slice(flushed);

    const id = ++this.requestId;
    if (id % 1000 === 1) {
      this.connectionId++;
      this.out.push({
        type: 'connection-opened',
        at,
        connectionId: this.connectionId,
        remoteAddress: '127.0.0.1',
        remotePort: 40_000 + (this.connectionId % 20_000),
      });
      if (this.connectionId > 50)
        this.out.push({ type: 'connection-closed', at, connectionId: this.connectionId - 50, reason: 'client-closed', requestCount: 1000 });
    }
    const isSleep = id % 20_000 === 0;
    const target = isSleep ? '/sleep?ms=50' : id % 10 === 0 ? '/favicon.ico' : '/';
    const userAgent = id % 7 === 0 ? BURST_USER_AGENT : 'wrk';
    this.out.push({
      type: 'request-received',
      at,
      requestId: id,
      connectionId: this.connectionId,
      method: 'GET',
      target,
      remoteAddress: '127.0.0.1',
      userAgent,
    });
    let worker = 0;
    for (let w = 1; w < this.workerCount; w++) if (this.freeAt[w]! < this.freeAt[worker]!) worker = w;
    const startAt = Math.max(at, this.freeAt[worker]!);
    const finishAt = startAt + (isSleep ? 50 : this.runMs);
    this.freeAt[worker] = finishAt;
    this.out.push({ type: 'job-queued', at, requestId: id, queueDepth: 1 });
    const started: ServerEvent = { type: 'job-started', at: startAt, requestId: id, workerId: worker, waitMs: startAt - at, queueDepth: 0 };
    if (startAt <= at) this.out.push(started);
    else this.pending.push(started);
    const status = target === '/favicon.ico' ? 404 : 200;
    this.pending.push(
      { type: 'job-finished', at: finishAt, requestId: id, workerId: worker, runMs: finishAt - startAt, status },
      { type: 'response-sent', at: finishAt, requestId: id, status, bytes: 380 },
    );
  }
}

/**
 * Keep-alive GET / at saturation, as wrk drives the server: 50 connections each with one request in flight, 4 workers,
 * so about 46 jobs wait in the queue at every moment and each answer lets its connection send the next request.
 * Traffic (above) keeps the queue nearly empty; this is the queue the server's own profile sees under load.
 */
class SaturatedTraffic {
  at = 1_700_000_000_000;
  private requestId = 0;
  private readonly queue: Array<{ requestId: number; connectionId: number; at: number }> = [];
  private readonly running: Array<{ requestId: number; connectionId: number; startedAt: number }> = [];
  private nextWorker = 0;
  private out: ServerEvent[] = [];

  constructor(
    private readonly workerCount: number,
    connectionCount: number,
  ) {
    for (let id = 0; id < workerCount; id++) this.out.push({ type: 'worker-spawned', at: this.at, workerId: id });
    this.out.push({ type: 'server-listening', at: this.at, ...DEFAULT_SETTINGS, workerCount });
    for (let connectionId = 1; connectionId <= connectionCount; connectionId++) {
      this.out.push({
        type: 'connection-opened',
        at: this.at,
        connectionId,
        remoteAddress: '127.0.0.1',
        remotePort: 40_000 + connectionId,
      });
      this.receive(connectionId);
    }
    for (let id = 0; id < workerCount; id++) this.start(id);
  }

  next(): ServerEvent {
    while (this.out.length === 0) this.step();
    return this.out.shift()!;
  }

  /** The next worker finishes its job; its connection sends the next request, and the worker takes the oldest job. */
  private step(): void {
    this.at += 0.04 + (this.requestId % 7) * 0.001;
    const workerId = this.nextWorker;
    this.nextWorker = (workerId + 1) % this.workerCount;
    const job = this.running[workerId]!;
    const runMs = this.at - job.startedAt;
    this.out.push({ type: 'job-finished', at: this.at, requestId: job.requestId, workerId, runMs, status: 200 });
    this.out.push({ type: 'response-sent', at: this.at, requestId: job.requestId, status: 200, bytes: 380 });
    this.receive(job.connectionId);
    this.start(workerId);
  }

  private receive(connectionId: number): void {
    const requestId = ++this.requestId;
    const at = this.at;
    this.out.push({
      type: 'request-received',
      at,
      requestId,
      connectionId,
      method: 'GET',
      target: '/',
      remoteAddress: '127.0.0.1',
      userAgent: null,
    });
    this.queue.push({ requestId, connectionId, at });
    this.out.push({ type: 'job-queued', at, requestId, queueDepth: this.queue.length });
  }

  private start(workerId: number): void {
    const job = this.queue.shift()!;
    this.running[workerId] = { requestId: job.requestId, connectionId: job.connectionId, startedAt: this.at };
    const waitMs = this.at - job.at;
    this.out.push({ type: 'job-started', at: this.at, requestId: job.requestId, workerId, waitMs, queueDepth: this.queue.length });
  }
}

/** Wall time and this process's CPU time (all its threads, GC included) of `fn`, in ms. */
function timed(fn: () => void): { wallMs: number; cpuMs: number } {
  const cpu = process.cpuUsage();
  const started = performance.now();
  fn();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

function formatMb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function memory(): { heap: number; arrayBuffers: number; rss: number } {
  const m = process.memoryUsage();
  return { heap: m.heapUsed, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

function section(title: string): void {
  console.log(`\n── ${title} ${'─'.repeat(Math.max(0, 70 - title.length))}`);
}

// ── 1. append cost ─────────────────────────────────────────────────────────
function benchAppend(): void {
  section('append: ns per event (4 workers, keep-alive GET / mix at 30,000 req/s; saturated: 50 connections, ~46 queued)');
  const count = isQuick ? 500_000 : 2_000_000;
  const warmupEvents = 300_000;
  // As the server does it: each event is built and appended at once, so it dies young. The cost of building
  // the events alone is measured the same way and taken off.
  const feed = (sink: (event: ServerEvent) => void, traffic: { next(): ServerEvent } = new Traffic(4, 30_000)) => {
    for (let i = 0; i < warmupEvents; i++) sink(traffic.next());
    gc();
    return timed(() => {
      for (let i = 0; i < count; i++) sink(traffic.next());
    });
  };
  let checksum = 0;
  const building = feed((event) => {
    checksum += event.at > 0 ? 1 : 0;
  });
  const perEvent = (ms: number) => ((ms * 1e6) / count).toFixed(0).padStart(5);
  for (const [label, maxEvents] of [
    ['filling (history not yet full)', count + warmupEvents],
    ['full (every append evicts)', 100_000],
  ] as const) {
    const history = new EventHistory({ maxEvents, maxAgeMs: Number.POSITIVE_INFINITY });
    const total = feed((event) => history.append(event));
    console.log(
      `${label.padEnd(34)} ${perEvent(total.wallMs - building.wallMs)} ns/event wall, ${perEvent(total.cpuMs - building.cpuMs)} ns/event CPU`,
    );
  }
  const saturatedBuilding = feed((event) => {
    checksum += event.at > 0 ? 1 : 0;
  }, new SaturatedTraffic(4, 50));
  const saturated = new EventHistory({ maxEvents: 100_000, maxAgeMs: Number.POSITIVE_INFINITY });
  const saturatedTotal = feed((event) => saturated.append(event), new SaturatedTraffic(4, 50));
  console.log(
    `${'saturated, full'.padEnd(34)} ${perEvent(saturatedTotal.wallMs - saturatedBuilding.wallMs)} ns/event wall, ${perEvent(saturatedTotal.cpuMs - saturatedBuilding.cpuMs)} ns/event CPU`,
  );
  console.log(`(building the ${count} events alone: ${perEvent(building.cpuMs)} ns/event CPU, taken off above${checksum > 0 ? '' : '!'})`);
}

/** A fixed workload of Map operations and small objects: its cost says how fast this machine is right now. */
function calibrate(): number {
  const map = new Map<number, { id: number; at: number }>();
  const ops = 1_000_000;
  const { cpuMs } = timed(() => {
    for (let i = 0; i < ops; i++) {
      map.set(i, { id: i, at: i * 0.5 });
      map.get(i - 1);
      map.delete(i - 2);
    }
  });
  return (cpuMs * 1e6) / ops;
}

// ── 2. memory ──────────────────────────────────────────────────────────────
function benchMemory(): void {
  section('memory: the default history (500,000 events) filled with 2,000,000 events');
  const history = new EventHistory();
  const traffic = new Traffic(4, 30_000);
  gc();
  const base = memory();
  console.log('events     heap before GC  heap after GC  typed arrays   rss        approximateBytes  bytes/event');
  const marks = isQuick ? [250_000, 500_000, 1_000_000] : [500_000, 1_000_000, 2_000_000];
  let appended = 0;
  for (const mark of marks) {
    while (appended < mark) {
      history.append(traffic.next());
      appended++;
    }
    const before = memory();
    gc();
    const after = memory();
    console.log(
      `${String(mark).padEnd(10)} ${formatMb(before.heap - base.heap).padEnd(15)} ${formatMb(after.heap - base.heap).padEnd(14)} ${formatMb(after.arrayBuffers - base.arrayBuffers).padEnd(14)} ${formatMb(after.rss).padEnd(10)} ${formatMb(history.approximateBytes).padEnd(17)} ${history.bytesPerEvent.toFixed(1)}`,
    );
  }
  console.log(
    `held: ${history.eventCount} events from ${((history.lastAt! - history.firstAt!) / 1000).toFixed(1)} s, ${history.evictedCount} evicted`,
  );
}

// ── 3. stateAt ─────────────────────────────────────────────────────────────
function benchStateAt(): void {
  section('stateAt: random times in a 100,000-request history (about 500,000 events)');
  const history = new EventHistory({ maxAgeMs: Number.POSITIVE_INFINITY });
  const traffic = new Traffic(4, 30_000);
  while (history.eventCount < 500_000) history.append(traffic.next());
  const from = history.firstAt!;
  const to = history.lastAt!;
  const report = (label: string, times: Array<{ wallMs: number; cpuMs: number }>) => {
    const wall = times.map((t) => t.wallMs * 1000).sort((a, b) => a - b);
    const cpu = times.map((t) => t.cpuMs * 1000).sort((a, b) => a - b);
    const pair = (sorted: number[]) => `p50 ${percentile(sorted, 50).toFixed(0)} µs, p99 ${percentile(sorted, 99).toFixed(0)} µs`;
    console.log(`${label.padEnd(12)} wall ${pair(wall)} · CPU ${pair(cpu)}`);
  };
  const past = Array.from({ length: isQuick ? 500 : 3_000 }, () => {
    const t = from + Math.random() * (to - from);
    return timed(() => history.stateAt(t));
  });
  report('past times', past);
  report(
    'now (live)',
    Array.from({ length: 1_000 }, () => timed(() => history.stateAt(to + 1))),
  );
}

// ── 4. timeline ────────────────────────────────────────────────────────────
function benchTimeline(): void {
  const workers = 16;
  const rate = isQuick ? 10_000 : 30_000;
  const seconds = isQuick ? 70 : 310;
  section(`timeline: ${workers} lanes, ${rate.toLocaleString('en')} req/s for ${seconds} s, 1,200 px (live and replay)`);
  const history = new EventHistory();
  const traffic = new Traffic(workers, rate);
  const started = performance.now();
  const endAt = traffic.at + seconds * 1000;
  let appended = 0;
  while (traffic.at < endAt) {
    history.append(traffic.next());
    appended++;
  }
  console.log(
    `recorded ${appended.toLocaleString('en')} events in ${((performance.now() - started) / 1000).toFixed(1)} s; the history holds the last ${((history.lastAt! - history.firstAt!) / 1000).toFixed(1)} s`,
  );
  const now = history.lastAt!;
  const windowsS = isQuick ? [10, 30, 60] : [10, 30, 60, 300];
  console.log('window   mode     bucket  wall p50/p99 ms   CPU p50/p99 ms   bars  covered');
  for (const windowS of windowsS) {
    for (const mode of ['live', 'replay'] as const) {
      const times: Array<{ wallMs: number; cpuMs: number }> = [];
      let last: ReturnType<EventHistory['timeline']> | null = null;
      for (let i = 0; i < 40; i++) {
        // Live slides with the clock; replay puts the cursor 40 % of a window back, as scrubbing does.
        const at = mode === 'live' ? now + i * 16 : now - windowS * 400 - i * 16;
        times.push(
          timed(() => {
            last = history.timeline({ fromAt: at - windowS * 1000, toAt: at, plotWidthPx: 1_200, now: at });
          }),
        );
      }
      const wall = times.map((t) => t.wallMs).sort((a, b) => a - b);
      const cpu = times.map((t) => t.cpuMs).sort((a, b) => a - b);
      const shown = last!;
      const bars = shown.lanes.reduce((n, lane) => n + lane.bars.length, 0);
      const covered =
        shown.knownFromAt <= shown.fromAt ? 'whole window' : `from ${((shown.knownFromAt - shown.fromAt) / 1000).toFixed(1)} s in`;
      const pair = (sorted: number[]) => `${percentile(sorted, 50).toFixed(2)} / ${percentile(sorted, 99).toFixed(2)}`.padEnd(16);
      console.log(
        `${`${windowS} s`.padEnd(8)} ${mode.padEnd(8)} ${`${shown.bucketMs} ms`.padEnd(7)} ${pair(wall)}  ${pair(cpu)} ${String(bars).padStart(4)}  ${covered}`,
      );
    }
  }
  const activity = Array.from({ length: 200 }, (_, i) => timed(() => history.activity(now + i)).cpuMs).sort((a, b) => a - b);
  console.log(
    `activity() (worker cards): CPU p50 ${percentile(activity, 50).toFixed(2)} ms, p99 ${percentile(activity, 99).toFixed(2)} ms`,
  );
}

// ── 5. a live viewer's frames ────────────────────────────────────────────────
/**
 * What the frame publisher does for one live viewer of a 30 s window at 1,200 px, one frame per FRAME_INTERVAL_MS
 * while 4 workers serve 10,000 req/s: the live stats caught up, the frame built, the frame as JSON. Each frame's
 * events are appended before it (their cost is the recorder's, paid whether anybody watches or not).
 */
function benchFrames(): void {
  const workers = 4;
  const rate = 10_000;
  const frameCount = isQuick ? 150 : 600;
  // --saturated: keep-alive GET / at saturation (SaturatedTraffic, about 23,000 req/s) with a frame every
  // SATURATED_FRAME_INTERVAL_MS, as the publisher paces a page while the server's main thread has no slack.
  const intervalMs = isSaturated ? SATURATED_FRAME_INTERVAL_MS : FRAME_INTERVAL_MS;
  const count = isSaturated ? Math.ceil(frameCount / 5) : frameCount;
  section(
    isSaturated
      ? `frames: one live viewer, 30 s window at 1,200 px, ${workers} workers at saturation (50 keep-alive connections), a frame every ${intervalMs} ms`
      : `frames: one live viewer, 30 s window at 1,200 px, ${workers} workers at ${rate.toLocaleString('en')} req/s, a frame every ${intervalMs} ms`,
  );
  const history = new EventHistory({
    maxAgeMs: DEFAULT_RECORDER_SETTINGS.historySeconds * 1000,
    maxEvents: DEFAULT_RECORDER_SETTINGS.historyEvents,
  });
  const traffic = isSaturated ? new SaturatedTraffic(workers, 50) : new Traffic(workers, rate);
  let appended = 0;
  const appendUntil = (at: number) => {
    while (traffic.at < at) {
      history.append(traffic.next());
      appended++;
    }
  };
  appendUntil(traffic.at + 35_000);
  const stats = new LiveStats(history, () =>
    buildHistogram({ useWebAssembly: false, numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, autoResize: true }),
  );
  stats.catchUp(Number.POSITIVE_INFINITY);
  // The parts of a frame's build, timed where the history answers them (the rest is the frame's own assembly).
  const partMs = { stateAt: 0, activity: 0, timeline: 0, readEvents: 0, statsRead: 0 };
  const timedPart =
    <A extends unknown[], R>(name: keyof typeof partMs, fn: (...args: A) => R) =>
    (...args: A): R => {
      let result!: R;
      partMs[name] += timed(() => {
        result = fn(...args);
      }).cpuMs;
      return result;
    };
  const timedHistory = Object.create(history) as EventHistory;
  timedHistory.stateAt = timedPart('stateAt', history.stateAt.bind(history));
  timedHistory.activity = timedPart('activity', history.activity.bind(history));
  timedHistory.timeline = timedPart('timeline', history.timeline.bind(history));
  timedHistory.readEvents = timedPart('readEvents', history.readEvents.bind(history));
  const frames = new ViewerFrames(timedHistory);
  frames.setView({ id: 1, windowMs: 30_000, plotWidthPx: 1_200, paused: false, cursor: 'live' });
  const status: ControllerStatus = { phase: 'listening', url: 'http://127.0.0.1:7878', settings: { ...DEFAULT_SETTINGS }, lastError: null };
  const readStats = timedPart('statsRead', (at: number, state: Parameters<LiveStats['summary']>[1]) => stats.summary(at, state));
  const costs: Array<{ deriveMs: number; statsMs: number; buildMs: number; jsonMs: number; bytes: number; parts: typeof partMs }> = [];
  const startedAppended = appended;
  const startedAt = traffic.at;
  for (let i = 0; i < count; i++) {
    appendUntil(traffic.at + intervalMs);
    const now = history.lastAt!;
    // The recorder derives its newest events (fewer than a batch) when anything reads it: the frame's first read
    // pays for them, with or without a viewer. Timed apart, so the stats' row is the viewer's own cost.
    const deriveMs = timed(() => history.oldestSeq).cpuMs;
    const statsMs = timed(() => stats.follow()).cpuMs;
    for (const name of Object.keys(partMs) as Array<keyof typeof partMs>) partMs[name] = 0;
    let frame: ReturnType<ViewerFrames['build']> = null;
    const buildMs = timed(() => {
      frame = frames.build({
        now,
        status,
        stats: { version: stats.version, read: readStats },
        maxAgeMs: DEFAULT_RECORDER_SETTINGS.historySeconds * 1000,
        maxEvents: DEFAULT_RECORDER_SETTINGS.historyEvents,
      });
    }).cpuMs;
    let json = '';
    const jsonMs = timed(() => {
      json = JSON.stringify(frame);
    }).cpuMs;
    // The first frame is full (a viewer's arrival), the rest are what a watching viewer costs.
    if (i > 0) costs.push({ deriveMs, statsMs, buildMs, jsonMs, bytes: json.length, parts: { ...partMs } });
  }
  const mean = (pick: (c: (typeof costs)[number]) => number) => costs.reduce((sum, c) => sum + pick(c), 0) / costs.length;
  const p95 = (pick: (c: (typeof costs)[number]) => number) =>
    percentile(
      costs.map(pick).sort((a, b) => a - b),
      95,
    );
  const row = (name: string, pick: (c: (typeof costs)[number]) => number) =>
    console.log(`${name.padEnd(22)} ${mean(pick).toFixed(3).padStart(7)} ms  ${p95(pick).toFixed(3).padStart(7)} ms`);
  console.log(
    `${(((appended - startedAppended) / (traffic.at - startedAt)) * 1000).toLocaleString('en', { maximumFractionDigits: 0 })} events/s appended`,
  );
  console.log('CPU per frame          mean        p95');
  row("recorder's derive", (c) => c.deriveMs);
  console.log("  (the recorder's newest events, derived at the frame's first read: paid whether anybody watches or not)");
  row('stats caught up', (c) => c.statsMs);
  row('frame built', (c) => c.buildMs);
  row('  stateAt', (c) => c.parts.stateAt);
  row('  activity', (c) => c.parts.activity);
  row('  timeline', (c) => c.parts.timeline);
  row('  log (readEvents)', (c) => c.parts.readEvents);
  row('  stats read', (c) => c.parts.statsRead);
  row('  the rest', (c) => c.buildMs - Object.values(c.parts).reduce((sum, ms) => sum + ms, 0));
  row('JSON', (c) => c.jsonMs);
  const totalMs = mean((c) => c.statsMs + c.buildMs + c.jsonMs);
  row('all', (c) => c.statsMs + c.buildMs + c.jsonMs);
  console.log(
    `${(mean((c) => c.bytes) / 1024).toFixed(1)} KiB per frame; at ${(1000 / intervalMs).toFixed(0)} frames/s: ${((totalMs * 100) / intervalMs).toFixed(1)} % of a core, ${((mean((c) => c.bytes) * 1000) / intervalMs / 1024).toFixed(0)} KiB/s`,
  );
}

calibrate();
console.log(`Flight recorder benchmarks${isQuick ? ' (--quick)' : ''} — node ${process.version}`);
console.log(
  `calibration: ${calibrate().toFixed(0)} ns of CPU per reference step (Map set, get, delete and a small object); compare it across machines`,
);
if (!isFramesOnly) {
  benchAppend();
  benchMemory();
  benchStateAt();
  benchTimeline();
}
benchFrames();
