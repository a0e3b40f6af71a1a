// What the wire says: the controller's status and the pool as the last frame showed it, with the details
// asked for on demand. Only the bridge writes this slice (through wireActions.publish); components read it
// through narrow selectors.

import type { StateCreator } from 'zustand/vanilla';
import type { LogLine, PoolCounters, RequestOrigin, ServerPhase, WorkerPhase } from '../../shared/pool-model';
import { DEFAULT_SETTINGS, type ServerSettings, type Strategy } from '../../shared/settings';
import type { ControllerStatus, FramePace, QueriedRequest } from '../../shared/wire';
import type { ConnectionState } from '../transport/transport';
import type { AppState } from './app-store';

/** The states tests and styles key on ('waiting-for-lock': strategy 'pool-while-let'); the model's finer phase travels beside it. */
export type WorkerDisplayState = 'idle' | 'busy' | 'exited' | 'waiting-for-lock';

export interface RunningJobView {
  requestId: number;
  method: string;
  target: string;
  origin: RequestOrigin;
}

export interface WorkerView {
  id: number;
  phase: WorkerPhase;
  state: WorkerDisplayState;
  job: RunningJobView | null;
  busySince: number | null;
  jobsDone: number;
  spawnedAt: number;
  replacements: number;
  /** Jobs started per second over the last second. */
  jobsPerSecond: number;
  /** Fraction of the last second it ran jobs, 0–1. */
  utilization: number;
  /**
   * Jobs come and go faster than a card can show them: the card shows the rate and the utilization, and a
   * job only once it has run long enough to be seen (SEEN_JOB_MIN_MS).
   */
  isHighRate: boolean;
  /** Strategy 'pool-while-let': it holds the queue's lock (while it waits for a job, or for its whole job). */
  holdsLock: boolean;
}

/** Strategy 'pool-while-let': the queue's lock as the last frame showed it. */
export interface LockView {
  /** null while free. */
  holderId: number | null;
  heldSince: number | null;
  /** Workers blocked on it, in the order they began to wait. */
  waiterIds: number[];
}

/** The threads that run requests, and the process's memory. */
export interface ThreadStatsView {
  live: number;
  peak: number;
  /** Whole ms; null until a request thread started ('per-request' only). */
  startupMedianMs: number | null;
  /** The process's resident memory; null when not known (a replay). */
  rssBytes: number | null;
}

/** Strategy 'single': a connection accepted and not yet read. */
export interface WaitingConnectionView {
  connectionId: number;
  remoteAddress: string;
  remotePort: number;
  /** When it was accepted (epoch ms). */
  since: number;
}

/** A lane's stretch of the timeline whose jobs are asked for (a hovered or pinned bucket). */
export interface BucketRef {
  workerId: number;
  fromAt: number;
  toAt: number;
}

/** The requests behind a bucket, as the flight recorder answered. */
export interface BucketRequests {
  bucket: BucketRef;
  /** null while the answer is on its way. */
  requests: QueriedRequest[] | null;
  /** How many the history holds in it. */
  total: number;
  isPartlyBeforeHistory: boolean;
  error: string | null;
}

export interface QueueItemView {
  requestId: number;
  method: string;
  target: string;
  origin: RequestOrigin;
  /** When the job joined the queue (epoch ms); falls back to receivedAt. */
  queuedAt: number;
}

/** Queue items kept in the store (and so in the DOM); the rest are counted. */
export const MAX_QUEUE_ITEMS_SHOWN = 200;
/** Log lines kept in the store; the model keeps more. */
export const MAX_LOG_LINES_SHOWN = 200;

