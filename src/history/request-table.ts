// One row per request in the event history (its times, worker, status, class), built as its events are
// appended, and the indexes the timeline and details on demand search: per worker lane the jobs in start
// order, and the queue's jobs in the order they left it (for a worker, or abandoned). Columnar like the event log; a row lives exactly
// as long as the request's first event stays in the history.

import { JOB_ABANDON_REASONS, type JobAbandonReason } from '../shared/events';
import type { RequestOrigin, RequestRecord } from '../shared/pool-model';
import { pathOf } from '../shared/pool-model';
import type { FinishedRequest } from '../shared/request-stats';
import { ROUTE_CLASSES } from './classify';
import { ColumnRing, lowerBound, upperBound } from './column-ring';
import type { EventLog } from './event-log';

const F_HAS_RECEIVED = 1;
const F_BURST = 2;
const F_LOAD = 4;
const ROUTE_SHIFT = 3;

const ORIGIN_FLAGS: Readonly<Record<RequestOrigin, number>> = { burst: F_BURST, load: F_LOAD, external: 0 };

function originOfFlags(flags: number): RequestOrigin {
  return flags & F_BURST ? 'burst' : flags & F_LOAD ? 'load' : 'external';
}

function makeRowColumns(capacity: number) {
  return {
    requestId: new Float64Array(capacity),
    /** Sequence number of the request's first event (request-received, or request-rejected for a request never understood). */
    firstEventSeq: new Float64Array(capacity),
    /** NaN when the server did not answer it itself. */
    rejectedEventSeq: new Float64Array(capacity),
    receivedAt: new Float64Array(capacity),
    // NaN while a time is not known yet.
    queuedAt: new Float64Array(capacity),
    startedAt: new Float64Array(capacity),
    /** When its job left the queue: a worker took it (= startedAt), or it was abandoned (job-abandoned). */
    leftQueueAt: new Float64Array(capacity),
    finishedAt: new Float64Array(capacity),
    sentAt: new Float64Array(capacity),
    waitMs: new Float64Array(capacity),
    runMs: new Float64Array(capacity),
    bytes: new Float64Array(capacity),
    status: new Float64Array(capacity),
    runId: new Int32Array(capacity),
    /** -1 until a worker takes the job. */
    workerId: new Int32Array(capacity),
    /** 0 unless its job was abandoned; else 1 + the reason's index in JOB_ABANDON_REASONS. */
    abandonReason: new Uint8Array(capacity),
    flags: new Uint8Array(capacity),
  };
}
type RowColumns = ReturnType<typeof makeRowColumns>;

/** A request as the history knows it: today's RequestRecord plus the server run it belongs to. */
export interface RecordedRequest extends RequestRecord {
  /** Request ids start again at 1 with every server run; (runId, id) names a request. */
  runId: number;
}

const ROW_INITIAL_CAPACITY = 1024;
const INDEX_INITIAL_CAPACITY = 256;

/** A time as known at `now`: NaN when it came later. (A function of the module: record() runs for every response a viewer's stats count.) */
function knownAt(at: number, now: number): number {
  return at <= now ? at : Number.NaN;
}

