// `npm run serve`: the book's server headless, printing the book's lines from the event stream.
// Exit codes: 0 after a graceful shutdown, 1 when the server cannot start, 2 for a bad flag.

import { httpUrlOf } from '../shared/address';
import { formatBookLine, type ServerEvent } from '../shared/events';
import { parseServeFlags, SERVE_FLAG_HELP } from './cli-args';
import { runCli, stopOnSignals } from './cli-process';
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

async function main(): Promise<number> {
  const { flags } = parseServeFlags(process.argv.slice(2));
  if (flags.isHelp) {
    process.stdout.write(`Usage: npm run serve -- [options]\n\n${SERVE_FLAG_HELP}\n`);
    return 0;
  }

  const print = createLinePrinter();
  const events = new EventStream();
  events.subscribe((event: ServerEvent) => {
    if (event.type === 'server-listening') {
      print(
        `Listening on ${httpUrlOf(event.host, event.port)} with ${event.workerCount} workers (GET /sleep takes ${event.sleepMs} ms). Ctrl-C stops.`,
      );
      return;
    }
    const line = formatBookLine(event);
    if (line !== null) print(line);
  });

  // A server that cannot start (port in use, bad size) rejects with one readable line: exit 1.
  const server = await startServer({ ...flags, events });
  stopOnSignals(PROGRAM, () => void server.shutdown('signal'));
  await server.closed;
  return 0;
}

runCli(PROGRAM, main);