export interface WireState {
  status: ControllerStatus;
  connection: ConnectionState;
  /** False until the first frame arrives: the UI shows a placeholder rather than an empty pool. */
  hasSnapshot: boolean;
  serverPhase: ServerPhase;
  /** The lanes the run shown has from its start: its pool's size, 1 for the single thread, 0 for a thread per request. */
  workerCount: number;
  listeningAt: number | null;
  /**
   * The settings of the run shown: live, the running server's (or its last one's); in a replay, the recorded run's at
   * the cursor. Null before any run listened.
   */
  runSettings: ServerSettings | null;
  /** How the shown run serves requests; null before any run listened. */
  strategy: Strategy | null;
  workers: WorkerView[];
  /** Strategy 'pool-while-let' only; null otherwise. */
  lock: LockView | null;
  threads: ThreadStatsView;
  /** Strategy 'single': the connections waiting for the one thread (the oldest MAX_FRAME_WAITING_CONNECTIONS), oldest first. */
  waitingConnections: WaitingConnectionView[];
  waitingConnectionCount: number;
  /** The oldest waiting jobs, at most MAX_QUEUE_ITEMS_SHOWN. */
  queue: QueueItemView[];
  queueLength: number;
  /** How long the oldest waiting job had waited at the last frame; null when none waits. */
  oldestWaitMs: number | null;
  /** When the last frame was taken (the server's clock, which is this machine's). */
  frameAt: number;
  /** Jobs come and go faster than a list can show them: the queue shows its length and oldest wait. */
  isHighRate: boolean;
  /** Jobs waiting plus jobs running: what a graceful stop still has to finish. */
  inFlightJobs: number;
  counters: PoolCounters;
  /** Old events the flight recorder dropped to stay within its bounds (--history-s, --history-events). */
  droppedEvents: number;
  log: LogLine[];
  /** Lines the frames left out since the last full one, when they came faster than a frame carries them. */
  omittedLogLines: number;
  /** The request under the pointer or selected in the timeline, as the history knows it, or null. */
  inspectedRequest: QueriedRequest | null;
  /** The requests of the bucket under the pointer or pinned, or null. */
  bucketRequests: BucketRequests | null;
  /** Where the event history starts, once it has dropped older events; null while it holds all of the app's life. */
  historyStartAt: number | null;
  /** The history's bounds (--history-s and --history-events, or as last set); null before the first frame. */
  historyMaxAgeMs: number | null;
  historyMaxEvents: number | null;
  /**
   * How often live frames come and why ('normal', 'busy', 'saturated': the server's main thread has no slack, so the
   * view updates less often to leave it the CPU); null while the view is not live.
   */
  framePace: FramePace['reason'] | null;
  framePaceIntervalMs: number | null;
  /** Bumped on every frame applied: lets a canvas tell whether the data moved. */
  modelVersion: number;
}

export function initialWireState(): WireState {
  return {
    status: { phase: 'stopped', url: null, settings: { ...DEFAULT_SETTINGS }, lastError: null },
    connection: 'connecting',
    hasSnapshot: false,
    serverPhase: 'stopped',
    workerCount: 0,
    listeningAt: null,
    runSettings: null,
    strategy: null,
    workers: [],
    lock: null,
    threads: { live: 0, peak: 0, startupMedianMs: null, rssBytes: null },
    waitingConnections: [],
    waitingConnectionCount: 0,
    queue: [],
    queueLength: 0,
    oldestWaitMs: null,
    frameAt: 0,
    isHighRate: false,
    inFlightJobs: 0,
    counters: { requestsReceived: 0, responsesSent: 0, rejected: 0, serverErrors: 0, openConnections: 0 },
    droppedEvents: 0,
    log: [],
    omittedLogLines: 0,
    inspectedRequest: null,
    bucketRequests: null,
    historyStartAt: null,
    historyMaxAgeMs: null,
    historyMaxEvents: null,
    framePace: null,
    framePaceIntervalMs: null,
    modelVersion: 0,
  };
}

export interface WireActions {
  /** The bridge's once-per-paint publish of what it projected from the frames (bridge/projections.ts). */
  publish(wire: WireState): void;
}

export interface WireSlice {
  wire: WireState;
  wireActions: WireActions;
}

export const createWireSlice: StateCreator<AppState, [], [], WireSlice> = (set, get) => ({
  wire: initialWireState(),
  wireActions: {
    publish(wire) {
      if (wire !== get().wire) set({ wire });
    },
  },
});
