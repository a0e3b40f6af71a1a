// `npm run trace` end to end: a real server on real sockets and worker threads is recorded to a
// .poolscope.jsonl file, the CLI converts it in its own process, and the trace is loaded in the DevTools
// Performance panel's own engine, which must show the workers and every job where the recording put it.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoolAggregate } from '../src/history/pool-state';
import {
  DISPATCH_PREFIX,
  QUEUE_WAIT_NAME,
  TRACE_MAIN_THREAD_NAME,
  TRACE_PROCESS_NAME,
  type TraceDocument,
} from '../src/history/trace-export';
import { startServer } from '../src/server';
import { formatRunSpanMs } from '../src/shared/durations';
import { BURST_USER_AGENT, type ServerEventOf } from '../src/shared/events';
import { createRunFileHeader, runFileChunks } from '../src/shared/run-file';
import { DEFAULT_SETTINGS } from '../src/shared/settings';
import { EventRecorder } from './support/event-recorder';
import { get, request } from './support/http-client';
import { spawnTsx } from './support/processes';
import { burstCutMidway, SAMPLE_EVENTS, sampleHeader } from './support/sample-events';
import { loadInDevTools } from './support/trace-engine';

const dir = mkdtempSync(path.join(tmpdir(), 'poolscope-trace-'));
/** What a conversion left half-written in a directory (its partial files are named `.OUT.PID.partial`). */
const partialFilesIn = (directory: string): string[] =>
  existsSync(directory) ? readdirSync(directory).filter((name) => /^\..*\.\d+\.partial$/.test(name)) : [];
const file = (name: string) => path.join(dir, name);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI as `npm run trace` does, to its end. */
async function runTraceCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const program = spawnTsx('src/main/trace-cli.ts', args);
  const { code } = await program.exited;
  return { code, stdout: program.stdout(), stderr: program.stderr() };
}

const SLEEP_MS = 300;
const WORKER_COUNT = 4;

