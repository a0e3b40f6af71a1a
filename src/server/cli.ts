// `npm run serve`: the book's server headless, printing the book's lines from the event stream.
// With --record FILE it also streams every event to FILE (src/cli/run-recorder.ts).
// Exit codes: 0 after a graceful shutdown, 1 when the server cannot start or the recording stopped early,
// 2 for a bad flag or a FILE that cannot be written.

import { formatFlagHelp, HELP_FLAG, parseFlags, parseWholeNumberFlag, settingsFlagHelp } from '../cli/flags';
import { runCli, stopOnSignals } from '../cli/program';
import { describeRecording, RECORD_FLAG_HELP, RunRecorder } from '../cli/run-recorder';
import { httpUrlOf } from '../shared/address';
import { formatBookLine, type ServerEvent } from '../shared/events';
import { countOf } from '../shared/plural';
import { EventStream } from './event-stream';
import { startServer } from './server';

const PROGRAM = 'poolscope serve';

/** Lines waiting for stdout; past this many, lines are counted instead of kept, so a slow terminal never stalls the server. */
const MAX_BUFFERED_LINES = 10_000;

/** Batches log lines into one stdout write per event-loop turn. */
function createLinePrinter(): (line: string) => void {
  let lines: string[] = [];
  let skipped = 0;
  let isScheduled = false;
  const flush = () => {
    isScheduled = false;
    if (skipped > 0) lines.push(`(${skipped} lines skipped: output could not keep up)`);
    skipped = 0;
    const text = `${lines.join('\n')}\n`;
    lines = [];
    process.stdout.write(text);
  };
  return (line) => {
    if (lines.length >= MAX_BUFFERED_LINES) skipped++;
    else lines.push(line);
    if (!isScheduled) {
      isScheduled = true;
      setImmediate(flush);
    }
  };
}

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

  const print = createLinePrinter();
  const events = new EventStream();
  events.subscribe((event: ServerEvent) => {
    if (event.type === 'server-listening') {
      print(
        `Listening on ${httpUrlOf(event.host, event.port)} with ${countOf(event.workerCount, 'worker')} (GET /sleep takes ${event.sleepMs} ms). Ctrl-C stops.`,
      );
      return;
    }
    const line = formatBookLine(event);
    if (line !== null) print(line);
  });

  // Opened before the server starts, so a FILE that cannot be written is refused (exit 2) with nothing started,
  // and the recording holds the workers' spawning and the listening line.
  const recordFile = extra.record as string | undefined;
  const recorder =
    recordFile === undefined
      ? null
      : RunRecorder.open(
          recordFile,
          { settings, startedAt: events.now() },
          { onStop: (summary) => process.stderr.write(`${PROGRAM}: ${describeRecording(summary)}\n`) },
        );
  const stopRecording = recorder === null ? null : events.subscribe(recorder.record);

  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    // A server that cannot start (port in use, bad size) rejects with one readable line: exit 1.
    server = await startServer({ ...settings, stopAfterRequests, events });
  } catch (error) {
    stopRecording?.();
    await recorder?.close();
    throw error;
  }
  stopOnSignals(PROGRAM, () => void server.shutdown('signal'), { announce: print, whatItWaitsFor: 'running requests finish first' });
  await server.closed;
  if (recorder === null) return 0;
  stopRecording!();
  const recording = await recorder.close();
  print(describeRecording(recording));
  return recording.stoppedBecause === null ? 0 : 1;
}

runCli(PROGRAM, main);