function nullIfNaN(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

export class RequestTable {
  readonly rows: ColumnRing<RowColumns>;

  constructor(maxRows: number) {
    this.rows = new ColumnRing(makeRowColumns, ROW_INITIAL_CAPACITY, maxRows);
  }

  get approximateBytes(): number {
    return this.rows.byteLength;
  }

  /** A new bound on the rows (the history's maxEvents changed); evictBefore() down to it first. */
  setMaxRows(maxRows: number): void {
    this.rows.setMaxCapacity(maxRows);
  }

  /** A new row; returns its sequence number. The caller makes room first (evictBefore). */
  add(
    requestId: number,
    runId: number,
    firstEventSeq: number,
    at: number,
    hasReceived: boolean,
    routeCode: number,
    origin: RequestOrigin,
  ): number {
    const slot = this.rows.push();
    const c = this.rows.columns;
    c.requestId[slot] = requestId;
    c.firstEventSeq[slot] = firstEventSeq;
    c.rejectedEventSeq[slot] = Number.NaN;
    c.receivedAt[slot] = at;
    c.queuedAt[slot] = Number.NaN;
    c.startedAt[slot] = Number.NaN;
    c.leftQueueAt[slot] = Number.NaN;
    c.finishedAt[slot] = Number.NaN;
    c.sentAt[slot] = Number.NaN;
    c.waitMs[slot] = Number.NaN;
    c.runMs[slot] = Number.NaN;
    c.bytes[slot] = Number.NaN;
    c.status[slot] = Number.NaN;
    c.runId[slot] = runId;
    c.workerId[slot] = -1;
    c.abandonReason[slot] = 0;
    c.flags[slot] = (hasReceived ? F_HAS_RECEIVED : 0) | ORIGIN_FLAGS[origin] | (routeCode << ROUTE_SHIFT);
    return this.rows.nextSeq - 1;
  }

  /** Drops the rows whose first event is older than `firstEventSeq`. */
  evictBefore(firstEventSeq: number): void {
    const rows = this.rows;
    while (rows.length > 0 && rows.columns.firstEventSeq[rows.slotOf(rows.firstSeq)]! < firstEventSeq) rows.shift();
  }

  /**
   * The row of request `requestId` among the rows from `fromRow` on (one run's rows, which are in id order);
   * -1 when it is not held. O(1) when the run's ids are dense, as the server makes them, or dense from the request on
   * to the newest row; O(log n) otherwise.
   */
  find(requestId: number, fromRow: number, toRow = this.rows.nextSeq): number {
    const rows = this.rows;
    const lo = Math.max(fromRow, rows.firstSeq);
    const hi = Math.min(toRow, rows.nextSeq);
    if (lo >= hi) return -1;
    const ids = rows.columns.requestId;
    // Counted back from the newest row first: the live events are for the newest requests, and this finds them in O(1)
    // even where older ids have gaps (a recorder that missed a stretch of requests); then from the oldest.
    const fromNewest = hi - 1 - (ids[rows.slotOf(hi - 1)]! - requestId);
    if (fromNewest >= lo && fromNewest < hi && ids[rows.slotOf(fromNewest)] === requestId) return fromNewest;
    const guess = lo + (requestId - ids[rows.slotOf(lo)]!);
    if (guess >= lo && guess < hi && ids[rows.slotOf(guess)] === requestId) return guess;
    return this.search(requestId, lo, hi);
  }

  /** find() when the ids are not dense: a binary search, kept apart so the fast path allocates no closure. */
  private search(requestId: number, lo: number, hi: number): number {
    const rows = this.rows;
    const row = lowerBound(lo, hi, requestId, (seq) => rows.columns.requestId[rows.slotOf(seq)]!);
    return row < hi && rows.columns.requestId[rows.slotOf(row)] === requestId ? row : -1;
  }

  /** Column values of a held row: read through `c` at `slot`. */
  slotOf(row: number): number {
    return this.rows.slotOf(row);
  }

  get columns(): RowColumns {
    return this.rows.columns;
  }

  holds(row: number): boolean {
    return this.rows.holds(row);
  }

  /** Records that the row's job left the queue without running (job-abandoned). */
  abandon(row: number, at: number, reason: JobAbandonReason, waitMs: number): void {
    const slot = this.rows.slotOf(row);
    const c = this.rows.columns;
    c.leftQueueAt[slot] = at;
    c.waitMs[slot] = waitMs;
    c.abandonReason[slot] = 1 + JOB_ABANDON_REASONS.indexOf(reason);
  }

  /** Why the job of a held row was abandoned; null when it was not (or not yet at `now`). */
  abandonReasonOf(slot: number, now = Number.POSITIVE_INFINITY): JobAbandonReason | null {
    const c = this.rows.columns;
    const code = c.abandonReason[slot]!;
    return code === 0 || !(c.leftQueueAt[slot]! <= now) ? null : JOB_ABANDON_REASONS[code - 1]!;
  }

  routeCodeOf(slot: number): number {
    return this.rows.columns.flags[slot]! >> ROUTE_SHIFT;
  }

  isBurst(slot: number): boolean {
    return (this.rows.columns.flags[slot]! & F_BURST) !== 0;
  }

  originOf(slot: number): RequestOrigin {
    return originOfFlags(this.rows.columns.flags[slot]!);
  }

  /**
   * The full record of a held row, as it was known at `now` (a replay cursor): what happened later is null.
   * Strings come from its events in the log.
   */
  record(row: number, log: EventLog, now = Number.POSITIVE_INFINITY): RecordedRequest {
    const c = this.rows.columns;
    const slot = this.rows.slotOf(row);
    const firstEventSeq = c.firstEventSeq[slot]!;
    const rejectedEventSeq = c.rejectedEventSeq[slot]!;
    const received = c.flags[slot]! & F_HAS_RECEIVED ? log.decode(firstEventSeq) : null;
    const rejected = Number.isNaN(rejectedEventSeq) || log.atOf(rejectedEventSeq) > now ? null : log.decode(rejectedEventSeq);
    const queuedAt = knownAt(c.queuedAt[slot]!, now);
    const startedAt = knownAt(c.startedAt[slot]!, now);
    const leftQueueAt = knownAt(c.leftQueueAt[slot]!, now);
    const finishedAt = knownAt(c.finishedAt[slot]!, now);
    const sentAt = knownAt(c.sentAt[slot]!, now);
    // One status column: the job's, then the response's (the same number), or the server's own answer.
    const hasStatus = !Number.isNaN(sentAt) || !Number.isNaN(finishedAt) || rejected !== null;
    const target = received?.type === 'request-received' ? received.target : '?';
    const workerId = c.workerId[slot]!;
    return {
      runId: c.runId[slot]!,
      id: c.requestId[slot]!,
      connectionId:
        received?.type === 'request-received' ? received.connectionId : rejected?.type === 'request-rejected' ? rejected.connectionId : 0,
      method: received?.type === 'request-received' ? received.method : '?',
      target,
      path: received === null ? '?' : pathOf(target),
      remoteAddress: received?.type === 'request-received' ? received.remoteAddress : '',
      userAgent: received?.type === 'request-received' ? received.userAgent : null,
      origin: originOfFlags(c.flags[slot]!),
      receivedAt: c.receivedAt[slot]!,
      queuedAt: nullIfNaN(queuedAt),
      startedAt: nullIfNaN(startedAt),
      finishedAt: nullIfNaN(finishedAt),
      sentAt: nullIfNaN(sentAt),
      workerId: workerId === -1 || Number.isNaN(startedAt) ? null : workerId,
      waitMs: Number.isNaN(leftQueueAt) ? null : nullIfNaN(c.waitMs[slot]!),
      runMs: Number.isNaN(finishedAt) ? null : nullIfNaN(c.runMs[slot]!),
      status: hasStatus ? nullIfNaN(c.status[slot]!) : null,
      bytes: Number.isNaN(sentAt) ? null : nullIfNaN(c.bytes[slot]!),
      errorCode: rejected?.type === 'request-rejected' ? rejected.errorCode : null,
      abandonReason: this.abandonReasonOf(slot, now),
    };
  }

  /**
   * What the live stats read of a held row (RequestStats.recordFinished), as record() would give it with every time
   * known, written into `out` and returned: from the columns alone, without decoding the request's events from the
   * log for its strings (a viewer's stats read thousands of rows a frame at saturation). `path` is its route class
   * ('/', '/sleep', 'other'), which names the route its path does; the User-Agent (a burst's tag) is read from the
   * log for a burst's request only, null for the others (no other User-Agent names a burst).
   */
  finishedInto(row: number, log: EventLog, out: FinishedRequest): FinishedRequest {
    const c = this.rows.columns;
    const slot = this.rows.slotOf(row);
    const flags = c.flags[slot]!;
    const startedAt = c.startedAt[slot]!;
    const finishedAt = c.finishedAt[slot]!;
    const sentAt = c.sentAt[slot]!;
    const workerId = c.workerId[slot]!;
    let userAgent: string | null = null;
    if (flags & F_BURST && flags & F_HAS_RECEIVED) {
      const received = log.decode(c.firstEventSeq[slot]!);
      userAgent = received.type === 'request-received' ? received.userAgent : null;
    }
    const hasStatus = !Number.isNaN(sentAt) || !Number.isNaN(finishedAt) || !Number.isNaN(c.rejectedEventSeq[slot]!);
    out.id = c.requestId[slot]!;
    out.path = flags & F_HAS_RECEIVED ? ROUTE_CLASSES[flags >> ROUTE_SHIFT]! : '?';
    out.userAgent = userAgent;
    out.receivedAt = c.receivedAt[slot]!;
    out.startedAt = nullIfNaN(startedAt);
    out.finishedAt = nullIfNaN(finishedAt);
    out.sentAt = nullIfNaN(sentAt);
    out.workerId = workerId === -1 || Number.isNaN(startedAt) ? null : workerId;
    out.waitMs = Number.isNaN(c.leftQueueAt[slot]!) ? null : nullIfNaN(c.waitMs[slot]!);
    out.runMs = Number.isNaN(finishedAt) ? null : nullIfNaN(c.runMs[slot]!);
    out.status = hasStatus ? nullIfNaN(c.status[slot]!) : null;
    out.abandonReason = this.abandonReasonOf(slot);
    return out;
  }

  /** The route class name of a held row (for bars). */
  routeOf(slot: number): (typeof ROUTE_CLASSES)[number] {
    return ROUTE_CLASSES[this.routeCodeOf(slot)]!;
  }
}

function makeIndexColumns(capacity: number) {
  return { row: new Float64Array(capacity) };
}

/**
 * Rows in the order something happened to them (a lane's jobs in start order, the queue's jobs in the order
 * they left it), for binary search by a time that never decreases along the index. Entries whose row has
 * left the table are dropped from the front as they are met.
 */
export class RowIndex {
  private readonly entries: ColumnRing<ReturnType<typeof makeIndexColumns>>;

  constructor(
    private readonly table: RequestTable,
    maxEntries: number,
  ) {
    this.entries = new ColumnRing(makeIndexColumns, INDEX_INITIAL_CAPACITY, maxEntries);
  }

  get approximateBytes(): number {
    return this.entries.byteLength;
  }

  /** A new bound on the entries (the history's maxEvents changed): the oldest go first. */
  setMaxEntries(maxEntries: number): void {
    this.trim();
    while (this.entries.length > maxEntries) this.entries.shift();
    this.entries.setMaxCapacity(maxEntries);
  }

  push(row: number): void {
    this.trim();
    if (this.entries.isFull) this.entries.shift();
    const slot = this.entries.push();
    this.entries.columns.row[slot] = row;
  }

  /** Index positions [first, end) of the entries held. */
  get first(): number {
    this.trim();
    return this.entries.firstSeq;
  }

  get end(): number {
    return this.entries.nextSeq;
  }

  rowAt(position: number): number {
    return this.entries.columns.row[this.entries.slotOf(position)]!;
  }

  /** First position in [from, end) whose key is ≥ key; keyOf gets a row's slot in the table. */
  lowerBound(key: number, keyOf: (slot: number) => number, from = this.first): number {
    return lowerBound(from, this.end, key, (position) => this.keyAt(position, keyOf));
  }

  /** First position in [from, end) whose key is > key. */
  upperBound(key: number, keyOf: (slot: number) => number, from = this.first): number {
    return upperBound(from, this.end, key, (position) => this.keyAt(position, keyOf));
  }

  private keyAt(position: number, keyOf: (slot: number) => number): number {
    const row = this.rowAt(position);
    // A row already gone from the table is older than every row still there.
    return this.table.holds(row) ? keyOf(this.table.slotOf(row)) : Number.NEGATIVE_INFINITY;
  }

  private trim(): void {
    while (this.entries.length > 0 && !this.table.holds(this.rowAt(this.entries.firstSeq))) this.entries.shift();
  }
}
