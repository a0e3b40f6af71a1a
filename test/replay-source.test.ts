// The replay source (src/renderer/replay/replay-source.ts): a cursor over a recording on the frame path. A frame
// at a cursor is what a live viewer was sent at that moment; stepping goes from one event's moment to the next;
// playing moves the cursor at its speed and stops at the end; frames are paced by acks; a recording is prepared in
// steps that give the page a turn.

import { build as buildHistogram } from 'hdr-histogram-js/dist/HistogramBuilder.js';
import { describe, expect, it } from 'vitest';
import { EventHistory, LiveStats, ViewerFrames } from '../src/history';
import { savedRunChunks, snapshotHistory } from '../src/history/saved-run';
import { loadRecording, type Recording } from '../src/renderer/recording/load-recording';
import { type ReplayClock, ReplaySource } from '../src/renderer/replay/replay-source';
import type { ServerEvent } from '../src/shared/events';
import { DEFAULT_SETTINGS } from '../src/shared/settings';
import type { ViewerFrame, ViewerView } from '../src/shared/wire';
import { burstCutMidway, sampleHeader } from './support/sample-events';
import { simulateRun } from './support/simulated-run';

const START_AT = 1_700_000_000_000;

/** The book's burst: 8 sleepers of 5 s on 4 workers, then two quick GET /. */
const BURST: ServerEvent[] = simulateRun({
  workerCount: 4,
  startAt: START_AT,
  jobs: [...Array.from({ length: 8 }, () => ({ gapMs: 1, runMs: 5_000, path: '/sleep' })), { gapMs: 2_000, runMs: 2, path: '/' }],
});
const LISTENING_AT = BURST.find((e) => e.type === 'server-listening')!.at;

function recordingOf(events: ServerEvent[]): Recording {
  return { fileName: 'burst.poolscope.jsonl', header: sampleHeader({ historyStartsAt: START_AT - 1 }), events, notices: [] };
}

/** A clock the test moves by hand; timers run when it passes their time. */
class ManualClock implements ReplayClock {
  private nowMs = 0;
  private timers = new Map<number, { at: number; callback: () => void }>();
  private nextId = 1;

  now(): number {
    return this.nowMs;
  }

  setTimer(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.nowMs + delayMs, callback });
    return id;
  }

  clearTimer(timer: unknown): void {
    this.timers.delete(timer as number);
  }

  /** Moves the clock on by `ms`, running each timer that comes due in time order. */
  advance(ms: number): void {
    const until = this.nowMs + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.nowMs = Math.max(this.nowMs, due[1].at);
      due[1].callback();
    }
    this.nowMs = until;
  }
}

function liveView(overrides: Partial<ViewerView> = {}): ViewerView {
  return { id: 1, windowMs: 30_000, plotWidthPx: 600, paused: false, cursor: 'live', ...overrides };
}

const newHistogram = () =>
  buildHistogram({ useWebAssembly: false, numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, autoResize: true });

/** What a live viewer was sent at `at`: a recorder that had seen the events up to then, and a page that opened then. */
function liveFrameAt(events: ServerEvent[], at: number): ViewerFrame {
  const history = new EventHistory({ startAt: START_AT - 1 });
  for (const event of events) if (event.at <= at) history.append(event);
  const frames = new ViewerFrames(history);
  frames.setView(liveView());
  const stats = new LiveStats(history, newHistogram);
  stats.catchUp();
  return frames.build({
    now: at,
    status: null,
    stats: { version: stats.version, read: (shownAt, state) => stats.summary(shownAt, state) },
    maxAgeMs: 600_000,
    maxEvents: 500_000,
  })!;
}

/** A replay with one watcher that acks every frame at once; the frames it got. */
async function watchedReplay(events: ServerEvent[]) {
  const clock = new ManualClock();
  const replay = await ReplaySource.prepare(recordingOf(events), { clock });
  const frames: ViewerFrame[] = [];
  const subscription = replay.watch(liveView(), (frame) => {
    frames.push(frame);
    subscription.ack(frame.seq);
  });
  clock.advance(0);
  return { clock, replay, frames, subscription, last: () => frames.at(-1)! };
}

/** The parts of a frame that show the pool (not the frame's own numbering or the history's bounds). */
function shownParts(frame: ViewerFrame) {
  return {
    at: frame.at,
    workers: frame.workers,
    queue: frame.queue,
    counters: frame.counters,
    run: frame.run,
    stats: frame.stats,
    log: frame.log?.lines,
    timeline: frame.timeline,
    runs: frame.runs,
  };
}

