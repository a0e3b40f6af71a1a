// `--record FILE` as a person uses it: `npm run serve` in a real process with real sockets and worker threads,
// stopped with Ctrl-C; the file it streamed is read back with the run-file reader and converted by `npm run trace`.
// Also: the file fills while the server runs, a second Ctrl-C still leaves a readable file, bad paths are refused
// before anything starts, and the dashboard records the same way.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { REPEATED_SIGNAL_WINDOW_MS } from '../src/cli/program';
import { describeRecording, RunRecorder } from '../src/cli/run-recorder';
import { APP_INFO } from '../src/shared/app-info';
import type { ServerEvent } from '../src/shared/events';
import { parseRunFile, RUN_FILE_CLOCK, RUN_FILE_FORMAT, RUN_FILE_VERSION } from '../src/shared/run-file';
import { DASHBOARD_READY_LINE, spawnDashboard } from './support/dashboard-process';
import { get, RawConnection, request } from './support/http-client';
import { occupyPort } from './support/ports';
import { type ChildProgram, spawnTsx } from './support/processes';
import { BOOK_BURST, LISTENING_LINE, npmServe, RECORDED_LINE, recordBurst } from './support/recorded-run';
import { SAMPLE_SETTINGS } from './support/sample-events';

/** npm and tsx start slowly on a loaded 2-core machine; each test waits for what it needs, never for a fixed time. */
const RUN_TIMEOUT_MS = 120_000;

const dir = mkdtempSync(path.join(tmpdir(), 'poolscope-record-'));
const file = (name: string) => path.join(dir, name);

let started: ChildProgram[] = [];
afterEach(async () => {
  await Promise.all(started.map((program) => program.kill()));
  started = [];
});
afterAll(() => {
  if (existsSync(file('locked'))) chmodSync(file('locked'), 0o755);
  rmSync(dir, { recursive: true, force: true });
});

function track(program: ChildProgram): ChildProgram {
  started.push(program);
  return program;
}

/** A directory nobody but root may write in, holding one plain file. */
function lockedDir(): string {
  const locked = file('locked');
  mkdirSync(locked, { recursive: true });
  writeFileSync(path.join(locked, 'plain-file'), '');
  chmodSync(locked, 0o555);
  return locked;
}

/** Root writes through directory permissions, so as root the file goes where the kernel refuses everyone: sysfs. */
function unwritablePath(): string {
  return process.getuid?.() === 0 ? '/sys/poolscope-record-test.poolscope.jsonl' : path.join(lockedDir(), 'run.poolscope.jsonl');
}

const ofType = <T extends ServerEvent['type']>(events: ServerEvent[], type: T) =>
  events.filter((event): event is Extract<ServerEvent, { type: T }> => event.type === type);

