// The flight recorder's tape: every ServerEvent, in order, stored column by column in a ring of typed
// arrays (no object per event), strings interned in a bounded table. decode() gives back an event equal to
// the one appended. Knows nothing of pools or time windows; EventHistory decides what to keep.
//
// Layout: each event is one row of 42 bytes — type and a bit set of "wide" fields (1 byte each), `at`,
// `id` and `x` (Float64), `a`…`d` (Int32: small integers and string ids). Which field of which event goes
// where is written out in encode() and decode(), one case per event type. An integer that does not fit an
// Int32 exactly (or an `at` earlier than the one before it, see `at` below) is kept in a side map keyed by
// sequence number: exact, and rare enough to cost nothing.

import type { ServerEvent } from '../shared/events';
import { ColumnRing, lowerBound, upperBound } from './column-ring';
import { StringTable, type StringTableLimits } from './string-table';

const T_SERVER_LISTENING = 0;
const T_SERVER_STOPPING = 1;
const T_SERVER_STOPPED = 2;
const T_CONNECTION_OPENED = 3;
const T_CONNECTION_CLOSED = 4;
const T_REQUEST_RECEIVED = 5;
const T_REQUEST_REJECTED = 6;
const T_JOB_QUEUED = 7;
const T_JOB_STARTED = 8;
const T_JOB_FINISHED = 9;
const T_RESPONSE_SENT = 10;
const T_WORKER_SPAWNED = 11;
const T_WORKER_STOPPING = 12;
const T_WORKER_EXITED = 13;
const T_WORKER_REPLACED = 14;

// Bits of the `wide` column: which fields live in the side map.
const W_AT = 1;
const W_A = 2;
const W_B = 4;
const W_C = 8;
const W_D = 16;
const WIDE_INDEX: Record<number, number> = { [W_AT]: 0, [W_A]: 1, [W_B]: 2, [W_C]: 3, [W_D]: 4 };

/** Which of a, b, c, d hold string ids, per event type (W_* bits): released when the event leaves. */
const STRING_FIELDS = new Uint8Array(15);
STRING_FIELDS[T_SERVER_LISTENING] = W_A;
STRING_FIELDS[T_SERVER_STOPPING] = W_A;
STRING_FIELDS[T_CONNECTION_OPENED] = W_A;
STRING_FIELDS[T_CONNECTION_CLOSED] = W_A;
STRING_FIELDS[T_REQUEST_RECEIVED] = W_A | W_B | W_C | W_D;
STRING_FIELDS[T_REQUEST_REJECTED] = W_B;
STRING_FIELDS[T_WORKER_EXITED] = W_B;

// String-table cache slots, one per call site whose value tends to repeat.
const S_METHOD = 0;
const S_TARGET = 1;
const S_REMOTE = 2;
const S_USER_AGENT = 3;
const S_ERROR_CODE = 4;
const S_REASON = 5;
const S_HOST = 6;

/** Bytes of one row in the columns. */
export const EVENT_ROW_BYTES = 1 + 1 + 8 * 3 + 4 * 4;
const WIDE_ENTRY_BYTES = 96;

function makeColumns(capacity: number) {
  return {
    type: new Uint8Array(capacity),
    wide: new Uint8Array(capacity),
    at: new Float64Array(capacity),
    id: new Float64Array(capacity),
    x: new Float64Array(capacity),
    a: new Int32Array(capacity),
    b: new Int32Array(capacity),
    c: new Int32Array(capacity),
    d: new Int32Array(capacity),
  };
}
type EventColumns = ReturnType<typeof makeColumns>;
type IntColumn = 'a' | 'b' | 'c' | 'd';

/** Does this number survive a round trip through an Int32Array? (-0 does not.) */
function fitsInt32(value: number): boolean {
  return (value | 0) === value && (value !== 0 || 1 / value > 0);
}

export class EventLog {
  readonly strings: StringTable;
  private readonly ring: ColumnRing<EventColumns>;
  /** Values of wide fields, by sequence number: [at, a, b, c, d]. */
  private readonly wideValues = new Map<number, number[]>();
  /** The latest (effective) `at` appended; the next event is stamped no earlier. */
  lastAt = Number.NEGATIVE_INFINITY;

  constructor(initialCapacity: number, maxCapacity: number, stringLimits: StringTableLimits) {
    this.ring = new ColumnRing(makeColumns, initialCapacity, maxCapacity);
    this.strings = new StringTable(stringLimits);
  }

