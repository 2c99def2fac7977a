import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { payloadBytes, payloadMismatch, payloadSlice } from '../../src/core/payload';

/**
 * Method: payloads are a pure function of (seed, app, step), so the laws are determinism, the
 * prefix law (a short payload is a prefix of a long one), random access (any slice equals the
 * same range of the whole), and that different keys give different bytes. A timing check keeps
 * the 64 MB benchmark's payload generation well under a second.
 */

const arbSeed = fc.maxSafeInteger();
const arbApp = fc.nat(64);
const arbStep = fc.nat(1000);

describe('payloadBytes', () => {
  test.prop([arbSeed, arbApp, arbStep, fc.nat(300)])(
    'is deterministic and has the asked length',
    (s, a, t, n) => {
      const x = payloadBytes(s, a, t, n);
      expect(x.length).toBe(n);
      expect(payloadBytes(s, a, t, n)).toEqual(x);
    },
  );

  test.prop([arbSeed, arbApp, arbStep, fc.nat(300), fc.nat(300)])(
    'a shorter payload is a prefix of a longer one',
    (s, a, t, m, extra) => {
      expect(payloadBytes(s, a, t, m + extra).subarray(0, m)).toEqual(payloadBytes(s, a, t, m));
    },
  );

  test.prop([arbSeed, arbApp, arbStep, fc.nat(200), fc.nat(200)])(
    'any slice equals the same range of the whole payload',
    (s, a, t, offset, n) => {
      const whole = payloadBytes(s, a, t, offset + n);
      expect(payloadSlice(s, a, t, offset, n)).toEqual(whole.slice(offset, offset + n));
    },
  );

  it('pins the first bytes (recorded scenarios regenerate their payloads from seeds)', () => {
    expect(Buffer.from(payloadBytes(1, 2, 3, 16)).toString('hex')).toMatchInlineSnapshot(
      `"5d4b5fb49a7d343b0bb084a6e502d513"`,
    );
    expect(Buffer.from(payloadSlice(1, 2, 3, 5, 6)).toString('hex')).toBe(
      Buffer.from(payloadBytes(1, 2, 3, 11).subarray(5)).toString('hex'),
    );
  });

  test.prop([arbSeed, arbApp, arbStep])(
    'changing the seed, the app or the step changes the bytes',
    (s, a, t) => {
      const base = payloadBytes(s, a, t, 32);
      expect(payloadBytes(s + 1 <= Number.MAX_SAFE_INTEGER ? s + 1 : s - 1, a, t, 32)).not.toEqual(
        base,
      );
      expect(payloadBytes(s, a + 1, t, 32)).not.toEqual(base);
      expect(payloadBytes(s, a, t + 1, 32)).not.toEqual(base);
    },
  );

  it('(seed, app, step) are not confused with each other when swapped', () => {
    expect(payloadBytes(1, 2, 3, 16)).not.toEqual(payloadBytes(1, 3, 2, 16));
    expect(payloadBytes(2, 1, 3, 16)).not.toEqual(payloadBytes(1, 2, 3, 16));
  });

  it('looks random: every byte value appears and no long runs', () => {
    const bytes = payloadBytes(7, 0, 0, 1 << 16);
    const seen = new Set(bytes);
    expect(seen.size).toBe(256);
    let run = 1;
    let longest = 1;
    for (let i = 1; i < bytes.length; i++) {
      run = bytes[i] === bytes[i - 1] ? run + 1 : 1;
      longest = Math.max(longest, run);
    }
    expect(longest).toBeLessThan(6);
  });

  it('makes 64 MB well under a second (best of three, to ride out GC and a busy machine)', () => {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const start = process.hrtime.bigint();
      const big = payloadBytes(1, 0, i, 64 << 20);
      best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
      expect(big.length).toBe(64 << 20);
    }
    expect(best).toBeLessThan(900);
  });

  it('rejects nonsense arguments (caller bugs)', () => {
    expect(() => payloadBytes(1.5, 0, 0, 1)).toThrow(/seed/);
    expect(() => payloadBytes(1, -1, 0, 1)).toThrow(/app/);
    expect(() => payloadBytes(1, 0, 0.5, 1)).toThrow(/step/);
    expect(() => payloadBytes(1, 0, 0, -1)).toThrow(/length/);
    expect(() => payloadSlice(1, 0, 0, -1, 1)).toThrow(/offset/);
  });
});

describe('payloadMismatch', () => {
  test.prop([arbSeed, arbApp, arbStep, fc.nat(100), fc.integer({ min: 1, max: 100 })])(
    'is -1 for the right bytes and finds the first corrupted byte',
    (s, a, t, offset, n) => {
      const data = payloadSlice(s, a, t, offset, n);
      expect(payloadMismatch(data, s, a, t, offset)).toBe(-1);
      const at = n >> 1;
      const bad = data.slice();
      bad[at] = bad[at]! ^ 0x5a;
      expect(payloadMismatch(bad, s, a, t, offset)).toBe(at);
      // The same bytes claimed at another offset do not match (the stream is position-dependent).
      expect(payloadMismatch(data, s, a, t, offset + 1)).not.toBe(-1);
    },
  );
});
