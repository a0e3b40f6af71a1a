// Workers as a frame lists them, for the renderer's tests: an idle one to adjust, or a recorder state's; and a
// whole frame of a listening server with no worker, no job and no count, for tests about what else a frame carries.

import type { PoolState } from '../../src/history';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import type { FrameWorker, ViewerFrame } from '../../src/shared/wire';

/** A frame's worker `id`, idle with no job and no rates, spawned at `spawnedAt`, with `overrides` on top. */
export function frameWorker(id: number, spawnedAt: number, overrides: Partial<FrameWorker> = {}): FrameWorker {
  return {
    id,
    phase: 'idle',
    job: null,
    jobsPerSecond: 0,
    utilization: 0,
    recentUtilization: 0,
    jobsDone: 0,
    spawnedAt,
    replacements: 0,
    ...overrides,
  };
}

/** The workers of a state as a frame lists them (rates left at 0: the timeline's tests do not read them). */
export function frameWorkersOf(state: PoolState | null): FrameWorker[] {
  return (state?.workers ?? []).map((worker) =>
    frameWorker(worker.id, worker.spawnedAt, { phase: worker.phase, jobsDone: worker.jobsDone, replacements: worker.replacements }),
  );
}

/** A frame's strategy parts for a pool with no lock, no waiting connection and `live` threads. */
export function framePoolParts(live = 4): Pick<ViewerFrame, 'strategy' | 'threads' | 'lock' | 'waiting'> {
  return { strategy: 'pool', threads: { live, peak: live, startupMedianMs: null }, lock: null, waiting: { count: 0, connections: [] } };
}

/** Frame `seq` (full when it is the first) of run 1 listening since `at` with nothing in it, `overrides` on top. */
export function quietFrame(seq: number, at: number, overrides: Partial<ViewerFrame> = {}): ViewerFrame {
  return {
    kind: 'frame',
    seq,
    viewId: 1,
    sentAt: at,
    at,
    isLive: true,
    isFull: seq === 1,
    workers: [],
    queue: { length: 0, oldestWaitMs: null, jobs: [] },
    counters: { requestsReceived: 0, responsesSent: 0, rejected: 0, serverErrors: 0, openConnections: 0, requestsPerSecond: 0 },
    run: { runId: 1, phase: 'listening', settings: { ...DEFAULT_SETTINGS }, listeningAt: at },
    ...framePoolParts(0),
    ...overrides,
  };
}
