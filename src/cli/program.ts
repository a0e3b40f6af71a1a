// How Poolscope's command-line programs (`serve`, `dashboard`) end: exit codes, one readable line on a
// failure, and the stop on Ctrl-C / SIGTERM: graceful the first time, at once the second.
// Lives beside flags.ts in src/cli for the same reason: Node process plumbing that both programs share.

import { UsageError } from './flags';

/**
 * Runs a program's main and sets its exit code. A UsageError prints `<program>: <message> (see --help)` and
 * exits 2; any other failure prints `<program>: <message>` and exits 1.
 */
export function runCli(program: string, main: () => Promise<number>): void {
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

/** The first SIGINT or SIGTERM calls `stopGracefully`; a second one means the person will not wait for sleeping jobs. */
export function stopOnSignals(program: string, stopGracefully: () => void): void {
  let signalCount = 0;
  const onSignal = () => {
    signalCount++;
    if (signalCount > 1) {
      process.stderr.write(`${program}: stopping now without waiting for running jobs.\n`);
      process.exit(130);
    }
    stopGracefully();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
