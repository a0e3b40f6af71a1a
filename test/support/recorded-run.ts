// A real run recorded as a person would record it: `npm run serve -- --record FILE` in its own process group, the
// book's burst (eight sleepers on four workers, so four wait) and two GET / behind them, then Ctrl-C while the
// sleepers still run. For the recorder's tests and the trace story, which both need a run file from a real server.

import { readFileSync } from 'node:fs';
import { parseRunFile } from '../../src/shared/run-file';
import { get, RawConnection } from './http-client';
import { type ChildProgram, type ProgramExit, spawnProgram } from './processes';

export const LISTENING_LINE = /Listening on http:\/\/127\.0\.0\.1:(\d+)/;
export const RECORDED_LINE = /Recorded ([\d,]+) events to (.+)\.\n/;

export interface RecordedBurst {
  program: ChildProgram;
  exit: ProgramExit;
  /** Every request's status, sleepers first; 0 for one closed without an answer. */
  statuses: number[];
}

export interface BurstShape {
  workerCount: number;
  sleeperCount: number;
  helloCount: number;
  sleepMs: number;
}

export const BOOK_BURST: BurstShape = { workerCount: 4, sleeperCount: 8, helloCount: 2, sleepMs: 1_000 };

/** `npm run serve -- ARGS` as a terminal runs it: npm leads its own process group, so Ctrl-C reaches both. */
export function npmServe(args: readonly string[]): ChildProgram {
  return spawnProgram('npm', ['run', 'serve', '--', ...args], { ownProcessGroup: true });
}

/** Opens a connection per path, then sends each its request; resolves once every request is on the wire. */
async function sendEach(port: number, paths: readonly string[]): Promise<Promise<number>[]> {
  const connections = await Promise.all(paths.map(() => RawConnection.open(port)));
  return connections.map(async (connection, i) => {
    try {
      connection.send(get(paths[i]!));
      return (await connection.read()).status;
    } catch {
      return 0;
    } finally {
      connection.close();
    }
  });
}

/** Waits until the run file being written holds `count` events of `type`, looking every 50 ms (the caller's timeout bounds it). */
async function untilRecorded(file: string, type: string, count: number): Promise<void> {
  for (;;) {
    // (A file whose header is not written yet reads as not there yet.)
    const events = (() => {
      try {
        return parseRunFile(readFileSync(file, 'utf8')).events;
      } catch {
        return [];
      }
    })();
    if (events.filter((e) => e.type === type).length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Records `shape` to `file` and stops the server with Ctrl-C while the first sleepers run; resolves once it has exited. */
export async function recordBurst(file: string, shape: BurstShape = BOOK_BURST): Promise<RecordedBurst> {
  const program = npmServe(['--port', '0', '--workers', String(shape.workerCount), '--record', file]);
  try {
    const [, port] = await program.waitForOutput(LISTENING_LINE);
    const sleepers = await sendEach(Number(port), Array(shape.sleeperCount).fill(`/sleep?ms=${shape.sleepMs}`));
    // Every worker busy: the rest of the sleepers and the GET / requests queue behind them.
    const busyLines = new RegExp(`(?:Worker \\d+ got a job; executing\\.\\n[\\s\\S]*){${shape.workerCount}}`);
    await program.waitForOutput(busyLines);
    const hellos = await sendEach(Number(port), Array(shape.helloCount).fill('/'));
    // Until the GET / requests were read (the run file says so as it is written): a graceful stop answers what was
    // read, and closes connections whose request has not arrived yet.
    await untilRecorded(file, 'request-received', shape.sleeperCount + shape.helloCount);
    program.signalGroup('SIGINT');
    const statuses = await Promise.all([...sleepers, ...hellos]);
    return { program, exit: await program.exited, statuses };
  } catch (error) {
    await program.kill();
    throw error;
  }
}
