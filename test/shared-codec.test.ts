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
