// The seam between the recorder (event-history.ts) and the queries it answers (timeline.ts, details.ts):
// what a query may read of the recorder's stores. Internal to src/history.

import type { StopReason } from '../shared/events';
import type { BucketStore } from './bucket-store';
import type { ConnectionWaits } from './connection-waits';
import type { EventLog } from './event-log';
import type { PoolAggregate, RunSettings } from './pool-state';
import type { RequestTable, RowIndex } from './request-table';

/** Waits of at least these lengths are also indexed on their own, so visible waits are found without scanning short ones. */
export const WAIT_CLASS_THRESHOLDS_MS = [1, 10, 100, 1_000] as const;

/** One server run: from its first worker spawned to its stop. Runs are numbered from 1 in a history. */
export interface RunInfo {
  runId: number;
  startedAt: number;
  /** null until it listens (or when the history began after it did and was not told). */
  listeningAt: number | null;
  settings: RunSettings | null;
  /** null unless a graceful stop began. */
  stoppingAt: number | null;
  stopReason: StopReason | null;
  /** null while the run goes on. */
  stoppedAt: number | null;
}

export type MarkerKind =
  | 'server-started' // the run's first worker spawned
  | 'server-listening'
  | 'stop-requested' // server-stopping: Stop clicked, a signal, take(N), or an error (see stopReason)
  | 'worker-stopping' // graceful shutdown is about to join this worker
  | 'worker-joined' // the worker exited after shutdown
  | 'worker-crashed'
  | 'worker-replaced'
  | 'server-stopped';

/** A moment on the timeline worth a mark. */
export interface TimelineMarker {
  at: number;
  kind: MarkerKind;
  runId: number;
  /** The worker, for worker-* kinds; otherwise null. */
  workerId: number | null;
  /** Why the server began to stop, for stop-requested; otherwise null. */
  stopReason: StopReason | null;
  /** The thread's exit code, for worker-joined and worker-crashed; otherwise null. */
  exitCode: number | null;
}

export interface RunRecord extends RunInfo {
  /** Sequence number of the run's first request row. */
  firstRow: number;
}

export interface HistoryParts {
  readonly log: EventLog;
  readonly table: RequestTable;
  readonly buckets: BucketStore;
  /** Per worker id: its jobs in start order. */
  readonly laneIndexes: ReadonlyArray<RowIndex | undefined>;
  /** Every job that left the queue (for a worker, or abandoned), in that order: its row's leftQueueAt grows along it. */
  readonly dequeued: RowIndex;
  /** Per WAIT_CLASS_THRESHOLDS_MS: the jobs that waited at least that long, in the order they left the queue. */
  readonly waitClasses: readonly RowIndex[];
  /** Strategy 'single': the connections that waited, unread, for the one thread (those waiting now are in the state). */
  readonly connectionWaits: ConnectionWaits;
  /** Oldest first; bounded. */
  readonly markers: () => readonly TimelineMarker[];
  /** Oldest first; bounded. */
  readonly runs: () => readonly RunRecord[];
  /**
   * The pool as it was at `at`, every event at or before `at` applied (only those before it when
   * `isExclusive`): the live aggregate itself when that is every event (read it, never change it), else a
   * fresh one rebuilt from a checkpoint. null when the history does not reach back to `at`.
   */
  aggregateAt(at: number, isExclusive?: boolean): PoolAggregate | null;
  /** The oldest event's time; null while the history holds none. */
  firstAt(): number | null;
  /** The newest event's (effective) time; -Infinity while none was ever appended. */
  lastAt(): number;
  /** The earliest time the state is known for. */
  knownFromAt(): number;
  /** When recording began: nothing at all is known before it. */
  recordingStartAt(): number;
  /** The live queue's length and since when it has had it (the open stretch the buckets do not hold yet). */
  openQueueSegment(): { length: number; sinceAt: number };
  /** The row of a request of a run, or -1. */
  rowOf(runId: number, requestId: number): number;
}
