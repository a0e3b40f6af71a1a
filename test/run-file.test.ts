// The run file format as a reader meets it: every event type survives the round trip, any chunking of the
// text or the bytes reads the same, and each broken or foreign file gets one line-numbered message —
// each small case re-read split at every byte and at every UTF-16 index, as llhttp's fixtures are.

import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventHistory } from '../src/history/event-history';
import { PoolAggregate, type PoolState } from '../src/history/pool-state';
import { SERVER_EVENT_FIELDS, type ServerEvent } from '../src/shared/events';
import { LOAD_USER_AGENT } from '../src/shared/load-settings';
import {
  createRunFileHeader,
  EXPORTED_TRACE_PROBLEM,
  parseRunFile,
  RUN_FILE_MINOR_VERSION,
  RunFileError,
  type RunFileHeader,
  RunFileParser,
  type RunFileSummary,
  readRunFile,
  runFileChunks,
  serializeRunFileHeader,
  serializeServerEvent,
  validateRunFileHeader,
  validateServerEvent,
} from '../src/shared/run-file';
import { ALL_SAMPLES, arbitraryEvents, burstCutMidway, SAMPLE_EVENTS, SAMPLE_SETTINGS, sampleHeader, T0 } from './support/sample-events';

type Outcome =
  | { ok: true; header: RunFileHeader; events: ServerEvent[]; notices: string[] }
  | { ok: false; error: string; line: number | null };

function parseChunks(chunks: Iterable<string>): Outcome {
  const events: ServerEvent[] = [];
  let header: RunFileHeader | null = null;
  const parser = new RunFileParser({
    header: (h) => {
      header = h;
    },
    event: (e) => events.push(e),
  });
  try {
    for (const chunk of chunks) parser.push(chunk);
    const summary: RunFileSummary = parser.end();
    expect(summary.header).toBe(header);
    expect(summary.eventCount).toBe(events.length);
    return { ok: true, header: summary.header, events, notices: summary.notices };
  } catch (error) {
    if (!(error instanceof RunFileError)) throw error;
    return { ok: false, error: error.message, line: error.line };
  }
}

/** The text cut into two pieces at UTF-16 index `at` (which may fall between the halves of a surrogate pair). */
function splitText(text: string, at: number): string[] {
  return [text.slice(0, at), text.slice(at)];
}

/** The text's UTF-8 bytes cut at byte `at` (which may fall inside a multi-byte character), decoded as a stream. */
function splitBytes(text: string, at: number): string[] {
  const bytes = new TextEncoder().encode(text);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return [decoder.decode(bytes.subarray(0, at), { stream: true }), decoder.decode(bytes.subarray(at), { stream: true }), decoder.decode()];
}

/** Parses whole, then split at every byte and every UTF-16 index, and checks that every split reads the same. */
function parseEverySplit(text: string): Outcome {
  const whole = parseChunks([text]);
  const byteLength = new TextEncoder().encode(text).length;
  for (let at = 0; at <= byteLength; at++) expect(parseChunks(splitBytes(text, at)), `split at byte ${at}`).toEqual(whole);
  for (let at = 0; at <= text.length; at++) expect(parseChunks(splitText(text, at)), `split at index ${at}`).toEqual(whole);
  // And one character at a time.
  expect(parseChunks(Array.from(text))).toEqual(whole);
  return whole;
}

const headerLine = serializeRunFileHeader(sampleHeader());
const line = (event: object) => `${JSON.stringify(event)}\n`;

function expectError(outcome: Outcome, message: string | RegExp): void {
  expect(outcome).toMatchObject({ ok: false, error: message });
}

/** The JSON parser's own words (V8's) vary between Node versions; ours come first and are what a test pins. */
const NOT_JSON_ON_LINE_2 = /^line 2: not valid JSON \(.+\)$/;

