// A replay: a cursor over a recording, served on the same frame path as live. It implements the API the page
// watches live (PoolscopeApi's watch and query: watch a view, get frames, ack them; details on demand), from a flight recorder
// (EventHistory) holding the whole recording and the same ViewerFrames and LiveStats the main side builds live
// frames with — so every panel shows the state at the cursor through the code live uses. Its present is the
// cursor: it stands still, or moves at a speed while playing; a seek moves it anywhere. Frames are paced as
// live: one unacknowledged at a time, at most one per REPLAY_FRAME_INTERVAL_MS while playing.
// DOM-free: the clock and the timers are passed in, so tests drive it under plain Node.

import type { Histogram } from 'hdr-histogram-js';
// The builder alone: the package's main entry also loads its log encoder, which the page never needs.
import { build } from 'hdr-histogram-js/dist/HistogramBuilder.js';
import { answerQuery, EventHistory, LiveStats, ViewerFrames } from '../../history';
import type { ServerEvent } from '../../shared/events';
import type { PoolState } from '../../shared/pool-state';
import type { RunFileHeader } from '../../shared/run-file';
import {
  type FrameSubscription,
  type PoolscopeApi,
  type QueryResult,
  REPLAY_FRAME_INTERVAL_MS,
  type ViewerFrame,
  type ViewerQuery,
  type ViewerView,
} from '../../shared/wire';
import type { Recording } from '../recording/load-recording';
import { REPLAY_SPEEDS, type ReplayPosition, type ReplaySpeed } from './replay-position';

/** Events appended to the history per step while a recording is prepared; the page gets a turn between steps. */
export const PREPARE_EVENTS_PER_STEP = 20_000;
/**
 * The stats panel's numbers count every request of the run up to the cursor: after a seek back they are read again
 * from the run's beginning, and after a jump forward on to the cursor. They are read for at most this long per
 * frame while the cursor is being moved, so a scrub stays smooth, and for up to STATS_BUDGET_MS_AT_REST once it
 * rests; frames follow one another until they reach the cursor, and only then carry them.
 */
export const STATS_BUDGET_MS_WHILE_SCRUBBING = 2;
export const STATS_BUDGET_MS_AT_REST = 16;
/** The cursor counts as being moved this long after a seek. */
const SCRUBBING_MS = 250;
/** Events the stats read between two looks at the clock. */
const STATS_EVENTS_PER_STEP = 500;
/** Events closer than this (ms) count as one moment: the cursor at an event shows it (as in ViewerFrames). */
const SAME_MOMENT_MS = 0.001;

function newHistogram(): Histogram {
  return build({ useWebAssembly: false, numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, autoResize: true });
}

export interface ReplayClock {
  /** Monotonic ms (performance.now in the page): playing moves the cursor by the time passed, times the speed. */
  now(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(timer: unknown): void;
}

export const SYSTEM_REPLAY_CLOCK: ReplayClock = {
  now: () => performance.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};

export interface PrepareOptions {
  /** Called after each step with the share of events appended, 0–1. */
  onProgress?(fraction: number): void;
  /** Gives the page a turn between steps (a macrotask in the page); resolves when it may go on. */
  yieldToPage?(): Promise<void>;
  /** Stops preparing (a newer recording was opened, or the person went back to live). */
  signal?: AbortSignal;
  clock?: ReplayClock;
  eventsPerStep?: number;
}

interface Watcher {
  readonly frames: ViewerFrames;
  readonly listener: (frame: ViewerFrame) => void;
  /** The frame sent and not acked yet. */
  inFlightSeq: number | null;
  /** The cursor moved (or the view changed) since the last frame: one is due even while standing still. */
  isDue: boolean;
  /** Monotonic ms of the last frame sent. */
  sentAt: number;
  timer: unknown;
  stats: LiveStats | null;
  /** Bumped whenever the numbers the stats would show changed (another LiveStats, or more read). */
  statsVersion: number;
  statsSeen: { stats: LiveStats | null; version: number };
  isClosed: boolean;
}

export class ReplaySource implements Pick<PoolscopeApi, 'watch' | 'query'> {
  readonly startAt: number;
  readonly endAt: number;
  private cursorAt: number;
  /** While playing: the cursor and the clock when it last moved; the present is cursor + (clock − then) · speed. */
  private playingSince: number | null = null;
  private playSpeed: ReplaySpeed = 1;
  private readonly watchers = new Set<Watcher>();
  private readonly positionListeners = new Set<(position: ReplayPosition) => void>();
  private endTimer: unknown = null;
  /** Monotonic ms of the last seek (a scrub is a run of seeks). */
  private lastSeekAt = Number.NEGATIVE_INFINITY;

