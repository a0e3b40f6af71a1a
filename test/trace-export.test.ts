// The trace export, event by event and as a whole: what each track holds, that slices nest per thread and
// every async slice and flow is closed, for any simulated run, and that DevTools' own trace engine reads
// the threads, slices, flows and waits back.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COUNTER_NAME,
  DISPATCH_PREFIX,
  exportTrace,
  QUEUE_WAIT_NAME,
  TRACE_MAIN_THREAD_NAME,
  TRACE_PROCESS_NAME,
  type TraceDocument,
  type TraceEvent,
  TraceJsonWriter,
} from '../src/history/trace-export';
import type { ServerEvent } from '../src/shared/events';
import { listeningEvent, receivedEvent, sampleHeader, T0 } from './support/sample-events';
import { simulateRun } from './support/simulated-run';
import { loadInDevTools } from './support/trace-engine';

const header = sampleHeader({ historyStartsAt: T0 });
const us = (at: number) => Math.round((at - T0) * 1000);

/** The thread names of one process, by tid. */
function threadNames(trace: TraceDocument, pid: number): Map<number, string> {
  return new Map(
    trace.traceEvents
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === pid)
      .map((e) => [e.tid, String(e.args!.name)] as const),
  );
}

function tidOf(trace: TraceDocument, pid: number, threadName: string): number {
  const entry = [...threadNames(trace, pid)].find(([, name]) => name === threadName);
  if (!entry) throw new Error(`no thread "${threadName}" in process ${pid}`);
  return entry[0];
}

const slicesOn = (trace: TraceDocument, pid: number, tid: number) =>
  trace.traceEvents.filter((e) => e.ph === 'X' && e.pid === pid && e.tid === tid).sort((a, b) => a.ts - b.ts);

/** A 2-worker run with three /sleep jobs (one waits) and a GET /, then a graceful stop, as the server emits them. */
function burstRun(): ServerEvent[] {
  return simulateRun({
    workerCount: 2,
    startAt: T0,
    jobs: [
      { gapMs: 0, runMs: 100, path: '/sleep?ms=100' },
      { gapMs: 1, runMs: 100, path: '/sleep?ms=100' },
      { gapMs: 1, runMs: 100, path: '/sleep?ms=100' },
      { gapMs: 1, runMs: 0.5, path: '/' },
    ],
  });
}

