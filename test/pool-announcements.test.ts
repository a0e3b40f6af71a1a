// What the workers' live region says and how often: the pool in one sentence, at most one sentence per
// interval however fast the pool changes, and always the latest state in the end. A manual clock drives it.

import { describe, expect, it } from 'vitest';
import { AnnouncementThrottle, MIN_ANNOUNCEMENT_INTERVAL_MS, poolSummary } from '../src/renderer/components/pool-announcements';
import type { WorkerDisplayState, WorkerView } from '../src/renderer/store/wire-slice';

function workers(...states: WorkerDisplayState[]): WorkerView[] {
  return states.map((state, id) => ({
    id,
    phase: state,
    state,
    job: null,
    busySince: null,
    jobsDone: 0,
    spawnedAt: 0,
    replacements: 0,
    jobsPerSecond: 0,
    utilization: 0,
    isHighRate: false,
    holdsLock: false,
  }));
}

describe('poolSummary', () => {
  const pool = { strategy: 'pool', waitingConnectionCount: 0 } as const;

  it('says how many workers are busy and how many jobs wait', () => {
    expect(poolSummary({ workers: workers('busy', 'busy', 'busy', 'busy'), queueLength: 4, ...pool })).toBe(
      '4 of 4 workers busy, 4 jobs waiting',
    );
    expect(poolSummary({ workers: workers('busy', 'idle'), queueLength: 1, ...pool })).toBe('1 of 2 workers busy, 1 job waiting');
    expect(poolSummary({ workers: workers('idle'), queueLength: 0, ...pool })).toBe('0 of 1 worker busy, no jobs waiting');
  });

  it('counts workers joined during a stop, and says so when all are', () => {
    expect(poolSummary({ workers: workers('exited', 'busy'), queueLength: 0, ...pool })).toBe(
      '1 of 2 workers busy, no jobs waiting, 1 exited',
    );
    expect(poolSummary({ workers: workers('exited', 'exited'), queueLength: 0, ...pool })).toBe('All 2 workers exited');
  });

  it("says a single thread's unread connections are what waits: it has no jobs in a channel, and no Worker", () => {
    const single = { strategy: 'single', queueLength: 0 } as const;
    expect(poolSummary({ workers: workers('busy'), waitingConnectionCount: 3, ...single })).toBe(
      'The thread is busy, 3 connections waiting',
    );
    expect(poolSummary({ workers: workers('idle'), waitingConnectionCount: 0, ...single })).toBe(
      'The thread is idle, no connections waiting',
    );
    expect(poolSummary({ workers: workers('exited'), waitingConnectionCount: 0, ...single })).toBe('The thread exited');
  });

  it("names a thread per request's threads as threads", () => {
    const perRequest = { strategy: 'per-request', waitingConnectionCount: 0 } as const;
    expect(poolSummary({ workers: workers('busy', 'busy', 'idle'), queueLength: 1, ...perRequest })).toBe(
      '2 of 3 threads busy, 1 job waiting',
    );
    expect(poolSummary({ workers: workers('exited', 'exited'), queueLength: 0, ...perRequest })).toBe('All 2 threads exited');
  });

  it('has nothing to say before there is a pool', () => {
    expect(poolSummary({ workers: [], queueLength: 0, ...pool })).toBeNull();
  });
});

/** A clock and timers that move only when the test says. */
class ManualClock {
  nowMs = 0;
  private timers: Array<{ at: number; callback: () => void }> = [];
  readonly now = () => this.nowMs;
  readonly setTimer = (callback: () => void, delayMs: number) => {
    const timer = { at: this.nowMs + delayMs, callback };
    this.timers.push(timer);
    return timer;
  };
  readonly clearTimer = (timer: unknown) => {
    this.timers = this.timers.filter((t) => t !== timer);
  };
  get pendingTimers(): number {
    return this.timers.length;
  }
  advance(ms: number): void {
    this.nowMs += ms;
    const due = this.timers.filter((t) => t.at <= this.nowMs);
    this.timers = this.timers.filter((t) => t.at > this.nowMs);
    for (const timer of due) timer.callback();
  }
}

function setup(): { clock: ManualClock; said: string[]; throttle: AnnouncementThrottle } {
  const clock = new ManualClock();
  const said: string[] = [];
  const throttle = new AnnouncementThrottle({ announce: (text) => said.push(text), ...clock });
  return { clock, said, throttle };
}

describe('AnnouncementThrottle', () => {
  it('says the first summary at once', () => {
    const { said, throttle } = setup();
    throttle.offer('0 of 4 workers busy, no jobs waiting');
    expect(said).toEqual(['0 of 4 workers busy, no jobs waiting']);
  });

  it('turns a burst of changes within one interval into one summary of the latest state, said when the interval ends', () => {
    const { clock, said, throttle } = setup();
    throttle.offer('0 of 4 workers busy, no jobs waiting');
    for (let busy = 1; busy <= 4; busy++) {
      clock.advance(50);
      throttle.offer(`${busy} of 4 workers busy, no jobs waiting`);
    }
    clock.advance(50);
    throttle.offer('4 of 4 workers busy, 4 jobs waiting');
    expect(said).toHaveLength(1);
    clock.advance(MIN_ANNOUNCEMENT_INTERVAL_MS - 251);
    expect(said).toHaveLength(1);
    clock.advance(1);
    expect(said).toEqual(['0 of 4 workers busy, no jobs waiting', '4 of 4 workers busy, 4 jobs waiting']);
  });

  it('never says more than one summary per interval under constant change', () => {
    const { clock, said, throttle } = setup();
    for (let step = 0; step < 600; step++) {
      throttle.offer(`${step % 5} of 4 workers busy, ${step} jobs waiting`);
      clock.advance(50);
    }
    expect(said.length).toBeLessThanOrEqual(Math.ceil((600 * 50) / MIN_ANNOUNCEMENT_INTERVAL_MS) + 1);
    expect(said.length).toBeGreaterThanOrEqual(Math.floor((600 * 50) / MIN_ANNOUNCEMENT_INTERVAL_MS));
  });

  it('says nothing when the state returned to what was last said, or when there is nothing to say', () => {
    const { clock, said, throttle } = setup();
    throttle.offer('0 of 4 workers busy, no jobs waiting');
    clock.advance(100);
    throttle.offer('1 of 4 workers busy, no jobs waiting');
    clock.advance(100);
    throttle.offer('0 of 4 workers busy, no jobs waiting');
    clock.advance(MIN_ANNOUNCEMENT_INTERVAL_MS);
    throttle.offer(null);
    clock.advance(MIN_ANNOUNCEMENT_INTERVAL_MS);
    expect(said).toEqual(['0 of 4 workers busy, no jobs waiting']);
  });

  it('says a change at once when the last summary is older than the interval', () => {
    const { clock, said, throttle } = setup();
    throttle.offer('0 of 4 workers busy, no jobs waiting');
    clock.advance(MIN_ANNOUNCEMENT_INTERVAL_MS + 10);
    throttle.offer('2 of 4 workers busy, no jobs waiting');
    expect(said).toEqual(['0 of 4 workers busy, no jobs waiting', '2 of 4 workers busy, no jobs waiting']);
  });

  it('says nothing more once disposed', () => {
    const { clock, said, throttle } = setup();
    throttle.offer('0 of 4 workers busy, no jobs waiting');
    throttle.offer('4 of 4 workers busy, no jobs waiting');
    throttle.dispose();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(MIN_ANNOUNCEMENT_INTERVAL_MS * 2);
    expect(said).toEqual(['0 of 4 workers busy, no jobs waiting']);
  });
});
