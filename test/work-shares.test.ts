// When the workers panel says that one worker runs most of the pool's jobs: at a high rate, under the pool, once the
// busiest runs well above the pool's mean, and until it is clearly even again; not at low rates, not for an even
// share, not for other strategies.

import { describe, expect, it } from 'vitest';
import { HIGH_RATE_JOBS_PER_S } from '../src/renderer/bridge/projections';
import { EVEN_AGAIN_RATIO, UNEVEN_SHARE_RATIO, unevenShareOf } from '../src/renderer/components/work-shares';
import type { WorkerView } from '../src/renderer/store/wire-slice';

type Card = Pick<WorkerView, 'id' | 'phase' | 'jobsPerSecond' | 'isHighRate'>;

/** Cards as the projection makes them from each worker's jobs per second. */
const cardsOf = (jobsPerSecond: readonly number[], phase: WorkerView['phase'] = 'busy'): Card[] =>
  jobsPerSecond.map((rate, id) => ({ id, phase, jobsPerSecond: rate, isHighRate: rate >= HIGH_RATE_JOBS_PER_S }));

describe('uneven shares of the work', () => {
  it('names the busiest worker and its share at 5,000 req/s, where one worker runs most of the short jobs', () => {
    expect(unevenShareOf(cardsOf([2_600, 850, 780, 700]), 'pool')).toEqual({ workerId: 0, sharePercent: 53 });
    // Whichever worker it is.
    expect(unevenShareOf(cardsOf([700, 820, 2_400, 760]), 'pool')).toEqual({ workerId: 2, sharePercent: 51 });
  });

  it('says nothing when the shares are even, or uneven by less than the ratio', () => {
    expect(unevenShareOf(cardsOf([1_250, 1_240, 1_230, 1_260]), 'pool')).toBeNull();
    // Mean 1,000: the busiest just under UNEVEN_SHARE_RATIO times it, then just at it.
    const justUnder = UNEVEN_SHARE_RATIO * 1_000 - 1;
    expect(unevenShareOf(cardsOf([justUnder, 1_000, 1_000, 2_000 - justUnder]), 'pool')).toBeNull();
    const at = UNEVEN_SHARE_RATIO * 1_000;
    expect(unevenShareOf(cardsOf([at, 1_000, 1_000, 2_000 - at]), 'pool')?.workerId).toBe(0);
  });

  it('once shown, stays until the busiest falls under EVEN_AGAIN_RATIO times the mean, so a share near the ratio does not blink', () => {
    // Mean 1,000: the busiest between the two ratios is said only if it was already.
    const between = ((UNEVEN_SHARE_RATIO + EVEN_AGAIN_RATIO) / 2) * 1_000;
    const cards = cardsOf([between, 1_000, 1_000, 2_000 - between]);
    expect(unevenShareOf(cards, 'pool')).toBeNull();
    expect(unevenShareOf(cards, 'pool', true)?.workerId).toBe(0);
    const evenAgain = EVEN_AGAIN_RATIO * 1_000 - 1;
    expect(unevenShareOf(cardsOf([evenAgain, 1_000, 1_000, 2_000 - evenAgain]), 'pool', true)).toBeNull();
  });

  it('says nothing while no card shows a rate: at low rates the cards show the jobs themselves', () => {
    expect(unevenShareOf(cardsOf([HIGH_RATE_JOBS_PER_S - 1, 1, 0, 0]), 'pool')).toBeNull();
    expect(unevenShareOf(cardsOf([0, 0, 0, 0]), 'pool')).toBeNull();
  });

  it('counts only live workers, and says nothing of a pool with one', () => {
    const cards = cardsOf([1_700, 950, 950, 0]);
    // 1,700 is above 1.5 times the mean of four (900), not of three (1,200): an exited worker's 0 does not count.
    expect(unevenShareOf(cards, 'pool')).toEqual({ workerId: 0, sharePercent: 47 });
    expect(unevenShareOf([...cards.slice(0, 3), { ...cards[3]!, phase: 'exited' }], 'pool')).toBeNull();
    expect(unevenShareOf([cards[0]!, ...cardsOf([0, 0, 0], 'exited').map((card, i) => ({ ...card, id: i + 1 }))], 'pool')).toBeNull();
  });

  it("says nothing under the other strategies: the explanation is the pool's ring", () => {
    for (const strategy of ['pool-while-let', 'per-request', 'single', null] as const) {
      expect(unevenShareOf(cardsOf([2_600, 850, 780, 700]), strategy)).toBeNull();
    }
  });
});
