// The book's per-request lines as `serve` prints them: formatted from the event stream and batched into one
// write per event-loop turn. The bench prints the same lines the same way, so the log's cost it measures is serve's.

import { httpUrlOf } from '../shared/address';
import { BOOK_LINE_EVENT_TYPES, formatBookLine, type ServerEvent, type ServerEventType } from '../shared/events';
import { countOf } from '../shared/plural';
import { describeThreads } from '../shared/pool-model';
import type { Strategy } from '../shared/settings';

/** Lines waiting for output; past this many, lines are counted instead of kept, so a slow terminal never stalls the server. */
const MAX_BUFFERED_LINES = 10_000;

/** Batches lines into one `write` per event-loop turn: one syscall for every line a turn produced. */
export function createLinePrinter(write: (text: string) => void): (line: string) => void {
  let lines: string[] = [];
  let skipped = 0;
  let isScheduled = false;
  const flush = () => {
    isScheduled = false;
    if (skipped > 0) lines.push(`(${skipped} lines skipped: output could not keep up)`);
    skipped = 0;
    const text = `${lines.join('\n')}\n`;
    lines = [];
    write(text);
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

/** What bookLogSubscriber() prints from: subscribe it to these alone, so no other event is built for it. */
export const BOOK_LOG_EVENT_TYPES: readonly ServerEventType[] = ['server-listening', ...BOOK_LINE_EVENT_TYPES];

/** What the Listening line says runs the requests, by strategy. */

/**
 * An event-stream subscriber that prints the Listening line and the book's line for each event that has one, as
 * the listing of the strategy that runs prints it.
 */
export function bookLogSubscriber(print: (line: string) => void): (event: ServerEvent) => void {
  let strategy: Strategy = 'pool';
  return (event) => {
    if (event.type === 'server-listening') {
      strategy = event.strategy;
      // The book's take(N) is said up front: a server that will stop by itself should not surprise anybody.
      const takeN =
        event.stopAfterConnections > 0
          ? `, shutting down after ${countOf(event.stopAfterConnections, 'connection')} (take(${event.stopAfterConnections}))`
          : '';
      print(
        `Listening on ${httpUrlOf(event.host, event.port)} with ${describeThreads(event)} (GET /sleep takes ${event.sleepMs} ms)${takeN}. Ctrl-C stops.`,
      );
      return;
    }
    const line = formatBookLine(event, strategy);
    if (line !== null) print(line);
  };
}
