// The flight recorder's tape: every ServerEvent, in order, stored column by column in a ring of typed
// arrays (no object per event), strings interned in a bounded table. decode() gives back an event equal to
// the one appended. Knows nothing of pools or time windows; EventHistory decides what to keep.
//
// Layout: each event is one row of 42 bytes — type and a bit set of "wide" fields (1 byte each), `at`,
// two Float64 cells (`id`, `x`) and four Int32 cells (`a`…`d`). Where each field of each event type goes is
// not written by hand: it is derived once from the contract's table of fields (SERVER_EVENT_FIELDS), so a
// new setting (a field of server-listening) or a new event type is stored with no change here. Fractional
// numbers take the Float64 cells; strings (ids in the string table) the Int32 cells; whole numbers what is
// left, Float64 first (exact for any value). An integer that does not fit an Int32 exactly, an `at` earlier
// than the one before it (see `at` below) and the fields of an event that has more than six (server-listening
// with every setting) are kept in a side map keyed by sequence number: exact, and rare enough to cost nothing.

import { type EventFieldKind, SERVER_EVENT_FIELDS, type ServerEvent } from '../shared/events';
import { ColumnRing, lowerBound, upperBound } from './column-ring';
import { STRING_CACHE_SLOTS, StringTable, type StringTableLimits } from './string-table';

/** A table of event types and their fields, shaped like SERVER_EVENT_FIELDS (which is the one the server uses). */
export type EventFieldTable = { readonly [type: string]: { readonly [field: string]: EventFieldKind } };

type FloatCell = 'id' | 'x';
type IntCell = 'a' | 'b' | 'c' | 'd';
type Cell = FloatCell | IntCell;
const FLOAT_CELLS: readonly FloatCell[] = ['id', 'x'];
const INT_CELLS: readonly IntCell[] = ['a', 'b', 'c', 'd'];

// Bits of the `wide` column: which values live in the side map. Its entry for an event is an array: `at`, then
// the Int32 cells a…d, then the event's fields that have no cell (OVERFLOW), in table order.
const W_AT = 1;
const INT_CELL_BIT: Record<IntCell, number> = { a: 2, b: 4, c: 8, d: 16 };
const W_OVERFLOW = 32;
const WIDE_AT_INDEX = 0;
const INT_CELL_WIDE_INDEX: Record<IntCell, number> = { a: 1, b: 2, c: 3, d: 4 };
const WIDE_FIXED_SLOTS = 5;

// How a field is stored.
/** A number in a Float64 cell, exact. */
const AS_FLOAT = 0;
/** A whole number in an Int32 cell; in the side map when it does not fit. */
const AS_INT = 1;
/** A string's id in the string table, in a cell. */
const AS_STRING = 2;
/** A string or null, the same way. */
const AS_NULLABLE_STRING = 3;
/** The value itself, in the side map (a field past the row's cells). */
const AS_OVERFLOW = 4;

interface FieldPlan {
  readonly name: string;
  readonly storage: number;
  /** The cell it lives in (unused for AS_OVERFLOW). */
  readonly cell: Cell;
  /** For AS_INT: its bit in `wide`. */
  readonly wideBit: number;
  /** For AS_INT and AS_OVERFLOW: its index in the side map's entry. */
  readonly wideIndex: number;
  /** For strings: the string table's cache slot for this field name, or -1. */
  readonly cacheSlot: number;
}

interface TypePlan {
  readonly type: string;
  readonly code: number;
  /** Every field but `at`, in table order. */
  readonly fields: readonly FieldPlan[];
  /** The cells that hold string ids: released when the event leaves. */
  readonly stringCells: readonly Cell[];
  /** Length of this type's side-map entry. */
  readonly wideLength: number;
}

/** Where every field of every event type goes, derived from a table of fields. */
export class EventCodec {
  readonly plans: readonly TypePlan[];
  private readonly planByType = new Map<string, TypePlan>();

