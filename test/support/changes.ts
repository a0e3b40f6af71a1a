// A wake-up for code that waits on a condition over state that changes (events recorded, bytes read, a
// program's output): each change notifies, each waiter re-checks its condition. No polling, no sleeps.

export class Changes {
  private waiters: Array<() => void> = [];

  /** Something changed: every pending wait re-checks its condition. */
  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves at the next notify(). */
  next(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once `predicate` holds, checking it now and after each change (the caller's timeout bounds the wait). */
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await this.next();
  }
}
