import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Rng, fmix32 } from '../../src/core/rng';

/**
 * Method: determinism laws as properties (same seed ⇒ same stream; a fork depends only on the
 * parent's seed and its name), golden values that pin the streams (recorded counterexamples
 * replay from seeds, so a silent change of generator would break them), and coarse statistical
 * checks that the derived draws (int, float, bool, shuffle) are uniform and in range.
 */

const arbSeed = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.string());
const draw = (r: Rng, n: number): number[] => Array.from({ length: n }, () => r.nextU32());

describe('determinism', () => {
  test.prop([arbSeed])('the same seed gives the same stream', (seed) => {
    expect(draw(Rng.fromSeed(seed), 16)).toEqual(draw(Rng.fromSeed(seed), 16));
  });

  test.prop([fc.integer(), fc.integer()])(
    'different numeric seeds give different streams',
    (a, b) => {
      fc.pre(a !== b);
      expect(draw(Rng.fromSeed(a), 4)).not.toEqual(draw(Rng.fromSeed(b), 4));
    },
  );

  it('a number seed and its decimal string are different seeds', () => {
    expect(draw(Rng.fromSeed(42), 4)).not.toEqual(draw(Rng.fromSeed('42'), 4));
  });

  it('seeds that differ only above bit 32 give different streams', () => {
    expect(draw(Rng.fromSeed(1), 4)).not.toEqual(draw(Rng.fromSeed(1 + 2 ** 32), 4));
    expect(draw(Rng.fromSeed(-1), 4)).not.toEqual(draw(Rng.fromSeed(2 ** 32 - 1), 4));
  });

  it('pins the first outputs (the streams are part of the replay format)', () => {
    expect(draw(Rng.fromSeed(0), 4)).toMatchInlineSnapshot(`
      [
        1640122340,
        2045223461,
        2690304816,
        1134677929,
      ]
    `);
    expect(draw(Rng.fromSeed('mpcheck'), 4)).toMatchInlineSnapshot(`
      [
        4273057764,
        843172414,
        1821820352,
        44345703,
      ]
    `);
    expect(draw(Rng.fromSeed(1).fork('scheduler'), 4)).toMatchInlineSnapshot(`
      [
        1589698137,
        2778146725,
        2911409022,
        2797614783,
      ]
    `);
  });

  it('rejects seeds that are not safe integers or strings', () => {
    expect(() => Rng.fromSeed(1.5)).toThrow(/seed/);
    expect(() => Rng.fromSeed(Number.NaN)).toThrow(/seed/);
    expect(() => Rng.fromSeed(2 ** 60)).toThrow(/seed/);
  });

  test.prop([arbSeed, fc.nat(50)])(
    'clone continues exactly where the original is',
    (seed, skip) => {
      const r = Rng.fromSeed(seed);
      draw(r, skip);
      const c = r.clone();
      expect(draw(c, 8)).toEqual(draw(r, 8));
    },
  );
});

describe('forks', () => {
  test.prop([arbSeed, fc.string(), fc.nat(100)])(
    'a fork does not depend on how much the parent has been consumed',
    (seed, name, consumed) => {
      const fresh = Rng.fromSeed(seed).fork(name);
      const parent = Rng.fromSeed(seed);
      draw(parent, consumed);
      expect(draw(parent.fork(name), 8)).toEqual(draw(fresh, 8));
    },
  );

  test.prop([arbSeed, fc.string(), fc.string()])(
    'forks with different names differ',
    (seed, x, y) => {
      fc.pre(x !== y);
      const r = Rng.fromSeed(seed);
      expect(draw(r.fork(x), 4)).not.toEqual(draw(r.fork(y), 4));
    },
  );

  test.prop([arbSeed, fc.string()])(
    'a fork differs from its parent and from a fork of a fork',
    (seed, name) => {
      const r = Rng.fromSeed(seed);
      const f = r.fork(name);
      expect(draw(f.clone(), 4)).not.toEqual(draw(r.clone(), 4));
      expect(draw(f.fork(name), 4)).not.toEqual(draw(f.clone(), 4));
    },
  );

  it('forking does not advance the parent', () => {
    const a = Rng.fromSeed(7);
    const b = Rng.fromSeed(7);
    a.fork('x');
    a.fork('y');
    expect(draw(a, 4)).toEqual(draw(b, 4));
  });

  it('fork names are compared as whole strings (no concatenation ambiguity)', () => {
    const r = Rng.fromSeed(3);
    expect(draw(r.fork('ab').fork('c'), 2)).not.toEqual(draw(r.fork('a').fork('bc'), 2));
    expect(draw(r.fork('a\u0000'), 2)).not.toEqual(draw(r.fork('a'), 2));
  });
});

