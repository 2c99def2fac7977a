import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  decodePacket,
  encodePacket,
  icmpQuote,
  readIpv4Dst,
  readIpv4Proto,
  readIpv4Src,
  readQuotedFlow,
} from '../../src/core/codec';
import type { DecodeError, Packet } from '../../src/core/packet';
import { ICMP_UNREACH, ICMP_UNREACH_PORT, TH_ACK } from '../../src/core/packet';
import { arbPacket } from './arbitraries';
import {
  A,
  B,
  IP,
  decodeErr,
  fixIpChecksum,
  fixTransportChecksum,
  hex,
  naiveSum,
  tcp,
  u16at,
  udp,
} from './frames';

/**
 * Method: the codec is where model and implementation meet byte for byte, so it is specified by
 * (1) round-trip properties over every valid Packet, (2) totality properties — decoding arbitrary
 * and mutated frames never throws — (3) checksum behaviour, checked with arithmetic written
 * independently of src/core/checksum (frames.ts), and (4) one example per decode error and per
 * length rule (UDP-3…UDP-6). TCP options have their own file, tcpopts.test.ts.
 */

// --- round trips and totality --------------------------------------------------------------------

describe('round trip', () => {
  test.prop([arbPacket, fc.boolean()])(
    'decode(encode(p)) equals p for every valid packet',
    (p, udpChecksum) => {
      const bytes = encodePacket(p, { udpChecksum });
      const r = decodePacket(bytes);
      expect(r).toEqual({ ok: true, value: p });
    },
  );

  test.prop([arbPacket])(
    'encoding is canonical: encode(decode(encode(p))) is the same bytes',
    (p) => {
      const bytes = encodePacket(p);
      const r = decodePacket(bytes);
      expect(r.ok && hex(encodePacket(r.value))).toBe(hex(bytes));
    },
  );

  test.prop([arbPacket])(
    'the IP header is 20 bytes, DF as asked, no fragmentation, valid checksum',
    (p) => {
      const b = encodePacket(p);
      expect(b[0]).toBe(0x45);
      expect(u16at(b, 2)).toBe(b.length);
      expect(u16at(b, 6)).toBe(p.ip.dontFragment ? 0x4000 : 0);
      expect(naiveSum([...b.subarray(0, 20)])).toBe(0xffff);
    },
  );
});

describe('decoding never throws', () => {
  const isDecodeError = (e: DecodeError): boolean =>
    [
      'truncated',
      'bad-version',
      'bad-header-length',
      'bad-length',
      'bad-checksum',
      'bad-option',
      'fragment',
      'unknown-protocol',
    ].includes(e.kind);

  test.prop([fc.uint8Array({ maxLength: 120 })])('on arbitrary bytes', (bytes) => {
    const r = decodePacket(bytes);
    if (!r.ok) expect(isDecodeError(r.error)).toBe(true);
  });

  test.prop([
    fc.uint8Array({ maxLength: 100 }).map((b) => {
      // Mostly-plausible headers reach deeper layers than random bytes do.
      const f = Uint8Array.from([
        0x45,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        64,
        6,
        0,
        0,
        10,
        0,
        0,
        1,
        10,
        0,
        0,
        2,
        ...b,
      ]);
      f[2] = f.length >>> 8;
      f[3] = f.length & 0xff;
      f[9] = [1, 6, 17][b.length % 3]!;
      return fixIpChecksum(f);
    }),
  ])('on arbitrary transports behind a valid IP header', (bytes) => {
    const r = decodePacket(bytes);
    if (!r.ok) expect(isDecodeError(r.error)).toBe(true);
  });

  const arbMutation = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('append' as const), extra: fc.uint8Array({ maxLength: 20 }) }),
  );
  test.prop([
    arbPacket,
    fc.array(arbMutation, { minLength: 1, maxLength: 5 }),
    fc.boolean(),
    fc.boolean(),
  ])(
    'on mutated valid frames (with checksums refreshed or not)',
    (p, mutations, refreshIp, refreshTransport) => {
      let b = encodePacket(p);
      for (const m of mutations) {
        if (m.kind === 'set' && b.length > 0) b[m.at % b.length] = m.value;
        if (m.kind === 'truncate') b = b.slice(0, m.at % (b.length + 1));
        if (m.kind === 'append') b = Uint8Array.from([...b, ...m.extra]);
      }
      if (refreshIp && b.length >= 20 && (b[0]! & 0x0f) * 4 <= b.length) fixIpChecksum(b);
      if (
        refreshTransport &&
        b.length >= 40 &&
        u16at(b, 2) <= b.length &&
        u16at(b, 2) >= 40 &&
        b[0] === 0x45
      ) {
        if (b[9] === 6) fixTransportChecksum(b, 16);
        if (b[9] === 17) fixTransportChecksum(b, 6);
      }
      const r = decodePacket(b);
      if (!r.ok) expect(isDecodeError(r.error)).toBe(true);
    },
  );
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
      if (i >= 20 && e.kind !== 'bad-checksum')
        expect(['bad-header-length', 'bad-length']).toContain(e.kind);
    },
  );

  it('UDP checksum 0 means none: accepted whatever the data (UDP-5, UDP-6)', () => {
    const b = encodePacket(udp(Uint8Array.of(1, 2, 3)), { udpChecksum: false });
    expect(u16at(b, 26)).toBe(0);
    b[28] = 99;
    const r = decodePacket(b);
    expect(r.ok && r.value.body.proto === 'udp' && [...r.value.body.udp.payload]).toEqual([
      99, 2, 3,
    ]);
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
    const b = encodePacket({
      ip: IP,
      body: { proto: 'icmp', icmp: { type: 3, code: 3, quoted: new Uint8Array(28) } },
    });
    b[30] ^= 4;
    expect(decodeErr(b)).toEqual({ kind: 'bad-checksum', layer: 'icmp' });
  });
});