describe('a replay at a cursor', () => {
  it('shows exactly what a live viewer was sent at that moment: workers, queue, counters, stats, log, timeline', async () => {
    const { clock, replay, last } = await watchedReplay(BURST);
    for (const at of [LISTENING_AT + 1_500, LISTENING_AT + 5_000.5, LISTENING_AT + 7_000]) {
      replay.seek(at);
      clock.advance(0);
      expect(last().isFull).toBe(true);
      expect(shownParts(last())).toEqual(shownParts(liveFrameAt(BURST, at)));
    }
  });

  it('during the burst shows 4 busy workers and 4 queued jobs, and the empty pool before it', async () => {
    const { clock, replay, last } = await watchedReplay(BURST);
    replay.seek(LISTENING_AT + 1_500);
    clock.advance(0);
    expect(last().workers.filter((w) => w.phase === 'busy')).toHaveLength(4);
    expect(last().queue.length).toBe(4);
    replay.seek(replay.startAt);
    clock.advance(0);
    expect(last().workers).toEqual([]);
    expect(last().queue.length).toBe(0);
  });

  it('answers details on demand as known at the cursor', async () => {
    const { clock, replay } = await watchedReplay(BURST);
    replay.seek(LISTENING_AT + 1_500);
    clock.advance(0);
    const result = await replay.query({ kind: 'request', requestId: 1 });
    expect(result).toMatchObject({ ok: true, kind: 'request', request: { id: 1, target: '/sleep' } });
    const lane = await replay.query({ kind: 'requests-in', track: 'queue', fromAt: LISTENING_AT, toAt: LISTENING_AT + 1_500, limit: 50 });
    expect(lane.ok && lane.kind === 'requests-in' && lane.requests.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('a replay of a saved history that had dropped its start', () => {
  it('shows at its first moment the workers busy and the jobs waiting as they were, and runs on from there', async () => {
    // Saved live: the history kept only the second half of the burst, its two sleepers' starts dropped.
    const { before, after } = burstCutMidway();
    const saved = new EventHistory({ maxEvents: after.length, startAt: START_AT - 1 });
    for (const event of [...before, ...after]) saved.append(event);
    expect(saved.evictedCount).toBe(before.length);
    const text = [
      ...savedRunChunks(
        snapshotHistory(saved, { app: { name: 'Poolscope', version: '0.1.0' }, settings: DEFAULT_SETTINGS, now: after.at(-1)!.at }),
      ),
    ].join('');

    // Opened as the page opens a file, and replayed.
    const loaded = await loadRecording(new File([text], 'cut.poolscope.jsonl'));
    if (!loaded.ok) throw new Error(loaded.error);
    const clock = new ManualClock();
    const replay = await ReplaySource.prepare(loaded.recording, { clock });
    const frames: ViewerFrame[] = [];
    const subscription = replay.watch(liveView(), (frame) => {
      frames.push(frame);
      subscription.ack(frame.seq);
    });
    clock.advance(0);

    // Its first moment is the history's start, and the pool there is the one a viewer from the beginning saw.
    const firstAt = before.at(-1)!.at;
    expect(replay.startAt).toBe(firstAt);
    const first = frames.at(-1)!;
    expect(first.at).toBe(firstAt);
    expect(first.workers.map((w) => [w.id, w.phase, w.job?.requestId, w.job?.startedAt])).toEqual([
      [0, 'busy', 1, before.find((e) => e.type === 'job-started' && e.requestId === 1)!.at],
      [1, 'busy', 2, before.find((e) => e.type === 'job-started' && e.requestId === 2)!.at],
    ]);
    const watchedFromStart = liveFrameAt([...before, ...after], firstAt);
    expect(first.workers.map((w) => [w.id, w.phase, w.job])).toEqual(watchedFromStart.workers.map((w) => [w.id, w.phase, w.job]));
    expect(first.queue).toEqual(watchedFromStart.queue);
    expect(first.queue.length).toBe(2);

    // The first events in the file finish those jobs and start the waiting ones.
    const thirdStarted = after.find((e) => e.type === 'job-started' && e.requestId === 3)!;
    replay.seek(thirdStarted.at);
    clock.advance(0);
    expect(frames.at(-1)!.workers.map((w) => [w.phase, w.job?.requestId])).toEqual([
      ['busy', 3],
      ['busy', 2],
    ]);
    expect(frames.at(-1)!.queue.length).toBe(1);
  });
});

describe('stepping', () => {
  it('goes to the next and the previous moment an event happened, and stays at the ends', async () => {
    const { clock, replay, last } = await watchedReplay(BURST);
    const times = [...new Set(BURST.map((e) => e.at))];
    expect(replay.position.cursorAt).toBe(START_AT - 1);
    for (const at of times.slice(0, 5)) {
      replay.stepNext();
      expect(replay.position.cursorAt).toBe(at);
    }
    clock.advance(0);
    // The frame shows the moment stepped to, that event included.
    expect(last().at).toBe(times[4]);
    replay.stepPrevious();
    expect(replay.position.cursorAt).toBe(times[3]);
    replay.seek(replay.endAt);
    replay.stepNext();
    expect(replay.position.cursorAt).toBe(replay.endAt);
    replay.seek(times[0]!);
    replay.stepPrevious();
    expect(replay.position.cursorAt).toBe(replay.startAt);
  });

  it('from a moment between events, goes to the events on either side', async () => {
    const { replay } = await watchedReplay(BURST);
    const jobFinished = BURST.find((e) => e.type === 'job-finished')!;
    const before = BURST.filter((e) => e.at < jobFinished.at).at(-1)!;
    replay.seek((before.at + jobFinished.at) / 2);
    replay.stepNext();
    expect(replay.position.cursorAt).toBe(jobFinished.at);
    replay.seek((before.at + jobFinished.at) / 2);
    replay.stepPrevious();
    expect(replay.position.cursorAt).toBe(before.at);
  });
});

describe('playing', () => {
  it('moves the cursor by the time passed times the speed, and stops at the end of the recording', async () => {
    const { clock, replay, frames } = await watchedReplay(BURST);
    replay.seek(LISTENING_AT);
    replay.play();
    clock.advance(1_000);
    expect(replay.position.cursorAt).toBeCloseTo(LISTENING_AT + 1_000, 6);
    replay.setSpeed(16);
    clock.advance(100);
    expect(replay.position.cursorAt).toBeCloseTo(LISTENING_AT + 1_000 + 1_600, 6);
    replay.setSpeed(0.25);
    clock.advance(400);
    expect(replay.position.cursorAt).toBeCloseTo(LISTENING_AT + 2_700, 6);
    replay.pause();
    clock.advance(5_000);
    expect(replay.position).toMatchObject({ isPlaying: false, speed: 0.25 });
    expect(replay.position.cursorAt).toBeCloseTo(LISTENING_AT + 2_700, 6);

    replay.setSpeed(4);
    replay.play();
    clock.advance(60_000);
    expect(replay.position).toMatchObject({ isPlaying: false, cursorAt: replay.endAt });
    // While it played, frames came paced by the acks and the interval, each one moving on from the last.
    const played = frames.filter((f) => f.at > LISTENING_AT && !f.isFull);
    expect(played.length).toBeGreaterThan(10);
    for (let i = 1; i < played.length; i++) expect(played[i]!.at).toBeGreaterThanOrEqual(played[i - 1]!.at);
    expect(frames.at(-1)!.at).toBe(replay.endAt);
  });

  it('sends no further frame until the one in flight is acked', async () => {
    const clock = new ManualClock();
    const replay = await ReplaySource.prepare(recordingOf(BURST), { clock });
    const frames: ViewerFrame[] = [];
    const subscription = replay.watch(liveView(), (frame) => frames.push(frame));
    clock.advance(0);
    replay.play();
    clock.advance(1_000);
    expect(frames).toHaveLength(1);
    subscription.ack(frames[0]!.seq);
    clock.advance(100);
    expect(frames.length).toBeGreaterThan(1);
    subscription.close();
    replay.dispose();
  });
  it('coalesces a scrub: the seeks made while a frame is in flight become one whole frame, at the last cursor', async () => {
    const clock = new ManualClock();
    const replay = await ReplaySource.prepare(recordingOf(BURST), { clock });
    const frames: ViewerFrame[] = [];
    const subscription = replay.watch(liveView(), (frame) => frames.push(frame));
    clock.advance(0);
    expect(frames).toHaveLength(1);
    // A drag: many input events before the page's next paint acks the frame it holds.
    for (let ms = 100; ms <= 3_000; ms += 100) {
      replay.seek(LISTENING_AT + ms);
      clock.advance(1);
    }
    expect(frames).toHaveLength(1);
    subscription.ack(frames[0]!.seq);
    clock.advance(0);
    expect(frames).toHaveLength(2);
    expect(frames[1]).toMatchObject({ isFull: true, at: LISTENING_AT + 3_000 });
    subscription.ack(frames[1]!.seq);
    clock.advance(100);
    // Standing still: nothing more to send.
    expect(frames).toHaveLength(2);
    subscription.close();
    replay.dispose();
  });
});

describe('preparing a recording', () => {
  it('appends the events in steps, saying how far it got and giving the page a turn between steps', async () => {
    const progress: number[] = [];
    let turns = 0;
    const replay = await ReplaySource.prepare(recordingOf(BURST), {
      eventsPerStep: 10,
      onProgress: (fraction) => progress.push(fraction),
      yieldToPage: async () => {
        turns++;
      },
    });
    expect(replay.eventCount).toBe(BURST.length);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toHaveLength(Math.ceil(BURST.length / 10));
    expect(turns).toBe(progress.length - 1);
    expect(replay.endAt).toBe(BURST.at(-1)!.at);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const preparing = ReplaySource.prepare(recordingOf(BURST), {
      eventsPerStep: 10,
      signal: controller.signal,
      yieldToPage: async () => controller.abort(),
    });
    await expect(preparing).rejects.toThrow('closed before it was ready');
  });
});