describe('derived draws', () => {
  test.prop([arbSeed, fc.integer({ min: -1e6, max: 1e6 }), fc.nat(1e6)])(
    'int(lo, hi) stays within [lo, hi]',
    (seed, lo, width) => {
      const r = Rng.fromSeed(seed);
      for (let i = 0; i < 20; i++) {
        const x = r.int(lo, lo + width);
        expect(Number.isInteger(x)).toBe(true);
        expect(x).toBeGreaterThanOrEqual(lo);
        expect(x).toBeLessThanOrEqual(lo + width);
      }
    },
  );

  it('int covers the full 32-bit and wider-than-32-bit ranges', () => {
    const r = Rng.fromSeed(11);
    for (let i = 0; i < 1000; i++) {
      const x = r.int(0, 0xffffffff);
      expect(x >= 0 && x <= 0xffffffff).toBe(true);
      const y = r.int(-(2 ** 52), 2 ** 52);
      expect(y >= -(2 ** 52) && y <= 2 ** 52).toBe(true);
    }
    expect(r.int(5, 5)).toBe(5);
    expect(() => r.int(3, 2)).toThrow(/empty range/);
    expect(() => r.int(0, 1.5)).toThrow(/safe integers/);
  });

  it('int is close to uniform (chi-square over 10 buckets)', () => {
    const r = Rng.fromSeed('uniform');
    const counts = new Array<number>(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) counts[r.int(0, 9)]!++;
    const expected = n / 10;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: P(chi2 > 27.9) ≈ 0.001.
    expect(chi2).toBeLessThan(27.9);
  });

  test.prop([arbSeed])('float is in [0, 1)', (seed) => {
    const r = Rng.fromSeed(seed);
    for (let i = 0; i < 50; i++) {
      const x = r.float();
      expect(x >= 0 && x < 1).toBe(true);
    }
  });

  it('bool(p) has frequency close to p, and 0 and 1 are certain', () => {
    const r = Rng.fromSeed(5);
    let hits = 0;
    for (let i = 0; i < 100_000; i++) if (r.bool(0.3)) hits++;
    expect(Math.abs(hits / 100_000 - 0.3)).toBeLessThan(0.01);
    for (let i = 0; i < 1000; i++) {
      expect(r.bool(0)).toBe(false);
      expect(r.bool(1)).toBe(true);
    }
    expect(() => r.bool(1.5)).toThrow(/probability/);
  });

  test.prop([arbSeed, fc.array(fc.integer(), { maxLength: 30 })])(
    'shuffle returns a permutation and leaves its input alone',
    (seed, items) => {
      const copy = items.slice();
      const out = Rng.fromSeed(seed).shuffle(items);
      expect(items).toEqual(copy);
      expect(out).not.toBe(items);
      expect([...out].sort((a, b) => a - b)).toEqual([...items].sort((a, b) => a - b));
    },
  );

  it('shuffle reaches every permutation of three items about equally often', () => {
    const r = Rng.fromSeed(9);
    const counts = new Map<string, number>();
    for (let i = 0; i < 60_000; i++) {
      const key = r.shuffle(['a', 'b', 'c']).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  test.prop([arbSeed, fc.array(fc.string(), { minLength: 1, maxLength: 10 })])(
    'pick returns one of the items',
    (seed, items) => {
      expect(items).toContain(Rng.fromSeed(seed).pick(items));
    },
  );

  it('pick refuses an empty array (a caller bug)', () => {
    expect(() => Rng.fromSeed(1).pick([])).toThrow(/no items/);
  });
});

describe('fmix32', () => {
  it('is MurmurHash3 fmix32 (known values)', () => {
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(0x514e28b7);
  });
});
