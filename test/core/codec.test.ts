import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ipAddr, port } from '../../src/core/addr';
import {
  decodePacket,
  decodeTcpOptions,
  encodePacket,
  icmpQuote,
  readIpv4Dst,
  readIpv4Proto,
  readIpv4Src,
  readQuotedFlow,
  tcpOptionsLength,
} from '../../src/core/codec';
import type { DecodeError, Packet, TcpOptions, TcpSegment } from '../../src/core/packet';
import { ICMP_UNREACH, ICMP_UNREACH_PORT, TH_ACK, TH_SYN } from '../../src/core/packet';
import { seq } from '../../src/core/seq';
import { arbPacket } from './arbitraries';

/**
 * Method: the codec is where model and implementation meet byte for byte, so it is specified by
 * (1) round-trip properties over every valid Packet, (2) totality properties — decoding arbitrary
 * and mutated frames never throws — (3) known answers for the canonical option layout and the
 * checksums, computed here independently of src/core/checksum, and (4) one example per decode
 * error and per liberal-parsing rule (HDR-4, HDR-5, UDP-3…UDP-6).
 */

// --- independent helpers (no src/core/checksum) ------------------------------------------------

function naiveSum(bytes: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    sum += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return sum;
}
const naiveChecksum = (bytes: readonly number[]): number => ~naiveSum(bytes) & 0xffff;
const u16at = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Recompute the IP header checksum after a test edits the header. */
function fixIpChecksum(b: Uint8Array): Uint8Array {
  const ihl = (b[0]! & 0x0f) * 4;
  b[10] = 0;
  b[11] = 0;
  const c = naiveChecksum([...b.subarray(0, ihl)]);
  b[10] = c >>> 8;
  b[11] = c & 0xff;
  return b;
}

/** Recompute the TCP (proto 6) or UDP (17) checksum of a frame after a test edits it. */
function fixTransportChecksum(b: Uint8Array, fieldOffset: number): Uint8Array {
  const ihl = (b[0]! & 0x0f) * 4;
  const total = u16at(b, 2);
  const seg = b.subarray(ihl, total);
  seg[fieldOffset] = 0;
  seg[fieldOffset + 1] = 0;
  const pseudo = [...b.subarray(12, 20), 0, b[9]!, seg.length >>> 8, seg.length & 0xff];
  const c = naiveChecksum([...pseudo, ...seg]);
  seg[fieldOffset] = c >>> 8;
  seg[fieldOffset + 1] = c & 0xff;
  return b;
}

// --- fixtures ------------------------------------------------------------------------------------

const A = ipAddr(0x0a000001);
const B = ipAddr(0x0a000002);
const IP = { src: A, dst: B, ttl: 64, id: 0, tos: 0, dontFragment: true };
const SEG: TcpSegment = {
  srcPort: port(1234),
  dstPort: port(80),
  seq: seq(1000),
  ack: seq(0),
  flags: TH_SYN,
  window: 65535,
  urgent: 0,
  options: {},
  payload: new Uint8Array(0),
};
const tcp = (over: Partial<TcpSegment> = {}): Packet => ({ ip: IP, body: { proto: 'tcp', tcp: { ...SEG, ...over } } });
const udp = (payload: Uint8Array, sp = 49152, dp = 7): Packet => ({
  ip: IP,
  body: { proto: 'udp', udp: { srcPort: port(sp), dstPort: port(dp), payload } },
});
const decodeErr = (b: Uint8Array): DecodeError => {
  const r = decodePacket(b);
  if (r.ok) throw new Error(`expected a decode error, got ${JSON.stringify(r.value.body.proto)}`);
  return r.error;
};
const decodedTcp = (b: Uint8Array): TcpSegment => {
  const r = decodePacket(b);
  if (!r.ok || r.value.body.proto !== 'tcp') throw new Error(`not a TCP segment: ${JSON.stringify(r)}`);
  return r.value.body.tcp;
};

/** A SYN frame whose option bytes are exactly `opts` (padded to 4 with EOL), checksums fixed. */
function synWithRawOptions(opts: readonly number[]): Uint8Array {
  const padded = [...opts, ...new Array<number>((4 - (opts.length % 4)) % 4).fill(0)];
  const base = encodePacket(tcp());
  const frame = new Uint8Array(base.length + padded.length);
  frame.set(base.subarray(0, 40));
  frame.set(padded, 40);
  frame[2] = frame.length >>> 8;
  frame[3] = frame.length & 0xff;
  frame[32] = ((20 + padded.length) / 4) << 4;
  return fixTransportChecksum(fixIpChecksum(frame), 16);
}

