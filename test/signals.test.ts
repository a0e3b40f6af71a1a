// Stopping `npm run serve` and `npm run dashboard` the ways people and tools do, through npm itself:
// Ctrl-C in a terminal (SIGINT to the whole process group, which npm also relays to the program a moment
// later), or `kill` on the npm process alone (what a process manager or a script sends). Each time, eight
// requests in flight all get their answer, the shutdown lines are printed and the exit code is 0; a second
// Ctrl-C well after the first still stops at once.

import { afterEach, describe, expect, it } from 'vitest';
import { REPEATED_SIGNAL_WINDOW_MS } from '../src/cli/program';
import { parseRunFile } from '../src/shared/run-file';
import { MAX_SLEEP_OVERRIDE_MS } from '../src/shared/sleep-query';
import { DASHBOARD_EXPORT_PATHS } from '../src/shared/wire';
import { get, httpGet, RawConnection } from './support/http-client';
import { type ChildProgram, spawnProgram } from './support/processes';

/** `npm run dashboard` builds the renderer first; on a loaded 2-core machine that alone can take half a minute. */
const RUN_TIMEOUT_MS = 180_000;
const SLEEPERS = 8;
const SLEEP_MS = 3_000;
/** For a stop that must find the sleepers still running however late it comes (it never waits for them): the longest /sleep. */
const OUTLASTING_SLEEP_MS = MAX_SLEEP_OVERRIDE_MS;

type Program = 'serve' | 'dashboard';

let started: ChildProgram[] = [];

afterEach(async () => {
  await Promise.all(started.map((program) => program.kill()));
  started = [];
});

/** `npm run <script> -- <args>` as a terminal runs it: npm leads its own process group. */
function npmRun(script: Program, args: string[]): ChildProgram {
  const program = spawnProgram('npm', ['run', script, '--', ...args], { ownProcessGroup: true });
  started.push(program);
  return program;
}

/** Waits until the dashboard's live history (its run download) shows every sleeper read and four of them running. */
async function untilDashboardRead(uiPort: number): Promise<void> {
  for (;;) {
    const { body } = await httpGet(uiPort, DASHBOARD_EXPORT_PATHS.run);
    const types = parseRunFile(body).events.map((e) => e.type);
    if (types.filter((t) => t === 'request-received').length === SLEEPERS && types.filter((t) => t === 'job-started').length === 4) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts the program, puts eight sleepers in flight (four running, four queued) and returns their answers to come. */
async function startWithSleepers(script: Program, sleepMs = SLEEP_MS): Promise<{ run: ChildProgram; statuses: Promise<number[]> }> {
  const run =
    script === 'serve'
      ? npmRun('serve', ['--port', '0', '--workers', '4'])
      : npmRun('dashboard', ['--port', '0', '--ui-port', '0', '--workers', '4', '--start']);
  const [, port] = await run.waitForOutput(
    script === 'serve' ? /Listening on http:\/\/127\.0\.0\.1:(\d+)/ : /Book server listening on http:\/\/127\.0\.0\.1:(\d+)/,
  );
  const connections = await Promise.all(Array.from({ length: SLEEPERS }, () => RawConnection.open(Number(port))));
  for (const conn of connections) conn.send(get(`/sleep?ms=${sleepMs}`));
  const statuses = Promise.all(
    connections.map(async (conn) => {
      try {
        return (await conn.read()).status;
      } catch {
        return 0; // closed without an answer
      } finally {
        conn.close();
      }
    }),
  );
  if (script === 'serve') {
    // The server says when a job starts: four running means the eight requests were taken (the rest queue).
    await run.waitForOutput(/(?:Worker \d got a job; executing\.\n[\s\S]*){4}/);
  } else {
    // The dashboard prints nothing per request: its live history says when all eight were read.
    const [, uiPort] = await run.waitForOutput(/Poolscope dashboard: http:\/\/127\.0\.0\.1:(\d+)\//);
    await untilDashboardRead(Number(uiPort));
  }
  // Ctrl-C half a second into the sleep, as a person would.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return { run, statuses };
}

type Delivery = 'terminal Ctrl-C (SIGINT to the process group)' | 'kill -INT <npm pid>' | 'kill <npm pid> (SIGTERM)';

function send(run: ChildProgram, delivery: Delivery): void {
  if (delivery === 'terminal Ctrl-C (SIGINT to the process group)') run.signalGroup('SIGINT');
  else run.signal(delivery === 'kill -INT <npm pid>' ? 'SIGINT' : 'SIGTERM');
}

const GRACEFUL_LINE = /stopping gracefully, running requests finish first; press Ctrl-C again to stop at once\./;

/** What each program prints last when it has stopped gracefully. */
const STOPPED_LINES: Record<Program, RegExp> = {
  serve: /Shutting down\.\n[\s\S]*Shutting down worker 3\nWorker 3 disconnected; shutting down\.\n/,
  dashboard: /Book server stopped\.\n/,
};

describe('stopping npm run serve and npm run dashboard', () => {
  it.each<[Program, number, Delivery]>([
    ['serve', 1, 'terminal Ctrl-C (SIGINT to the process group)'],
    ['serve', 2, 'kill <npm pid> (SIGTERM)'],
    ['serve', 3, 'terminal Ctrl-C (SIGINT to the process group)'],
    ['serve', 4, 'kill -INT <npm pid>'],
    ['serve', 5, 'terminal Ctrl-C (SIGINT to the process group)'],
    ['dashboard', 1, 'terminal Ctrl-C (SIGINT to the process group)'],
    ['dashboard', 2, 'kill <npm pid> (SIGTERM)'],
    ['dashboard', 3, 'terminal Ctrl-C (SIGINT to the process group)'],
  ])(
    'npm run %s, run %i, %s: answers all eight sleepers, says it stopped, exits 0',
    async (program, _run, delivery) => {
      const { run, statuses } = await startWithSleepers(program);
      send(run, delivery);
      expect((await run.exited).code).toBe(0);
      expect(await statuses).toEqual(Array(SLEEPERS).fill(200));
      const output = run.output();
      expect(output).toMatch(GRACEFUL_LINE);
      expect(output).not.toMatch(/stopping now/);
      expect(output).toMatch(STOPPED_LINES[program]);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'npm run serve stops at once on a second Ctrl-C pressed after the first, exit code 130',
    async () => {
      const { run, statuses } = await startWithSleepers('serve', OUTLASTING_SLEEP_MS);
      send(run, 'terminal Ctrl-C (SIGINT to the process group)');
      await run.waitForOutput(GRACEFUL_LINE);
      // A person reads the line, then presses again: well past the window that absorbs relayed duplicates.
      await new Promise((resolve) => setTimeout(resolve, REPEATED_SIGNAL_WINDOW_MS + 500));
      send(run, 'terminal Ctrl-C (SIGINT to the process group)');
      expect((await run.exited).code).toBe(130);
      expect(run.output()).toMatch(/stopping now without waiting for running jobs\./);
      expect((await statuses).filter((status) => status === 200)).toEqual([]);
    },
    RUN_TIMEOUT_MS,
  );
});
