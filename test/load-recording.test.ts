// Opening a run file in the page, without a browser: the loader reads a File's stream chunk by chunk, opens a
// good run, opens a crashed recording without its cut-off last line, and refuses a broken or foreign file with
// one message naming the line and the problem. Then the store: a good file becomes the open recording and says
// so; a broken one leaves a message and nothing else changed.

import { describe, expect, it } from 'vitest';
import { PoolAggregate } from '../src/history/pool-state';
import { loadRecording, type RunFileSource } from '../src/renderer/recording/load-recording';
import { type AppState, createAppStore } from '../src/renderer/store/app-store';
import { describeOpenedRecording } from '../src/renderer/store/recording-slice';
import { formatRunSpanMs } from '../src/shared/durations';
import type { ServerEvent } from '../src/shared/events';
import { runFileChunks, serializeRunFileHeader, serializeServerEvent } from '../src/shared/run-file';
import type { PoolscopeApi } from '../src/shared/wire';
import { ALL_SAMPLES, burstCutMidway, SAMPLE_EVENTS, SAMPLE_SPAN_TEXT, sampleHeader, T0 } from './support/sample-events';
import { acceptingCommands, unwatchedFrames } from './support/unwatched-api';

const GOOD_TEXT = [...runFileChunks(sampleHeader(), ALL_SAMPLES)].join('');
const HEADER_LINE = serializeRunFileHeader(sampleHeader());

const fileOf = (text: string | Uint8Array, name = 'run.poolscope.jsonl') => new File([text], name);

/** A File that hands its bytes over in `chunkBytes` pieces and counts how many the loader asked for. */
function chunkedSource(text: string, chunkBytes: number, name = 'big.poolscope.jsonl'): RunFileSource & { reads: () => number } {
  const bytes = new TextEncoder().encode(text);
  let reads = 0;
  return {
    name,
    reads: () => reads,
    stream: () => {
      let offset = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          reads++;
          if (offset >= bytes.length) controller.close();
          else {
            controller.enqueue(bytes.subarray(offset, offset + chunkBytes));
            offset += chunkBytes;
          }
        },
      });
    },
  };
}

describe('loadRecording', () => {
  it('opens a good run file with its header, every event in order, and no notices', async () => {
    const result = await loadRecording(fileOf(GOOD_TEXT));
    expect(result).toEqual({
      ok: true,
      recording: { fileName: 'run.poolscope.jsonl', header: sampleHeader(), initialState: null, events: ALL_SAMPLES, notices: [] },
    });
  });

  it("keeps a file's initial state, the pool just before its first event", async () => {
    const { before, after } = burstCutMidway();
    const aggregate = new PoolAggregate();
    for (const event of before) aggregate.apply(event);
    const initialState = aggregate.toState();
    const text = [...runFileChunks(sampleHeader({ historyStartsAt: initialState.at }), after, { initialState })].join('');
    const result = await loadRecording(fileOf(text));
    expect(result).toMatchObject({ ok: true, recording: { initialState, events: after } });
  });

  it('reads a large file as a stream of chunks, split anywhere, not as one string', async () => {
    const events: ServerEvent[] = Array.from({ length: 20_000 }, (_, i) => ({
      ...SAMPLE_EVENTS['job-queued'],
      at: T0 + i,
      requestId: i + 1,
    }));
    const text = [...runFileChunks(sampleHeader(), events)].join('');
    // 4,093 bytes: chunks end inside lines and inside JSON strings.
    const source = chunkedSource(text, 4_093);
    const result = await loadRecording(source);
    expect(result.ok && result.recording.events.length).toBe(20_000);
    expect(source.reads()).toBeGreaterThan(text.length / 4_093);
  });

  it('stops reading a large file at its first broken line', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => serializeServerEvent({ ...SAMPLE_EVENTS['job-queued'], at: T0 + i }));
    lines[9] = '{"type":"job-teleported","at":1}\n';
    const text = HEADER_LINE + lines.join('');
    const source = chunkedSource(text, 4_096);
    const result = await loadRecording(source);
    expect(result).toEqual({
      ok: false,
      error: 'Could not open big.poolscope.jsonl: line 11: unknown event type "job-teleported"',
      line: 11,
    });
    expect(source.reads()).toBeLessThan(5);
  });

  it.each<[string, string | Uint8Array, number | null, string]>([
    ['is not JSON lines', 'Hello, world!\nThis is a text file.\n', 1, 'line 1: not a Poolscope run (the first line is not JSON)'],
    [
      'is another format',
      '{"format":"chrome-trace","formatVersion":"1.0"}\n',
      1,
      'line 1: not a Poolscope run (format "chrome-trace", expected "poolscope-run")',
    ],
    [
      'is of a newer major version',
      serializeRunFileHeader({ ...sampleHeader(), formatVersion: '2.0' }),
      1,
      'line 1: format version 2.0 is newer than this Poolscope reads (1.x): open it with a newer Poolscope',
    ],
    [
      'has an unknown event type',
      `${HEADER_LINE}${serializeServerEvent(ALL_SAMPLES[0]!)}{"type":"job-teleported","at":${T0}}\n`,
      3,
      'line 3: unknown event type "job-teleported"',
    ],
    ['has a line that is not JSON', `${HEADER_LINE}{"type":\n`, 2, 'line 2: not valid JSON'],
    ['is empty', '', null, 'the file is empty: not a Poolscope run'],
    ['is not UTF-8', new Uint8Array([0xff, 0xfe, 0x00, 0x7b, 0x22, 0x0a]), null, 'not a Poolscope run (the file is not UTF-8 text)'],
  ])('refuses a file that %s, naming the line and the problem', async (_case, content, line, message) => {
    const result = await loadRecording(fileOf(content, 'broken.poolscope.jsonl'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.line).toBe(line);
    expect(result.error.startsWith(`Could not open broken.poolscope.jsonl: ${message}`)).toBe(true);
  });

  it('opens a recording cut off by a crash without its incomplete last line, and says so', async () => {
    const cut = `${GOOD_TEXT}{"type":"job-started","at":${T0 + 999},"requestId":`;
    const lineCount = GOOD_TEXT.split('\n').length;
    const result = await loadRecording(fileOf(cut));
    expect(result.ok && result.recording.events).toEqual(ALL_SAMPLES);
    expect(result.ok && result.recording.notices).toEqual([`the last line (line ${lineCount}) was incomplete and was skipped`]);
  });
});

