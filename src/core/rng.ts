import { assert } from './assert';

/**
 * The one source of randomness under src/ (STYLE P9). A run has one seed; every consumer takes a
 * named fork (`rng.fork('link:0:ab')`), and a fork's stream is derived by hashing the parent's
 * *seed key* with the name — not the parent's current state — so adding or removing a consumer,
 * or drawing more numbers from the parent, never shifts anyone else's stream.
 *
 * Generator: sfc32 (Chris Doty-Humphrey's Small Fast Chaotic PRNG, from PractRand), 128 bits of
 * state, passes PractRand and BigCrush, and needs only 32-bit integer operations. Seeds and fork
 * names are absorbed into a 128-bit key with MurmurHash3's fmix32 finalizer.
 *
 * The streams are part of the replay format: a recorded counterexample names a seed, so changing
 * anything here changes what old seeds mean. test/core/rng.test.ts pins the first outputs.
 */

type Key = readonly [number, number, number, number];

/** MurmurHash3's 32-bit finalizer: full avalanche of one word. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hex digits of π: an initial key with no structure of our choosing. */
const KEY_IV: Key = [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344];
const GOLDEN = 0x9e3779b9;

/** Domain tags, so a number seed, a string seed and a fork name never absorb alike. */
const TAG_NUMBER = 1;
const TAG_STRING = 2;
const TAG_FORK = 3;

/** Absorb words into a 128-bit key; each lane feeds the next so every word reaches all four. */
function absorb(key: Key, words: readonly number[]): Key {
  let [a, b, c, d] = key;
  for (const w of words) {
    a = fmix32((a ^ w) + GOLDEN);
    b = fmix32((b + a) ^ 0x7f4a7c15);
    c = fmix32(c ^ b);
    d = fmix32((d + c) ^ a);
  }
  // Finalize: two cross rounds so the last word also reaches lanes it fed only indirectly.
  for (let r = 0; r < 2; r++) {
    a = fmix32(a ^ d);
    b = fmix32(b ^ a);
    c = fmix32(c ^ b);
    d = fmix32(d ^ c);
  }
  return [a, b, c, d];
}

const utf8 = new TextEncoder();

/** A string as words: its UTF-8 length, then its bytes packed four to a word. */
function stringWords(text: string): number[] {
  const bytes = utf8.encode(text);
  const words = [bytes.length];
  for (let i = 0; i < bytes.length; i += 4) {
    words.push(
      ((bytes[i]! << 24) |
        ((bytes[i + 1] ?? 0) << 16) |
        ((bytes[i + 2] ?? 0) << 8) |
        (bytes[i + 3] ?? 0)) >>>
        0,
    );
  }
  return words;
}

function seedKey(seed: number | string): Key {
  if (typeof seed === 'string') return absorb(KEY_IV, [TAG_STRING, ...stringWords(seed)]);
  assert(Number.isSafeInteger(seed), `Rng seed ${seed} must be a safe integer or a string`);
  return absorb(KEY_IV, [TAG_NUMBER, seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0]);
}

const TWO_32 = 2 ** 32;
const TWO_53 = 2 ** 53;

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private counter: number;

  private constructor(private readonly key: Key) {
    [this.a, this.b, this.c, this.counter] = key;
    // sfc32 seeding practice: run a few rounds so nearby keys decorrelate before first use.
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** A generator for a run's seed; the same seed always gives the same stream. */
  static fromSeed(seed: number | string): Rng {
    return new Rng(seedKey(seed));
  }

  /** An independent stream named `name`: depends only on this generator's seed and the name. */
  fork(name: string): Rng {
    return new Rng(absorb(this.key, [TAG_FORK, ...stringWords(name)]));
  }

  /** A copy at the same position: both then produce the same numbers. */
  clone(): Rng {
    const r = new Rng(this.key);
    r.a = this.a;
    r.b = this.b;
    r.c = this.c;
    r.counter = this.counter;
    return r;
  }

  /** The next uniformly distributed unsigned 32-bit integer (one sfc32 step). */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.counter) | 0;
    this.counter = (this.counter + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform integer in [lo, hi], both inclusive, without modulo bias (rejection sampling). */
  int(lo: number, hi: number): number {
    assert(
      Number.isSafeInteger(lo) && Number.isSafeInteger(hi),
      `Rng.int: bounds ${lo}, ${hi} must be safe integers`,
    );
    assert(lo <= hi, `Rng.int: empty range [${lo}, ${hi}]`);
    const span = hi - lo + 1;
    assert(span <= TWO_53, `Rng.int: range [${lo}, ${hi}] wider than 2^53`);
    if (span <= TWO_32) {
      const limit = TWO_32 - (TWO_32 % span);
      for (;;) {
        const x = this.nextU32();
        if (x < limit) return lo + (x % span);
      }
    }
    const limit = TWO_53 - (TWO_53 % span);
    for (;;) {
      const x = this.nextU53();
      if (x < limit) return lo + (x % span);
    }
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  float(): number {
    return this.nextU53() / TWO_53;
  }

  /** True with probability `p`. */
  bool(p = 0.5): boolean {
    assert(p >= 0 && p <= 1, `Rng.bool: probability ${p} outside [0, 1]`);
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, 'Rng.pick: no items to pick from');
    return items[this.int(0, items.length - 1)]!;
  }

  /** The items in a new array, in uniformly random order (Fisher–Yates); the input is kept. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const tmp = out[i]!;
      out[i] = out[j]!;
      out[j] = tmp;
    }
    return out;
  }

  private nextU53(): number {
    const hi = this.nextU32() >>> 11;
    const lo = this.nextU32();
    return hi * TWO_32 + lo;
  }
}
