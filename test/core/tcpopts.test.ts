import { describe, expect, it } from 'vitest';
import { encodePacket } from '../../src/core/codec';
import type { DecodeError, TcpOptions } from '../../src/core/packet';
import { TH_ACK, TH_SYN } from '../../src/core/packet';
import { seq } from '../../src/core/seq';
import { decodeTcpOptions, tcpOptionsLength } from '../../src/core/tcpopts';
import { decodeErr, decodedTcp, hex, naiveChecksum, synWithRawOptions, tcp } from './frames';

/**
 * Method: the canonical layout is pinned byte for byte (both stacks must emit it), one SYN is
 * checked in full against a checksum computed by hand, and the liberal parser gets one example
 * per rule of HDR-4/HDR-5: any order and alignment, unknown options skipped, EOL, and every way
 * a length can be malformed (MUST-7).
 */

// --- TCP options ---------------------------------------------------------------------------------

describe('TCP options: the canonical layout (both stacks produce identical bytes)', () => {
  it('MSS; NOP,WSCALE; NOP,NOP,SACKOK; NOP,NOP,TS; NOP,NOP,SACK', () => {
    const options: TcpOptions = {
      sack: [{ start: seq(0x11223344), end: seq(0x55667788) }],
      timestamp: { val: 1, ecr: 0 },
      sackPermitted: true,
      wscale: 5,
      mss: 1460,
    };
    const b = encodePacket(tcp({ flags: TH_SYN | TH_ACK, options }));
    expect(hex(b.subarray(40))).toBe(
      '020405b4' +
        '01030305' +
        '01010402' +
        '0101080a' +
        '00000001' +
        '00000000' +
        '0101050a' +
        '11223344' +
        '55667788',
    );
    expect(b[32]! >>> 4).toBe(5 + 36 / 4);
    expect(tcpOptionsLength(options)).toBe(36);
  });

  it('each option alone keeps its 32-bit aligned piece', () => {
    const cases: [TcpOptions, string][] = [
      [{ mss: 536 }, '02040218'],
      [{ wscale: 14 }, '0103030e'],
      [{ sackPermitted: true }, '01010402'],
      [{ sackPermitted: false }, ''],
      [{ timestamp: { val: 0xdeadbeef, ecr: 7 } }, '0101080adeadbeef00000007'],
      [{ sack: [] }, '01010502'],
    ];
    for (const [options, bytes] of cases)
      expect(hex(encodePacket(tcp({ options })).subarray(40))).toBe(bytes);
  });

  it('a known SYN frame: every byte, including the TCP checksum, computed by hand', () => {
    const b = encodePacket(tcp({ options: { mss: 1460 } }));
    const pseudo = [10, 0, 0, 1, 10, 0, 0, 2, 0, 6, 0, 24];
    const segment = [
      0x04, 0xd2, 0x00, 0x50, 0, 0, 0x03, 0xe8, 0, 0, 0, 0, 0x60, 0x02, 0xff, 0xff, 0, 0, 0, 0,
      0x02, 0x04, 0x05, 0xb4,
    ];
    const c = naiveChecksum([...pseudo, ...segment]);
    segment[16] = c >>> 8;
    segment[17] = c & 0xff;
    const ipHeader = [0x45, 0, 0, 44, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
    const ic = naiveChecksum(ipHeader);
    ipHeader[10] = ic >>> 8;
    ipHeader[11] = ic & 0xff;
    expect(hex(b)).toBe(hex(Uint8Array.from([...ipHeader, ...segment])));
  });

  it('refuses options that do not fit in 40 bytes (a caller bug)', () => {
    const sack = Array.from({ length: 4 }, () => ({ start: seq(1), end: seq(2) }));
    expect(() => encodePacket(tcp({ options: { timestamp: { val: 1, ecr: 1 }, sack } }))).toThrow(
      /40/,
    );
  });
});

describe('TCP options: liberal parsing (HDR-4, HDR-5)', () => {
  const parse = (opts: number[]): TcpOptions => decodedTcp(synWithRawOptions(opts)).options;
  const failure = (opts: number[]): DecodeError => decodeErr(synWithRawOptions(opts));

  it('accepts options in any order and at any byte alignment', () => {
    expect(parse([8, 10, 0, 0, 0, 9, 0, 0, 0, 8, 3, 3, 7, 2, 4, 0x05, 0xb4, 4, 2])).toEqual({
      timestamp: { val: 9, ecr: 8 },
      wscale: 7,
      mss: 1460,
      sackPermitted: true,
    });
    expect(parse([1, 2, 4, 0x02, 0x18])).toEqual({ mss: 536 });
  });

  it('skips unknown options that have a length (MUST-6)', () => {
    expect(parse([30, 6, 1, 2, 3, 4, 2, 4, 0x05, 0xb4, 254, 2])).toEqual({ mss: 1460 });
  });

  it('stops at EOL: whatever follows is padding', () => {
    expect(parse([2, 4, 0x05, 0xb4, 0, 3, 3, 7])).toEqual({ mss: 1460 });
  });

  it('parses SACK blocks whose length − 2 is a multiple of 8', () => {
    expect(parse([1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4])).toEqual({
      sack: [
        { start: 1, end: 2 },
        { start: 3, end: 4 },
      ],
    });
  });

  it('rejects malformed lengths with bad-option (MUST-7)', () => {
    expect(failure([2, 0, 0, 0]).kind).toBe('bad-option'); // length 0
    expect(failure([30, 1, 0, 0]).kind).toBe('bad-option'); // length 1
    expect(failure([1, 1, 1, 30]).kind).toBe('bad-option'); // no length byte
    expect(failure([30, 9, 0, 0]).kind).toBe('bad-option'); // runs past the header
    expect(failure([2, 5, 0, 0, 0, 0, 0, 0]).kind).toBe('bad-option'); // MSS must be 4
    expect(failure([3, 4, 1, 0]).kind).toBe('bad-option'); // WSCALE must be 3
    expect(failure([4, 3, 0, 0]).kind).toBe('bad-option'); // SACKOK must be 2
    expect(failure([8, 8, 0, 0, 0, 0, 0, 0]).kind).toBe('bad-option'); // TS must be 10
    expect(failure([5, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).kind).toBe('bad-option'); // SACK 9 − 2 = 7
    expect(failure([5, 1, 0, 0])).toEqual({
      kind: 'bad-option',
      detail: 'kind 5 has length 1 < 2',
    });
  });

  it('the same rules hold when called directly on an option area', () => {
    expect(decodeTcpOptions(Uint8Array.of(1, 1, 1, 1), 0, 4)).toEqual({ ok: true, value: {} });
    expect(decodeTcpOptions(Uint8Array.of(2, 4, 1, 0), 0, 3).ok).toBe(false);
    expect(decodeTcpOptions(Uint8Array.of(9, 9, 2, 4, 1, 0), 2, 6)).toEqual({
      ok: true,
      value: { mss: 256 },
    });
  });
});
