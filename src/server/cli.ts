// `npm run serve`: the book's server headless, printing the book's lines from the event stream.
// Exit codes: 0 after a graceful shutdown, 1 when the server cannot start, 2 for a bad flag.

import { httpUrlOf } from '../shared/address';
import { formatBookLine, type ServerEvent } from '../shared/events';
import { parseServeFlags, SERVE_FLAG_HELP, UsageError } from './cli-args';
import { EventStream } from './event-stream';
import { startServer } from './server';

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
    const text = lines.join('\n') + '\n';
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

async function main(): Promise<number> {
  let flags;
  try {
    ({ flags } = parseServeFlags(process.argv.slice(2)));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`poolscope serve: ${error.message} (see --help)\n`);
      return 2;
    }
    throw error;
  }
  if (flags.isHelp) {
    process.stdout.write(`Usage: npm run serve -- [options]\n\n${SERVE_FLAG_HELP}\n`);
    return 0;
  }

  const print = createLinePrinter();
  const events = new EventStream();
  events.subscribe((event: ServerEvent) => {
    if (event.type === 'server-listening') {
      print(`Listening on ${httpUrlOf(event.host, event.port)} with ${event.workerCount} workers (GET /sleep takes ${event.sleepMs} ms). Ctrl-C stops.`);
      return;
    }
    const line = formatBookLine(event);
    if (line !== null) print(line);
  });

  let server;
  try {
    server = await startServer({ ...flags, events });
  } catch (error) {
    process.stderr.write(`poolscope serve: ${(error as Error).message}\n`);
    return 1;
  }

  let signalCount = 0;
  const onSignal = () => {
    signalCount++;
    // A second Ctrl-C means the person does not want to wait for sleeping jobs.
    if (signalCount > 1) {
      process.stderr.write('poolscope serve: stopping now without waiting for running jobs.\n');
      process.exit(130);
    }
    void server.shutdown('signal');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await server.closed;
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`poolscope serve: ${(error as Error)?.message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
