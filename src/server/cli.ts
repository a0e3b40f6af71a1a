// `npm run serve`: the book's server headless, printing the book's lines from the event stream.
// Exit codes: 0 after a graceful shutdown, 1 when the server cannot start, 2 for a bad flag.

import { formatFlagHelp, HELP_FLAG, parseFlags, parseWholeNumberFlag, settingsFlagHelp } from '../cli/flags';
import { runCli, stopOnSignals } from '../cli/program';
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
  HELP_FLAG,
])}`;

async function main(): Promise<number> {
  const { settings, extra, isHelp } = parseFlags(process.argv.slice(2), { 'stop-after': { type: 'string' } });
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

  // A server that cannot start (port in use, bad size) rejects with one readable line: exit 1.
  const server = await startServer({ ...settings, stopAfterRequests, events });
  stopOnSignals(PROGRAM, () => void server.shutdown('signal'), { announce: print, whatItWaitsFor: 'running requests finish first' });
  await server.closed;
  return 0;
}

runCli(PROGRAM, main);