  constructor(table: EventFieldTable = SERVER_EVENT_FIELDS, stringCacheSlots = STRING_CACHE_SLOTS) {
    const types = Object.keys(table);
    // The type column is one byte.
    if (types.length > 256) throw new RangeError(`The event log stores at most 256 event types (the table has ${types.length})`);
    const cacheSlotOf = new Map<string, number>();
    this.plans = types.map((type, code) => {
      const fields = table[type]!;
      if (fields.at !== 'epoch-ms') throw new TypeError(`Event type "${type}" has no \`at\` of kind 'epoch-ms'`);
      const plan = planOf(type, code, fields, (name) => {
        let slot = cacheSlotOf.get(name);
        if (slot === undefined) {
          slot = cacheSlotOf.size < stringCacheSlots ? cacheSlotOf.size : -1;
          cacheSlotOf.set(name, slot);
        }
        return slot;
      });
      this.planByType.set(type, plan);
      return plan;
    });
  }

  planOf(type: string): TypePlan {
    const plan = this.planByType.get(type);
    if (plan === undefined) throw new TypeError(`Unknown event type ${JSON.stringify(type)}`);
    return plan;
  }
}

type ValueClass = 'fraction' | 'whole' | 'string' | 'nullable-string';

function valueClassOf(kind: EventFieldKind): ValueClass {
  if (typeof kind !== 'string') return 'string'; // an enum: one of a few strings
  switch (kind) {
    case 'epoch-ms':
    case 'duration-ms':
      return 'fraction';
    case 'natural':
    case 'integer':
    case 'http-status':
      return 'whole';
    case 'string':
      return 'string';
    case 'string-or-null':
      return 'nullable-string';
  }
}

function planOf(
  type: string,
  code: number,
  table: { readonly [field: string]: EventFieldKind },
  cacheSlotOf: (name: string) => number,
): TypePlan {
  const names = Object.keys(table).filter((name) => name !== 'at');
  const classOf = new Map(names.map((name) => [name, valueClassOf(table[name]!)]));
  const freeFloats = [...FLOAT_CELLS];
  const freeInts = [...INT_CELLS];
  const cellOf = new Map<string, Cell>();
  // Fractions need a Float64 cell; string ids fit any cell; whole numbers prefer a Float64 cell (exact, no check).
  for (const name of names) if (classOf.get(name) === 'fraction' && freeFloats.length > 0) cellOf.set(name, freeFloats.shift()!);
  for (const name of names) {
    const valueClass = classOf.get(name);
    if (valueClass !== 'string' && valueClass !== 'nullable-string') continue;
    const cell = freeInts.shift() ?? freeFloats.shift();
    if (cell !== undefined) cellOf.set(name, cell);
  }
  for (const name of names) {
    if (classOf.get(name) !== 'whole') continue;
    const cell = freeFloats.shift() ?? freeInts.shift();
    if (cell !== undefined) cellOf.set(name, cell);
  }
  let overflowCount = 0;
  const fields = names.map((name): FieldPlan => {
    const valueClass = classOf.get(name)!;
    const cell = cellOf.get(name);
    const isString = valueClass === 'string' || valueClass === 'nullable-string';
    const cacheSlot = isString ? cacheSlotOf(name) : -1;
    if (cell === undefined) {
      return { name, storage: AS_OVERFLOW, cell: 'a', wideBit: W_OVERFLOW, wideIndex: WIDE_FIXED_SLOTS + overflowCount++, cacheSlot };
    }
    const isIntCell = cell !== 'id' && cell !== 'x';
    const storage = isString ? (valueClass === 'string' ? AS_STRING : AS_NULLABLE_STRING) : isIntCell ? AS_INT : AS_FLOAT;
    const wideBit = storage === AS_INT ? INT_CELL_BIT[cell as IntCell] : 0;
    const wideIndex = storage === AS_INT ? INT_CELL_WIDE_INDEX[cell as IntCell] : -1;
    return { name, storage, cell, wideBit, wideIndex, cacheSlot };
  });
  const stringCells = fields.filter((f) => f.storage === AS_STRING || f.storage === AS_NULLABLE_STRING).map((f) => f.cell);
  return { type, code, fields, stringCells, wideLength: WIDE_FIXED_SLOTS + overflowCount };
}

const DEFAULT_CODEC = new EventCodec();

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

/** Does this number survive a round trip through an Int32Array? (-0 does not.) */
function fitsInt32(value: number): boolean {
  return (value | 0) === value && (value !== 0 || 1 / value > 0);
}