describe('the tracks of one run', () => {
  const events = burstRun();
  const { trace, summary } = exportTrace(header, events);
  const main = tidOf(trace, 1, TRACE_MAIN_THREAD_NAME);

  it('has one process "Poolscope server" with a main thread and one thread per worker, named and ordered', () => {
    const metadata = trace.traceEvents.filter((e) => e.ph === 'M');
    expect(metadata.filter((e) => e.name === 'process_name').map((e) => [e.pid, e.args!.name])).toEqual([[1, TRACE_PROCESS_NAME]]);
    expect([...threadNames(trace, 1).values()]).toEqual([TRACE_MAIN_THREAD_NAME, 'Worker 0', 'Worker 1']);
    const sortIndex = (tid: number) => metadata.find((e) => e.name === 'thread_sort_index' && e.tid === tid)!.args!.sort_index;
    expect([main, tidOf(trace, 1, 'Worker 0'), tidOf(trace, 1, 'Worker 1')].map(sortIndex)).toEqual([0, 1, 2]);
    expect(summary).toMatchObject({ jobCount: 4, unfinishedJobCount: 0, rejectedCount: 0, runCount: 1, workerCount: 2 });
  });

  it("puts each job's run on its worker's thread as an X slice named like `GET /sleep #2`, timed as recorded", () => {
    const started = events.filter((e) => e.type === 'job-started');
    const finished = events.filter((e) => e.type === 'job-finished');
    for (const start of started) {
      const finish = finished.find((f) => f.requestId === start.requestId)!;
      const slice = slicesOn(trace, 1, tidOf(trace, 1, `Worker ${start.workerId}`)).find((s) => s.args!.requestId === start.requestId);
      expect(slice).toMatchObject({ ts: us(start.at), dur: us(finish.at) - us(start.at), cat: 'request' });
      expect(slice!.args).toMatchObject({ status: 200, waitMs: start.waitMs, runMs: finish.runMs, connectionId: start.requestId });
    }
    const names = [0, 1].flatMap((w) => slicesOn(trace, 1, tidOf(trace, 1, `Worker ${w}`)).map((s) => s.name));
    expect(names.sort()).toEqual(['GET / #4', 'GET /sleep #1', 'GET /sleep #2', 'GET /sleep #3']);
    expect(slicesOn(trace, 1, tidOf(trace, 1, 'Worker 0')).map((s) => s.args!.origin)).toEqual(['burst', 'burst']);
  });

  it('shows each queue wait as an async slice from job-queued to job-started', () => {
    const waits = trace.traceEvents.filter((e) => e.name === QUEUE_WAIT_NAME);
    expect(waits.filter((e) => e.ph === 'b')).toHaveLength(4);
    const third = events.find((e) => e.type === 'job-started' && e.requestId === 3)!;
    const queued = events.find((e) => e.type === 'job-queued' && e.requestId === 3)!;
    expect(waits.filter((e) => e.id2?.local === '3').map((e) => [e.ph, e.ts])).toEqual([
      ['b', us(queued.at)],
      ['e', us(third.at)],
    ]);
  });

  it("draws a flow from the request's dispatch on the main thread to its run on the worker", () => {
    const dispatches = slicesOn(trace, 1, main);
    expect(dispatches.map((s) => s.name)).toEqual(
      [1, 2, 3].map((id) => `${DISPATCH_PREFIX}GET /sleep #${id}`).concat(`${DISPATCH_PREFIX}GET / #4`),
    );
    const flowStarts = trace.traceEvents.filter((e) => e.ph === 's');
    const flowEnds = trace.traceEvents.filter((e) => e.ph === 'f');
    expect(flowStarts.map((s) => s.ts)).toEqual(dispatches.map((d) => d.ts));
    for (const start of flowStarts) {
      const end = flowEnds.find((f) => f.id === start.id)!;
      const job = trace.traceEvents.find((e) => e.ph === 'X' && e.tid === end.tid && e.ts === end.ts)!;
      expect(job.name).toBe(dispatches.find((d) => d.ts === start.ts)!.name.slice(DISPATCH_PREFIX.length));
      expect(end).toMatchObject({ bp: 'e', cat: job.cat });
    }
  });

  it('counts queued jobs and busy workers on one counter track', () => {
    const counters = trace.traceEvents.filter((e) => e.ph === 'C' && e.name === COUNTER_NAME).map((e) => e.args);
    expect(counters.at(0)).toEqual({ 'queued jobs': 0, 'busy workers': 0 });
    expect(Math.max(...counters.map((c) => c!['busy workers'] as number))).toBe(2);
    expect(Math.max(...counters.map((c) => c!['queued jobs'] as number))).toBe(2);
    expect(counters.at(-1)).toEqual({ 'queued jobs': 0, 'busy workers': 0 });
  });

  it("marks the shutdown and each worker's join with instant events", () => {
    const instants = trace.traceEvents.filter((e) => e.ph === 'I').map((e) => [threadNames(trace, 1).get(e.tid), e.name]);
    expect(instants.slice(-6)).toEqual([
      [TRACE_MAIN_THREAD_NAME, 'Shutting down.'],
      ['Worker 0', 'Shutting down worker 0'],
      ['Worker 0', 'Worker 0 disconnected; shutting down.'],
      ['Worker 1', 'Shutting down worker 1'],
      ['Worker 1', 'Worker 1 disconnected; shutting down.'],
      [TRACE_MAIN_THREAD_NAME, 'Server stopped.'],
    ]);
  });

  it('states its time origin: timestamps are whole µs since the start of the history', () => {
    expect(trace.otherData).toMatchObject({ originEpochMs: T0, origin: new Date(T0).toISOString(), appVersion: '0.1.0' });
    for (const event of trace.traceEvents) {
      expect(Number.isInteger(event.ts) && event.ts >= 0).toBe(true);
      if (event.dur !== undefined) expect(Number.isInteger(event.dur) && event.dur >= 0).toBe(true);
    }
  });
});

