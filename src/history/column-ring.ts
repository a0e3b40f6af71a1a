// A ring of rows stored column by column in typed arrays: the storage under the event log, the request
// table, the lane indexes and the time buckets. Rows are numbered by a sequence number that only grows;
// the ring grows by doubling up to its maximum capacity, then the owner must shift() before push().

export type Column = Float64Array | Int32Array | Uint32Array | Int8Array | Uint8Array;
export type Columns = Record<string, Column>;

/** Row slots per column, from the capacity: a column may hold `stride` values per row. */
export type ColumnFactory<C extends Columns> = (capacity: number) => C;

export class ColumnRing<C extends Columns> {
  /** Replaced when the ring grows: never keep a reference across push(). */
  columns: C;
  capacity: number;
  /** Rows held. */
  length = 0;
  /** Sequence number of the oldest row held; rows are firstSeq … firstSeq + length - 1. */
  firstSeq = 0;
  private head = 0;

  constructor(
    private readonly make: ColumnFactory<C>,
    initialCapacity: number,
    private maxRows: number,
  ) {
    const maxCapacity = maxRows;
    if (!(maxCapacity >= 1)) throw new RangeError(`a ring needs room for at least one row (got ${maxCapacity})`);
    this.capacity = Math.max(1, Math.min(initialCapacity, maxCapacity));
    this.columns = make(this.capacity);
  }

  get maxCapacity(): number {
    return this.maxRows;
  }

  /**
   * A new bound (the history's settings changed). The owner shifts rows out first: the ring never drops rows
   * itself. A smaller bound gives the memory back at once.
   */
  setMaxCapacity(maxCapacity: number): void {
    if (!(maxCapacity >= 1)) throw new RangeError(`a ring needs room for at least one row (got ${maxCapacity})`);
    if (this.length > maxCapacity) throw new RangeError(`the ring holds ${this.length} rows: shift() down to ${maxCapacity} first`);
    this.maxRows = maxCapacity;
    if (this.capacity > maxCapacity) this.grow(maxCapacity);
  }

  /** Sequence number the next push() gets. */
  get nextSeq(): number {
    return this.firstSeq + this.length;
  }

  get isFull(): boolean {
    return this.length >= this.maxRows;
  }

  /** Whether a row with this sequence number is held. */
  holds(seq: number): boolean {
    return seq >= this.firstSeq && seq < this.firstSeq + this.length;
  }

  /** The slot (index into each column, times its stride) of a held row. */
  slotOf(seq: number): number {
    const slot = this.head + (seq - this.firstSeq);
    return slot >= this.capacity ? slot - this.capacity : slot;
  }

  /** Appends a row (columns keep whatever the slot held before: the caller writes every field) and returns its slot. */
  push(): number {
    if (this.length === this.capacity) {
      if (this.capacity >= this.maxRows) throw new RangeError('ColumnRing is full: shift() before push()');
      this.grow(Math.min(this.capacity * 2, this.maxRows));
    }
    const slot = this.slotOf(this.firstSeq + this.length);
    this.length++;
    return slot;
  }

  /** Drops the oldest row. */
  shift(): void {
    if (this.length === 0) return;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    this.length--;
    this.firstSeq++;
  }

  /** Drops every row; sequence numbers go on from where they were. */
  clear(): void {
    this.firstSeq += this.length;
    this.length = 0;
    this.head = 0;
  }

  /** Bytes held by the columns (allocated, not only used). */
  get byteLength(): number {
    let bytes = 0;
    for (const key in this.columns) bytes += this.columns[key]!.byteLength;
    return bytes;
  }

  private grow(capacity: number): void {
    const next = this.make(capacity);
    const tail = Math.min(this.length, this.capacity - this.head);
    for (const key in this.columns) {
      const from = this.columns[key]!;
      const to = next[key]!;
      const stride = from.length / this.capacity;
      // Unwrap: the rows from head to the end of the old array, then the ones that wrapped to its start.
      to.set(from.subarray(this.head * stride, (this.head + tail) * stride), 0);
      to.set(from.subarray(0, (this.length - tail) * stride), tail * stride);
    }
    this.columns = next;
    this.capacity = capacity;
    this.head = 0;
  }
}

/**
 * The first sequence number in [lo, hi) whose key is not less than `key` (hi when none is), for rows whose
 * key never decreases with the sequence number. O(log n).
 */
export function lowerBound(lo: number, hi: number, key: number, keyOf: (seq: number) => number): number {
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (keyOf(mid) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first sequence number in [lo, hi) whose key is greater than `key` (hi when none is). O(log n). */
export function upperBound(lo: number, hi: number, key: number, keyOf: (seq: number) => number): number {
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (keyOf(mid) <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
