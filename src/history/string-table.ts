// The event log's bounded table of distinct strings (methods, targets, addresses, user agents, codes):
// each event stores a small id instead of the string. Strings are reference-counted by the events that
// hold them and freed when the last such event leaves the log. A hostile client can send a million
// distinct targets: past the table's bound a new string is not stored, its events keep DROPPED_STRING_ID
// (read back as DROPPED_STRING) and `droppedCount` says how often; everything derived from the string at
// append time (route class, origin) is still exact.

/** Distinct strings the table holds at most, by default. */
export const DEFAULT_MAX_INTERNED_STRINGS = 50_000;
/** Characters of all distinct strings together, at most, by default (about 2–4 MB). */
export const DEFAULT_MAX_INTERNED_CHARS = 2_000_000;

/** The id of a null string (a request without User-Agent). */
export const NULL_STRING_ID = -1;
/** The id stored when the table was full: the string itself was not kept. */
export const DROPPED_STRING_ID = -2;
/** What a dropped string reads back as. */
export const DROPPED_STRING = '(not recorded: too many distinct strings)';

/** Rough cost of one entry beyond its characters: the Map entry, the arrays' slots, the string header. */
const ENTRY_OVERHEAD_BYTES = 96;
/** Call sites may keep the id they last got in one of these slots, to skip the Map for a repeated value. */
export const STRING_CACHE_SLOTS = 8;

export interface StringTableLimits {
  maxStrings: number;
  maxChars: number;
}

export class StringTable {
  private readonly ids = new Map<string, number>();
  private readonly values: Array<string | undefined> = [];
  private readonly refs: number[] = [];
  private readonly freeIds: number[] = [];
  private readonly cachedIds = new Int32Array(STRING_CACHE_SLOTS).fill(NULL_STRING_ID);
  private chars = 0;
  /** Strings that were not stored because the table was full (counted per event field, not per distinct string). */
  droppedCount = 0;

  constructor(private readonly limits: StringTableLimits) {}

  get size(): number {
    return this.ids.size;
  }

  get approximateBytes(): number {
    // Characters counted as two bytes: V8 keeps non-Latin-1 strings in UTF-16.
    return this.values.length * 16 + this.ids.size * ENTRY_OVERHEAD_BYTES + this.chars * 2;
  }

  /**
   * The id of `value`, counting one more reference to it; DROPPED_STRING_ID when the table is full.
   * `cacheSlot` (0 to STRING_CACHE_SLOTS − 1), when given, names the call site so a value repeated there skips the hash lookup.
   */
  intern(value: string, cacheSlot = -1): number {
    if (cacheSlot >= 0) {
      const cached = this.cachedIds[cacheSlot]!;
      if (cached >= 0 && this.values[cached] === value) {
        this.refs[cached]!++;
        return cached;
      }
    }
    let id = this.ids.get(value);
    if (id === undefined) {
      if (this.ids.size >= this.limits.maxStrings || this.chars + value.length > this.limits.maxChars) {
        this.droppedCount++;
        return DROPPED_STRING_ID;
      }
      id = this.freeIds.pop() ?? this.values.length;
      this.values[id] = value;
      this.refs[id] = 0;
      this.ids.set(value, id);
      this.chars += value.length;
    }
    this.refs[id]!++;
    if (cacheSlot >= 0) this.cachedIds[cacheSlot] = id;
    return id;
  }

  internNullable(value: string | null, cacheSlot = -1): number {
    return value === null ? NULL_STRING_ID : this.intern(value, cacheSlot);
  }

  /** One reference fewer; the string is freed with its last reference. Ids below 0 hold no reference. */
  release(id: number): void {
    if (id < 0) return;
    const left = --this.refs[id]!;
    if (left > 0) return;
    const value = this.values[id]!;
    this.ids.delete(value);
    this.chars -= value.length;
    this.values[id] = undefined;
    this.freeIds.push(id);
  }

  /** The string of a held id; null for NULL_STRING_ID, DROPPED_STRING for DROPPED_STRING_ID. */
  valueOf(id: number): string | null {
    if (id === NULL_STRING_ID) return null;
    if (id === DROPPED_STRING_ID) return DROPPED_STRING;
    return this.values[id] ?? DROPPED_STRING;
  }
}
