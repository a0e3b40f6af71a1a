// The queue panel's note on jobs that wait beside idle workers: shown only when the jobs wait for the main thread.

import { describe, expect, it } from 'vitest';
import { isWaitingForMainThread, MAIN_THREAD_WAIT_MIN_MS } from '../src/renderer/components/queue-notes';
import type { WireState } from '../src/renderer/store/wire-slice';

type Reading = Parameters<typeof isWaitingForMainThread>[0];
const worker = (state: WireState['workers'][number]['state']) => ({ state }) as WireState['workers'][number];
const queueBesideIdleWorkers: Reading = {
  queueLength: 480,
  oldestWaitMs: 308,
  strategy: 'pool',
  workers: [worker('idle'), worker('idle'), worker('idle'), worker('idle')],
};

describe('jobs waiting for the main thread', () => {
  it('are said to when jobs have waited a while and every worker of the pool is idle', () => {
    expect(isWaitingForMainThread(queueBesideIdleWorkers)).toBe(true);
    expect(isWaitingForMainThread({ ...queueBesideIdleWorkers, oldestWaitMs: MAIN_THREAD_WAIT_MIN_MS })).toBe(true);
  });

  it.each<[string, Partial<Reading>]>([
    ['a worker is busy: the jobs wait for it', { workers: [worker('busy'), worker('idle')] }],
    ['nothing waits', { queueLength: 0, oldestWaitMs: null }],
    ['the oldest has waited only a hand-over between two drains', { oldestWaitMs: MAIN_THREAD_WAIT_MIN_MS - 1 }],
    ["the while-let pool: its waits are the lock's", { strategy: 'pool-while-let' }],
    ['no pool yet', { workers: [] }],
  ])('are not said to when %s', (_, change) => {
    expect(isWaitingForMainThread({ ...queueBesideIdleWorkers, ...change })).toBe(false);
  });
});