  /** Prepares a replay of `recording`: its events into a history in steps, giving the page a turn between them. */
  static async prepare(recording: Recording, options: PrepareOptions = {}): Promise<ReplaySource> {
    const { events, header } = recording;
    const history = new EventHistory({
      // A file holds the whole recording: nothing leaves it.
      maxAgeMs: Number.POSITIVE_INFINITY,
      maxEvents: Math.max(1, events.length),
      startAt: Math.min(header.historyStartsAt, events[0]?.at ?? header.historyStartsAt),
      // A saved history that had dropped older events starts with workers busy and jobs waiting: the file's
      // initial state says so, and the replay starts from it rather than from an idle pool.
      initialState: recording.initialState ?? undefined,
    });
    const step = Math.max(1, options.eventsPerStep ?? PREPARE_EVENTS_PER_STEP);
    for (let from = 0; from < events.length; from += step) {
      if (options.signal?.aborted) throw new DOMException('The replay was closed before it was ready', 'AbortError');
      const to = Math.min(events.length, from + step);
      for (let i = from; i < to; i++) history.append(events[i]!);
      options.onProgress?.(to / events.length);
      if (to < events.length) await options.yieldToPage?.();
    }
    if (options.signal?.aborted) throw new DOMException('The replay was closed before it was ready', 'AbortError');
    return new ReplaySource(history, recording, options.clock ?? SYSTEM_REPLAY_CLOCK);
  }

  /** The file's header and initial state: with events(), what an export of the run needs. */
  readonly header: RunFileHeader;
  readonly initialState: PoolState | null;

  private constructor(
    private readonly history: EventHistory,
    recording: Recording,
    private readonly clock: ReplayClock,
  ) {
    // The history holds the events from here on; the recording's own array is not kept, so a long run is held once.
    const { events } = recording;
    this.header = recording.header;
    this.initialState = recording.initialState ?? null;
    this.startAt = history.knownFromAt;
    this.endAt = Math.max(this.startAt, events.at(-1)?.at ?? this.startAt);
    this.cursorAt = this.startAt;
  }

  /** Events in the recording. */
  get eventCount(): number {
    return this.history.eventCount;
  }

  /** Every event of the recording, in order, read back from the history. */
  events(): Iterable<ServerEvent> {
    return this.history.events();
  }

  /** The replay's present: the cursor, moving while playing. */
  now(): number {
    if (this.playingSince === null) return this.cursorAt;
    return Math.min(this.endAt, this.cursorAt + (this.clock.now() - this.playingSince) * this.playSpeed);
  }

  get position(): ReplayPosition {
    return { startAt: this.startAt, endAt: this.endAt, cursorAt: this.now(), isPlaying: this.playingSince !== null, speed: this.playSpeed };
  }

  /** Told whenever play, pause, speed or a seek changed the position (not for each step of playing). */
  onPositionChange(listener: (position: ReplayPosition) => void): () => void {
    this.positionListeners.add(listener);
    return () => this.positionListeners.delete(listener);
  }

  // ── moving the cursor ──────────────────────────────────────────────────────

  /** Plays from the cursor (from the start when it stands at the end). */
  play(): void {
    if (this.playingSince !== null) return;
    if (this.cursorAt >= this.endAt) this.moveTo(this.startAt);
    this.playingSince = this.clock.now();
    this.scheduleEnd();
    for (const watcher of this.watchers) this.due(watcher, false);
    this.positionChanged();
  }

