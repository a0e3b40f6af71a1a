// A compact encoding of job inputs and outputs into a worker's shared-memory channel, for the values
// that cross the thread boundary on every request: plain objects, arrays, strings, numbers, Uint8Array.

/**
 * Thrown when a value is outside the compact encoding (a Map, a class instance, a cycle, too large...).
 * The caller then sends that value by postMessage instead, so structured clone keeps the final word on
 * what can cross the boundary and how.
 */
export class NotEncodable extends Error {}

const TAG_UNDEFINED = 0;
const TAG_NULL = 1;
const TAG_TRUE = 2;
const TAG_FALSE = 3;
const TAG_NUMBER = 4;
const TAG_STRING = 5;
const TAG_BYTES = 6;
const TAG_ARRAY = 7;
const TAG_OBJECT = 8;

/** Deeper than this is treated as a possible cycle; structured clone handles those. */
const MAX_DEPTH = 32;
/** Strings up to this length are encoded and decoded in JS; handling the bytes there beats a call into C++. */
const SHORT_STRING_BYTES = 32;
/** How many of a value's first short strings are remembered for the next decode (see `recentStrings`). */
const RECENT_STRING_COUNT = 16;

/**
 * Reads and writes values in one region of a SharedArrayBuffer. Shared references are not preserved:
 * an object reached twice is encoded twice (structured clone would keep one copy).
 */
export class SharedCodec {
  private readonly bytes: Buffer;
  /** The same region as a plain Uint8Array, whose slice() copies bytes out into memory of their own. */
  private readonly plainBytes: Uint8Array;
  private readonly view: DataView;
  private offset = 0;
  /**
   * The short ASCII strings of the last value decoded, by their order in it: the values crossing on every request
   * have the same keys (and mostly the same short strings) each time, so the string is reused when its bytes
   * match instead of being built again, and the objects decoded keep one shape.
   */
  private readonly recentStrings: string[] = [];
  private stringIndex = 0;

  constructor(buffer: SharedArrayBuffer, byteOffset: number, byteLength: number) {
    this.bytes = Buffer.from(buffer, byteOffset, byteLength);
    this.plainBytes = new Uint8Array(buffer, byteOffset, byteLength);
    this.view = new DataView(buffer, byteOffset, byteLength);
  }

  /** Writes `value` at the start of the region; returns its length in bytes, or throws NotEncodable. */
  encode(value: unknown): number {
    this.offset = 0;
    this.write(value, 0);
    return this.offset;
  }

  decode(): unknown {
    this.offset = 0;
    this.stringIndex = 0;
    return this.read();
  }

  private room(byteCount: number): void {
    if (this.offset + byteCount > this.bytes.length) throw new NotEncodable('too large for the shared channel');
  }

  private tag(tag: number): void {
    this.room(1);
    this.bytes[this.offset++] = tag;
  }

  private u32(n: number): void {
    this.room(4);
    this.view.setUint32(this.offset, n, true);
    this.offset += 4;
  }

  private string(s: string): void {
    // utf8 needs at most 3 bytes per UTF-16 unit.
    const maxBytes = s.length * 3;
    this.room(4 + maxBytes);
    const start = this.offset + 4;
    const written = s.length <= SHORT_STRING_BYTES ? this.writeShort(s, start) : this.bytes.write(s, start, maxBytes, 'utf8');
    this.view.setUint32(this.offset, written, true);
    this.offset = start + written;
  }

  /** Writes a short string's bytes at `start` in JS when it is ASCII (the rest go through Buffer.write); returns their count. */
  private writeShort(s: string, start: number): number {
    const bytes = this.bytes;
    for (let i = 0; i < s.length; i++) {
      const code = s.charCodeAt(i);
      if (code >= 0x80) return bytes.write(s, start, s.length * 3, 'utf8');
      bytes[start + i] = code;
    }
    return s.length;
  }