describe('npm run trace on the recording of a real server', () => {
  const recorder = new EventRecorder();
  let originEpochMs = 0;

  beforeAll(async () => {
    const historyStartsAt = recorder.stream.now();
    const server = await startServer({ port: 0, workerCount: WORKER_COUNT, sleepMs: 5_000, events: recorder.stream });
    // The book's demo: twice as many sleepers as workers, so four of them queue; then three GET / wait behind them.
    const sleepers = Array.from({ length: 8 }, () =>
      request(server.port, get(`/sleep?ms=${SLEEP_MS}`, `User-Agent: ${BURST_USER_AGENT}\r\n`)),
    );
    await recorder.until((r) => r.count('job-queued') === 8);
    const hellos = Array.from({ length: 3 }, () => request(server.port, get('/')));
    const responses = await Promise.all([...sleepers, ...hellos]);
    expect(responses.map((r) => r.status)).toEqual(Array(11).fill(200));
    await server.shutdown();

    const header = createRunFileHeader({
      app: { name: 'Poolscope', version: '0.1.0' },
      settings: { ...DEFAULT_SETTINGS, port: server.port, workerCount: WORKER_COUNT },
      strategy: null,
      historyStartsAt,
      droppedEventCount: 0,
    });
    writeFileSync(file('burst.poolscope.jsonl'), [...runFileChunks(header, recorder.events)].join(''));
    originEpochMs = historyStartsAt;
  });

  it('converts it with exit code 0 and a one-line summary', async () => {
    const result = await runTraceCli([file('burst.poolscope.jsonl'), file('burst.json')]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(new RegExp(`^Wrote ${file('burst.json')}: 11 jobs on 4 workers over \\d+(\\.\\d)? (ms|s)\\.\\n$`));
    expect(partialFilesIn(dir)).toEqual([]);
  });

  it('writes a trace that DevTools reads with the worker threads, and every job where the recording has it', async () => {
    const trace = JSON.parse(readFileSync(file('burst.json'), 'utf8')) as TraceDocument;
    expect(trace.otherData.originEpochMs).toBe(originEpochMs);
    const view = await loadInDevTools(trace.traceEvents);

    expect(view.processNames.get(1)).toBe(TRACE_PROCESS_NAME);
    const threads = new Map(view.threads.map((t) => [t.name, t]));
    expect([...threads.keys()].sort()).toEqual([TRACE_MAIN_THREAD_NAME, 'Worker 0', 'Worker 1', 'Worker 2', 'Worker 3'].sort());

    const received = new Map(recorder.of('request-received').map((e) => [e.requestId, e]));
    const finished = new Map(recorder.of('job-finished').map((e) => [e.requestId, e]));
    const started: ServerEventOf<'job-started'>[] = recorder.of('job-started');
    expect(started).toHaveLength(11);
    const toUs = (at: number) => (at - originEpochMs) * 1000;
    // Jobs a worker ran between two of its reports share one recorded start: the trace starts each 1 µs after the one
    // before it on that worker (so DevTools links each flow to its own job).
    const sameMicrosecondBefore = (start: ServerEventOf<'job-started'>) =>
      started.filter(
        (s) => s.workerId === start.workerId && s.requestId < start.requestId && Math.round(toUs(s.at)) === Math.round(toUs(start.at)),
      ).length;
    for (const start of started) {
      const request = received.get(start.requestId)!;
      const shiftUs = sameMicrosecondBefore(start);
      const name = `GET ${request.target.split('?')[0]} #${start.requestId}`;
      const slice = threads.get(`Worker ${start.workerId}`)!.entries.find((e) => e.name === name);
      expect(slice, name).toBeDefined();
      // Whole µs in the trace: within half a µs of the recording at each end (past it by the shift above).
      expect(Math.abs(slice!.ts - shiftUs - toUs(start.at))).toBeLessThanOrEqual(0.5);
      expect(Math.abs(slice!.ts + slice!.dur! - toUs(finished.get(start.requestId)!.at))).toBeLessThanOrEqual(1 + shiftUs);
      expect(slice!.args).toMatchObject({
        requestId: start.requestId,
        status: 200,
        origin: request.userAgent === BURST_USER_AGENT ? 'burst' : 'external',
      });
    }
    const sleeps = [...threads.values()].flatMap((t) => t.entries).filter((e) => e.ph === 'X' && /^GET \/sleep #\d+$/.test(e.name));
    for (const sleep of sleeps) expect(sleep.dur!).toBeGreaterThanOrEqual(SLEEP_MS * 1000 * 0.9);

    // Each request's arrival is linked to its run, and each wait is in the Timings track.
    expect(view.flows).toHaveLength(11);
    for (const flow of view.flows) expect(flow[0]!.name).toBe(`${DISPATCH_PREFIX}${flow[1]!.name}`);
    expect(view.measures.filter((m) => m.name === QUEUE_WAIT_NAME)).toHaveLength(11);
    // The four sleepers that queued waited about one sleep; the first four hardly at all.
    const waits = view.measures.map((m) => m.dur!).sort((a, b) => a - b);
    expect(waits.filter((d) => d >= SLEEP_MS * 1000 * 0.5).length).toBeGreaterThanOrEqual(4);

    // Shutdown: each worker's join, in id order, on its own thread.
    const joins = [...threads.values()]
      .flatMap((t) => t.entries)
      .filter((e) => e.ph === 'I' && /disconnected; shutting down\.$/.test(e.name));
    expect(joins.sort((a, b) => a.ts - b.ts).map((e) => e.name)).toEqual(
      [0, 1, 2, 3].map((id) => `Worker ${id} disconnected; shutting down.`),
    );
  });
});

describe('npm run trace with bad input', () => {
  it.each([
    [[], /^poolscope trace: expected an input run file and an output trace file \(got none\) \(see --help\)\n$/],
    [['only-one.jsonl'], /expected an input run file and an output trace file \(got only-one\.jsonl\)/],
    [['--frobnicate', 'a', 'b'], /Unknown option '--frobnicate'/],
    [['same.jsonl', './same.jsonl'], /the output file must not be the input file/],
  ])('refuses arguments %j with one readable line and exit code 2', async (args, message) => {
    const result = await runTraceCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it("stops at a broken file with the parser's line-numbered message and exit code 1, leaving no output", async () => {
    const text = `${JSON.stringify(sampleHeader())}\n${JSON.stringify(SAMPLE_EVENTS['worker-spawned'])}\n{"type":"job-teleported","at":1}\n`;
    writeFileSync(file('broken.poolscope.jsonl'), text);
    const result = await runTraceCli([file('broken.poolscope.jsonl'), file('broken.json')]);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `poolscope trace: ${file('broken.poolscope.jsonl')}: line 3: unknown event type "job-teleported"\n`,
    });
    expect(existsSync(file('broken.json'))).toBe(false);
    expect(partialFilesIn(dir)).toEqual([]);
  });

  it('says what a trace it exported is when given one as its input, with exit code 1, leaving no output', async () => {
    const run = `${JSON.stringify(sampleHeader())}\n${JSON.stringify(SAMPLE_EVENTS['worker-spawned'])}\n`;
    writeFileSync(file('exported.poolscope.jsonl'), run);
    expect((await runTraceCli([file('exported.poolscope.jsonl'), file('exported.trace.json')])).code).toBe(0);
    const result = await runTraceCli([file('exported.trace.json'), file('again.trace.json')]);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `poolscope trace: ${file('exported.trace.json')}: this is an exported trace (Chrome Trace Event Format); open the .poolscope.jsonl it was exported from, or open the trace in ui.perfetto.dev\n`,
    });
    expect(existsSync(file('again.trace.json'))).toBe(false);
    expect(partialFilesIn(dir)).toEqual([]);
  });

  it('says so when the input does not exist, with exit code 1', async () => {
    const result = await runTraceCli([file('missing.poolscope.jsonl'), file('missing.json')]);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `poolscope trace: ${file('missing.poolscope.jsonl')}: no such file or directory\n`,
    });
  });

  it.each([
    ['a directory', () => dir, (out: string) => `${out}: is a directory`],
    [
      'in a directory that does not exist',
      () => file('nowhere/out.json'),
      (out: string) => `${out}: the directory ${file('nowhere')} does not exist`,
    ],
  ])('says so when the output is %s, with exit code 1, leaving no partial file', async (_, outOf, messageOf) => {
    const whole = `${JSON.stringify(sampleHeader())}\n${JSON.stringify(SAMPLE_EVENTS['worker-spawned'])}\n`;
    writeFileSync(file('whole.poolscope.jsonl'), whole);
    const out = outOf();
    const result = await runTraceCli([file('whole.poolscope.jsonl'), out]);
    expect(result).toEqual({ code: 1, stdout: '', stderr: `poolscope trace: ${messageOf(out)}\n` });
    expect(partialFilesIn(path.dirname(out))).toEqual([]);
  });

  it('neither overwrites nor removes a file named like OUT.partial, even when it is the input', async () => {
    const whole = `${JSON.stringify(sampleHeader())}\n${JSON.stringify(SAMPLE_EVENTS['worker-spawned'])}\n`;
    writeFileSync(file('victim.json.partial'), whole);
    const result = await runTraceCli([file('victim.json.partial'), file('victim.json')]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(file('victim.json.partial'), 'utf8')).toBe(whole);
    expect(existsSync(file('victim.json'))).toBe(true);
    rmSync(file('victim.json.partial'));
    expect(partialFilesIn(dir)).toEqual([]);
  });

  it('converts a recording cut off by a crash, telling what it skipped', async () => {
    const whole = `${JSON.stringify(sampleHeader())}\n${JSON.stringify(SAMPLE_EVENTS['worker-spawned'])}\n`;
    writeFileSync(file('crashed.poolscope.jsonl'), `${whole}{"type":"worker-spawn`);
    const result = await runTraceCli([file('crashed.poolscope.jsonl'), file('crashed.json')]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      `poolscope trace: ${file('crashed.poolscope.jsonl')}: the last line (line 3) was incomplete and was skipped\n`,
    );
    expect(result.stdout).toMatch(/^Wrote .*: 0 jobs on 1 worker over 0 ms\.\n$/);
  });
});

