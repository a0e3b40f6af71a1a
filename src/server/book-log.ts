// The book log wired to a server's event stream: its printer, its subscriber and the flush on stop, in one place for
// `serve` (cli.ts) and for the benches that measure what serve's log costs (bench/servers.ts, bench/emit.ts).

import { BOOK_LOG_EVENT_TYPES, BOOK_LOG_UNREAD_EVENT_TYPES, bookLogSubscriber, createLinePrinter } from '../cli/book-log';
import type { EventStream } from './event-stream';

export interface AttachedBookLog {
  /** Queues a line of the caller's own (a signal's announcement, a summary) among the book's, batched as they are. */
  print(line: string): void;
  /** Writes every queued line now: before a line that must be seen at once, and on the process's exit. */
  flush(): void;
  /** The book's lines the subscriber has printed since the log was attached. */
  readonly linesPrinted: number;
  /** Unsubscribes from the events and writes what still waits; the caller's own lines may still be printed after it. */
  stop(): void;
}

export interface BookLogOptions {
  /**
   * Nobody reads the output (it goes to /dev/null): the line per request is neither built nor written, so a request
   * costs the log nothing. The start and the shutdown are still printed.
   */
  isUnread?: boolean;
}

/** Prints the book's lines of `events` through `write`, batched (createLinePrinter), from now until stop(). */
export function attachBookLog(events: EventStream, write: (text: string) => void, options: BookLogOptions = {}): AttachedBookLog {
  const printer = createLinePrinter(write);
  let linesPrinted = 0;
  let unsubscribe: (() => void) | null = events.subscribe(
    bookLogSubscriber((line) => {
      linesPrinted++;
      printer.print(line);
    }),
    options.isUnread === true ? BOOK_LOG_UNREAD_EVENT_TYPES : BOOK_LOG_EVENT_TYPES,
  );
  return {
    print: printer.print,
    flush: printer.flush,
    get linesPrinted() {
      return linesPrinted;
    },
    stop: () => {
      unsubscribe?.();
      unsubscribe = null;
      printer.flush();
    },
  };
}