  /** Sequence number of the oldest event held. */
  get firstSeq(): number {
    return this.ring.firstSeq;
  }

  /** Sequence number the next event gets. */
  get nextSeq(): number {
    return this.ring.nextSeq;
  }

  get length(): number {
    return this.ring.length;
  }

  get isFull(): boolean {
    return this.ring.isFull;
  }

  get approximateBytes(): number {
    return this.ring.byteLength + this.strings.approximateBytes + this.wideValues.size * WIDE_ENTRY_BYTES;
  }

  /**
   * Stores the event and returns its sequence number. `at` is kept as given, but the history orders events
   * by an effective time that never goes back: an event stamped earlier than its predecessor (or NaN) is
   * placed at its predecessor's time for every query.
   */
  append(event: ServerEvent): number {
    const slot = this.ring.push();
    const seq = this.ring.nextSeq - 1;
    const c = this.ring.columns;
    const strings = this.strings;
    let wide = 0;
    const rawAt = event.at;
    const at = this.effectiveAtOf(rawAt);
    c.at[slot] = at;
    if (!Object.is(at, rawAt)) wide |= this.putWide(seq, W_AT, rawAt);
    this.lastAt = at;
    switch (event.type) {
      case 'server-listening':
        c.type[slot] = T_SERVER_LISTENING;
        c.a[slot] = strings.intern(event.host, S_HOST);
        wide |= this.putInt(c, 'b', slot, seq, W_B, event.port);
        wide |= this.putInt(c, 'c', slot, seq, W_C, event.workerCount);
        wide |= this.putInt(c, 'd', slot, seq, W_D, event.maxQueuedJobs);
        c.x[slot] = event.sleepMs;
        break;
      case 'server-stopping':
        c.type[slot] = T_SERVER_STOPPING;
        c.a[slot] = strings.intern(event.reason, S_REASON);
        break;
      case 'server-stopped':
        c.type[slot] = T_SERVER_STOPPED;
        break;
      case 'connection-opened':
        c.type[slot] = T_CONNECTION_OPENED;
        c.id[slot] = event.connectionId;
        c.a[slot] = strings.intern(event.remoteAddress, S_REMOTE);
        wide |= this.putInt(c, 'b', slot, seq, W_B, event.remotePort);
        break;
      case 'connection-closed':
        c.type[slot] = T_CONNECTION_CLOSED;
        c.id[slot] = event.connectionId;
        c.a[slot] = strings.intern(event.reason, S_REASON);
        wide |= this.putInt(c, 'b', slot, seq, W_B, event.requestCount);
        break;
      case 'request-received':
        c.type[slot] = T_REQUEST_RECEIVED;
        c.id[slot] = event.requestId;
        c.x[slot] = event.connectionId;
        c.a[slot] = strings.intern(event.method, S_METHOD);
        c.b[slot] = strings.intern(event.target, S_TARGET);
        c.c[slot] = strings.intern(event.remoteAddress, S_REMOTE);
        c.d[slot] = strings.internNullable(event.userAgent, S_USER_AGENT);
        break;
      case 'request-rejected':
        c.type[slot] = T_REQUEST_REJECTED;
        c.id[slot] = event.requestId;
        c.x[slot] = event.connectionId;
        wide |= this.putInt(c, 'a', slot, seq, W_A, event.status);
        c.b[slot] = strings.intern(event.errorCode, S_ERROR_CODE);
        break;
      case 'job-queued':
        c.type[slot] = T_JOB_QUEUED;
        c.id[slot] = event.requestId;
        wide |= this.putInt(c, 'a', slot, seq, W_A, event.queueDepth);
        break;
      case 'job-started':
        c.type[slot] = T_JOB_STARTED;
        c.id[slot] = event.requestId;
        wide |= this.putInt(c, 'a', slot, seq, W_A, event.workerId);
        wide |= this.putInt(c, 'b', slot, seq, W_B, event.queueDepth);
        c.x[slot] = event.waitMs;
        break;
      case 'job-finished':
        c.type[slot] = T_JOB_FINISHED;
        c.id[slot] = event.requestId;
        wide |= this.putInt(c, 'a', slot, seq, W_A, event.workerId);
        wide |= this.putInt(c, 'b', slot, seq, W_B, event.status);
        c.x[slot] = event.runMs;
        break;
      case 'response-sent':
        c.type[slot] = T_RESPONSE_SENT;
        c.id[slot] = event.requestId;
        wide |= this.putInt(c, 'a', slot, seq, W_A, event.status);
        c.x[slot] = event.bytes;
        break;
      case 'worker-spawned':
        c.type[slot] = T_WORKER_SPAWNED;
        wide |= this.putInt(c, 'a', slot, seq, W_A, event.workerId);
        break;
      case 'worker-stopping':
        c.type[slot] = T_WORKER_STOPPING;
        wide |= this.putInt(c, 'a', slot, seq, W_A, event.workerId);
        break;
      case 'worker-exited':
        c.type[slot] = T_WORKER_EXITED;
        wide |= this.putInt(c, 'a', slot, seq, W_A, event.workerId);
        c.b[slot] = strings.intern(event.reason, S_REASON);
        wide |= this.putInt(c, 'c', slot, seq, W_C, event.exitCode);
        break;
      case 'worker-replaced':
        c.type[slot] = T_WORKER_REPLACED;
        wide |= this.putInt(c, 'a', slot, seq, W_A, event.workerId);
        break;
    }
    c.wide[slot] = wide;
    return seq;
  }