describe('what the server did besides running jobs', () => {
  it('marks a worker crash and its replacement, with the crashed job answered 500', () => {
    const events: ServerEvent[] = [
      { type: 'worker-spawned', at: T0 + 1, workerId: 0 },
      listeningEvent(T0 + 2, { host: '::1', workerCount: 1, sleepMs: 100 }),
      receivedEvent(T0 + 3, 1, { target: '/crash', remoteAddress: '::1' }),
      { type: 'job-queued', at: T0 + 3.1, requestId: 1, queueDepth: 1 },
      { type: 'job-started', at: T0 + 3.2, requestId: 1, workerId: 0, waitMs: 0.1, queueDepth: 0 },
      { type: 'job-finished', at: T0 + 9, requestId: 1, workerId: 0, runMs: 5.7, status: 500 },
      { type: 'worker-exited', at: T0 + 9.1, workerId: 0, reason: 'crashed', exitCode: 1 },
      { type: 'response-sent', at: T0 + 9.2, requestId: 1, status: 500, bytes: 90 },
      { type: 'worker-replaced', at: T0 + 20, workerId: 0 },
    ];
    const { trace } = exportTrace(header, events);
    const worker = tidOf(trace, 1, 'Worker 0');
    expect(trace.traceEvents.filter((e) => e.tid === worker && e.ph !== 'M').map((e) => [e.ph, e.name, e.ts])).toEqual([
      ['I', 'Worker 0 spawned', us(T0 + 1)],
      ['f', 'dispatch', us(T0 + 3.2)],
      ['X', 'GET /crash #1', us(T0 + 3.2)],
      ['I', 'Worker 0 crashed (exit code 1); replacing it.', us(T0 + 9.1)],
      ['I', 'Worker 0 replaced by a fresh thread', us(T0 + 20)],
    ]);
    expect(trace.traceEvents.find((e) => e.name === 'GET /crash #1')!.args).toMatchObject({ status: 500 });
    expect(trace.traceEvents.find((e) => e.ph === 'I' && e.name.startsWith('Listening'))!.name).toBe(
      'Listening on http://[::1]:7878 with 1 worker',
    );
  });

  it('shows requests answered without a job (a parse error, a full queue) as instants on the main thread', () => {
    const events: ServerEvent[] = [
      listeningEvent(T0 + 1, { workerCount: 1, sleepMs: 100, maxQueuedJobs: 0 }),
      receivedEvent(T0 + 2, 1, { target: '/sleep' }),
      { type: 'request-rejected', at: T0 + 2.1, requestId: 1, connectionId: 1, status: 503, errorCode: 'QUEUE_FULL' },
      { type: 'response-sent', at: T0 + 2.2, requestId: 1, status: 503, bytes: 120 },
      { type: 'request-rejected', at: T0 + 3, requestId: 2, connectionId: 2, status: 400, errorCode: 'BAD_REQUEST_LINE' },
      { type: 'response-sent', at: T0 + 3.1, requestId: 2, status: 400, bytes: 100 },
    ];
    const { trace, summary } = exportTrace(header, events);
    const main = tidOf(trace, 1, TRACE_MAIN_THREAD_NAME);
    expect(trace.traceEvents.filter((e) => e.ph === 'I' && e.tid === main).map((e) => [e.name, e.args?.status])).toEqual([
      ['Listening on http://127.0.0.1:7878 with 1 worker', undefined],
      ['503 GET /sleep #1 (QUEUE_FULL)', 503],
      ['400 #2 (BAD_REQUEST_LINE)', 400],
    ]);
    expect(trace.traceEvents.filter((e) => e.ph === 'X' || e.ph === 'b')).toEqual([]);
    expect(summary).toMatchObject({ jobCount: 0, rejectedCount: 2 });
  });

  it('ends the queue wait of a job abandoned in the queue, and says on the main thread why it never ran', () => {
    const events = simulateRun({
      workerCount: 1,
      startAt: T0,
      maxWaitMs: 50,
      jobs: [
        { gapMs: 0, runMs: 100, path: '/sleep?ms=100' },
        { gapMs: 1, runMs: 100, path: '/sleep?ms=100' },
      ],
    });
    const abandoned = events.find((e) => e.type === 'job-abandoned')!;
    expect(abandoned).toMatchObject({ requestId: 2, reason: 'max-wait', waitMs: 50, queueDepth: 0 });
    const { trace, summary } = exportTrace(header, events);
    const main = tidOf(trace, 1, TRACE_MAIN_THREAD_NAME);
    const wait = trace.traceEvents.filter((e) => e.name === QUEUE_WAIT_NAME && e.id2?.local === '2');
    expect(wait.map((e) => [e.ph, e.ts])).toEqual([
      ['b', us(abandoned.at - 50)],
      ['e', us(abandoned.at)],
    ]);
    expect(wait[1]!.args).toMatchObject({ waitMs: 50, abandoned: 'max-wait' });
    const instants = trace.traceEvents.filter((e) => e.ph === 'I' && e.tid === main && e.ts === us(abandoned.at));
    expect(instants.map((e) => e.name)).toEqual(['waited too long: GET /sleep #2', '503 GET /sleep #2 (QUEUE_WAIT_EXCEEDED)']);
    const counterAt = trace.traceEvents.filter((e) => e.ph === 'C' && e.ts === us(abandoned.at)).at(-1)!;
    expect(counterAt.args).toEqual({ 'queued jobs': 0, 'busy workers': 1 });
    expect(summary).toMatchObject({ jobCount: 1, rejectedCount: 1 });
  });

  it('gives the single thread one worker thread, whatever pool size its settings hold', () => {
    // The single thread's run as the server emits it: one thread, id 0; the pool size is a setting it does not use.
    const events = simulateRun({ workerCount: 1, startAt: T0, jobs: [{ gapMs: 0, runMs: 5, path: '/' }] }).map((event) =>
      event.type === 'server-listening' ? { ...event, strategy: 'single' as const, workerCount: 4 } : event,
    );
    const { trace, summary } = exportTrace(header, events);
    expect([...threadNames(trace, 1).values()]).toEqual([TRACE_MAIN_THREAD_NAME, 'Worker 0']);
    expect(summary).toMatchObject({ workerCount: 1, jobCount: 1 });
  });

  it('shows each run of a restarted server as its own process, so reused worker and request ids never mix', () => {
    const first = simulateRun({ workerCount: 2, startAt: T0, jobs: [{ gapMs: 0, runMs: 5, path: '/' }] });
    const second = simulateRun({ workerCount: 3, startAt: first.at(-1)!.at + 50, jobs: [{ gapMs: 0, runMs: 5, path: '/sleep' }] });
    const { trace, summary } = exportTrace(header, [...first, ...second]);
    const processes = trace.traceEvents.filter((e) => e.name === 'process_name').map((e) => [e.pid, e.args!.name]);
    expect(processes).toEqual([
      [1, TRACE_PROCESS_NAME],
      [2, `${TRACE_PROCESS_NAME} (run 2)`],
    ]);
    expect([...threadNames(trace, 2).values()]).toEqual([TRACE_MAIN_THREAD_NAME, 'Worker 0', 'Worker 1', 'Worker 2']);
    const tids1 = new Set(threadNames(trace, 1).keys());
    expect([...threadNames(trace, 2).keys()].some((tid) => tids1.has(tid))).toBe(false);
    expect(slicesOn(trace, 1, tidOf(trace, 1, 'Worker 0')).map((s) => s.name)).toEqual(['GET / #1']);
    expect(slicesOn(trace, 2, tidOf(trace, 2, 'Worker 0')).map((s) => s.name)).toEqual(['GET /sleep #1']);
    expect(summary).toMatchObject({ runCount: 2, workerCount: 3, jobCount: 2 });
  });
});