// --- IP layer ------------------------------------------------------------------------------------

describe('IP header decoding', () => {
  const frame = (): Uint8Array => encodePacket(udp(Uint8Array.of(1, 2, 3, 4)));

  it('reports each malformation as a value', () => {
    expect(decodeErr(new Uint8Array(3))).toEqual({
      kind: 'truncated',
      layer: 'ip',
      need: 20,
      have: 3,
    });
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
    expect(decodeErr(fixIpChecksum(tooLong))).toEqual({
      kind: 'truncated',
      layer: 'ip',
      need: 200,
      have: 32,
    });
    const tooShort = frame();
    tooShort[3] = 10;
    expect(decodeErr(fixIpChecksum(tooShort))).toEqual({
      kind: 'bad-length',
      layer: 'ip',
      value: 10,
    });
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
    expect(decodePacket(Uint8Array.from([...plain, 0, 0, 0, 0, 0, 0]))).toEqual(
      decodePacket(plain),
    );
  });
});

describe('transport length checks', () => {
  it('TCP: a header shorter than 20 bytes or a data offset outside the segment', () => {
    const t = encodePacket(tcp());
    expect(
      decodeErr(
        fixIpChecksum(Uint8Array.from([...t.subarray(0, 30)].map((x, i) => (i === 3 ? 30 : x)))),
      ),
    ).toEqual({ kind: 'truncated', layer: 'tcp', need: 20, have: 10 });
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
    expect(decodeErr(fixIpChecksum(u))).toEqual({
      kind: 'truncated',
      layer: 'udp',
      need: 8,
      have: 4,
    });
    const i = encodePacket({
      ip: IP,
      body: { proto: 'icmp', icmp: { type: 0, code: 0, quoted: new Uint8Array(0) } },
    });
    const short = i.slice(0, 25);
    short[3] = 25;
    expect(decodeErr(fixIpChecksum(short))).toEqual({
      kind: 'truncated',
      layer: 'icmp',
      need: 8,
      have: 5,
    });
  });

  it('decoded payloads are copies: mutating the frame later does not change them', () => {
    const b = encodePacket(udp(Uint8Array.of(5, 6)));
    const seg = decodePacket(b);
    b[28] = 0;
    expect(seg.ok && seg.value.body.proto === 'udp' && [...seg.value.body.udp.payload]).toEqual([
      5, 6,
    ]);
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
    expect(readQuotedFlow(quoted)).toEqual({
      src: A,
      dst: B,
      proto: 17,
      srcPort: 49152,
      dstPort: 7,
    });
    expect(icmpQuote(dgram.subarray(0, 24)).length).toBe(24);
    expect(readQuotedFlow(quoted.subarray(0, 23))).toBeNull();
    const icmp: Packet = {
      ip: { ...IP, src: B, dst: A },
      body: { proto: 'icmp', icmp: { type: ICMP_UNREACH, code: ICMP_UNREACH_PORT, quoted } },
    };
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