  /** The time the next event is ordered at if stamped `at`: never earlier than the last one (NaN counts as earlier). */
  effectiveAtOf(at: number): number {
    if (at >= this.lastAt) return at;
    return this.lastAt === Number.NEGATIVE_INFINITY ? 0 : this.lastAt;
  }

  /** The event with this sequence number, as it was appended. */
  decode(seq: number): ServerEvent {
    // A slot keeps its old bytes after the event left: reading it would give a plausible, wrong event.
    if (!this.ring.holds(seq)) throw new RangeError(`Event #${seq} is not in the log (it holds #${this.firstSeq} to #${this.nextSeq - 1})`);
    const c = this.ring.columns;
    const slot = this.ring.slotOf(seq);
    const wide = c.wide[slot]!;
    const at = wide & W_AT ? this.wideOf(seq, W_AT) : c.at[slot]!;
    const s = this.strings;
    switch (c.type[slot]) {
      case T_SERVER_LISTENING:
        return {
          type: 'server-listening',
          at,
          host: s.valueOf(c.a[slot]!)!,
          port: this.intAt(c, 'b', slot, seq, wide, W_B),
          workerCount: this.intAt(c, 'c', slot, seq, wide, W_C),
          sleepMs: c.x[slot]!,
          maxQueuedJobs: this.intAt(c, 'd', slot, seq, wide, W_D),
        };
      case T_SERVER_STOPPING:
        return {
          type: 'server-stopping',
          at,
          reason: s.valueOf(c.a[slot]!) as Extract<ServerEvent, { type: 'server-stopping' }>['reason'],
        };
      case T_SERVER_STOPPED:
        return { type: 'server-stopped', at };
      case T_CONNECTION_OPENED:
        return {
          type: 'connection-opened',
          at,
          connectionId: c.id[slot]!,
          remoteAddress: s.valueOf(c.a[slot]!)!,
          remotePort: this.intAt(c, 'b', slot, seq, wide, W_B),
        };
      case T_CONNECTION_CLOSED:
        return {
          type: 'connection-closed',
          at,
          connectionId: c.id[slot]!,
          reason: s.valueOf(c.a[slot]!) as Extract<ServerEvent, { type: 'connection-closed' }>['reason'],
          requestCount: this.intAt(c, 'b', slot, seq, wide, W_B),
        };
      case T_REQUEST_RECEIVED:
        return {
          type: 'request-received',
          at,
          requestId: c.id[slot]!,
          connectionId: c.x[slot]!,
          method: s.valueOf(c.a[slot]!)!,
          target: s.valueOf(c.b[slot]!)!,
          remoteAddress: s.valueOf(c.c[slot]!)!,
          userAgent: s.valueOf(c.d[slot]!),
        };
      case T_REQUEST_REJECTED:
        return {
          type: 'request-rejected',
          at,
          requestId: c.id[slot]!,
          connectionId: c.x[slot]!,
          status: this.intAt(c, 'a', slot, seq, wide, W_A),
          errorCode: s.valueOf(c.b[slot]!)!,
        };
      case T_JOB_QUEUED:
        return { type: 'job-queued', at, requestId: c.id[slot]!, queueDepth: this.intAt(c, 'a', slot, seq, wide, W_A) };
      case T_JOB_STARTED:
        return {
          type: 'job-started',
          at,
          requestId: c.id[slot]!,
          workerId: this.intAt(c, 'a', slot, seq, wide, W_A),
          waitMs: c.x[slot]!,
          queueDepth: this.intAt(c, 'b', slot, seq, wide, W_B),
        };
      case T_JOB_FINISHED:
        return {
          type: 'job-finished',
          at,
          requestId: c.id[slot]!,
          workerId: this.intAt(c, 'a', slot, seq, wide, W_A),
          runMs: c.x[slot]!,
          status: this.intAt(c, 'b', slot, seq, wide, W_B),
        };
      case T_RESPONSE_SENT:
        return { type: 'response-sent', at, requestId: c.id[slot]!, status: this.intAt(c, 'a', slot, seq, wide, W_A), bytes: c.x[slot]! };
      case T_WORKER_SPAWNED:
        return { type: 'worker-spawned', at, workerId: this.intAt(c, 'a', slot, seq, wide, W_A) };
      case T_WORKER_STOPPING:
        return { type: 'worker-stopping', at, workerId: this.intAt(c, 'a', slot, seq, wide, W_A) };
      case T_WORKER_EXITED:
        return {
          type: 'worker-exited',
          at,
          workerId: this.intAt(c, 'a', slot, seq, wide, W_A),
          reason: s.valueOf(c.b[slot]!) as Extract<ServerEvent, { type: 'worker-exited' }>['reason'],
          exitCode: this.intAt(c, 'c', slot, seq, wide, W_C),
        };
      default:
        return { type: 'worker-replaced', at, workerId: this.intAt(c, 'a', slot, seq, wide, W_A) };
    }
  }