describe('the edges of a history', () => {
  it('closes jobs still running and waits still queued at the last timestamp, and marks them', () => {
    const events = burstRun().filter((e) => e.at < T0 + 50); // two jobs running, two waiting
    const { trace, summary } = exportTrace(header, events);
    const lastAt = events.at(-1)!.at;
    const unfinished = trace.traceEvents.filter((e) => e.ph === 'X' && e.args?.unfinished === true);
    expect(unfinished.map((e) => e.name).sort()).toEqual(['GET /sleep #1 (unfinished)', 'GET /sleep #2 (unfinished)']);
    for (const slice of unfinished) expect(slice.ts + slice.dur!).toBe(us(lastAt));
    const openWait = trace.traceEvents.filter((e) => e.ph === 'e' && e.args?.unfinished === true);
    expect(openWait.map((e) => [e.id2?.local, e.ts])).toEqual([
      ['3', us(lastAt)],
      ['4', us(lastAt)],
    ]);
    expect(summary).toMatchObject({ jobCount: 2, unfinishedJobCount: 2 });
  });

  it('closes them at a later moment when asked (a live history exported now)', () => {
    const events = burstRun().filter((e) => e.at < T0 + 50);
    const { trace } = exportTrace(header, events, T0 + 60);
    for (const slice of trace.traceEvents.filter((e) => e.args?.unfinished === true && e.ph === 'X')) {
      expect(slice.ts + slice.dur!).toBe(us(T0 + 60));
    }
  });

  it("shows a job that started before the history began from the history's start, marked, and never counts a negative", () => {
    const historyStartsAt = T0 + 50;
    const events = burstRun().filter((e) => e.at > historyStartsAt); // the first wave's starts were dropped
    const { trace } = exportTrace(sampleHeader({ historyStartsAt }), events);
    const early = trace.traceEvents.filter((e) => e.ph === 'X' && e.args?.startedBeforeHistory === true);
    expect(early.map((e) => e.name).sort()).toEqual(['#1', '#2']);
    const finish = events.find((e) => e.type === 'job-finished' && e.requestId === 1)!;
    expect(early.find((e) => e.name === '#1')).toMatchObject({ ts: 0, dur: Math.round((finish.at - historyStartsAt) * 1000) });
    const counters = trace.traceEvents.filter((e) => e.ph === 'C').map((e) => e.args!);
    for (const c of counters) expect(c['busy workers']).toBeGreaterThanOrEqual(0);
  });
});

