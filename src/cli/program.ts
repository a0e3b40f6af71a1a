// How Poolscope's command-line programs (`serve`, `dashboard`) end: exit codes, one readable line on a
// failure, and the stop on Ctrl-C / SIGTERM: graceful the first time, at once when the person asks again.
// Lives beside flags.ts in src/cli for the same reason: Node process plumbing that both programs share.

import { performance } from 'node:perf_hooks';
import { UsageError } from './flags';

/**
 * A signal this soon after the first is the same stop request arriving twice, not the person pressing Ctrl-C
 * again: a terminal's Ctrl-C reaches every process in the foreground group, and npm, itself in that group,
 * also forwards the SIGINT it received to the program, a few milliseconds later (longer on a loaded machine).
 * A person who means "stop now" presses again after reading the line that says so, well past this window.
 */
export const REPEATED_SIGNAL_WINDOW_MS = 1_000;

/**
 * Runs a program's main and sets its exit code. A UsageError prints `<program>: <message> (see --help)` and
 * exits 2; any other failure prints `<program>: <message>` and exits 1.
 */
export function runCli(program: string, main: () => Promise<number>): void {
  // A reader that went away (`| head -1`) is not the program's failure: what it prints after that is dropped, and it
  // runs on to its end (a dashboard keeps serving, a load run stops on time) instead of dying on an unhandled EPIPE.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    });
  }
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const isUsageError = error instanceof UsageError;
      process.stderr.write(`${program}: ${(error as Error)?.message ?? String(error)}${isUsageError ? ' (see --help)' : ''}\n`);
      process.exitCode = isUsageError ? 2 : 1;
    },
  );
}

export interface StopOnSignalsOptions {
  /** Prints the line that says a graceful stop has begun; default: straight to stdout. */
  announce?: (line: string) => void;
  /** What a graceful stop waits for, said in that line, e.g. "running requests finish first". */
  whatItWaitsFor?: string;
}

/**
 * The first SIGINT or SIGTERM calls `stopGracefully` and says how to stop at once; repeats within
 * REPEATED_SIGNAL_WINDOW_MS are ignored; a later one means the person will not wait for running jobs: exit 130.
 */
export function stopOnSignals(program: string, stopGracefully: () => void, options: StopOnSignalsOptions = {}): void {
  const announce = options.announce ?? ((line: string) => process.stdout.write(`${line}\n`));
  let firstSignalAt: number | null = null;
  const onSignal = () => {
    const at = performance.now();
    if (firstSignalAt === null) {
      firstSignalAt = at;
      const waits = options.whatItWaitsFor ? `, ${options.whatItWaitsFor}` : '';
      announce(`${program}: stopping gracefully${waits}; press Ctrl-C again to stop at once.`);
      stopGracefully();
      return;
    }
    if (at - firstSignalAt < REPEATED_SIGNAL_WINDOW_MS) return;
    process.stderr.write(`${program}: stopping now without waiting for running jobs.\n`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
