// When one worker of a pool runs far more of its jobs than the others at a high rate: the condition under which the
// workers panel says why (the pool's claim order, src/server/pool/protocol.ts), kept here so a test can state it.

import type { Strategy } from '../../shared/settings';
import type { WorkerView } from '../store/wire-slice';

/** Shares are uneven once the busiest worker runs this many times the pool's mean jobs per second. */
export const UNEVEN_SHARE_RATIO = 1.5;
/**
 * Once said, it is said until the busiest falls under this many times the mean: a share that hovers about
 * UNEVEN_SHARE_RATIO does not make the note come and go with every frame.
 */
export const EVEN_AGAIN_RATIO = 1.3;

export interface UnevenShare {
  /** The worker that runs the most jobs per second. */
  workerId: number;
  /** Its share of the jobs the pool started over the last second, in whole percent. */
  sharePercent: number;
}

/**
 * The busiest worker and its share when the cards show rates (some worker runs a high rate), the pool has two live
 * workers or more, and the busiest runs at least UNEVEN_SHARE_RATIO times their mean (EVEN_AGAIN_RATIO while the
 * note is shown: `isShown`); otherwise null. Only for the 'pool' strategy: the explanation is its ring's (the
 * while-let pool and the others hand out jobs otherwise).
 */
export function unevenShareOf(
  workers: readonly Pick<WorkerView, 'id' | 'phase' | 'jobsPerSecond' | 'isHighRate'>[],
  strategy: Strategy | null,
  isShown = false,
): UnevenShare | null {
  if (strategy !== 'pool') return null;
  let liveCount = 0;
  let totalJobsPerSecond = 0;
  let isAnyHighRate = false;
  let busiest: (typeof workers)[number] | null = null;
  for (const worker of workers) {
    if (worker.phase === 'exited') continue;
    liveCount++;
    totalJobsPerSecond += worker.jobsPerSecond;
    if (worker.isHighRate) isAnyHighRate = true;
    if (busiest === null || worker.jobsPerSecond > busiest.jobsPerSecond) busiest = worker;
  }
  if (!isAnyHighRate || liveCount < 2 || busiest === null) return null;
  const ratio = isShown ? EVEN_AGAIN_RATIO : UNEVEN_SHARE_RATIO;
  if (busiest.jobsPerSecond < (ratio * totalJobsPerSecond) / liveCount) return null;
  return { workerId: busiest.id, sharePercent: Math.round((100 * busiest.jobsPerSecond) / totalJobsPerSecond) };
}
