import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ipAddr } from '../../src/core/addr';
import {
  checksumOfSum,
  foldSum,
  internetChecksum,
  onesSum,
  pseudoHeaderSum,
  sumVerifies,
  transportChecksum,
} from '../../src/core/checksum';

/**
 * Method: known answers from RFC 1071 and a textbook IPv4 header, a naive reference that folds
 * after every word (RFC 1071's definition, no deferred carries) compared with the fast version,
 * and the algebraic laws the codec relies on: data with its checksum appended verifies, sums
 * split at even offsets add up, and an odd byte is padded with zero.
 */

function naiveChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    sum += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return ~sum & 0xffff;
}

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('internetChecksum', () => {
  it('RFC 1071 §3 example: the sum of 0001 f203 f4f5 f6f7 is ddf2', () => {
    const data = hex('0001 f203 f4f5 f6f7');
    expect(foldSum(onesSum(data))).toBe(0xddf2);
    expect(internetChecksum(data)).toBe(0x220d);
  });

  it('a textbook IPv4 header has checksum b861', () => {
    const header = hex('4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7');
    expect(internetChecksum(header)).toBe(0xb861);
    header[10] = 0xb8;
    header[11] = 0x61;
    expect(sumVerifies(onesSum(header))).toBe(true);
    expect(internetChecksum(header)).toBe(0);
  });

  test.prop([fc.uint8Array({ maxLength: 3000 })])(
    'equals the fold-every-step reference',
    (data) => {
      expect(internetChecksum(data)).toBe(naiveChecksum(data));
    },
  );

  test.prop([
    fc.uint8Array({ maxLength: 200 }).map((a) => (a.length % 2 === 0 ? a : a.subarray(1))),
  ])('data with its checksum appended verifies', (data) => {
    const c = internetChecksum(data);
    const withSum = Uint8Array.from([...data, c >>> 8, c & 0xff]);
    expect(sumVerifies(onesSum(withSum))).toBe(true);
  });

  test.prop([
    fc.uint8Array({ minLength: 2, maxLength: 200 }),
    fc.nat(),
    fc.integer({ min: 0, max: 15 }),
  ])('a one-bit error in checksummed data is always detected', (data, at, bit) => {
    const even = data.length % 2 === 0 ? data : data.subarray(1);
    const c = internetChecksum(even);
    const withSum = Uint8Array.from([...even, c >>> 8, c & 0xff]);
    withSum[at % withSum.length]! ^= 1 << (bit % 8);
    expect(sumVerifies(onesSum(withSum))).toBe(false);
  });

  test.prop([fc.uint8Array({ maxLength: 300 }), fc.nat()])(
    'sums split at an even offset add up',
    (data, cut) => {
      const mid = (cut % (data.length + 1)) & ~1;
      const split = onesSum(data, mid, data.length, onesSum(data, 0, mid));
      expect(foldSum(split)).toBe(foldSum(onesSum(data)));
    },
  );

  test.prop([fc.uint8Array({ maxLength: 301 }).filter((a) => a.length % 2 === 1)])(
    'an odd final byte is padded with a zero byte',
    (data) => {
      expect(internetChecksum(data)).toBe(internetChecksum(Uint8Array.from([...data, 0])));
    },
  );

  test.prop([fc.uint8Array({ maxLength: 100 }), fc.nat(100), fc.nat(100)])(
    'ranges checksum like the equivalent copy',
    (data, a, b) => {
      const start = Math.min(a, data.length);
      const end = Math.min(data.length, start + b);
      expect(internetChecksum(data, start, end)).toBe(naiveChecksum(data.slice(start, end)));
    },
  );

  it('rejects a range outside the buffer (a caller bug)', () => {
    expect(() => onesSum(new Uint8Array(4), 2, 6)).toThrow(/bad range/);
  });
});

describe('foldSum', () => {
  test.prop([fc.maxSafeNat()])(
    'is congruent to the sum modulo 0xffff and at most 16 bits',
    (sum) => {
      const folded = foldSum(sum);
      expect(folded).toBeLessThanOrEqual(0xffff);
      expect(folded % 0xffff).toBe(sum % 0xffff);
      if (sum > 0) expect(folded).toBeGreaterThan(0);
    },
  );

  it('keeps −0 (0xffff) distinct from +0 for non-zero input', () => {
    expect(foldSum(0)).toBe(0);
    expect(foldSum(0xffff)).toBe(0xffff);
    expect(foldSum(0x1fffe)).toBe(0xffff);
    expect(checksumOfSum(0xffff)).toBe(0);
  });
});

describe('pseudo-header (HDR-3, UDP-4)', () => {
  it('sums src, dst, zero+protocol and the transport length', () => {
    const src = ipAddr(0xc0a80001);
    const dst = ipAddr(0xc0a800c7);
    const explicit = hex('c0a8 0001 c0a8 00c7 0011 0010');
    expect(foldSum(pseudoHeaderSum(src, dst, 17, 16))).toBe(foldSum(onesSum(explicit)));
  });

  test.prop([fc.nat(0xffffffff), fc.nat(0xffffffff), fc.uint8Array({ maxLength: 100 })])(
    'transportChecksum equals the checksum over pseudo-header ++ segment',
    (s, d, segment) => {
      const src = ipAddr(s);
      const dst = ipAddr(d);
      const pseudo = [
        s >>> 24,
        (s >>> 16) & 0xff,
        (s >>> 8) & 0xff,
        s & 0xff,
        d >>> 24,
        (d >>> 16) & 0xff,
        (d >>> 8) & 0xff,
        d & 0xff,
        0,
        6,
        segment.length >>> 8,
        segment.length & 0xff,
      ];
      expect(transportChecksum(src, dst, 6, segment)).toBe(
        naiveChecksum(Uint8Array.from([...pseudo, ...segment])),
      );
    },
  );
});