/** Checks what makes a trace well formed for Perfetto and DevTools, whatever the run. */
function expectWellFormed(trace: TraceDocument): void {
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of trace.traceEvents) {
    expect(Number.isInteger(e.ts) && e.ts >= 0).toBe(true);
    if (e.ph !== 'X') continue;
    const key = `${e.pid}/${e.tid}`;
    byThread.set(key, [...(byThread.get(key) ?? []), e]);
  }
  // X slices nest per thread: here none overlaps another on the same thread.
  for (const slices of byThread.values()) {
    slices.sort((a, b) => a.ts - b.ts);
    for (let i = 1; i < slices.length; i++) expect(slices[i]!.ts).toBeGreaterThanOrEqual(slices[i - 1]!.ts + slices[i - 1]!.dur!);
  }
  // Every async begin has its end, every flow start its end, later or at the same time.
  const ends = new Map(trace.traceEvents.filter((e) => e.ph === 'e').map((e) => [`${e.pid}/${e.id2!.local}`, e]));
  for (const begin of trace.traceEvents.filter((e) => e.ph === 'b')) {
    expect(ends.get(`${begin.pid}/${begin.id2!.local}`)!.ts).toBeGreaterThanOrEqual(begin.ts);
  }
  const flowStarts = trace.traceEvents.filter((e) => e.ph === 's');
  const flowEnds = new Map(trace.traceEvents.filter((e) => e.ph === 'f').map((e) => [e.id, e]));
  expect(flowEnds.size).toBe(flowStarts.length);
  for (const start of flowStarts) expect(flowEnds.get(start.id)?.ts).toBeGreaterThanOrEqual(start.ts);
}