  private write(value: unknown, depth: number): void {
    switch (typeof value) {
      case 'string':
        this.tag(TAG_STRING);
        this.string(value);
        return;
      case 'number':
        this.tag(TAG_NUMBER);
        this.room(8);
        this.view.setFloat64(this.offset, value, true);
        this.offset += 8;
        return;
      case 'boolean':
        this.tag(value ? TAG_TRUE : TAG_FALSE);
        return;
      case 'undefined':
        this.tag(TAG_UNDEFINED);
        return;
      case 'object':
        break;
      default:
        throw new NotEncodable(typeof value);
    }
    if (value === null) {
      this.tag(TAG_NULL);
      return;
    }
    if (depth >= MAX_DEPTH) throw new NotEncodable('nested too deeply');
    if (value instanceof Uint8Array) {
      // Structured clone would keep a view of shared memory shared; this would copy it.
      if (value.buffer instanceof SharedArrayBuffer) throw new NotEncodable('a view of shared memory');
      // Buffer is a Uint8Array too; structured clone brings both back as a plain Uint8Array, and so does this.
      this.tag(TAG_BYTES);
      this.u32(value.length);
      this.room(value.length);
      this.bytes.set(value, this.offset);
      this.offset += value.length;
      return;
    }
    if (Array.isArray(value)) {
      if (Object.getPrototypeOf(value) !== Array.prototype) throw new NotEncodable('array subclass');
      this.tag(TAG_ARRAY);
      this.u32(value.length);
      for (let i = 0; i < value.length; i++) {
        if (!(i in value)) throw new NotEncodable('sparse array');
        this.write(value[i], depth + 1);
      }
      return;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw new NotEncodable('not a plain object');
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    this.tag(TAG_OBJECT);
    this.u32(keys.length);
    for (const key of keys) {
      this.string(key);
      this.write(record[key], depth + 1);
    }
  }

  private readU32(): number {
    const n = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return n;
  }

  private readString(): string {
    const length = this.readU32();
    const start = this.offset;
    this.offset += length;
    if (length > SHORT_STRING_BYTES) return this.bytes.toString('utf8', start, start + length);
    const index = this.stringIndex++;
    const recent = index < RECENT_STRING_COUNT ? this.recentStrings[index] : undefined;
    if (recent !== undefined && recent.length === length && this.holdsAscii(recent, start)) return recent;
    const bytes = this.bytes;
    let s = '';
    for (let i = start; i < start + length; i++) {
      const b = bytes[i]!;
      if (b >= 0x80) return bytes.toString('utf8', start, start + length);
      s += String.fromCharCode(b);
    }
    if (index < RECENT_STRING_COUNT) this.recentStrings[index] = s;
    return s;
  }

  /** Do the bytes from `start` spell the ASCII string `s` (whose length the caller checked)? */
  private holdsAscii(s: string, start: number): boolean {
    const bytes = this.bytes;
    for (let i = 0; i < s.length; i++) if (bytes[start + i] !== s.charCodeAt(i)) return false;
    return true;
  }

  private read(): unknown {
    const tag = this.bytes[this.offset++];
    switch (tag) {
      case TAG_UNDEFINED:
        return undefined;
      case TAG_NULL:
        return null;
      case TAG_TRUE:
        return true;
      case TAG_FALSE:
        return false;
      case TAG_NUMBER: {
        const n = this.view.getFloat64(this.offset, true);
        this.offset += 8;
        return n;
      }
      case TAG_STRING:
        return this.readString();
      case TAG_BYTES: {
        const length = this.readU32();
        const out = this.plainBytes.slice(this.offset, this.offset + length);
        this.offset += length;
        return out;
      }
      case TAG_ARRAY: {
        const length = this.readU32();
        const out: unknown[] = new Array(length);
        for (let i = 0; i < length; i++) out[i] = this.read();
        return out;
      }
      case TAG_OBJECT: {
        const count = this.readU32();
        const out: Record<string, unknown> = {};
        for (let i = 0; i < count; i++) {
          const key = this.readString();
          const item = this.read();
          // An own "__proto__" key (e.g. from JSON.parse) must stay a key, not become the prototype.
          if (key === '__proto__') Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
          else out[key] = item;
        }
        return out;
      }
      default:
        throw new Error(`shared channel holds an unknown tag ${tag}`);
    }
  }
}
