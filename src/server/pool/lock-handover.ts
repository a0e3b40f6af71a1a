// The order in which the `while let` pool reports its lock's handovers: a worker's taking of the lock, and all it
// says after, wait until the previous holder is heard releasing it (or ending). Threads post on ports of their own,
// and a release posted just before the next holder's acquire can be read a turn later; reported as read, the lock
// would have two holders for a moment, and a recording would show it so.

/** What an item says of the lock: taken, released, its thread ended (releasing whatever it held), or nothing. */
export type LockNewsKind = 'acquired' | 'released' | 'ended' | 'other';

export class LockHandoverOrder<Item, Thread> {
  /** The holder as reported so far; null when free. */
  private holder: Thread | null = null;
  /** Items held back, in the order received. */
  private readonly held: Item[] = [];

  constructor(
    private readonly threadOf: (item: Item) => Thread,
    private readonly kindOf: (item: Item) => LockNewsKind,
    private readonly report: (item: Item) => void,
  ) {}

  /** Items held back now. */
  get heldCount(): number {
    return this.held.length;
  }

  /** Reports `item` now, or once the lock it takes has been heard released; a thread's items keep their order. */
  receive(item: Item): void {
    const thread = this.threadOf(item);
    const kind = this.kindOf(item);
    const isHeldBack =
      this.held.some((held) => this.threadOf(held) === thread) || (kind === 'acquired' && this.holder !== null && this.holder !== thread);
    if (isHeldBack) {
      this.held.push(item);
      return;
    }
    if (kind === 'acquired') this.holder = thread;
    else if ((kind === 'released' || kind === 'ended') && this.holder === thread) this.holder = null;
    this.report(item);
    if (this.holder === null && this.held.length > 0) for (const next of this.held.splice(0)) this.receive(next);
  }
}