describe('any run', () => {
  const arbitraryRun = fc.record({
    workerCount: fc.integer({ min: 1, max: 4 }),
    jobs: fc.array(
      fc.record({
        gapMs: fc.double({ min: 0, max: 30, noNaN: true }),
        runMs: fc.double({ min: 0, max: 40, noNaN: true }),
        path: fc.constantFrom('/', '/sleep'),
      }),
      { maxLength: 20 },
    ),
    /** Jobs that would wait longer are abandoned. */
    maxWaitMs: fc.constantFrom(Infinity, 5, 20),
    /** Where the bounded history begins and where it was cut, as fractions of the run. */
    keepFrom: fc.double({ min: 0, max: 1, noNaN: true }),
    keepTo: fc.double({ min: 0, max: 1, noNaN: true }),
  });

  it('exports nesting slices, closed waits and flows, and one job slice per job seen, from any window of any run', () => {
    fc.assert(
      fc.property(arbitraryRun, ({ workerCount, jobs, maxWaitMs, keepFrom, keepTo }) => {
        const all = simulateRun({ workerCount, jobs, startAt: T0, maxWaitMs });
        // Indices of events that exist, so the window holds at least one event even when it starts at the run's end.
        const [from, to] = [keepFrom, keepTo].map((f) => Math.floor(f * (all.length - 1))).sort((a, b) => a - b);
        const events = all.slice(from, Math.max(to!, from! + 1));
        const { trace, summary } = exportTrace(sampleHeader({ historyStartsAt: events[0]!.at }), events);
        expectWellFormed(trace);
        const jobIds = new Set(events.flatMap((e) => (e.type === 'job-started' || e.type === 'job-finished' ? [e.requestId] : [])));
        expect(summary.jobCount).toBe(jobIds.size);
      }),
      {
        numRuns: 200,
        // A history that ends while dispatched jobs still wait: no flow may be left without its end.
        examples: [
          [{ workerCount: 1, jobs: Array(6).fill({ gapMs: 0, runMs: 0, path: '/' }), maxWaitMs: Infinity, keepFrom: 0.119, keepTo: 0 }],
        ],
      },
    );
  });

  it('streams the same trace as JSON text, in chunks, as it builds the object', () => {
    fc.assert(
      fc.property(arbitraryRun, fc.integer({ min: 1, max: 5000 }), ({ workerCount, jobs }, chunkChars) => {
        const events = simulateRun({ workerCount, jobs, startAt: T0 });
        const chunks: string[] = [];
        const writer = new TraceJsonWriter(header, (text) => chunks.push(text), chunkChars);
        for (const event of events) writer.add(event);
        const summary = writer.finish();
        const text = chunks.join('');
        expect(text.startsWith('{"displayTimeUnit":"ms","otherData":{')).toBe(true);
        expect(JSON.parse(text)).toEqual(exportTrace(header, events).trace);
        expect(summary).toEqual(exportTrace(header, events).summary);
      }),
      { numRuns: 50 },
    );
  });
});

