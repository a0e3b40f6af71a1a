// When jobs wait while every worker is idle, why: a reading of the live view's frame that the queue panel puts
// into words, so a queue beside idle workers is not read as the pool's fault. Pure: it reads the store's wire state.

import type { WireState } from '../store/wire-slice';

/**
 * A job handed to a free worker waits well under a millisecond; one that has waited this long beside idle workers
 * is waiting for the main thread (a drain between two frames at a light load never lasts this long).
 */
export const MAIN_THREAD_WAIT_MIN_MS = 20;

/**
 * Jobs wait, yet every worker of the pool is idle, the oldest for MAIN_THREAD_WAIT_MIN_MS or more: the jobs wait for
 * the main thread, not for a worker. A worker that has run out of jobs sleeps until the main thread hands it the next
 * (waking it at the end of an event-loop turn, and learning of each job's start and end when it drains the workers'
 * results); with no time to spare, its turns are long, so jobs sit in the queue with the workers asleep. Only for
 * the `pool` strategy: the other strategies' waits mean their own things (a lock, a thread's start-up, unread
 * connections).
 */
export function isWaitingForMainThread(wire: Pick<WireState, 'queueLength' | 'oldestWaitMs' | 'strategy' | 'workers'>): boolean {
  return (
    wire.queueLength > 0 &&
    wire.oldestWaitMs !== null &&
    wire.oldestWaitMs >= MAIN_THREAD_WAIT_MIN_MS &&
    wire.strategy === 'pool' &&
    wire.workers.length > 0 &&
    wire.workers.every((worker) => worker.state === 'idle')
  );
}

export const MAIN_THREAD_BOUND_WORDS =
  'Every worker is idle, yet jobs wait: they wait for the server’s main thread, which hands each job to a worker and ' +
  'has no time to spare (it accepts, reads and answers every connection, runs a load started from this page too, and ' +
  'on a busy machine waits for a core). More workers would not help here: the main thread is the bottleneck.';