  pause(): void {
    if (this.playingSince === null) return;
    this.cursorAt = this.now();
    this.playingSince = null;
    this.clearEnd();
    for (const watcher of this.watchers) this.due(watcher, false);
    this.positionChanged();
  }

  setSpeed(speed: ReplaySpeed): void {
    if (!REPLAY_SPEEDS.includes(speed) || speed === this.playSpeed) return;
    // The cursor keeps its place: only what follows moves faster or slower.
    if (this.playingSince !== null) {
      this.cursorAt = this.now();
      this.playingSince = this.clock.now();
    }
    this.playSpeed = speed;
    this.scheduleEnd();
    this.positionChanged();
  }

  /** Moves the cursor to `at` (clamped to the recording); playing goes on from there. */
  seek(at: number): void {
    if (!Number.isFinite(at)) return;
    this.lastSeekAt = this.clock.now();
    this.moveTo(at);
    this.positionChanged();
  }

  /** To the next moment something happened after the cursor (the end when nothing did). */
  stepNext(): void {
    this.pause();
    const seq = this.history.seqAtOrAfter(this.cursorAt + SAME_MOMENT_MS);
    this.seek(this.eventAt(seq) ?? this.endAt);
  }

  /** To the last moment something happened before the cursor (the start when nothing did). */
  stepPrevious(): void {
    this.pause();
    const seq = this.history.seqAtOrAfter(this.cursorAt - SAME_MOMENT_MS) - 1;
    this.seek(seq >= this.history.oldestSeq ? (this.eventAt(seq) ?? this.startAt) : this.startAt);
  }

  private eventAt(seq: number): number | null {
    let at: number | null = null;
    if (seq < this.history.nextSeq) this.history.readEvents(seq, 1, (event) => (at = event.at));
    return at;
  }

  private moveTo(at: number): void {
    this.cursorAt = Math.max(this.startAt, Math.min(this.endAt, at));
    if (this.playingSince !== null) this.playingSince = this.clock.now();
    this.scheduleEnd();
    // A jump shows the state there at once, whole: a frame replaces everything the page holds.
    for (const watcher of this.watchers) this.due(watcher, true);
  }

  /** Playing stops at the end of the recording. */
  private scheduleEnd(): void {
    this.clearEnd();
    if (this.playingSince === null) return;
    const leftMs = (this.endAt - this.now()) / this.playSpeed;
    this.endTimer = this.clock.setTimer(
      () => {
        this.endTimer = null;
        if (this.playingSince === null) return;
        if (this.now() < this.endAt) return this.scheduleEnd();
        this.cursorAt = this.endAt;
        this.playingSince = null;
        for (const watcher of this.watchers) this.due(watcher, false);
        this.positionChanged();
      },
      Math.max(0, leftMs),
    );
  }

  private clearEnd(): void {
    if (this.endTimer !== null) this.clock.clearTimer(this.endTimer);
    this.endTimer = null;
  }

  private positionChanged(): void {
    const position = this.position;
    for (const listener of this.positionListeners) listener(position);
  }

  // ── the frame path ─────────────────────────────────────────────────────────

  watch(view: ViewerView, listener: (frame: ViewerFrame) => void): FrameSubscription {
    const watcher: Watcher = {
      frames: new ViewerFrames(this.history),
      listener,
      inFlightSeq: null,
      isDue: true,
      sentAt: Number.NEGATIVE_INFINITY,
      timer: null,
      stats: null,
      statsVersion: 0,
      statsSeen: { stats: null, version: -1 },
      isClosed: false,
    };
    watcher.frames.setView(view);
    this.watchers.add(watcher);
    this.schedule(watcher, 0);
    return {
      setView: (next) => {
        watcher.frames.setView(next);
        this.due(watcher, false);
      },
      ack: (seq) => {
        if (watcher.inFlightSeq === null || seq < watcher.inFlightSeq) return;
        watcher.inFlightSeq = null;
        if (watcher.isDue) this.schedule(watcher, 0);
        else if (this.playingSince !== null) this.schedule(watcher, watcher.sentAt + REPLAY_FRAME_INTERVAL_MS - this.clock.now());
      },
      close: () => {
        watcher.isClosed = true;
        if (watcher.timer !== null) this.clock.clearTimer(watcher.timer);
        this.watchers.delete(watcher);
      },
    };
  }