describe('the round trip', () => {
  it('has a sample of every event type in the contract', () => {
    expect(Object.keys(SAMPLE_EVENTS).sort()).toEqual(Object.keys(SERVER_EVENT_FIELDS).sort());
    for (const event of ALL_SAMPLES) expect(validateServerEvent(event)).toEqual({ ok: true, value: event });
  });

  it.each(ALL_SAMPLES.map((event) => [event.type, event] as const))('writes and reads back a %s event exactly', (_type, event) => {
    const text = headerLine + serializeServerEvent(event);
    expect(text.split('\n')[1]).toBe(JSON.stringify(event));
    const outcome = parseEverySplit(text);
    expect(outcome).toEqual({ ok: true, header: sampleHeader(), events: [event], notices: [] });
  });

  it('reads a whole run of every event type, one event per line after the header', () => {
    const text = [...runFileChunks(sampleHeader(), ALL_SAMPLES, { chunkChars: 64 })].join('');
    expect(text.split('\n')).toHaveLength(ALL_SAMPLES.length + 2); // header, events, and the empty rest after the last newline
    expect(parseRunFile(text)).toMatchObject({
      header: sampleHeader(),
      events: ALL_SAMPLES,
      lineCount: ALL_SAMPLES.length + 1,
      notices: [],
    });
  });

  it('reads any valid events back unchanged, however the text is chunked', () => {
    fc.assert(
      fc.property(arbitraryEvents, fc.array(fc.nat(), { maxLength: 8 }), (events, cuts) => {
        const text = [...runFileChunks(sampleHeader(), events)].join('');
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points].map((from, i) => text.slice(from, [...points, text.length][i]));
        expect(parseChunks(chunks)).toEqual({ ok: true, header: sampleHeader(), events, notices: [] });
      }),
      { numRuns: 300 },
    );
  });

  it('reads a real file through a Node stream and through web streams (as a browser reads File.stream())', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'poolscope-run-'));
    try {
      const file = path.join(dir, 'run.poolscope.jsonl');
      writeFileSync(file, [...runFileChunks(sampleHeader(), ALL_SAMPLES)].join(''));
      const fromNode: ServerEvent[] = [];
      const nodeSummary = await readRunFile(createReadStream(file, { highWaterMark: 7 }), {
        header: () => {},
        event: (e) => fromNode.push(e),
      });
      expect(fromNode).toEqual(ALL_SAMPLES);
      expect(nodeSummary.notices).toEqual([]);

      const fromWeb: ServerEvent[] = [];
      const bytes = new Blob([[...runFileChunks(sampleHeader(), ALL_SAMPLES)].join('')]).stream();
      await readRunFile(bytes.pipeThrough(new TextDecoderStream()), { header: () => {}, event: (e) => fromWeb.push(e) });
      expect(fromWeb).toEqual(ALL_SAMPLES);

      const fromBytes: ServerEvent[] = [];
      await readRunFile(new Blob([[...runFileChunks(sampleHeader(), ALL_SAMPLES)].join('')]).stream(), {
        header: () => {},
        event: (e) => fromBytes.push(e),
      });
      expect(fromBytes).toEqual(ALL_SAMPLES);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a broken or foreign file gets one message naming the line and the problem', () => {
  it('an empty file', () => {
    expectError(parseEverySplit(''), 'the file is empty: not a Poolscope run');
  });

  it('a file that is not JSON lines', () => {
    expectError(parseEverySplit('hello, world\nsecond line\n'), 'line 1: not a Poolscope run (the first line is not JSON)');
    expectError(parseEverySplit(`${headerLine}{"type":"job-queued","at":1,\n`), NOT_JSON_ON_LINE_2);
  });

  it('JSON of another format: a pretty-printed document', () => {
    expectError(parseEverySplit('{\n  "format": "poolscope-run"\n}\n'), 'line 1: not a Poolscope run (the first line is not JSON)');
    expectError(parseEverySplit('{"events":[]}\n'), 'line 1: not a Poolscope run (the first line has no "format": "poolscope-run")');
    expectError(parseEverySplit('[1, 2, 3]\n'), 'line 1: not a Poolscope run (the first line has no "format": "poolscope-run")');
    expectError(parseEverySplit('[{"name":"x"}]\n'), 'line 1: not a Poolscope run (the first line has no "format": "poolscope-run")');
  });

  it('a Chrome trace, pretty-printed, on one line, or as a bare array of events, says what it is', () => {
    const exportedTrace = `{"displayTimeUnit":"ms","otherData":{"note":"${'x'.repeat(2000)}"},"traceEvents":[\n{"ph":"M","pid":1,"name":"process_name"}\n]}\n`;
    for (const text of [
      '{\n  "traceEvents": []\n}\n',
      '{"traceEvents":[]}\n',
      '\uFEFF\n\n  {"traceEvents":[{"ph":"X","name":"GET /","ts":1,"dur":2}]}',
      '[\n  {"name": "GET /", "ph": "X", "ts": 1, "dur": 2},\n',
      '[{"ph":"B","name":"a","ts":0}',
      exportedTrace,
    ]) {
      expectError(parseChunks([text]), EXPORTED_TRACE_PROBLEM);
      expectError(parseChunks(Array.from(text)), EXPORTED_TRACE_PROBLEM);
    }
    expectError(parseEverySplit('{\n  "traceEvents": []\n}\n'), EXPORTED_TRACE_PROBLEM);
    expect(EXPORTED_TRACE_PROBLEM).toBe(
      'this is an exported trace (Chrome Trace Event Format); open the .poolscope.jsonl it was exported from, or open the trace in ui.perfetto.dev',
    );
  });

  it('a one-line Chrome trace longer than a line may be is still told as a trace, without reading it all', () => {
    const parser = new RunFileParser({ header: () => {}, event: () => {} }, { maxLineChars: 1000 });
    parser.push('{"traceEvents":[');
    expect(() => {
      for (let i = 0; i < 100; i++) parser.push(`{"ph":"X","name":"GET /","ts":${i},"dur":1},`);
    }).toThrow(EXPORTED_TRACE_PROBLEM);
    const other = new RunFileParser({ header: () => {}, event: () => {} }, { maxLineChars: 1000 });
    expect(() => {
      for (let i = 0; i < 10_000; i++) other.push(`{"x":${i}},`);
    }).toThrow('line 1: longer than 1000 characters: not a Poolscope run');
  });

  it('the wrong format name', () => {
    expectError(
      parseEverySplit('{"format":"poolscope-snapshot","formatVersion":"1.0"}\n'),
      'line 1: not a Poolscope run (format "poolscope-snapshot", expected "poolscope-run")',
    );
  });

  it('a newer major version', () => {
    expectError(
      parseEverySplit(serializeRunFileHeader(sampleHeader({ formatVersion: '2.0' }))),
      'line 1: format version 2.0 is newer than this Poolscope reads (1.x): open it with a newer Poolscope',
    );
    expectError(
      parseEverySplit(serializeRunFileHeader(sampleHeader({ formatVersion: 'one' }))),
      'line 1: "formatVersion" must look like "1.7" (got "one")',
    );
  });

  it('a header without what every header carries', () => {
    const { settings: _settings, ...withoutSettings } = sampleHeader();
    expectError(parseChunks([line(withoutSettings)]), 'line 1: header: "settings" is missing');
    expectError(
      parseChunks([line({ ...sampleHeader(), settings: { ...SAMPLE_SETTINGS, workerCount: 'four' } })]),
      'line 1: header: "settings.workerCount" must be a whole number ≥ 0 (got "four")',
    );
    expectError(
      parseChunks([line({ ...sampleHeader(), clock: 'monotonic-ns' })]),
      'line 1: header: "clock" must be one of "unix-epoch-ms" (got "monotonic-ns")',
    );
  });

  it('an unknown event type', () => {
    const text = `${headerLine}${line(SAMPLE_EVENTS['server-listening'])}${line({ type: 'job-teleported', at: T0 + 1, requestId: 42 })}`;
    expectError(parseEverySplit(text), 'line 3: unknown event type "job-teleported"');
  });

  it('an event without a type, or a line that is not an object', () => {
    expectError(parseEverySplit(`${headerLine}{"at":1}\n`), 'line 2: the event has no "type"');
    expectError(parseEverySplit(`${headerLine}[1,2]\n`), 'line 2: expected an event object, got an array');
    expectError(parseEverySplit(`${headerLine}42\n`), 'line 2: expected an event object, got 42');
  });

  it.each([
    [
      'a field of the wrong type',
      { ...SAMPLE_EVENTS['job-started'], workerId: '0' },
      'job-started event: "workerId" must be a whole number ≥ 0 (got "0")',
    ],
    ['a missing field', (({ runMs: _, ...rest }) => rest)(SAMPLE_EVENTS['job-finished']), 'job-finished event: "runMs" is missing'],
    [
      'a value outside its enum',
      { ...SAMPLE_EVENTS['worker-exited'], reason: 'bored' },
      'worker-exited event: "reason" must be one of "shutdown", "crashed" (got "bored")',
    ],
    [
      'a fractional id',
      { ...SAMPLE_EVENTS['job-queued'], requestId: 1.5 },
      'job-queued event: "requestId" must be a whole number ≥ 0 (got 1.5)',
    ],
    [
      'a status that is no HTTP status',
      { ...SAMPLE_EVENTS['response-sent'], status: 42 },
      'response-sent event: "status" must be an HTTP status from 100 to 599 (got 42)',
    ],
    [
      'a null where a string belongs',
      { ...SAMPLE_EVENTS['request-received'], method: null },
      'request-received event: "method" must be a string (got null)',
    ],
    [
      'a time that is not a number',
      { ...SAMPLE_EVENTS['server-stopped'], at: '12:00' },
      'server-stopped event: "at" must be a time in ms since the Unix epoch (got "12:00")',
    ],
  ])('a known type with %s', (_case, event, problem) => {
    expectError(parseEverySplit(`${headerLine}${line(SAMPLE_EVENTS['worker-spawned'])}${line(event)}`), `line 3: ${problem}`);
  });

  it('events out of time order', () => {
    const text = `${headerLine}${line(SAMPLE_EVENTS['job-finished'])}${line(SAMPLE_EVENTS['job-started'])}`;
    expectError(
      parseEverySplit(text),
      'line 3: job-started event is 200.3 ms earlier than the event before it: events must be in time order',
    );
  });

  it('a truncated line that is not the last one', () => {
    const text = `${headerLine}{"type":"job-queued","at":17600\n${line(SAMPLE_EVENTS['server-stopped'])}`;
    expectError(parseEverySplit(text), NOT_JSON_ON_LINE_2);
  });

  it('a line longer than the bound, without buffering it whole', () => {
    const parser = new RunFileParser({ header: () => {}, event: () => {} }, { maxLineChars: 1000 });
    parser.push(headerLine);
    parser.push(line(SAMPLE_EVENTS['worker-spawned']));
    parser.push('{"type":"');
    expect(() => {
      for (let i = 0; i < 100; i++) parser.push('x'.repeat(100));
    }).toThrow('line 3: longer than 1000 characters: not a Poolscope run');
  });

  it('line 2, where the initial state may be, has its own bound', () => {
    const parser = new RunFileParser({ header: () => {}, event: () => {} }, { maxLineChars: 1000, maxInitialStateChars: 5000 });
    parser.push(headerLine);
    parser.push('{"type":"initial-state","pad":"');
    expect(() => {
      for (let i = 0; i < 100; i++) parser.push('x'.repeat(100));
    }).toThrow('line 2: longer than 5000 characters: not a Poolscope run');
  });

  it('keeps failing with the same error once it has failed', () => {
    const parser = new RunFileParser({ header: () => {}, event: () => {} });
    expect(() => parser.push('nonsense\n')).toThrow(RunFileError);
    expect(() => parser.push(headerLine)).toThrow('line 1: not a Poolscope run (the first line is not JSON)');
    expect(() => parser.end()).toThrow('line 1: not a Poolscope run (the first line is not JSON)');
  });

  it('bytes that are not UTF-8', async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode(headerLine), 0xff, 0xfe, 0x0a]);
    await expect(readRunFile([bytes], { header: () => {}, event: () => {} })).rejects.toThrow(
      'not a Poolscope run (the file is not UTF-8 text)',
    );
  });
});