const idleApi: PoolscopeApi = { ...acceptingCommands, ...unwatchedFrames };

/** Everything in the store but the messages and the recording: what a failed open must leave as it was. */
function restOf(state: AppState): unknown {
  const { commands, recording: _recording, ...rest } = state;
  return JSON.stringify({ ...rest, commands: { ...commands, messages: undefined } });
}

describe("the store's openRunFile", () => {
  it('opens a good file, keeps what the replay needs and says "Loaded <file>: N events over T s"', async () => {
    const store = createAppStore({ api: idleApi });
    await store.getState().recordingActions.openRunFile(fileOf(GOOD_TEXT, 'demo.poolscope.jsonl'));
    const { recording, commands } = store.getState();
    expect(recording.opened).toEqual({
      fileName: 'demo.poolscope.jsonl',
      header: sampleHeader(),
      eventCount: ALL_SAMPLES.length,
      spanMs: ALL_SAMPLES.at(-1)!.at - sampleHeader().historyStartsAt,
    });
    // The events go to the replay, which holds them once; the store keeps only what the page says of the run.
    expect(recording).not.toHaveProperty('recording');
    expect(recording.loadingFileName).toBeNull();
    expect(commands.messages.map((m) => [m.tone, m.text])).toEqual([
      ['info', `Loaded demo.poolscope.jsonl: ${ALL_SAMPLES.length} events over ${SAMPLE_SPAN_TEXT}`],
    ]);
  });

  it('shows a broken file as one error naming the line, and changes nothing else: the open run stays open', async () => {
    const store = createAppStore({ api: idleApi });
    await store.getState().recordingActions.openRunFile(fileOf(GOOD_TEXT, 'good.poolscope.jsonl'));
    const before = store.getState();
    await store.getState().recordingActions.openRunFile(fileOf(`${HEADER_LINE}{"type":"job-teleported","at":1}\n`, 'bad.poolscope.jsonl'));
    const after = store.getState();
    expect(after.commands.messages.map((m) => [m.tone, m.text])).toEqual([
      ['error', 'Could not open bad.poolscope.jsonl: line 2: unknown event type "job-teleported"'],
      ['info', `Loaded good.poolscope.jsonl: ${ALL_SAMPLES.length} events over ${SAMPLE_SPAN_TEXT}`],
    ]);
    expect(after.recording.opened).toBe(before.recording.opened);
    expect(restOf(after)).toBe(restOf(before));
    // A second broken file replaces the first one's refusal.
    await store.getState().recordingActions.openRunFile(fileOf('not a run\n', 'worse.poolscope.jsonl'));
    expect(store.getState().commands.messages.map((m) => m.text)).toEqual([
      'Could not open worse.poolscope.jsonl: line 1: not a Poolscope run (the first line is not JSON)',
      `Loaded good.poolscope.jsonl: ${ALL_SAMPLES.length} events over ${SAMPLE_SPAN_TEXT}`,
    ]);
  });

  it('says what a crashed recording lost, beside the loaded message', async () => {
    const store = createAppStore({ api: idleApi });
    await store.getState().recordingActions.openRunFile(fileOf(`${GOOD_TEXT}{"type":"job-sta`, 'crash.poolscope.jsonl'));
    const texts = store.getState().commands.messages.map((m) => m.text);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/^Loaded crash\.poolscope\.jsonl: \d+ events over/);
    expect(texts[1]).toMatch(/^crash\.poolscope\.jsonl: The last line \(line \d+\) was incomplete and was skipped$/);
  });
});

describe('the message a run opens with', () => {
  it("names the run's length as the replay bar does: milliseconds under a second, never 0.4 s beside 420 ms", () => {
    const opened = { fileName: 'short.poolscope.jsonl', header: sampleHeader(), eventCount: 22 };
    expect(describeOpenedRecording({ ...opened, spanMs: 420 })).toBe('Loaded short.poolscope.jsonl: 22 events over 420 ms');
    expect(describeOpenedRecording({ ...opened, spanMs: 0 })).toBe('Loaded short.poolscope.jsonl: 22 events over 0 ms');
    expect(describeOpenedRecording({ ...opened, spanMs: 12_480 })).toBe('Loaded short.poolscope.jsonl: 22 events over 12.5 s');
    expect(formatRunSpanMs(12_480)).toBe('12.5 s');
  });
});