  /** Drops the oldest event, releasing its strings. */
  shift(): void {
    if (this.ring.length === 0) return;
    const seq = this.ring.firstSeq;
    const c = this.ring.columns;
    const slot = this.ring.slotOf(seq);
    const fields = STRING_FIELDS[c.type[slot]!]!;
    if (fields !== 0) {
      if (fields & W_A) this.strings.release(c.a[slot]!);
      if (fields & W_B) this.strings.release(c.b[slot]!);
      if (fields & W_C) this.strings.release(c.c[slot]!);
      if (fields & W_D) this.strings.release(c.d[slot]!);
    }
    if (c.wide[slot] !== 0) this.wideValues.delete(seq);
    this.ring.shift();
  }

  holds(seq: number): boolean {
    return this.ring.holds(seq);
  }

  /** The effective time of a held event (never earlier than the event before it). */
  atOf(seq: number): number {
    return this.ring.columns.at[this.ring.slotOf(seq)]!;
  }

  /** First held sequence number at or after `seq` whose effective time is ≥ `at`. */
  firstAtOrAfter(at: number, fromSeq = this.firstSeq): number {
    return lowerBound(Math.max(fromSeq, this.firstSeq), this.nextSeq, at, (seq) => this.atOf(seq));
  }

  /** First held sequence number at or after `seq` whose effective time is > `at`. */
  firstAfter(at: number, fromSeq = this.firstSeq): number {
    return upperBound(Math.max(fromSeq, this.firstSeq), this.nextSeq, at, (seq) => this.atOf(seq));
  }

  private putInt(c: EventColumns, column: IntColumn, slot: number, seq: number, bit: number, value: number): number {
    if (fitsInt32(value)) {
      c[column][slot] = value;
      return 0;
    }
    c[column][slot] = 0;
    return this.putWide(seq, bit, value);
  }

  private putWide(seq: number, bit: number, value: number): number {
    let values = this.wideValues.get(seq);
    if (values === undefined) {
      values = [0, 0, 0, 0, 0];
      this.wideValues.set(seq, values);
    }
    values[WIDE_INDEX[bit]!] = value;
    return bit;
  }

  /** An integer field: from its column, or from the side map when it was too wide for it. */
  private intAt(c: EventColumns, column: IntColumn, slot: number, seq: number, wide: number, bit: number): number {
    return wide & bit ? this.wideOf(seq, bit) : c[column][slot]!;
  }

  private wideOf(seq: number, bit: number): number {
    return this.wideValues.get(seq)![WIDE_INDEX[bit]!]!;
  }
}
