// What the page holds of the frames: the last state of each part a frame carries (a full frame replaces
// everything; a later one only the parts it has), the log lines gathered so far and the timeline merged
// from its tails. No clock, no store: the bridge applies frames here and projects from it.

import type { LogLine } from '../../shared/pool-model';
import type {
  ControllerStatus,
  FrameCounters,
  FrameHistory,
  FrameLock,
  FrameMemory,
  FramePace,
  FrameQueue,
  FrameRun,
  FrameStats,
  FrameThreads,
  FrameTimeline,
  FrameWaitingConnections,
  FrameWorker,
  ViewerFrame,
} from '../../shared/wire';
import { MAX_LOG_LINES_SHOWN } from '../store/wire-slice';
import { mergeTimeline } from './frame-timeline';

const EMPTY_COUNTERS: FrameCounters = {
  requestsReceived: 0,
  responsesSent: 0,
  rejected: 0,
  serverErrors: 0,
  openConnections: 0,
  requestsPerSecond: 0,
};

export class HeldFrames {
  /** False until the first frame: the UI shows a placeholder rather than an empty pool. */
  hasFrame = false;
  /** The moment the last frame shows. */
  at = 0;
  isLive = true;
  status: ControllerStatus | null = null;
  workers: FrameWorker[] = [];
  queue: FrameQueue = { length: 0, oldestWaitMs: null, jobs: [] };
  strategy: ViewerFrame['strategy'] = null;
  threads: FrameThreads = { live: 0, peak: 0, startupMedianMs: null };
  lock: FrameLock | null = null;
  waiting: FrameWaitingConnections = { count: 0, connections: [] };
  /** The process's memory as last read; null in a replay (no process) or before the first reading. */
  memory: FrameMemory | null = null;
  counters: FrameCounters = EMPTY_COUNTERS;
  run: ViewerFrame['run'] = { runId: 0, phase: 'stopped', settings: null, listeningAt: null };
  stats: FrameStats | null = null;
  log: LogLine[] = [];
  /** Lines the frames left out so far ("N more"). */
  omittedLogLines = 0;
  timeline: FrameTimeline | null = null;
  runs: FrameRun[] = [];
  history: FrameHistory | null = null;
  /** The live frames' pace as the last frame gave it; null when it was not live (paused, a cursor, a replay). */
  pace: FramePace | null = null;
  /** Bumped by every frame applied. */
  version = 0;
  /** Bumped when the timeline changed. */
  timelineVersion = 0;
  /** Bumped when stats came. */
  statsVersion = 0;

  apply(frame: ViewerFrame): void {
    this.version++;
    this.hasFrame = true;
    this.at = frame.at;
    this.isLive = frame.isLive;
    this.pace = frame.isLive ? (frame.pace ?? null) : null;
    if (frame.status !== undefined) this.status = frame.status;
    this.workers = frame.workers;
    this.queue = frame.queue;
    this.strategy = frame.strategy;
    this.threads = frame.threads;
    this.lock = frame.lock;
    this.waiting = frame.waiting;
    if (frame.isFull) this.memory = null;
    if (frame.memory !== undefined) this.memory = frame.memory;
    this.counters = frame.counters;
    this.run = frame.run;
    if (frame.isFull) {
      this.log = [];
      this.omittedLogLines = 0;
      this.timeline = null;
    }
    if (frame.stats !== undefined) {
      this.stats = frame.stats;
      this.statsVersion++;
    }
    if (frame.log !== undefined) {
      // Lines are only ever appended: keep the newest the store shows.
      this.log = [...this.log, ...frame.log.lines].slice(-MAX_LOG_LINES_SHOWN);
      this.omittedLogLines += frame.log.omittedLineCount;
    }
    if (frame.timeline !== undefined) {
      this.timeline = mergeTimeline(this.timeline, frame.timeline);
      this.timelineVersion++;
    }
    if (frame.runs !== undefined) this.runs = frame.runs;
    if (frame.history !== undefined) this.history = frame.history;
  }
}