  query(query: ViewerQuery): Promise<QueryResult> {
    const watcher = this.watchers.values().next().value;
    const viewAt = watcher?.frames.currentView ? watcher.frames.momentOf(this.now()) : this.now();
    return Promise.resolve(answerQuery(this.history, query, viewAt));
  }

  /** Stops playing and every watcher's frames. */
  dispose(): void {
    this.playingSince = null;
    this.clearEnd();
    for (const watcher of [...this.watchers]) {
      if (watcher.timer !== null) this.clock.clearTimer(watcher.timer);
      watcher.isClosed = true;
    }
    this.watchers.clear();
    this.positionListeners.clear();
  }

  /** Something the watcher shows changed: a frame as soon as none is in flight (a whole one after a jump). */
  private due(watcher: Watcher, isJump: boolean): void {
    if (isJump) watcher.frames.resync();
    watcher.isDue = true;
    if (watcher.inFlightSeq === null) this.schedule(watcher, 0);
  }

  private schedule(watcher: Watcher, delayMs: number): void {
    if (watcher.timer !== null) this.clock.clearTimer(watcher.timer);
    watcher.timer = this.clock.setTimer(() => this.sendFrame(watcher), Math.max(0, delayMs));
  }

  private sendFrame(watcher: Watcher): void {
    watcher.timer = null;
    if (watcher.isClosed || watcher.inFlightSeq !== null) return;
    const now = this.now();
    const at = watcher.frames.momentOf(now);
    const endSeq = this.history.seqAtOrAfter(at + SAME_MOMENT_MS);
    const stats = this.statsAt(watcher, at, endSeq);
    const isCaughtUp = stats.isCaughtUpTo(endSeq);
    const frame = watcher.frames.build({
      now,
      status: null,
      // Numbers counted only part of the way to the cursor are not shown: the panel keeps the last whole ones.
      stats: isCaughtUp ? { version: watcher.statsVersion, read: (shownAt, state) => stats.summary(shownAt, state) } : null,
      maxAgeMs: Number.POSITIVE_INFINITY,
      maxEvents: this.history.eventCount,
    });
    // Another frame follows until the stats reach the cursor.
    watcher.isDue = !isCaughtUp;
    if (frame === null) {
      if (watcher.isDue) this.schedule(watcher, REPLAY_FRAME_INTERVAL_MS);
      return;
    }
    watcher.inFlightSeq = frame.seq;
    watcher.sentAt = this.clock.now();
    watcher.listener(frame);
  }

  /**
   * The stats at the watcher's moment, read on from where they were (or again from the run's start after a seek
   * back) within the frame's budget.
   */
  private statsAt(watcher: Watcher, at: number, endSeq: number): LiveStats {
    let stats = watcher.stats;
    if (stats === null || stats.readSeq > endSeq || !stats.isRunOf(at)) {
      stats = new LiveStats(this.history, newHistogram, at);
      watcher.stats = stats;
    }
    const startedAt = this.clock.now();
    const budgetMs = startedAt - this.lastSeekAt < SCRUBBING_MS ? STATS_BUDGET_MS_WHILE_SCRUBBING : STATS_BUDGET_MS_AT_REST;
    do stats.catchUp(STATS_EVENTS_PER_STEP, endSeq);
    while (!stats.isCaughtUpTo(endSeq) && this.clock.now() - startedAt < budgetMs);
    const seen = watcher.statsSeen;
    if (seen.stats !== stats || seen.version !== stats.version) {
      watcher.statsSeen = { stats, version: stats.version };
      watcher.statsVersion++;
    }
    return stats;
  }
}