// --- round trips and totality --------------------------------------------------------------------

describe('round trip', () => {
  test.prop([arbPacket, fc.boolean()])('decode(encode(p)) equals p for every valid packet', (p, udpChecksum) => {
    const bytes = encodePacket(p, { udpChecksum });
    const r = decodePacket(bytes);
    expect(r).toEqual({ ok: true, value: p });
  });

  test.prop([arbPacket])('encoding is canonical: encode(decode(encode(p))) is the same bytes', (p) => {
    const bytes = encodePacket(p);
    const r = decodePacket(bytes);
    expect(r.ok && hex(encodePacket(r.value))).toBe(hex(bytes));
  });

  test.prop([arbPacket])('the IP header is 20 bytes, DF as asked, no fragmentation, valid checksum', (p) => {
    const b = encodePacket(p);
    expect(b[0]).toBe(0x45);
    expect(u16at(b, 2)).toBe(b.length);
    expect(u16at(b, 6)).toBe(p.ip.dontFragment ? 0x4000 : 0);
    expect(naiveSum([...b.subarray(0, 20)])).toBe(0xffff);
  });
});

describe('decoding never throws', () => {
  const isDecodeError = (e: DecodeError): boolean =>
    ['truncated', 'bad-version', 'bad-header-length', 'bad-length', 'bad-checksum', 'bad-option', 'fragment',
      'unknown-protocol'].includes(e.kind);

  test.prop([fc.uint8Array({ maxLength: 120 })])('on arbitrary bytes', (bytes) => {
    const r = decodePacket(bytes);
    if (!r.ok) expect(isDecodeError(r.error)).toBe(true);
  });

  test.prop([fc.uint8Array({ maxLength: 100 }).map((b) => {
    // Mostly-plausible headers reach deeper layers than random bytes do.
    const f = Uint8Array.from([0x45, 0, 0, 0, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, ...b]);
    f[2] = f.length >>> 8;
    f[3] = f.length & 0xff;
    f[9] = [1, 6, 17][b.length % 3]!;
    return fixIpChecksum(f);
  })])('on arbitrary transports behind a valid IP header', (bytes) => {
    const r = decodePacket(bytes);
    if (!r.ok) expect(isDecodeError(r.error)).toBe(true);
  });

  const arbMutation = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('append' as const), extra: fc.uint8Array({ maxLength: 20 }) }),
  );
  test.prop([arbPacket, fc.array(arbMutation, { minLength: 1, maxLength: 5 }), fc.boolean(), fc.boolean()])(
    'on mutated valid frames (with checksums refreshed or not)',
    (p, mutations, refreshIp, refreshTransport) => {
      let b = encodePacket(p);
      for (const m of mutations) {
        if (m.kind === 'set' && b.length > 0) b[m.at % b.length] = m.value;
        if (m.kind === 'truncate') b = b.slice(0, m.at % (b.length + 1));
        if (m.kind === 'append') b = Uint8Array.from([...b, ...m.extra]);
      }
      if (refreshIp && b.length >= 20 && (b[0]! & 0x0f) * 4 <= b.length) fixIpChecksum(b);
      if (refreshTransport && b.length >= 40 && u16at(b, 2) <= b.length && u16at(b, 2) >= 40 && b[0] === 0x45) {
        if (b[9] === 6) fixTransportChecksum(b, 16);
        if (b[9] === 17) fixTransportChecksum(b, 6);
      }
      const r = decodePacket(b);
      if (!r.ok) expect(isDecodeError(r.error)).toBe(true);
    },
  );
});

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
      '020405b4' + '01030305' + '01010402' + '0101080a' + '00000001' + '00000000' + '0101050a' + '11223344' + '55667788',
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
    for (const [options, bytes] of cases) expect(hex(encodePacket(tcp({ options })).subarray(40))).toBe(bytes);
  });

  it('a known SYN frame: every byte, including the TCP checksum, computed by hand', () => {
    const b = encodePacket(tcp({ options: { mss: 1460 } }));
    const pseudo = [10, 0, 0, 1, 10, 0, 0, 2, 0, 6, 0, 24];
    const segment = [0x04, 0xd2, 0x00, 0x50, 0, 0, 0x03, 0xe8, 0, 0, 0, 0, 0x60, 0x02, 0xff, 0xff, 0, 0, 0, 0,
      0x02, 0x04, 0x05, 0xb4];
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
    expect(() => encodePacket(tcp({ options: { timestamp: { val: 1, ecr: 1 }, sack } }))).toThrow(/40/);
  });
});

