// The book's per-request lines as `serve` prints them: formatted from the event stream, each worker's line built once,
// and batched into one write per FLUSH_BYTES or FLUSH_DELAY_MS. The bench prints the same lines the same way, so the
// log's cost it measures is serve's.

import { fstatSync, statSync } from 'node:fs';
import { httpUrlOf } from '../shared/address';
import { BOOK_LINE_EVENT_TYPES, formatBookLine, type ServerEvent, type ServerEventType } from '../shared/events';
import { countOf } from '../shared/plural';
import { describeThreads } from '../shared/pool-model';
import type { Strategy } from '../shared/settings';

/**
 * Lines are written once this many characters wait: at saturation one write carries hundreds of lines, where one
 * per event-loop turn carried four or five (one system call each, about 2 µs of the main thread).
 */
export const FLUSH_BYTES = 16 * 1024;
/** A line waits at most this long for the ones after it: far below what a person watching the output notices. */
export const FLUSH_DELAY_MS = 20;

export interface LinePrinter {
  /** Queues one line (without its newline): written within FLUSH_DELAY_MS, at once when FLUSH_BYTES wait. */
  print(line: string): void;
  /** Writes every queued line now: on a stop, a signal, and the process's exit, so no line printed is lost. */
  flush(): void;
}

/** Batches lines into one `write` per FLUSH_BYTES or FLUSH_DELAY_MS, whichever comes first. */
export function createLinePrinter(write: (text: string) => void): LinePrinter {
  const lines: string[] = [];
  let waitingChars = 0;
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    if (lines.length === 0) return;
    const text = `${lines.join('\n')}\n`;
    lines.length = 0;
    waitingChars = 0;
    write(text);
  };
  const flushLate = (): void => {
    timer = null;
    flush();
  };
  return {
    print: (line) => {
      lines.push(line);
      waitingChars += line.length + 1;
      if (waitingChars >= FLUSH_BYTES) flush();
      else if (timer === null) timer = setTimeout(flushLate, FLUSH_DELAY_MS);
    },
    flush,
  };
}

/** What bookLogSubscriber() prints from: subscribe it to these alone, so no other event is built for it. */
export const BOOK_LOG_EVENT_TYPES: readonly ServerEventType[] = ['server-listening', ...BOOK_LINE_EVENT_TYPES];
/**
 * The same without the one line per request (job-started): what to subscribe to when nobody reads the output, so that
 * a request builds no event and no line for it. The start and the shutdown are still printed.
 */
export const BOOK_LOG_UNREAD_EVENT_TYPES: readonly ServerEventType[] = BOOK_LOG_EVENT_TYPES.filter((type) => type !== 'job-started');

/**
 * An event-stream subscriber that prints the Listening line and the book's line for each event that has one, as
 * the listing of the strategy that runs prints it.
 */
export function bookLogSubscriber(print: (line: string) => void): (event: ServerEvent) => void {
  let strategy: Strategy = 'pool';
  // "Worker 3 got a job; executing." is the same every time worker 3 gets one: built once per worker id.
  let jobLines: string[] = [];
  return (event) => {
    if (event.type === 'job-started') {
      let line = jobLines[event.workerId];
      if (line === undefined) {
        // Null: the strategy's listing prints no worker lines.
        const formatted = formatBookLine(event, strategy);
        if (formatted === null) return;
        line = formatted;
        jobLines[event.workerId] = line;
      }
      print(line);
      return;
    }
    if (event.type === 'server-listening') {
      strategy = event.strategy;
      jobLines = [];
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

/**
 * Bytes of output a reader may leave unread before further lines are dropped instead of held: a reader that stalls
 * (`serve | less`, left where it is) then costs the server at most this much memory, and never its event loop.
 */
export const MAX_UNREAD_OUTPUT_BYTES = 1024 * 1024;

/** The output stream as the bounded writer uses it: process.stdout, or a stand-in in tests. */
export interface OutputStream {
  readonly writableLength: number;
  write(text: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * Writes text to `output` while its reader keeps up (less than `maxUnreadBytes` unread); past that, drops whole
 * batches of lines and, once the reader has caught up, says in one line how many it missed.
 */
export function createBoundedWriter(output: OutputStream, maxUnreadBytes = MAX_UNREAD_OUTPUT_BYTES): (text: string) => void {
  let droppedLines = 0;
  const onDrain = (): void => {
    const missed = droppedLines;
    droppedLines = 0;
    output.write(`(${countOf(missed, 'line')} not printed: the output was not read as fast as it was written)\n`);
  };
  return (text) => {
    if (output.writableLength < maxUnreadBytes) {
      output.write(text);
      return;
    }
    // The write that took it past the bound returned false, so 'drain' comes once everything held is read.
    if (droppedLines === 0) output.once('drain', onDrain);
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) droppedLines++;
  };
}

/** True when `fd` is open on /dev/null: whatever is written there is read by nobody. */
export function isDiscardedOutput(fd: number): boolean {
  try {
    const output = fstatSync(fd);
    const devNull = statSync('/dev/null');
    return output.isCharacterDevice() && output.rdev === devNull.rdev;
  } catch {
    // No /dev/null (not Linux or macOS) or a closed fd: assume somebody reads.
    return false;
  }
}