describe('what still opens', () => {
  it('drops a truncated last line from a crashed recording with a notice, and opens the rest', () => {
    const whole = line(SAMPLE_EVENTS['job-started']);
    const text = `${headerLine}${line(SAMPLE_EVENTS['job-queued'])}${whole.slice(0, 30)}`;
    expect(parseEverySplit(text)).toEqual({
      ok: true,
      header: sampleHeader(),
      events: [SAMPLE_EVENTS['job-queued']],
      notices: ['the last line (line 3) was incomplete and was skipped'],
    });
  });

  it('drops a last line cut inside a multi-byte character, read as bytes', async () => {
    const cut = new TextEncoder().encode(`${headerLine}${line(SAMPLE_EVENTS['worker-spawned'])}{"type":"request-received","target":"/café`);
    const events: ServerEvent[] = [];
    const summary = await readRunFile([cut.subarray(0, cut.length - 1)], { header: () => {}, event: (e) => events.push(e) });
    expect(events).toEqual([SAMPLE_EVENTS['worker-spawned']]);
    expect(summary.notices).toEqual(['the last line (line 3) was incomplete and was skipped']);
  });

  it('keeps a last line that only lacks its newline', () => {
    const text = `${headerLine}${JSON.stringify(SAMPLE_EVENTS['job-queued'])}`;
    expect(parseEverySplit(text)).toEqual({ ok: true, header: sampleHeader(), events: [SAMPLE_EVENTS['job-queued']], notices: [] });
  });

  it('but not a file cut off inside its header', () => {
    expectError(parseEverySplit(headerLine.slice(0, 40)), 'line 1: the header line is incomplete: the file ends inside it');
  });

  it('opens a newer minor version: unknown header fields and event fields are ignored, unknown event types skipped with a notice', () => {
    const newerVersion = `1.${RUN_FILE_MINOR_VERSION + 1}`;
    const header = { ...sampleHeader({ formatVersion: newerVersion }), recordedBy: 'a later Poolscope' };
    const event = { ...SAMPLE_EVENTS['job-started'], cpuMs: 3 };
    const text = `${line(header)}${line(event)}${line({ type: 'job-stolen', at: T0 + 3 })}${line({ type: 'job-stolen', at: T0 + 4 })}${line(SAMPLE_EVENTS['job-finished'])}`;
    expect(parseEverySplit(text)).toEqual({
      ok: true,
      header,
      events: [event, SAMPLE_EVENTS['job-finished']],
      notices: [
        `2 events of types this Poolscope does not know ("job-stolen") were skipped: the file was written in format ${newerVersion}`,
      ],
    });
  });

  it('tolerates unknown fields inside known events of its own version: they are ignored and left on the event', () => {
    const event = { ...SAMPLE_EVENTS['worker-spawned'], threadId: 7 };
    expect(parseEverySplit(`${headerLine}${line(event)}`)).toMatchObject({ ok: true, events: [event] });
  });

  it('skips blank lines, reads CRLF line ends and a byte-order mark', () => {
    const text = `\uFEFF${headerLine.replace('\n', '\r\n')}\r\n${line(SAMPLE_EVENTS['worker-spawned']).replace('\n', '\r\n')}\n   \n`;
    expect(parseEverySplit(text)).toEqual({ ok: true, header: sampleHeader(), events: [SAMPLE_EVENTS['worker-spawned']], notices: [] });
  });
});

