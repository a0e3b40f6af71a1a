// What screen readers hear about the pool without looking: one short summary of the workers and the
// queue ("4 of 4 workers busy, 4 jobs waiting"), said at most once every few seconds however fast the
// pool changes, and always ending on the latest state. DOM-free: the clock and timers are injected.

import { threadNounOf } from '../../shared/pool-model';
import type { WireState } from '../store/wire-slice';
import { formatCount, pluralize } from './format';

/** A burst changes the pool many times a second; a listener hears at most one summary this often. */
export const MIN_ANNOUNCEMENT_INTERVAL_MS = 3_000;

/**
 * The pool in one sentence, or null before there is a pool to speak of. What waits under a single thread is
 * connections, unread (it has no channel of jobs).
 */
export function poolSummary(wire: Pick<WireState, 'workers' | 'queueLength' | 'strategy' | 'waitingConnectionCount'>): string | null {
  const workerCount = wire.workers.length;
  if (workerCount === 0) return null;
  let busy = 0;
  let exited = 0;
  let lockWaiters = 0;
  for (const worker of wire.workers) {
    if (worker.state === 'busy') busy++;
    else if (worker.state === 'exited') exited++;
    else if (worker.state === 'waiting-for-lock') lockWaiters++;
  }
  // Named as the cards name them: the book's Worker only where there is a pool.
  const thread = threadNounOf(wire.strategy);
  const isOneThread = wire.strategy === 'single' && workerCount === 1;
  if (exited === workerCount) return isOneThread ? 'The thread exited' : `All ${pluralize(workerCount, thread)} exited`;
  const [count, noun] = wire.strategy === 'single' ? [wire.waitingConnectionCount, 'connection'] : [wire.queueLength, 'job'];
  const waiting = count === 0 ? `no ${noun}s waiting` : `${pluralize(count, noun)} waiting`;
  if (isOneThread) return `The thread is ${busy === 1 ? 'busy' : 'idle'}, ${waiting}`;
  const gone = exited > 0 ? `, ${formatCount(exited)} exited` : '';
  const blocked = lockWaiters > 0 ? `, ${formatCount(lockWaiters)} waiting for the lock` : '';
  return `${formatCount(busy)} of ${pluralize(workerCount, thread)} busy${blocked}, ${waiting}${gone}`;
}

export interface AnnouncementThrottleOptions {
  /** Called with each summary to say (the live region's new text). */
  announce(text: string): void;
  minIntervalMs?: number;
  now?: () => number;
  setTimer?: (callback: () => void, delayMs: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

/**
 * Says a new summary at once when nothing was said for minIntervalMs, else once that interval is over,
 * then only the latest of the summaries offered meanwhile. Never says the same words twice in a row.
 */
export class AnnouncementThrottle {
  private lastText: string | null = null;
  private lastAt = -Infinity;
  private latest: string | null = null;
  private timer: unknown = null;
  private readonly minIntervalMs: number;
  private readonly now: () => number;
  private readonly setTimer: (callback: () => void, delayMs: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;

  constructor(private readonly options: AnnouncementThrottleOptions) {
    this.minIntervalMs = options.minIntervalMs ?? MIN_ANNOUNCEMENT_INTERVAL_MS;
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? ((callback, delayMs) => setTimeout(callback, delayMs));
    this.clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  }

  /** The state now; null (nothing to say) is never announced. */
  offer(text: string | null): void {
    this.latest = text;
    if (this.timer !== null) return;
    const waitMs = this.lastAt + this.minIntervalMs - this.now();
    if (waitMs <= 0) this.sayLatest();
    else if (this.hasNews()) this.timer = this.setTimer(() => this.onTimer(), waitMs);
  }

  dispose(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }

  private onTimer(): void {
    this.timer = null;
    this.sayLatest();
  }

  private hasNews(): boolean {
    return this.latest !== null && this.latest !== this.lastText;
  }

  private sayLatest(): void {
    if (!this.hasNews()) return;
    this.lastText = this.latest;
    this.lastAt = this.now();
    this.options.announce(this.latest!);
  }
}
