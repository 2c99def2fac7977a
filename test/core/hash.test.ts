import { createHash } from 'node:crypto';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { canonicalString, stableHash, traceHash } from '../../src/core/hash';
import { deliveryId, frameId, hostId } from '../../src/core/ids';
import { instant } from '../../src/core/time';
import type { TraceEvent } from '../../src/core/trace';

/**
 * Method: the hash is sha256 over a documented canonical text, so tests pin that text for
 * examples of every kind of value, then check the laws that make it canonical (key order does
 * not matter, content does) and that a trace hash is the hash of its events' lines.
 */

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

const sampleTrace = (): TraceEvent[] => [
  { seq: 0, t: instant(0), kind: 'phase', phase: 'safety' },
  {
    seq: 1,
    t: instant(10),
    kind: 'frame-sent',
    host: hostId(0),
    frame: frameId(1),
    bytes: Uint8Array.of(0x45, 0, 0xff),
  },
  {
    seq: 2,
    t: instant(110),
    kind: 'frame-delivered',
    host: hostId(1),
    frame: frameId(1),
    delivery: deliveryId(1),
  },
];

describe('canonicalString', () => {
  it('writes each kind of value as documented', () => {
    expect(canonicalString(null)).toBe('null');
    expect(canonicalString(undefined)).toBe('undefined');
    expect(canonicalString([true, false])).toBe('[true,false]');
    expect(canonicalString([1, -0, 1.5, -2e-7, Number.NaN, Infinity, -Infinity])).toBe(
      '[1,0,1.5,-2e-7,NaN,Infinity,-Infinity]',
    );
    expect(canonicalString('a"\n')).toBe('"a\\"\\n"');
    expect(canonicalString(Uint8Array.of(0, 0xab, 0x10))).toBe('x"00ab10"');
    expect(canonicalString(Uint8Array.of(1, 2, 3, 4).subarray(1, 3))).toBe('x"0203"');
    expect(canonicalString({ b: 1, a: [undefined, { d: undefined, c: 'x' }] })).toBe(
      '{"a":[undefined,{"c":"x"}],"b":1}',
    );
    expect(canonicalString(Object.create(null) as object)).toBe('{}');
  });

  it('distinguishes bytes from arrays and from strings that look alike', () => {
    const values = [Uint8Array.of(1, 2), [1, 2], 'x"0102"', '0102', { 0: 1, 1: 2 }];
    expect(new Set(values.map(canonicalString)).size).toBe(values.length);
  });

  it('refuses values with no canonical form (a trace must be plain data)', () => {
    expect(() => canonicalString(1n)).toThrow(/bigint/);
    expect(() => canonicalString({ f: () => 1 })).toThrow(/function/);
    expect(() => canonicalString(new Map())).toThrow(/Map/);
    expect(() => canonicalString(new Uint16Array(2))).toThrow(/Uint16Array/);
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    expect(() => canonicalString(cyclic)).toThrow(/cycle/);
  });

  it('allows the same object twice when it is not its own ancestor', () => {
    const shared = { x: 1 };
    expect(canonicalString([shared, shared])).toBe('[{"x":1},{"x":1}]');
  });
});

describe('stableHash', () => {
  it('is sha256 of the canonical text', () => {
    expect(stableHash({})).toBe(sha256('{}'));
    expect(stableHash({ b: 2, a: 1 })).toBe(sha256('{"a":1,"b":2}'));
  });

  const arbJson = fc.jsonValue();

  test.prop([arbJson])('does not depend on key insertion order', (v) => {
    const reversed = (x: unknown): unknown => {
      if (Array.isArray(x)) return x.map(reversed);
      if (x !== null && typeof x === 'object') {
        const entries = Object.entries(x).reverse();
        return Object.fromEntries(entries.map(([k, y]) => [k, reversed(y)]));
      }
      return x;
    };
    expect(stableHash(reversed(v))).toBe(stableHash(v));
  });

  test.prop([arbJson])('is valid JSON that parses back to the value, for JSON values', (v) => {
    const noNegativeZero = (x: unknown): unknown => {
      if (Array.isArray(x)) return x.map(noNegativeZero);
      if (x !== null && typeof x === 'object') {
        return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, noNegativeZero(y)]));
      }
      return Object.is(x, -0) ? 0 : x;
    };
    expect(JSON.parse(canonicalString(v))).toStrictEqual(noNegativeZero(v));
  });

  test.prop([fc.jsonValue(), fc.jsonValue()])('different values hash differently', (a, b) => {
    fc.pre(canonicalString(a) !== canonicalString(b));
    expect(stableHash(a)).not.toBe(stableHash(b));
  });
});

describe('traceHash', () => {
  it('is sha256 of the events’ canonical lines, each ending in a newline', () => {
    const trace = sampleTrace();
    expect(traceHash(trace)).toBe(sha256(trace.map((e) => `${canonicalString(e)}\n`).join('')));
    expect(traceHash([])).toBe(sha256(''));
  });

  it('changes with any byte of a frame, and with event order', () => {
    const trace = sampleTrace();
    const base = traceHash(trace);
    const altered = sampleTrace();
    const sent = altered[1]!;
    if (sent.kind === 'frame-sent') sent.bytes[2] = 0xfe;
    expect(traceHash(altered)).not.toBe(base);
    expect(traceHash([trace[0]!, trace[2]!, trace[1]!])).not.toBe(base);
  });

  it('does not depend on how events were built (key order, frozen or not)', () => {
    const trace = sampleTrace();
    const rebuilt = trace.map(
      (e) => Object.freeze(Object.fromEntries(Object.entries(e).reverse())) as TraceEvent,
    );
    expect(traceHash(rebuilt)).toBe(traceHash(trace));
  });

  it('pins a known trace hash (it is part of recorded determinism checks)', () => {
    expect(traceHash(sampleTrace())).toMatchInlineSnapshot(
      `"979bd5cdab8920564ed30ef70ff9f2333b956221f4d46edb79d255ce4573361a"`,
    );
  });
});
