// The workers of a recorder's state as a frame lists them, for the renderer's timeline tests.

import type { PoolState } from '../../src/history';
import type { FrameWorker } from '../../src/shared/wire';

/** The workers of a state as a frame lists them (rates left at 0: the timeline's tests do not read them). */
export function frameWorkersOf(state: PoolState | null): FrameWorker[] {
  return (state?.workers ?? []).map((worker) => ({
    id: worker.id,
    phase: worker.phase,
    job: null,
    jobsPerSecond: 0,
    utilization: 0,
    recentUtilization: 0,
    jobsDone: worker.jobsDone,
    spawnedAt: worker.spawnedAt,
    replacements: worker.replacements,
  }));
}
