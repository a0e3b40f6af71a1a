// `npm run serve`: the book's server headless, printing the book's lines from the event stream.
// With --record FILE it also streams every event to FILE (src/cli/run-recorder.ts).
// Exit codes: 0 after a graceful shutdown, 1 when the server cannot start or the recording stopped early,
// 2 for a bad flag or a FILE that cannot be written.

import { createBoundedWriter, isDiscardedOutput } from '../cli/book-log';
import { formatFlagHelp, HELP_FLAG, parseFlags, parseWholeNumberFlag, settingsFlagHelp } from '../cli/flags';
import { runCli, stopOnSignals } from '../cli/program';
import { describeRecording, describeRecordingAtExit, RECORD_FLAG_HELP, RunRecorder, writeLineAtExit } from '../cli/run-recorder';
import { type AttachedBookLog, attachBookLog } from './book-log';
import { describeLoweredBudget } from './descriptor-budget';
import { EventStream } from './event-stream';
import { runtimeFilesFor } from './runtime-files';
import { startServer } from './server';

const PROGRAM = 'poolscope serve';

const HELP = `Usage: npm run serve -- [options]

${formatFlagHelp([
  ...settingsFlagHelp(),
  { flag: 'stop-after', valueName: 'N', help: "shut down gracefully after N requests (the book's take(N))" },
  RECORD_FLAG_HELP,
  HELP_FLAG,
])}`;

async function main(): Promise<number> {
  const { settings, extra, isHelp } = parseFlags(process.argv.slice(2), {
    'stop-after': { type: 'string' },
    record: { type: 'string' },
  });
  if (isHelp) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const stopAfterRequests =
    extra['stop-after'] === undefined ? undefined : parseWholeNumberFlag('stop-after', extra['stop-after'], 0, 1, Number.MAX_SAFE_INTEGER);

  const events = new EventStream();
  // stdout's reader may go away (`serve | head`): the server keeps serving, says so once, and prints no more.
  let isStdoutClosed = false;
  let log: AttachedBookLog | null = null;
  const onStdoutClosed = (error: NodeJS.ErrnoException): void => {
    if (isStdoutClosed) return;
    isStdoutClosed = true;
    log?.stop();
    process.stderr.write(
      `${PROGRAM}: standard output was closed (${error.code ?? error.message}); the book's lines are no longer printed\n`,
    );
  };
  process.stdout.on('error', onStdoutClosed);
  // Into /dev/null nobody reads the line per request: it is neither built nor written. A reader that stalls gets
  // lines dropped past a bound rather than the server's memory growing with every request.
  const writeBounded = createBoundedWriter(process.stdout);
  log = attachBookLog(
    events,
    (text) => {
      if (isStdoutClosed) return;
      try {
        writeBounded(text);
      } catch (error) {
        onStdoutClosed(error as NodeJS.ErrnoException);
      }
    },
    { isUnread: isDiscardedOutput(1) },
  );
  const { print, flush } = log;
  // Lines still waiting when the process ends (a second Ctrl-C's exit, an error) are written on the way out.
  process.once('exit', flush);

  // Opened before the server starts, so a FILE that cannot be written is refused (exit 2) with nothing started,
  // and the recording holds the workers' spawning and the listening line (written once the server listens).
  const recordFile = extra.record as string | undefined;
  const recorder =
    recordFile === undefined
      ? null
      : RunRecorder.open(
          recordFile,
          { settings, startedAt: events.now() },
          {
            onStop: (summary) => process.stderr.write(`${PROGRAM}: ${describeRecording(summary)}\n`),
            onExitFlushed: (summary) => writeLineAtExit(describeRecordingAtExit(summary)),
          },
        );
  const stopRecording = recorder === null ? null : events.subscribe(recorder.record);

  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    // A server that cannot start (port in use, bad size) rejects with one readable line: exit 1.
    server = await startServer({ ...settings, ...runtimeFilesFor(import.meta.url), stopAfterRequests, events });
  } catch (error) {
    // Nothing was written: a FILE that held another run (perhaps of the server that has this port) keeps it.
    stopRecording?.();
    recorder?.discard();
    throw error;
  }
  recorder?.begin();
  const lowered = describeLoweredBudget(server.connectionBudget);
  if (lowered !== null) process.stderr.write(`${PROGRAM}: ${lowered}\n`);
  const announce = (line: string): void => {
    print(line);
    flush();
  };
  stopOnSignals(PROGRAM, () => void server.shutdown('signal'), { announce, whatItWaitsFor: 'running requests finish first' });
  await server.closed;
  flush();
  if (recorder === null) return 0;
  stopRecording!();
  const recording = await recorder.close();
  print(describeRecording(recording));
  return recording.stoppedBecause === null ? 0 : 1;
}

runCli(PROGRAM, main);