describe("npm run trace names a run's length", () => {
  it('as the page that opens the same run does: minutes and seconds past a minute', async () => {
    const spawned = SAMPLE_EVENTS['worker-spawned'];
    const events = [spawned, { ...spawned, at: spawned.at + 270_000, workerId: 1 }];
    writeFileSync(file('long.poolscope.jsonl'), [...runFileChunks(sampleHeader(), events)].join(''));
    const result = await runTraceCli([file('long.poolscope.jsonl'), file('long.json')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`Wrote ${file('long.json')}: 0 jobs on 2 workers over 4 m 30 s.\n`);
    expect(formatRunSpanMs(270_000)).toBe('4 m 30 s');
  });
});

describe('npm run trace on a file whose history begins mid-run', () => {
  it('starts the jobs its initial state shows running where they really started', async () => {
    const { before, after } = burstCutMidway();
    const aggregate = new PoolAggregate();
    for (const event of before) aggregate.apply(event);
    const initialState = aggregate.toState();
    const header = sampleHeader({ historyStartsAt: initialState.at, droppedEventCount: before.length });
    writeFileSync(file('mid-run.poolscope.jsonl'), [...runFileChunks(header, after, { initialState })].join(''));
    const { code } = await runTraceCli([file('mid-run.poolscope.jsonl'), file('mid-run.trace.json')]);
    expect(code).toBe(0);
    const trace = JSON.parse(readFileSync(file('mid-run.trace.json'), 'utf8')) as TraceDocument;
    for (const start of before.filter((event) => event.type === 'job-started')) {
      const slice = trace.traceEvents.find((event) => event.ph === 'X' && event.name === `GET /sleep #${start.requestId}`);
      expect(slice, `job ${start.requestId}`).toBeDefined();
      expect(slice!.ts).toBe(Math.round((start.at - trace.otherData.originEpochMs) * 1000));
      expect(slice!.args).not.toHaveProperty('startedBeforeHistory');
    }
    // The jobs that waited when the history began: their waits begin when they joined the queue.
    expect(trace.traceEvents.filter((event) => event.ph === 'b').map((event) => event.id2!.local)).toEqual(['3', '4']);
  });
});