export class EventLog {
  readonly strings: StringTable;
  private readonly ring: ColumnRing<EventColumns>;
  /** Values of wide fields, by sequence number: [at, a, b, c, d, ...fields past the cells]. */
  private readonly wideValues = new Map<number, unknown[]>();
  /** The latest (effective) `at` appended; the next event is stamped no earlier. */
  lastAt = Number.NEGATIVE_INFINITY;

  constructor(
    initialCapacity: number,
    maxCapacity: number,
    stringLimits: StringTableLimits,
    private readonly codec: EventCodec = DEFAULT_CODEC,
  ) {
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

  /** A new bound on the events held (hidden ones included); shift() down to it first. */
  setMaxCapacity(maxCapacity: number): void {
    this.ring.setMaxCapacity(maxCapacity);
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
    const plan = this.codec.planOf(event.type);
    const slot = this.ring.push();
    const seq = this.ring.nextSeq - 1;
    const c = this.ring.columns;
    const strings = this.strings;
    let wide = 0;
    const rawAt = event.at;
    const at = this.effectiveAtOf(rawAt);
    c.type[slot] = plan.code;
    c.at[slot] = at;
    if (!Object.is(at, rawAt)) wide |= this.putWide(seq, plan, WIDE_AT_INDEX, W_AT, rawAt);
    this.lastAt = at;
    const values = event as unknown as Readonly<Record<string, unknown>>;
    const fields = plan.fields;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      const value = values[field.name];
      switch (field.storage) {
        case AS_FLOAT:
          c[field.cell][slot] = value as number;
          break;
        case AS_INT:
          if (fitsInt32(value as number)) c[field.cell][slot] = value as number;
          else {
            c[field.cell][slot] = 0;
            wide |= this.putWide(seq, plan, field.wideIndex, field.wideBit, value);
          }
          break;
        case AS_STRING:
          c[field.cell][slot] = strings.intern(value as string, field.cacheSlot);
          break;
        case AS_NULLABLE_STRING:
          c[field.cell][slot] = strings.internNullable(value as string | null, field.cacheSlot);
          break;
        default:
          wide |= this.putWide(seq, plan, field.wideIndex, W_OVERFLOW, value);
      }
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
    const plan = this.codec.plans[c.type[slot]!]!;
    const wide = c.wide[slot]!;
    const wideValues = wide === 0 ? undefined : this.wideValues.get(seq);
    const event: Record<string, unknown> = { type: plan.type, at: wide & W_AT ? wideValues![WIDE_AT_INDEX] : c.at[slot]! };
    const strings = this.strings;
    for (const field of plan.fields) {
      switch (field.storage) {
        case AS_FLOAT:
          event[field.name] = c[field.cell][slot];
          break;
        case AS_INT:
          event[field.name] = wide & field.wideBit ? wideValues![field.wideIndex] : c[field.cell][slot];
          break;
        case AS_STRING:
        case AS_NULLABLE_STRING:
          event[field.name] = strings.valueOf(c[field.cell][slot]!);
          break;
        default:
          event[field.name] = wideValues![field.wideIndex];
      }
    }
    return event as ServerEvent;
  }

  /** The type of a held event, without decoding it. */
  typeOf(seq: number): ServerEvent['type'] {
    return this.codec.plans[this.ring.columns.type[this.ring.slotOf(seq)]!]!.type as ServerEvent['type'];
  }

  /** Drops the oldest event, releasing its strings. */
  shift(): void {
    if (this.ring.length === 0) return;
    const seq = this.ring.firstSeq;
    const c = this.ring.columns;
    const slot = this.ring.slotOf(seq);
    const stringCells = this.codec.plans[c.type[slot]!]!.stringCells;
    for (let i = 0; i < stringCells.length; i++) this.strings.release(c[stringCells[i]!][slot]!);
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

  /** Keeps a value in the event's side-map entry and returns its bit for `wide`. */
  private putWide(seq: number, plan: TypePlan, index: number, bit: number, value: unknown): number {
    let values = this.wideValues.get(seq);
    if (values === undefined) {
      values = new Array<unknown>(plan.wideLength).fill(0);
      this.wideValues.set(seq, values);
    }
    values[index] = value;
    return bit;
  }
}
