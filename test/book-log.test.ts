// The book log's printer and subscriber, and the two wired to an event stream as `serve` and the benches use them:
// every line printed reaches the output whole and in order, in few writes; each worker's line is the book's; output
// into /dev/null is known to be read by nobody.
// `serve` itself, with its stdout a pipe that is stopped with Ctrl-C or whose reader goes away, is in cli.test.ts.

import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bookLogSubscriber,
  createBoundedWriter,
  createLinePrinter,
  FLUSH_BYTES,
  FLUSH_DELAY_MS,
  isDiscardedOutput,
} from '../src/cli/book-log';
import { attachBookLog } from '../src/server/book-log';
import { EventStream } from '../src/server/event-stream';
import type { ServerEvent } from '../src/shared/events';
import { DEFAULT_SETTINGS } from '../src/shared/settings';

const listening: ServerEvent = { type: 'server-listening', at: 0, ...DEFAULT_SETTINGS, workerCount: 2 };

const jobStarted = (workerId: number): ServerEvent => ({ type: 'job-started', at: 1, requestId: 1, workerId, waitMs: 0, queueDepth: 0 });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the line printer', () => {
  it('writes lines printed together in one write, whole and in order, within its delay', async () => {
    const writes: string[] = [];
    const printer = createLinePrinter((text) => writes.push(text));
    for (let i = 0; i < 100; i++) printer.print(`line ${i}`);
    expect(writes).toEqual([]);
    await sleep(FLUSH_DELAY_MS * 5);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toBe(`${Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n')}\n`);
  });

  it("writes at once when a write's worth waits, and holds no more than that", () => {
    const writes: string[] = [];
    const printer = createLinePrinter((text) => writes.push(text));
    const line = 'Worker 12 got a job; executing.';
    const count = Math.ceil((3 * FLUSH_BYTES) / (line.length + 1)) + 7;
    for (let i = 0; i < count; i++) printer.print(line);
    // No timer has run: every write so far was made because a write's worth waited.
    expect(writes.length).toBe(3);
    for (const text of writes) expect(text.length).toBeGreaterThanOrEqual(FLUSH_BYTES);
    printer.flush();
    expect(writes.join('')).toBe(`${line}\n`.repeat(count));
  });

  it('flush() writes what waits now, and nothing when nothing waits', () => {
    const writes: string[] = [];
    const printer = createLinePrinter((text) => writes.push(text));
    printer.flush();
    expect(writes).toEqual([]);
    printer.print('Shutting down.');
    printer.flush();
    expect(writes).toEqual(['Shutting down.\n']);
    printer.flush();
    expect(writes).toHaveLength(1);
  });
});

describe("the book log's lines", () => {
  it("prints the book's line for each job started, the worker's own each time", () => {
    const lines: string[] = [];
    const subscriber = bookLogSubscriber((line) => lines.push(line));
    subscriber(listening);
    for (const workerId of [0, 1, 0, 1, 1]) subscriber(jobStarted(workerId));
    expect(lines.slice(1)).toEqual([
      'Worker 0 got a job; executing.',
      'Worker 1 got a job; executing.',
      'Worker 0 got a job; executing.',
      'Worker 1 got a job; executing.',
      'Worker 1 got a job; executing.',
    ]);
  });

  it('prints no worker lines for a strategy whose listing has none', () => {
    const lines: string[] = [];
    const subscriber = bookLogSubscriber((line) => lines.push(line));
    subscriber({ ...listening, strategy: 'single' });
    subscriber(jobStarted(0));
    subscriber({ type: 'server-stopping', at: 2, reason: 'signal' });
    expect(lines.slice(1)).toEqual(['Shutting down.']);
  });
});

describe('the book log attached to an event stream', () => {
  it("prints the stream's book lines and the caller's own in order, and writes what waits when stopped", () => {
    const events = new EventStream();
    const writes: string[] = [];
    const log = attachBookLog(events, (text) => writes.push(text));
    events.emit(listening);
    events.emit(jobStarted(1));
    log.print('Ctrl-C: stopping.');
    events.emit({ type: 'server-stopping', at: 2, reason: 'signal' });
    expect(writes).toEqual([]);
    expect(log.linesPrinted).toBe(3);
    log.stop();
    expect(writes.join('').split('\n').slice(1)).toEqual(['Worker 1 got a job; executing.', 'Ctrl-C: stopping.', 'Shutting down.', '']);
    // Stopped: the stream's events are no longer printed, nor wanted by anyone.
    expect(events.isObserved).toBe(false);
    events.emit(jobStarted(0));
    log.flush();
    expect(writes).toHaveLength(1);
  });

  it('for output nobody reads, asks for no per-request event and prints no line per request', () => {
    const events = new EventStream();
    const writes: string[] = [];
    const log = attachBookLog(events, (text) => writes.push(text), { isUnread: true });
    expect(events.wants['job-started']).toBe(false);
    expect(events.wants['server-listening']).toBe(true);
    events.emit(listening);
    events.emit(jobStarted(0));
    log.stop();
    expect(writes.join('')).toMatch(/^Listening on .*\n$/);
  });
});

describe('output read slower than it is written', () => {
  it('holds at most its bound unread, drops whole batches past it, and says how many lines once the reader catches up', async () => {
    // A real Writable whose reader has stopped: each write waits, unacknowledged, until it reads again.
    const read: string[] = [];
    let waiting: Array<() => void> | null = [];
    const output = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, done) {
        read.push(chunk.toString());
        if (waiting === null) setImmediate(done);
        else waiting.push(done);
      },
    });
    const write = createBoundedWriter(output, 4096);
    const batch = 'Worker 0 got a job; executing.\n'.repeat(10);
    for (let i = 0; i < 100; i++) write(batch);
    // The batch that reached the bound was still written whole; every later one was dropped.
    const keptBatches = Math.ceil(4096 / batch.length);
    expect(output.writableLength).toBe(keptBatches * batch.length);

    const stalled = waiting;
    waiting = null;
    for (const done of stalled) done();
    await new Promise((resolve) => output.once('drain', resolve));
    write(batch);
    await new Promise((resolve) => setImmediate(resolve));
    expect(read.join('')).toBe(
      `${batch.repeat(keptBatches)}(${((100 - keptBatches) * 10).toLocaleString('en-US')} lines not printed: the output was not read as fast as it was written)\n${batch}`,
    );
  });
});

describe('output nobody reads', () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it('is /dev/null, not a file', () => {
    const devNull = openSync('/dev/null', 'w');
    dir = mkdtempSync(join(tmpdir(), 'poolscope-book-log-'));
    const file = openSync(join(dir, 'log.txt'), 'w');
    try {
      expect(isDiscardedOutput(devNull)).toBe(true);
      expect(isDiscardedOutput(file)).toBe(false);
    } finally {
      closeSync(devNull);
      closeSync(file);
    }
  });
});