describe('the header', () => {
  it('says what the format, the clock and the history are', () => {
    const header = createRunFileHeader({
      app: { name: 'Poolscope', version: '0.1.0' },
      settings: SAMPLE_SETTINGS,
      strategy: null,
      historyStartsAt: T0,
      droppedEventCount: 12,
    });
    expect(header).toEqual({
      format: 'poolscope-run',
      formatVersion: '1.7',
      app: { name: 'Poolscope', version: '0.1.0' },
      settings: SAMPLE_SETTINGS,
      strategy: null,
      clock: 'unix-epoch-ms',
      historyStartsAt: T0,
      droppedEventCount: 12,
    });
    expect(serializeRunFileHeader(header).startsWith('{"format":"poolscope-run","formatVersion":"1.7",')).toBe(true);
  });

  it('opens 1.0, 1.1 and 1.2 headers, which predate settings added since, with those settings at their defaults', () => {
    const { maxQueuedJobs: _in11, sendTimeoutMs: _in12, maxWaitMs: _in13, ...settings10 } = SAMPLE_SETTINGS;
    const settings11 = { ...settings10, maxQueuedJobs: 5 };
    const settings12 = { ...settings11, sendTimeoutMs: 300 };
    expect(validateRunFileHeader({ ...sampleHeader(), formatVersion: '1.0', settings: settings10 })).toEqual({
      ok: true,
      value: {
        ...sampleHeader(),
        formatVersion: '1.0',
        settings: { ...settings10, maxQueuedJobs: 1024, sendTimeoutMs: 10_000, maxWaitMs: 60_000 },
      },
    });
    expect(validateRunFileHeader({ ...sampleHeader(), formatVersion: '1.1', settings: settings11 })).toEqual({
      ok: true,
      value: { ...sampleHeader(), formatVersion: '1.1', settings: { ...settings11, sendTimeoutMs: 10_000, maxWaitMs: 60_000 } },
    });
    expect(validateRunFileHeader({ ...sampleHeader(), formatVersion: '1.2', settings: settings12 })).toEqual({
      ok: true,
      value: { ...sampleHeader(), formatVersion: '1.2', settings: { ...settings12, maxWaitMs: 60_000 } },
    });
    // From the version that added a setting on, the header must carry it.
    expect(validateRunFileHeader({ ...sampleHeader(), formatVersion: '1.1', settings: settings10 })).toEqual({
      ok: false,
      error: 'header: "settings.maxQueuedJobs" is missing',
    });
    expect(validateRunFileHeader({ ...sampleHeader(), formatVersion: '1.2', settings: settings11 })).toEqual({
      ok: false,
      error: 'header: "settings.sendTimeoutMs" is missing',
    });
    expect(validateRunFileHeader({ ...sampleHeader(), settings: settings12 })).toEqual({
      ok: false,
      error: 'header: "settings.maxWaitMs" is missing',
    });
  });

  it('opens 1.0, 1.1 and 1.2 files whose header and server-listening events lack the settings added since, at their defaults', () => {
    const { maxQueuedJobs: _in11, sendTimeoutMs: _in12, maxWaitMs: _in13, ...settings10 } = SAMPLE_SETTINGS;
    const listening10 = { ...settings10, type: 'server-listening', at: T0 };
    const file = (formatVersion: string, settings: object) =>
      `${JSON.stringify({ ...sampleHeader(), formatVersion, settings })}\n${line({ ...listening10, ...settings })}`;
    const opened10 = parseRunFile(file('1.0', settings10));
    expect(opened10.header.settings).toEqual({ ...settings10, maxQueuedJobs: 1024, sendTimeoutMs: 10_000, maxWaitMs: 60_000 });
    expect(opened10.events).toEqual([{ ...listening10, maxQueuedJobs: 1024, sendTimeoutMs: 10_000, maxWaitMs: 60_000 }]);
    const opened11 = parseRunFile(file('1.1', { ...settings10, maxQueuedJobs: 7 }));
    expect(opened11.header.settings).toEqual({ ...settings10, maxQueuedJobs: 7, sendTimeoutMs: 10_000, maxWaitMs: 60_000 });
    expect(opened11.events).toEqual([{ ...listening10, maxQueuedJobs: 7, sendTimeoutMs: 10_000, maxWaitMs: 60_000 }]);
    const opened12 = parseRunFile(file('1.2', { ...settings10, maxQueuedJobs: 7, sendTimeoutMs: 300 }));
    expect(opened12.header.settings).toEqual({ ...settings10, maxQueuedJobs: 7, sendTimeoutMs: 300, maxWaitMs: 60_000 });
    expect(opened12.events).toEqual([{ ...listening10, maxQueuedJobs: 7, sendTimeoutMs: 300, maxWaitMs: 60_000 }]);
    // A 1.5 file must carry every one of them, in its events as in its header.
    expect(() => parseRunFile(`${headerLine}${line({ ...listening10, maxQueuedJobs: 7, sendTimeoutMs: 300 })}`)).toThrow(
      'line 2: server-listening event: "maxWaitMs" is missing',
    );
  });
});

