import { assert } from './assert';
import { fmix32 } from './rng';

/**
 * Application payloads are a pure function of (run seed, app, step): scenarios stay small JSON
 * (a send says how many bytes, not which), and the integrity checkers regenerate what was sent
 * instead of storing it. The generator is counter-based — byte j depends only on the key and j
 * — so any slice can be produced or checked without generating what precedes it, and a shorter
 * payload is always a prefix of a longer one.
 *
 * Byte j is byte (j mod 4) (little-endian) of word w = j div 4, where
 * word(w) = fmix32(imul(w ^ k0, 0x9e3779b1) + k1) and (k0, k1) hash the seed, app and step.
 * A 64 MB payload takes a few tens of milliseconds (one multiply-and-mix per four bytes).
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

interface PayloadKey {
  readonly k0: number;
  readonly k1: number;
}

function payloadKey(seed: number, app: number, step: number): PayloadKey {
  assert(Number.isSafeInteger(seed), `payload: seed ${seed} must be a safe integer`);
  assert(
    Number.isInteger(app) && app >= 0 && app <= 0xffffffff,
    `payload: app ${app} out of range`,
  );
  assert(
    Number.isInteger(step) && step >= 0 && step <= 0xffffffff,
    `payload: step ${step} out of range`,
  );
  const seedLo = seed >>> 0;
  const seedHi = Math.floor(seed / 2 ** 32) >>> 0;
  const k0 = fmix32(fmix32(fmix32(seedLo ^ 0x2545f491) + seedHi) ^ app);
  const k1 = fmix32(fmix32(k0 + 0x6a09e667) ^ step);
  return { k0, k1: fmix32(k1 ^ app) };
}

/** Words [first, first + count) of the keyed stream, as bytes in little-endian order. */
function fillWords(out: Uint8Array, key: PayloadKey, first: number): void {
  assert(out.byteOffset % 4 === 0 && out.length % 4 === 0, 'payload: unaligned word buffer');
  const words = new Uint32Array(out.buffer, out.byteOffset, out.length >>> 2);
  const { k0, k1 } = key;
  for (let i = 0; i < words.length; i++) {
    let h = (Math.imul((first + i) ^ k0, 0x9e3779b1) + k1) | 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    words[i] = h;
  }
  if (!LITTLE_ENDIAN) {
    for (let i = 0; i < out.length; i += 4) {
      const b0 = out[i]!;
      const b1 = out[i + 1]!;
      out[i] = out[i + 3]!;
      out[i + 1] = out[i + 2]!;
      out[i + 2] = b1;
      out[i + 3] = b0;
    }
  }
}

/**
 * Bytes [offset, offset + n) of the payload of step `step` of application `app` in a run with
 * seed `seed`. For m ≤ n, `payloadSlice(s, a, t, 0, m)` is a prefix of
 * `payloadSlice(s, a, t, 0, n)`.
 */
export function payloadSlice(
  seed: number,
  app: number,
  step: number,
  offset: number,
  n: number,
): Uint8Array {
  assert(
    Number.isSafeInteger(offset) && offset >= 0,
    `payload: offset ${offset} must be a natural number`,
  );
  assert(Number.isSafeInteger(n) && n >= 0, `payload: length ${n} must be a natural number`);
  assert(offset + n <= 4 * 2 ** 32, 'payload: slice beyond the 16 GiB stream');
  const key = payloadKey(seed, app, step);
  const firstWord = Math.floor(offset / 4);
  const skip = offset - firstWord * 4;
  const wordBytes = Math.ceil((skip + n) / 4) * 4;
  if (skip === 0 && wordBytes === n) {
    const out = new Uint8Array(n);
    fillWords(out, key, firstWord);
    return out;
  }
  const tmp = new Uint8Array(wordBytes);
  fillWords(tmp, key, firstWord);
  return tmp.slice(skip, skip + n);
}

/** The first `n` bytes of the payload of (seed, app, step). */
export function payloadBytes(seed: number, app: number, step: number, n: number): Uint8Array {
  return payloadSlice(seed, app, step, 0, n);
}

/**
 * Where `data` first differs from the payload bytes starting at `offset`, as an index into
 * `data`, or -1 if every byte matches. For integrity checks of received data.
 */
export function payloadMismatch(
  data: Uint8Array,
  seed: number,
  app: number,
  step: number,
  offset: number,
): number {
  const expected = payloadSlice(seed, app, step, offset, data.length);
  for (let i = 0; i < data.length; i++) if (data[i] !== expected[i]) return i;
  return -1;
}