describe('TCP options: liberal parsing (HDR-4, HDR-5)', () => {
  const parse = (opts: number[]): TcpOptions => decodedTcp(synWithRawOptions(opts)).options;
  const failure = (opts: number[]): DecodeError => decodeErr(synWithRawOptions(opts));

  it('accepts options in any order and at any byte alignment', () => {
    expect(parse([8, 10, 0, 0, 0, 9, 0, 0, 0, 8, 3, 3, 7, 2, 4, 0x05, 0xb4, 4, 2])).toEqual({
      timestamp: { val: 9, ecr: 8 }, wscale: 7, mss: 1460, sackPermitted: true,
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
      sack: [{ start: 1, end: 2 }, { start: 3, end: 4 }],
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
    expect(failure([5, 1, 0, 0])).toEqual({ kind: 'bad-option', detail: 'kind 5 has length 1 < 2' });
  });

  it('the same rules hold when called directly on an option area', () => {
    expect(decodeTcpOptions(Uint8Array.of(1, 1, 1, 1), 0, 4)).toEqual({ ok: true, value: {} });
    expect(decodeTcpOptions(Uint8Array.of(2, 4, 1, 0), 0, 3).ok).toBe(false);
    expect(decodeTcpOptions(Uint8Array.of(9, 9, 2, 4, 1, 0), 2, 6)).toEqual({ ok: true, value: { mss: 256 } });
  });
});

// --- checksums -----------------------------------------------------------------------------------

describe('checksums', () => {
  test.prop([arbPacket, fc.nat(), fc.integer({ min: 0, max: 7 })])(
    'a flipped bit anywhere is reported (as bad-checksum, unless it breaks the structure first)',
    (p, at, bit) => {
      const b = encodePacket(p);
      const i = at % b.length;
      b[i]! ^= 1 << bit;
      const r = decodePacket(b);
      if (r.ok) {
        // Only a UDP checksum flipped to 0 ("none computed", UDP-5) can escape detection.
        expect(p.body.proto === 'udp' && (i === 26 || i === 27) && u16at(b, 26) === 0).toBe(true);
        return;
      }
      const e = r.error;
      if (i >= 10 && i < 20) expect(e).toEqual({ kind: 'bad-checksum', layer: 'ip' });
      if (i >= 20 && e.kind === 'bad-checksum') expect(e.layer).toBe(p.body.proto);
      if (i >= 20 && e.kind !== 'bad-checksum') expect(['bad-header-length', 'bad-length']).toContain(e.kind);
    },
  );

  it('UDP checksum 0 means none: accepted whatever the data (UDP-5, UDP-6)', () => {
    const b = encodePacket(udp(Uint8Array.of(1, 2, 3)), { udpChecksum: false });
    expect(u16at(b, 26)).toBe(0);
    b[28] = 99;
    const r = decodePacket(b);
    expect(r.ok && r.value.body.proto === 'udp' && [...r.value.body.udp.payload]).toEqual([99, 2, 3]);
  });

  it('a computed UDP checksum of 0 is sent as 0xFFFF and verifies (UDP-5)', () => {
    const payload = new Uint8Array(4);
    const probe = encodePacket(udp(payload), { udpChecksum: false });
    const pseudo = [10, 0, 0, 1, 10, 0, 0, 2, 0, 17, 0, 12];
    const s = naiveSum([...pseudo, ...probe.subarray(20)]);
    // Choose one data word so the sum becomes 0xffff, i.e. a computed checksum of 0.
    payload[0] = (0xffff - s) >>> 8;
    payload[1] = (0xffff - s) & 0xff;
    const b = encodePacket(udp(payload));
    expect(u16at(b, 26)).toBe(0xffff);
    expect(decodePacket(b).ok).toBe(true);
  });

  it('UDP with a wrong non-zero checksum is bad-checksum (UDP-6)', () => {
    const b = encodePacket(udp(Uint8Array.of(1, 2, 3)));
    b[30] ^= 0xff;
    expect(decodeErr(b)).toEqual({ kind: 'bad-checksum', layer: 'udp' });
  });

  it('the TCP checksum is always verified (HDR-3)', () => {
    const b = encodePacket(tcp({ payload: Uint8Array.of(1, 2, 3) }));
    b[b.length - 1] ^= 1;
    expect(decodeErr(b)).toEqual({ kind: 'bad-checksum', layer: 'tcp' });
  });

  it('the ICMP checksum is verified', () => {
    const b = encodePacket({ ip: IP, body: { proto: 'icmp', icmp: { type: 3, code: 3, quoted: new Uint8Array(28) } } });
    b[30] ^= 4;
    expect(decodeErr(b)).toEqual({ kind: 'bad-checksum', layer: 'icmp' });
  });
});

// --- IP layer ------------------------------------------------------------------------------------

describe('IP header decoding', () => {
  const frame = (): Uint8Array => encodePacket(udp(Uint8Array.of(1, 2, 3, 4)));

  it('reports each malformation as a value', () => {
    expect(decodeErr(new Uint8Array(3))).toEqual({ kind: 'truncated', layer: 'ip', need: 20, have: 3 });
    const v6 = frame();
    v6[0] = 0x65;
    expect(decodeErr(v6)).toEqual({ kind: 'bad-version', version: 6 });
    const shortIhl = frame();
    shortIhl[0] = 0x44;
    expect(decodeErr(shortIhl)).toEqual({ kind: 'bad-header-length', layer: 'ip', value: 16 });
    const longIhl = frame().slice(0, 24);
    longIhl[0] = 0x4f;
    expect(decodeErr(longIhl)).toEqual({ kind: 'truncated', layer: 'ip', need: 60, have: 24 });
    const tooLong = frame();
    tooLong[3] = 200;
    expect(decodeErr(fixIpChecksum(tooLong))).toEqual({ kind: 'truncated', layer: 'ip', need: 200, have: 32 });
    const tooShort = frame();
    tooShort[3] = 10;
    expect(decodeErr(fixIpChecksum(tooShort))).toEqual({ kind: 'bad-length', layer: 'ip', value: 10 });
    const proto = frame();
    proto[9] = 47;
    expect(decodeErr(fixIpChecksum(proto))).toEqual({ kind: 'unknown-protocol', proto: 47 });
  });

  it('fragments are reported, never parsed (more-fragments flag or an offset)', () => {
    const mf = frame();
    mf[6] = 0x20;
    expect(decodeErr(fixIpChecksum(mf))).toEqual({ kind: 'fragment' });
    const off = frame();
    off[6] = 0x40;
    off[7] = 1;
    expect(decodeErr(fixIpChecksum(off))).toEqual({ kind: 'fragment' });
  });

  it('skips IP options on input', () => {
    const plain = frame();
    const withOpts = new Uint8Array(plain.length + 4);
    withOpts.set(plain.subarray(0, 20));
    withOpts.set([1, 1, 1, 0], 20); // NOP NOP NOP EOL
    withOpts.set(plain.subarray(20), 24);
    withOpts[0] = 0x46;
    withOpts[3] = withOpts.length;
    expect(decodePacket(fixIpChecksum(withOpts))).toEqual(decodePacket(plain));
  });

  it('ignores link padding after the IP total length', () => {
    const plain = frame();
    expect(decodePacket(Uint8Array.from([...plain, 0, 0, 0, 0, 0, 0]))).toEqual(decodePacket(plain));
  });
});

describe('transport length checks', () => {
  it('TCP: a header shorter than 20 bytes or a data offset outside the segment', () => {
    const t = encodePacket(tcp());
    expect(decodeErr(fixIpChecksum(Uint8Array.from([...t.subarray(0, 30)].map((x, i) => (i === 3 ? 30 : x))))))
      .toEqual({ kind: 'truncated', layer: 'tcp', need: 20, have: 10 });
    t[32] = 0x40;
    expect(decodeErr(t)).toEqual({ kind: 'bad-header-length', layer: 'tcp', value: 16 });
    t[32] = 0x60;
    expect(decodeErr(t)).toEqual({ kind: 'bad-header-length', layer: 'tcp', value: 24 });
  });

  it('UDP: length field below 8 or beyond the IP payload (UDP-3, UP-11)', () => {
    const u = encodePacket(udp(Uint8Array.of(1, 2)));
    u[25] = 7;
    expect(decodeErr(u)).toEqual({ kind: 'bad-length', layer: 'udp', value: 7 });
    u[25] = 11;
    expect(decodeErr(u)).toEqual({ kind: 'bad-length', layer: 'udp', value: 11 });
  });

  it('UDP: a length field shorter than the IP payload trims the data', () => {
    const u = encodePacket(udp(Uint8Array.of(1, 2, 3, 4)), { udpChecksum: false });
    u[25] = 10;
    const r = decodePacket(u);
    expect(r.ok && r.value.body.proto === 'udp' && [...r.value.body.udp.payload]).toEqual([1, 2]);
  });

  it('UDP and ICMP shorter than their 8-byte headers are truncated', () => {
    const u = encodePacket(udp(new Uint8Array(0))).slice(0, 24);
    u[3] = 24;
    expect(decodeErr(fixIpChecksum(u))).toEqual({ kind: 'truncated', layer: 'udp', need: 8, have: 4 });
    const i = encodePacket({ ip: IP, body: { proto: 'icmp', icmp: { type: 0, code: 0, quoted: new Uint8Array(0) } } });
    const short = i.slice(0, 25);
    short[3] = 25;
    expect(decodeErr(fixIpChecksum(short))).toEqual({ kind: 'truncated', layer: 'icmp', need: 8, have: 5 });
  });

  it('decoded payloads are copies: mutating the frame later does not change them', () => {
    const b = encodePacket(udp(Uint8Array.of(5, 6)));
    const seg = decodePacket(b);
    b[28] = 0;
    expect(seg.ok && seg.value.body.proto === 'udp' && [...seg.value.body.udp.payload]).toEqual([5, 6]);
  });
});

// --- cheap reads and ICMP quotes -----------------------------------------------------------------

describe('header reads without decoding', () => {
  test.prop([arbPacket])('readIpv4Src/Dst/Proto agree with the full decode', (p) => {
    const b = encodePacket(p);
    expect(readIpv4Src(b)).toBe(p.ip.src);
    expect(readIpv4Dst(b)).toBe(p.ip.dst);
    expect(readIpv4Proto(b)).toBe({ tcp: 6, udp: 17, icmp: 1 }[p.body.proto]);
  });

  it('are null for frames too short or not IPv4', () => {
    expect(readIpv4Dst(new Uint8Array(19))).toBeNull();
    expect(readIpv4Src(new Uint8Array(40))).toBeNull();
    expect(readIpv4Proto(Uint8Array.from({ length: 20 }, () => 0x60))).toBeNull();
  });

  it('icmpQuote keeps the IP header and 8 payload bytes unchanged (UDP-8)', () => {
    const dgram = encodePacket(udp(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9)));
    const quoted = icmpQuote(dgram);
    expect(hex(quoted)).toBe(hex(dgram.subarray(0, 28)));
    expect(readQuotedFlow(quoted)).toEqual({ src: A, dst: B, proto: 17, srcPort: 49152, dstPort: 7 });
    expect(icmpQuote(dgram.subarray(0, 24)).length).toBe(24);
    expect(readQuotedFlow(quoted.subarray(0, 23))).toBeNull();
    const icmp: Packet = { ip: { ...IP, src: B, dst: A }, body: { proto: 'icmp', icmp: { type: ICMP_UNREACH, code: ICMP_UNREACH_PORT, quoted } } };
    expect(decodePacket(encodePacket(icmp))).toEqual({ ok: true, value: icmp });
  });
});

describe('encoder preconditions (caller bugs assert)', () => {
  it('refuses out-of-range fields', () => {
    expect(() => encodePacket(tcp({ window: 65536 }))).toThrow(/window/);
    expect(() => encodePacket(tcp({ flags: 256 }))).toThrow(/flags/);
    expect(() => encodePacket({ ...tcp(), ip: { ...IP, ttl: 300 } })).toThrow(/TTL/);
    expect(() => encodePacket(udp(new Uint8Array(65535 - 27)))).toThrow(/IPv4 maximum/);
    expect(() => encodePacket(tcp({ options: { mss: 70000 } }))).toThrow(/MSS/);
  });
});

describe('speed', () => {
  it('encodes and decodes 50k full-sized segments quickly (the 64 MB transfer)', () => {
    const payload = new Uint8Array(1448).map((_, i) => i * 7);
    const p = tcp({ flags: TH_ACK, payload, options: { timestamp: { val: 1, ecr: 2 } } });
    const start = process.hrtime.bigint();
    let bytes = 0;
    for (let i = 0; i < 50_000; i++) {
      const frame = encodePacket(p);
      const r = decodePacket(frame);
      if (!r.ok) throw new Error('decode failed');
      bytes += frame.length;
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    expect(bytes).toBe(50_000 * 1500);
    expect(ms).toBeLessThan(3000);
  });
});