describe('npm run serve -- --record FILE', () => {
  it(
    'streams a burst stopped with Ctrl-C to a run file that reads back whole and converts to a trace',
    async () => {
      const recording = file('burst.poolscope.jsonl');
      const { program, exit, statuses } = await recordBurst(recording);
      track(program);
      expect(exit.code).toBe(0);
      expect(statuses).toEqual(Array(BOOK_BURST.sleeperCount + BOOK_BURST.helloCount).fill(200));

      const { header, events, notices } = parseRunFile(readFileSync(recording, 'utf8'));
      expect(notices).toEqual([]);
      expect(header).toMatchObject({
        format: RUN_FILE_FORMAT,
        formatVersion: RUN_FILE_VERSION,
        app: APP_INFO,
        settings: { workerCount: 4 },
        strategy: 'pool',
        clock: RUN_FILE_CLOCK,
        droppedEventCount: 0,
      });
      expect(header.historyStartsAt).toBeLessThanOrEqual(events[0]!.at);

      // The whole run, from the workers' spawning to the last join.
      expect(ofType(events, 'worker-spawned').map((e) => e.workerId)).toEqual([0, 1, 2, 3]);
      expect(events.find((e) => e.type === 'server-listening')).toBeDefined();
      expect(ofType(events, 'server-stopping').map((e) => e.reason)).toEqual(['signal']);
      expect(events.at(-1)?.type).toBe('server-stopped');
      expect(ofType(events, 'worker-exited').map((e) => [e.workerId, e.reason])).toEqual([
        [0, 'shutdown'],
        [1, 'shutdown'],
        [2, 'shutdown'],
        [3, 'shutdown'],
      ]);
      // Every request: received, queued, run on a worker, answered. Four sleepers waited for a worker.
      const targets = ofType(events, 'request-received').map((e) => e.target);
      expect(targets.filter((t) => t.startsWith('/sleep'))).toHaveLength(BOOK_BURST.sleeperCount);
      expect(targets.filter((t) => t === '/')).toHaveLength(BOOK_BURST.helloCount);
      expect(ofType(events, 'job-finished').map((e) => e.status)).toEqual(Array(targets.length).fill(200));
      expect(ofType(events, 'response-sent')).toHaveLength(targets.length);
      const sleeperIds = new Set(
        ofType(events, 'request-received')
          .filter((e) => e.target.startsWith('/sleep'))
          .map((e) => e.requestId),
      );
      const sleeperWaits = ofType(events, 'job-started').filter((e) => sleeperIds.has(e.requestId));
      expect(sleeperWaits.filter((e) => e.waitMs >= BOOK_BURST.sleepMs / 2)).toHaveLength(BOOK_BURST.sleeperCount - BOOK_BURST.workerCount);

      // It says what it wrote, as its last line.
      const [, count, named] = RECORDED_LINE.exec(program.output())!;
      expect([Number(count!.replace(/,/g, '')), named]).toEqual([events.length, recording]);
      expect(program.output().trimEnd().split('\n').at(-1)).toMatch(/^Recorded [\d,]+ events to .+\.$/);

      const trace = track(spawnTsx('src/main/trace-cli.ts', [recording, file('burst.json')]));
      expect((await trace.exited).code).toBe(0);
      expect(trace.stdout()).toMatch(/: 10 jobs on 4 workers over /);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'writes events while the server runs, not only when it stops',
    async () => {
      const recording = file('live.poolscope.jsonl');
      const run = track(npmServe(['--port', '0', '--workers', '2', '--record', recording]));
      const [, port] = await run.waitForOutput(LISTENING_LINE);
      const sleeper = await RawConnection.open(Number(port));
      sleeper.send(get('/sleep?ms=60000'));
      await run.waitForOutput(/Worker \d got a job; executing\./);
      // The sleeper is still running: what the file holds now was written during the run.
      const poll = async (): Promise<ServerEvent[]> => {
        for (;;) {
          const { events } = parseRunFile(readFileSync(recording, 'utf8'));
          if (events.some((e) => e.type === 'job-started')) return events;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };
      const events = await poll();
      expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['server-listening', 'request-received', 'job-queued']));
      expect(events.some((e) => e.type === 'job-finished')).toBe(false);
      sleeper.close();
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'leaves a readable file when a second Ctrl-C stops the server at once (exit code 130)',
    async () => {
      const recording = file('abrupt.poolscope.jsonl');
      const run = track(npmServe(['--port', '0', '--workers', '2', '--record', recording]));
      const [, port] = await run.waitForOutput(LISTENING_LINE);
      const sleepers = await Promise.all([0, 1, 2].map(() => RawConnection.open(Number(port))));
      for (const sleeper of sleepers) sleeper.send(get('/sleep?ms=60000'));
      await run.waitForOutput(/(?:Worker \d got a job; executing\.\n[\s\S]*){2}/);
      run.signalGroup('SIGINT');
      await run.waitForOutput(/stopping gracefully/);
      await new Promise((resolve) => setTimeout(resolve, REPEATED_SIGNAL_WINDOW_MS + 500));
      run.signalGroup('SIGINT');
      expect((await run.exited).code).toBe(130);
      for (const sleeper of sleepers) sleeper.close();

      const { events, notices } = parseRunFile(readFileSync(recording, 'utf8'));
      expect(notices).toEqual([]);
      expect(ofType(events, 'request-received')).toHaveLength(3);
      expect(ofType(events, 'job-started')).toHaveLength(2);
      expect(ofType(events, 'server-stopping').map((e) => e.reason)).toEqual(['signal']);
      // It says what the file holds, as a graceful stop's last line does, and that the run ends mid-job.
      expect(run.output()).toContain(
        `Recorded ${events.length} events to ${recording}; it ends where the server was stopped at once (jobs still running then are unfinished in it).`,
      );
    },
    RUN_TIMEOUT_MS,
  );

  it.each([
    ['a directory that does not exist', () => file('missing/run.poolscope.jsonl'), /the directory .*missing does not exist/],
    ['a directory', () => dir, /is a directory/],
    ['a place it may not write', unwritablePath, /permission denied/],
    ['a path through a file', () => path.join(lockedDir(), 'plain-file', 'run.poolscope.jsonl'), /a part of the path is not a directory/],
    ['an empty name', () => '', /--record: give a file name/],
  ])(
    'refuses %s in one line with exit code 2, before the server starts',
    async (_case, target, message) => {
      const run = track(spawnTsx('src/server/cli.ts', ['--port', '0', '--record', target()]));
      expect((await run.exited).code).toBe(2);
      expect(run.output()).toMatch(message);
      expect(run.output().trim().split('\n')).toHaveLength(1);
      expect(run.output()).not.toMatch(/Listening/);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'leaves a FILE that holds a run as it was, and creates none, when the server cannot start (its port taken)',
    async () => {
      const { port, release } = await occupyPort();
      try {
        const kept = file('kept.poolscope.jsonl');
        writeFileSync(kept, 'another server is recording here\n');
        const refused = track(spawnTsx('src/server/cli.ts', ['--port', String(port), '--record', kept]));
        expect((await refused.exited).code).toBe(1);
        expect(refused.output()).toMatch(/already in use/);
        expect(readFileSync(kept, 'utf8')).toBe('another server is recording here\n');

        const absent = file('never.poolscope.jsonl');
        const refusedToo = track(spawnTsx('src/server/cli.ts', ['--port', String(port), '--record', absent]));
        expect((await refusedToo.exited).code).toBe(1);
        expect(existsSync(absent)).toBe(false);
      } finally {
        await release();
      }
    },
    RUN_TIMEOUT_MS,
  );

  it('lists --record FILE in --help', async () => {
    const run = track(spawnTsx('src/server/cli.ts', ['--help']));
    expect((await run.exited).code).toBe(0);
    expect(run.output()).toMatch(/--record FILE +stream every event to FILE/);
  });
});

describe('RunRecorder', () => {
  const event = (at: number): ServerEvent => ({ type: 'job-queued', at, requestId: at, queueDepth: 1 });
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  it('stops at a line boundary when writing falls too far behind, and counts what it left out', async () => {
    const recording = file('behind.poolscope.jsonl');
    const stops: string[] = [];
    const recorder = RunRecorder.open(
      recording,
      { settings: SAMPLE_SETTINGS, startedAt: 1 },
      { maxBytesBehind: 4_096, onStop: (summary) => stops.push(summary.stoppedBecause!) },
    );
    for (let at = 1; at <= 3; at++) recorder.record(event(at));
    await turn();
    // Far more in one turn than the bound allows: none of it is written, and nothing after it either.
    for (let at = 4; at <= 1_003; at++) recorder.record(event(at));
    await turn();
    recorder.record(event(2_000));
    const summary = await recorder.close();
    expect(summary).toMatchObject({ eventCount: 3, unrecordedEventCount: 1_001, stoppedAt: 4 });
    expect(stops).toEqual(['writing fell more than 4 KiB behind the server']);
    expect(describeRecording(summary)).toMatch(
      /^Recorded 3 events to .*; the recording stopped early \(.*\) and 1,001 later events are not in it\.$/,
    );
    const { events, notices } = parseRunFile(readFileSync(recording, 'utf8'));
    expect([events.map((e) => e.at), notices]).toEqual([[1, 2, 3], []]);
  });

  it('names the app as package.json does', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(APP_INFO.version).toBe(pkg.version);
  });
});

describe('npm run dashboard -- --record FILE', () => {
  it(
    'records every server run it starts, and says so when it stops',
    async () => {
      const recording = file('dashboard.poolscope.jsonl');
      const run = track(spawnDashboard(['--ui-port', '0', '--port', '0', '--workers', '2', '--start', '--record', recording]));
      await run.waitForOutput(DASHBOARD_READY_LINE);
      const [, port] = await run.waitForOutput(/Book server listening on http:\/\/127\.0\.0\.1:(\d+)/);
      expect((await request(Number(port), get('/'))).status).toBe(200);
      run.signal('SIGTERM');
      expect((await run.exited).code).toBe(0);
      expect(run.output()).toMatch(RECORDED_LINE);

      const { header, events } = parseRunFile(readFileSync(recording, 'utf8'));
      expect(header.settings.workerCount).toBe(2);
      expect(ofType(events, 'request-received').map((e) => e.target)).toEqual(['/']);
      expect(events.at(-1)?.type).toBe('server-stopped');
    },
    RUN_TIMEOUT_MS,
  );

  it('refuses a path it cannot write in one line with exit code 2, before it listens', async () => {
    mkdirSync(file('exists'), { recursive: true });
    const run = track(spawnDashboard(['--ui-port', '0', '--record', file('exists/nope/run.poolscope.jsonl')]));
    expect((await run.exited).code).toBe(2);
    expect(run.output()).toMatch(/--record .*: the directory .*nope does not exist \(see --help\)/);
    expect(run.output()).not.toMatch(DASHBOARD_READY_LINE);
  });
});
