// The pool's compact encoding for values crossing to and from worker threads through shared memory:
// what it carries must come back equal; what it cannot carry must be refused so postMessage takes it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NotEncodable, SharedCodec } from '../src/server/pool/shared-codec';

function codec(byteLength = 16 * 1024): SharedCodec {
  return new SharedCodec(new SharedArrayBuffer(byteLength + 64), 64, byteLength);
}

function roundTrip(value: unknown, byteLength?: number): unknown {
  const c = codec(byteLength);
  c.encode(value);
  return c.decode();
}

describe('SharedCodec', () => {
  it('carries the values the server sends every request', () => {
    const output = { status: 200, contentType: 'text/html; charset=utf-8', body: new Uint8Array([60, 104, 49, 62]), allow: undefined };
    expect(roundTrip({ method: 'GET', target: '/sleep?ms=5' })).toEqual({ method: 'GET', target: '/sleep?ms=5' });
    const back = roundTrip(output) as typeof output;
    expect(back).toEqual(output);
    expect(back.body).toBeInstanceOf(Uint8Array);
  });

  it('decodes each value afresh when one codec carries values whose short strings change from one to the next', () => {
    // The codec reuses a short string from the last decode when its bytes match: every near miss must still come back exact.
    const c = codec();
    const values: unknown[] = [
      { method: 'GET', target: '/' },
      { method: 'GET', target: '/sleep' },
      { method: 'PUT', target: '/' },
      { method: 'GEX', target: '/' },
      { target: '/', method: 'GET' },
      { method: 'GÉT', target: '/' },
      { method: 'GET', target: '/' },
      ['a', 'b', 'c', 'a', 'b', 'c', 'é', '', 'x'.repeat(32), 'x'.repeat(33)],
      { status: 200, contentType: 'text/html; charset=utf-8', body: new Uint8Array([1, 2, 3]) },
      { status: 404, contentType: 'text/html; charset=utf-8', body: new Uint8Array(200).fill(7) },
      { status: 200, contentType: 'text/plain; charset=utf-8', body: new Uint8Array(0) },
    ];
    for (let round = 0; round < 2; round++) {
      for (const value of values) {
        c.encode(value);
        expect(c.decode()).toEqual(value);
      }
    }
  });

  it('brings back a byte array that owns its memory: writing the next value into the region leaves it as it was', () => {
    const c = codec();
    c.encode({ body: new Uint8Array([1, 2, 3]) });
    const back = c.decode() as { body: Uint8Array };
    c.encode({ body: new Uint8Array([9, 9, 9]) });
    expect([...back.body]).toEqual([1, 2, 3]);
    expect(back.body.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(back.body.byteOffset).toBe(0);
  });

  it('keeps edge values exact: -0, NaN, non-ASCII text, __proto__ as a plain key', () => {
    const value = JSON.parse('{"__proto__": 1, "text": "héllo — 世界 🎉", "list": [null, true, false]}') as Record<string, unknown>;
    value.negativeZero = -0;
    value.notANumber = NaN;
    const back = roundTrip(value) as Record<string, unknown>;
    expect(Object.is(back.negativeZero, -0)).toBe(true);
    expect(back.notANumber).toBeNaN();
    expect(back.text).toBe('héllo — 世界 🎉');
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.hasOwn(back, '__proto__')).toBe(true);
    expect(back.list).toEqual([null, true, false]);
  });

  it('refuses what structured clone must decide: Map, Date, functions, cycles, values too large', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const value of [new Map(), new Date(0), () => 1, cycle, 'x'.repeat(2048), new Set([1])]) {
      expect(() => codec(1024).encode(value)).toThrow(NotEncodable);
    }
  });

  it('round-trips arbitrary JSON-like values with byte arrays', () => {
    const leaf = fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null), fc.uint8Array({ maxLength: 64 }));
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node'), { maxLength: 5 }),
        fc.dictionary(fc.string(), tie('node'), { maxKeys: 5 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(roundTrip(v, 64 * 1024)).toEqual(v);
      }),
    );
  });
});