describe('stopAfterConnections (1.6)', () => {
  it('opens a 1.5 file, whose servers had no take(N), with stopAfterConnections 0 (never)', () => {
    const { stopAfterConnections: _stopAfterConnections, ...settings15 } = SAMPLE_SETTINGS;
    const listening15 = { ...settings15, type: 'server-listening', at: T0 };
    const opened = parseRunFile(
      `${JSON.stringify({ ...sampleHeader(), formatVersion: '1.5', settings: settings15 })}\n${line(listening15)}`,
    );
    expect(opened.header.settings).toEqual({ ...settings15, stopAfterConnections: 0 });
    expect(opened.events).toEqual([{ ...listening15, stopAfterConnections: 0 }]);
    expect(() => parseRunFile(`${headerLine}${line(listening15)}`)).toThrow(
      'line 2: server-listening event: "stopAfterConnections" is missing',
    );
  });
});

describe('strategies (1.4)', () => {
  it('open a 1.3 file, whose runs all used the pool, with strategy "pool" and the default thread limit', () => {
    const { strategy: _strategy, maxThreads: _maxThreads, ...settings13 } = SAMPLE_SETTINGS;
    const listening13 = { ...settings13, type: 'server-listening', at: T0 };
    const opened = parseRunFile(
      `${JSON.stringify({ ...sampleHeader(), formatVersion: '1.3', settings: settings13 })}\n${line(listening13)}`,
    );
    expect(opened.header.settings).toEqual({ ...settings13, strategy: 'pool', maxThreads: 256 });
    expect(opened.events).toEqual([{ ...listening13, strategy: 'pool', maxThreads: 256 }]);
  });

  it('refuse a strategy this version does not know, naming the valid ones', () => {
    expect(parseRunFile.bind(null, `${headerLine}${line({ ...SAMPLE_EVENTS['server-listening'], strategy: 'fork' })}`)).toThrow(
      'line 2: server-listening event: "strategy" must be one of "single", "per-request", "pool", "pool-while-let" (got "fork")',
    );
  });

  it("keep the header's strategy as written: a name, or null in files older than 1.4", () => {
    const header = sampleHeader({ strategy: 'pool-while-let' });
    expect(parseRunFile(line(header)).header.strategy).toBe('pool-while-let');
    expect(parseRunFile(headerLine).header.strategy).toBeNull();
  });
});

