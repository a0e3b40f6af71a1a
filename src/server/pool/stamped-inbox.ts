// Messages from worker threads that carry when things happened (on the pool's clock), reported at the end of the
// event-loop turn that read them: in the order of their stamps, and every fact before any job's answer. Node reads
// the threads' ports one after another, so after a busy stretch one thread's whole backlog would come before
// another's; and an answer's own events (its response sent, stamped now) would push the facts after it to now.
// A thread's exit goes through it too, stamped after everything (Infinity): Node emits it after the thread's
// messages, and it must be handled after them.

export class StampedInbox<Item> {
  private items: Item[] = [];
  private isFlushQueued = false;
  /** While a flush reports its facts: the answers they brought, run after. */
  private heldAnswers: Array<() => void> | null = null;

  /**
   * @param atMsOf when the item happened, on the pool's clock
   * @param report handles one item; the answers it gives go through `answer`
   * @param afterFlush runs once a flush has run every answer
   */
  constructor(
    private readonly atMsOf: (item: Item) => number,
    private readonly report: (item: Item) => void,
    private readonly afterFlush: () => void = () => {},
  ) {}

  receive(item: Item): void {
    this.items.push(item);
    if (this.isFlushQueued) return;
    this.isFlushQueued = true;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.isFlushQueued = false;
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    // A stable sort: one thread's items stamped at the same moment keep the order it sent them in.
    items.sort((a, b) => this.atMsOf(a) - this.atMsOf(b));
    const answers: Array<() => void> = [];
    this.heldAnswers = answers;
    try {
      for (const item of items) this.report(item);
    } finally {
      this.heldAnswers = null;
    }
    for (const answer of answers) answer();
    this.afterFlush();
  };

  /** Runs `answer` (a job's outcome handed to its caller) now, or after the facts being reported. */
  answer(answer: () => void): void {
    if (this.heldAnswers === null) answer();
    else this.heldAnswers.push(answer);
  }
}