describe('in the DevTools Performance panel (its own trace engine)', () => {
  it('reads the worker threads, the job slices, the flows and the queue waits', async () => {
    const events = burstRun();
    const { trace } = exportTrace(header, events);
    const view = await loadInDevTools(trace.traceEvents);
    expect(view.processNames.get(1)).toBe(TRACE_PROCESS_NAME);
    const byName = new Map(view.threads.map((t) => [t.name, t]));
    expect([...byName.keys()].sort()).toEqual(['Worker 0', 'Worker 1', TRACE_MAIN_THREAD_NAME].sort());
    const jobs = [...byName.get('Worker 0')!.entries, ...byName.get('Worker 1')!.entries].filter((e) => e.ph === 'X');
    expect(jobs.map((j) => j.name).sort()).toEqual(['GET / #4', 'GET /sleep #1', 'GET /sleep #2', 'GET /sleep #3']);
    expect(view.flows).toHaveLength(4);
    for (const flow of view.flows) expect(flow.map((s) => s.name)).toEqual([`${DISPATCH_PREFIX}${flow[1]!.name}`, flow[1]!.name]);
    expect(view.measures.map((m) => m.name)).toEqual(Array(4).fill(QUEUE_WAIT_NAME));
  });

  it('links each flow to its own request when requests are read together (one arrival timestamp)', async () => {
    // Pipelined requests parsed from one read share their arrival's timestamp: the second is moved to arrive
    // with the first, as the server stamps them.
    const events = burstRun();
    const receivedOf = (id: number) => events.findIndex((e) => e.type === 'request-received' && e.requestId === id);
    const second = events.splice(receivedOf(2), 1)[0]!;
    events.splice(receivedOf(1) + 1, 0, { ...second, at: events[receivedOf(1)]!.at });
    const { trace } = exportTrace(header, events);
    const dispatchStarts = slicesOn(trace, 1, tidOf(trace, 1, TRACE_MAIN_THREAD_NAME)).map((s) => s.ts);
    expect(new Set(dispatchStarts).size).toBe(dispatchStarts.length);
    const view = await loadInDevTools(trace.traceEvents);
    expect(view.flows).toHaveLength(4);
    for (const flow of view.flows) expect(flow.map((s) => s.name)).toEqual([`${DISPATCH_PREFIX}${flow[1]!.name}`, flow[1]!.name]);
  });

  it('links each flow to its own job when a worker ran several between two reports (one timestamp for all)', async () => {
    // Three GET / waiting behind a sleeper: the worker runs them one after another and the main thread, draining its
    // results at once, stamps their starts and ends with one time.
    const at = T0 + 10;
    const done = at + 300;
    const events: ServerEvent[] = [{ type: 'worker-spawned', at: T0, workerId: 0 }, listeningEvent(T0, { workerCount: 1 })];
    for (const id of [1, 2, 3, 4]) {
      events.push(receivedEvent(at, id, { connectionId: id, target: id === 1 ? '/sleep' : '/' }));
      events.push({ type: 'job-queued', at, requestId: id, queueDepth: id });
    }
    events.push({ type: 'job-started', at: at + 0.005, requestId: 1, workerId: 0, waitMs: 0.005, queueDepth: 3 });
    events.push({ type: 'job-finished', at: done, requestId: 1, workerId: 0, runMs: 300, status: 200 });
    for (const id of [2, 3, 4]) {
      events.push({ type: 'job-started', at: done, requestId: id, workerId: 0, waitMs: 300, queueDepth: 4 - id });
      events.push({ type: 'job-finished', at: done, requestId: id, workerId: 0, runMs: 0.05, status: 200 });
    }
    const { trace } = exportTrace(header, events);
    const jobs = slicesOn(trace, 1, tidOf(trace, 1, 'Worker 0'));
    // Each starts 1 µs after the one before it, never at its start.
    expect(jobs.map((j) => [j.name, j.ts])).toEqual([
      ['GET /sleep #1', us(at + 0.005)],
      ['GET / #2', us(done)],
      ['GET / #3', us(done) + 1],
      ['GET / #4', us(done) + 2],
    ]);
    const view = await loadInDevTools(trace.traceEvents);
    expect(view.flows.map((flow) => flow.map((slice) => slice.name)).sort()).toEqual(
      ['GET /sleep #1', 'GET / #2', 'GET / #3', 'GET / #4'].map((name) => [`${DISPATCH_PREFIX}${name}`, name]).sort(),
    );
  });
});
