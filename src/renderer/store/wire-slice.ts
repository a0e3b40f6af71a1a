// What the wire says: the controller's status and a per-frame view of the pool aggregate.
// Only the bridge writes this slice (through wireActions.publish); components read it through narrow selectors.

import type { StateCreator } from 'zustand/vanilla';
import type { LogLine, PoolCounters, RequestOrigin, RequestRecord, ServerPhase, WorkerPhase } from '../../shared/pool-model';
import { DEFAULT_SETTINGS } from '../../shared/settings';
import type { ControllerStatus } from '../../shared/wire';
import type { ConnectionState } from '../transport/transport';
import type { AppState } from './app-store';

/** The three states tests and styles key on; the model's finer phase travels beside it. */
export type WorkerDisplayState = 'idle' | 'busy' | 'exited';

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
  busyMsTotal: number;
  spawnedAt: number;
  replacements: number;
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
  /** False until the first snapshot arrives: the UI shows a placeholder rather than an empty pool. */
  hasSnapshot: boolean;
  serverPhase: ServerPhase;
  host: string | null;
  port: number | null;
  workerCount: number;
  sleepMs: number;
  listeningAt: number | null;
  workers: WorkerView[];
  /** The oldest waiting jobs, at most MAX_QUEUE_ITEMS_SHOWN. */
  queue: QueueItemView[];
  queueLength: number;
  /** Jobs waiting plus jobs running: what a graceful stop still has to finish. */
  inFlightJobs: number;
  counters: PoolCounters;
  droppedEvents: number;
  log: LogLine[];
  /** A copy of the request under the pointer or selected in the timeline, or null. */
  inspectedRequest: RequestRecord | null;
  /** Bumped on every publish: lets a canvas tell whether the model moved. */
  modelVersion: number;
}

export function initialWireState(): WireState {
  return {
    status: { phase: 'stopped', url: null, settings: { ...DEFAULT_SETTINGS }, lastError: null },
    connection: 'connecting',
    hasSnapshot: false,
    serverPhase: 'stopped',
    host: null,
    port: null,
    workerCount: 0,
    sleepMs: 0,
    listeningAt: null,
    workers: [],
    queue: [],
    queueLength: 0,
    inFlightJobs: 0,
    counters: { requestsReceived: 0, responsesSent: 0, rejected: 0, serverErrors: 0, openConnections: 0, droppedEvents: 0 },
    droppedEvents: 0,
    log: [],
    inspectedRequest: null,
    modelVersion: 0,
  };
}

export interface WireActions {
  /** The bridge's once-per-frame publish of what it projected from the model (bridge/projections.ts). */
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
