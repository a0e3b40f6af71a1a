// The pool's queue of jobs waiting for a worker: first in, first out over a growable ring, each job with the
// time it was queued, and the deadline that follows from it. Every job gets the same maximum wait, so
// deadlines come in queue order: only the head's ever needs watching. Plain data: no timers, no events;
// ThreadPool decides when to look.

/** FIFO over a growable ring buffer: push and shift are O(1), unlike Array#shift. */
export class RingQueue<T> {
  private items: (T | undefined)[] = new Array(16);
  private head = 0;
  length = 0;

  push(item: T): void {
    if (this.length === this.items.length) this.grow();
    this.items[(this.head + this.length) % this.items.length] = item;
    this.length++;
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.length--;
    return item;
  }

  /** The oldest item, left in place. */
  peek(): T | undefined {
    return this.length === 0 ? undefined : this.items[this.head];
  }

  /** The item `index` places from the head (0: the oldest). */
  at(index: number): T | undefined {
    return index < 0 || index >= this.length ? undefined : this.items[(this.head + index) % this.items.length];
  }

  /** O(n); only for rare paths (a crashed idle worker). */
  remove(item: T): void {
    const kept: T[] = [];
    for (let next = this.shift(); next !== undefined; next = this.shift()) if (next !== item) kept.push(next);
    for (const k of kept) this.push(k);
  }

  private grow(): void {
    const items: (T | undefined)[] = new Array(this.items.length * 2);
    for (let i = 0; i < this.length; i++) items[i] = this.items[(this.head + i) % this.items.length];
    this.items = items;
    this.head = 0;
  }
}

/** What the queue needs of a job: when it was queued (performance.now() ms on the main thread). */
export interface Waiting {
  readonly enqueuedAtMs: number;
}

/** Means "no deadline": a job waits as long as it takes. */
export const NO_MAX_WAIT = Infinity;

/**
 * The jobs waiting for a worker, oldest first. A job that has waited `maxWaitMs` is overdue; since every job
 * waits under the same limit, the overdue ones are always at the head.
 */
export class JobQueue<T extends Waiting> extends RingQueue<T> {
  constructor(readonly maxWaitMs: number = NO_MAX_WAIT) {
    super();
  }

  /** The head, left in place, when it has waited maxWaitMs by `nowMs`; else undefined. */
  overdueHead(nowMs: number): T | undefined {
    const head = this.peek();
    return head !== undefined && nowMs - head.enqueuedAtMs >= this.maxWaitMs ? head : undefined;
  }

  /** When the head becomes overdue (performance.now() ms); Infinity when the queue is empty or waits have no limit. */
  nextDeadlineAtMs(): number {
    const head = this.peek();
    return head === undefined ? Infinity : head.enqueuedAtMs + this.maxWaitMs;
  }
}