describe('docs/run-file-format.md', () => {
  const doc = readFileSync(new URL('../docs/run-file-format.md', import.meta.url), 'utf8');

  it('has a six-line example that opens', () => {
    const example = /```jsonl\n([\s\S]*?)```/.exec(doc)![1]!;
    expect(example.trim().split('\n')).toHaveLength(6);
    expect(parseRunFile(example)).toMatchObject({ eventCount: 5, notices: [] });
  });

  it('describes every event type with every one of its fields', () => {
    for (const [type, fields] of Object.entries(SERVER_EVENT_FIELDS)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${type}\``));
      expect(row, type).toBeDefined();
      for (const field of Object.keys(fields)) expect(row, `${type}.${field}`).toContain(`\`${field}\``);
    }
  });
});

describe('the initial state (line 2, since 1.5)', () => {
  /** The state after the first half of a burst: both workers busy, two jobs waiting, four connections open. */
  function midBurst() {
    const { before, after } = burstCutMidway();
    const aggregate = new PoolAggregate();
    for (const event of before) aggregate.apply(event);
    return { state: aggregate.toState(), after };
  }

  it('is written right after the header and read back exactly, split anywhere', async () => {
    const { state, after } = midBurst();
    expect(state.workers.map((w) => w.phase)).toEqual(['busy', 'busy']);
    expect(state.queue.map((job) => job.requestId)).toEqual([3, 4]);
    const header = sampleHeader({ historyStartsAt: state.at, droppedEventCount: 14 });
    const text = [...runFileChunks(header, after, { chunkChars: 100, initialState: state })].join('');
    expect(text.split('\n')[1]).toBe(JSON.stringify({ type: 'initial-state', ...state }));
    const whole = parseRunFile(text);
    expect(whole).toMatchObject({ header, initialState: state, eventCount: after.length, notices: [] });
    expect(whole.events).toEqual(after);
    // Streamed in small pieces, as a browser or a file stream hands it over.
    const seen: unknown[] = [];
    const pieces = Array.from({ length: Math.ceil(text.length / 7) }, (_, i) => text.slice(i * 7, i * 7 + 7));
    const summary = await readRunFile(pieces, {
      header: () => {},
      event: () => {},
      initialState: (s, lineNumber) => seen.push([s, lineNumber]),
    });
    expect(summary.initialState).toEqual(state);
    expect(seen).toEqual([[state, 2]]);
  });

  it('is absent from a file whose history begins before any server ran', () => {
    expect(parseRunFile([...runFileChunks(sampleHeader(), ALL_SAMPLES)].join('')).initialState).toBeNull();
  });

  it('is refused anywhere but line 2, twice, or broken, naming the line and the field', () => {
    const { state, after } = midBurst();
    const stateLine = line({ type: 'initial-state', ...state });
    expect(() => parseRunFile(`${headerLine}${line(after[0]!)}${stateLine}`)).toThrow(
      'line 3: an initial-state line may only come right after the header',
    );
    expect(() => parseRunFile(`${headerLine}${stateLine}${stateLine}`)).toThrow(
      'line 3: an initial-state line may only come right after the header',
    );
    const badWorker = { ...state, workers: [{ ...state.workers[0], busySince: 'soon' }] };
    expect(() => parseRunFile(`${headerLine}${line({ type: 'initial-state', ...badWorker })}`)).toThrow(
      'line 2: initial-state: "workers[0].busySince" must be a time in ms since the Unix epoch or null (got "soon")',
    );
    const { queue: _queue, ...withoutQueue } = state;
    expect(() => parseRunFile(`${headerLine}${line({ type: 'initial-state', ...withoutQueue })}`)).toThrow(
      'line 2: initial-state: "queue" is missing',
    );
    expect(() => parseRunFile(`${headerLine}${line({ type: 'initial-state', ...state, phase: 'napping' })}`)).toThrow(
      'line 2: initial-state: "phase" must be one of "stopped", "starting", "listening", "stopping" (got "napping")',
    );
  });

  it('must not come after its first event in time', () => {
    const { state, after } = midBurst();
    const late = { ...state, at: after[0]!.at + 1 };
    expect(() => parseRunFile(`${headerLine}${line({ type: 'initial-state', ...late })}${line(after[0]!)}`)).toThrow(
      /^line 3: job-finished event is 1\.0 ms earlier than the event before it/,
    );
  });

  /** The mid-burst state as the other strategies' servers have it: a lock with its waiters, threads, waiting connections. */
  function withStrategyParts(state: PoolState): PoolState {
    const [holder, waiter] = state.workers;
    return {
      ...state,
      workers: [holder!, { ...waiter!, phase: 'waiting-for-lock', requestId: null, busySince: null }],
      threads: { live: 2, peak: 5, recentStartupMs: [12.5, 9.25, 14] },
      lock: { holderId: holder!.id, heldSince: holder!.busySince, waiters: [{ workerId: waiter!.id, since: state.at - 3 }] },
      waitingConnections: [
        { connectionId: 3, since: state.at - 2 },
        { connectionId: 4, since: state.at - 1 },
      ],
    };
  }

  it('carries the threads, the lock and the waiting connections (since 1.6), read back exactly and replayed from', () => {
    const { state: midBurstState, after } = midBurst();
    const state = withStrategyParts(midBurstState);
    const header = sampleHeader({ historyStartsAt: state.at, droppedEventCount: 14 });
    const text = [...runFileChunks(header, after, { initialState: state })].join('');
    const read = parseRunFile(text);
    expect(read.initialState).toEqual(state);
    // The loader and the replay build their history from it: the history starts from the same state.
    const history = new EventHistory({ initialState: read.initialState! });
    expect(history.initialState()).toEqual(state);
  });

  it('opens a 1.5 initial state without them: threads from the workers, no lock, no waiting connections', () => {
    const { state } = midBurst();
    const { threads: _threads, lock: _lock, waitingConnections: _waiting, ...state15 } = state;
    const header15 = serializeRunFileHeader(sampleHeader({ formatVersion: '1.5', historyStartsAt: state.at }));
    const read = parseRunFile(`${header15}${line({ type: 'initial-state', ...state15 })}`);
    expect(read.initialState).toEqual({
      ...state15,
      threads: { live: 2, peak: 2, recentStartupMs: [] },
      lock: null,
      waitingConnections: [],
    });
  });

  it("carries a load generator's request as origin load (since 1.7), and gives one of an older file that origin from its User-Agent", () => {
    const { state } = midBurst();
    const loaded = { ...state.requests[0]!, userAgent: LOAD_USER_AGENT, origin: 'load' as const };
    const withLoad = { ...state, requests: [loaded, ...state.requests.slice(1)] };
    const header = sampleHeader({ historyStartsAt: state.at });
    expect(parseRunFile([...runFileChunks(header, [], { initialState: withLoad })].join('')).initialState).toEqual(withLoad);
    // A 1.6 writer wrote it as external.
    const header16 = serializeRunFileHeader(sampleHeader({ formatVersion: '1.6', historyStartsAt: state.at }));
    const as16 = { ...withLoad, requests: [{ ...loaded, origin: 'external' }, ...withLoad.requests.slice(1)] };
    expect(parseRunFile(`${header16}${line({ type: 'initial-state', ...as16 })}`).initialState).toEqual(withLoad);
  });

  it('refuses a broken lock, thread count or waiting connection, naming the field', () => {
    const state = withStrategyParts(midBurst().state);
    const broken = (patch: Partial<PoolState>) => () => parseRunFile(`${headerLine}${line({ type: 'initial-state', ...state, ...patch })}`);
    expect(broken({ lock: { ...state.lock!, waiters: [{ workerId: -1, since: state.at }] } })).toThrow(
      'line 2: initial-state: "lock.waiters[0].workerId" must be a whole number ≥ 0 (got -1)',
    );
    expect(broken({ threads: { ...state.threads, peak: 'many' as unknown as number } })).toThrow(
      'line 2: initial-state: "threads.peak" must be a whole number ≥ 0 (got "many")',
    );
    expect(broken({ threads: { ...state.threads, recentStartupMs: [1, -2] } })).toThrow(
      'line 2: initial-state: "threads.recentStartupMs[1]" must be a number of ms ≥ 0 (got -2)',
    );
    expect(broken({ waitingConnections: [{ connectionId: 3, since: 'now' as unknown as number }] })).toThrow(
      'line 2: initial-state: "waitingConnections[0].since" must be a time in ms since the Unix epoch (got "now")',
    );
  });

  it('is an unknown event type in a file of a version before 1.5', () => {
    const { state } = midBurst();
    const header14 = serializeRunFileHeader(sampleHeader({ formatVersion: '1.4' }));
    expect(() => parseRunFile(`${header14}${line({ type: 'initial-state', ...state })}`)).toThrow(
      'line 2: unknown event type "initial-state"',
    );
  });
});
