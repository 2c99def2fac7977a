import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ipAddr, port } from '../../src/core/addr';
import { encodePacket, icmpQuote } from '../../src/core/codec';
import {
  formatDecodeError,
  formatFrame,
  formatPacket,
  formatTcpFlags,
} from '../../src/core/format';
import type { DecodeError, Packet, TcpSegment } from '../../src/core/packet';
import { TH_ACK, TH_FIN, TH_PSH, TH_RST, TH_SYN } from '../../src/core/packet';
import { writePcap } from '../../src/core/pcap';
import { seq } from '../../src/core/seq';
import { arbPacket } from './arbitraries';

/**
 * Method: the summaries imitate `tcpdump -n -S -t`. The examples below were checked against
 * tcpdump 4.99 reading a pcap of the same frames; where tcpdump is installed, a differential
 * property repeats that comparison over random packets (ports chosen where tcpdump decodes no
 * application protocol). Totality: formatting any byte string never throws.
 */

const IP = {
  src: ipAddr(0x0a000001),
  dst: ipAddr(0x0a000002),
  ttl: 64,
  id: 0,
  tos: 0,
  dontFragment: true,
};
const BACK = { ...IP, src: IP.dst, dst: IP.src };
const SEG: TcpSegment = {
  srcPort: port(1234),
  dstPort: port(80),
  seq: seq(1000),
  ack: seq(1),
  flags: TH_SYN | TH_ACK,
  window: 65535,
  urgent: 0,
  options: {},
  payload: new Uint8Array(0),
};
const tcp = (over: Partial<TcpSegment>): Packet => ({
  ip: IP,
  body: { proto: 'tcp', tcp: { ...SEG, ...over } },
});
const udp = (n: number, dp = 7): Packet => ({
  ip: IP,
  body: {
    proto: 'udp',
    udp: { srcPort: port(49152), dstPort: port(dp), payload: new Uint8Array(n) },
  },
});
const icmp = (type: number, code: number, quoted: Uint8Array): Packet => ({
  ip: BACK,
  body: { proto: 'icmp', icmp: { type, code, quoted } },
});

describe('formatPacket (tcpdump -n -S -t spelling)', () => {
  it('UDP', () => {
    expect(formatPacket(udp(100))).toBe('10.0.0.1.49152 > 10.0.0.2.7: UDP, length 100');
  });

  it('TCP with every option of the canonical layout', () => {
    const p = tcp({
      payload: new Uint8Array(100),
      options: { mss: 1460, wscale: 5, sackPermitted: true, timestamp: { val: 1, ecr: 0 } },
    });
    expect(formatPacket(p)).toBe(
      '10.0.0.1.1234 > 10.0.0.2.80: Flags [S.], seq 1000:1100, ack 1, win 65535, ' +
        'options [mss 1460,nop,wscale 5,nop,nop,sackOK,nop,nop,TS val 1 ecr 0], length 100',
    );
  });

  it('shows seq only for segments that carry data, SYN, FIN or RST; ack only with ACK', () => {
    const pureAck = tcp({
      flags: TH_ACK,
      options: {
        timestamp: { val: 5, ecr: 6 },
        sack: [
          { start: seq(1), end: seq(2) },
          { start: seq(10), end: seq(20) },
        ],
      },
    });
    expect(formatPacket(pureAck)).toBe(
      '10.0.0.1.1234 > 10.0.0.2.80: Flags [.], ack 1, win 65535, ' +
        'options [nop,nop,TS val 5 ecr 6,nop,nop,sack 2 {1:2}{10:20}], length 0',
    );
    expect(formatPacket(tcp({ flags: TH_RST }))).toBe(
      '10.0.0.1.1234 > 10.0.0.2.80: Flags [R], seq 1000, win 65535, length 0',
    );
    expect(formatPacket(tcp({ flags: 0 }))).toBe(
      '10.0.0.1.1234 > 10.0.0.2.80: Flags [none], win 65535, length 0',
    );
  });

  it('wraps the end of the sequence range modulo 2^32 (SEQ-1)', () => {
    const p = tcp({ seq: seq(0xffffffff), flags: TH_PSH | TH_ACK, payload: new Uint8Array(3) });
    expect(formatPacket(p)).toBe(
      '10.0.0.1.1234 > 10.0.0.2.80: Flags [P.], seq 4294967295:2, ack 1, win 65535, length 3',
    );
  });

  it('orders flag letters as tcpdump does: F S R P . U E W', () => {
    expect(formatTcpFlags(TH_FIN | TH_SYN)).toBe('FS');
    expect(formatTcpFlags(0xff)).toBe('FSRP.UEW');
    expect(formatTcpFlags(TH_FIN | TH_ACK)).toBe('F.');
  });

  it('ICMP errors name the quoted flow (UDP-8)', () => {
    const quoted = icmpQuote(encodePacket(udp(100)));
    expect(formatPacket(icmp(3, 3, quoted))).toBe(
      '10.0.0.2 > 10.0.0.1: ICMP 10.0.0.2 udp port 7 unreachable, length 36',
    );
    const tq = icmpQuote(encodePacket(tcp({})));
    expect(formatPacket(icmp(3, 3, tq))).toBe(
      '10.0.0.2 > 10.0.0.1: ICMP 10.0.0.2 tcp port 80 unreachable, length 36',
    );
    expect(formatPacket(icmp(3, 1, tq))).toBe(
      '10.0.0.2 > 10.0.0.1: ICMP host 10.0.0.2 unreachable, length 36',
    );
    expect(formatPacket(icmp(3, 0, tq))).toBe(
      '10.0.0.2 > 10.0.0.1: ICMP net 10.0.0.2 unreachable, length 36',
    );
    expect(formatPacket(icmp(3, 2, tq))).toBe(
      '10.0.0.2 > 10.0.0.1: ICMP 10.0.0.2 protocol 6 unreachable, length 36',
    );
    expect(formatPacket(icmp(11, 0, tq))).toBe(
      '10.0.0.2 > 10.0.0.1: ICMP time exceeded in-transit, length 36',
    );
  });

  it('other ICMP messages', () => {
    expect(formatPacket(icmp(8, 0, new Uint8Array(56)))).toBe(
      '10.0.0.2 > 10.0.0.1: ICMP echo request, id 0, seq 0, length 64',
    );
    expect(formatPacket(icmp(0, 0, new Uint8Array(0)))).toBe(
      '10.0.0.2 > 10.0.0.1: ICMP echo reply, id 0, seq 0, length 8',
    );
    expect(formatPacket(icmp(200, 9, new Uint8Array(1)))).toBe(
      '10.0.0.2 > 10.0.0.1: ICMP type-#200, length 9',
    );
    expect(formatPacket(icmp(3, 3, new Uint8Array(2)))).toBe(
      '10.0.0.2 > 10.0.0.1: ICMP type-#3, length 10',
    );
  });
});

describe('formatFrame and formatDecodeError', () => {
  test.prop([arbPacket])('a valid frame formats as its packet', (p) => {
    expect(formatFrame(encodePacket(p))).toBe(formatPacket(p));
  });

  test.prop([fc.uint8Array({ maxLength: 80 })])('never throws, and garbage says why', (bytes) => {
    const line = formatFrame(bytes);
    expect(typeof line).toBe('string');
  });

  it('garbage: why, how long, and the addresses when they are readable', () => {
    expect(formatFrame(new Uint8Array(3))).toBe(
      'garbage (truncated ip: need 20 bytes, have 3), 3 bytes',
    );
    const bad = encodePacket(udp(4));
    bad[bad.length - 1] ^= 1;
    expect(formatFrame(bad)).toBe('10.0.0.1 > 10.0.0.2: garbage (bad udp checksum), 32 bytes');
  });

  it('names every decode error', () => {
    const cases: [DecodeError, string][] = [
      [
        { kind: 'truncated', layer: 'tcp', need: 20, have: 4 },
        'truncated tcp: need 20 bytes, have 4',
      ],
      [{ kind: 'bad-version', version: 6 }, 'bad IP version 6'],
      [{ kind: 'bad-header-length', layer: 'ip', value: 16 }, 'bad ip header length 16'],
      [{ kind: 'bad-length', layer: 'udp', value: 7 }, 'bad udp length 7'],
      [{ kind: 'bad-checksum', layer: 'tcp' }, 'bad tcp checksum'],
      [
        { kind: 'bad-option', detail: 'kind 2 has length 0 < 2' },
        'bad tcp option: kind 2 has length 0 < 2',
      ],
      [{ kind: 'fragment' }, 'ip fragment'],
      [{ kind: 'unknown-protocol', proto: 47 }, 'unknown ip protocol 47'],
    ];
    for (const [e, text] of cases) expect(formatDecodeError(e)).toBe(text);
  });
});

// --- differential test against tcpdump, where it is installed ------------------------------------

const hasTcpdump = spawnSync('tcpdump', ['--version']).status === 0;

/** Packets tcpdump prints without application decoding: ports 40000–40099, named ICMP kinds. */
const arbComparable: fc.Arbitrary<Packet> = arbPacket.chain((p) => {
  const quietPort = (n: number) => port(40000 + (n % 100));
  const body = p.body;
  if (body.proto === 'tcp') {
    return fc.constant({
      ...p,
      body: {
        proto: 'tcp' as const,
        tcp: {
          ...body.tcp,
          srcPort: quietPort(body.tcp.srcPort),
          dstPort: quietPort(body.tcp.dstPort),
        },
      },
    });
  }
  if (body.proto === 'udp') {
    return fc.constant({
      ...p,
      body: {
        proto: 'udp' as const,
        udp: {
          ...body.udp,
          srcPort: quietPort(body.udp.srcPort),
          dstPort: quietPort(body.udp.dstPort),
        },
      },
    });
  }
  const quoted = icmpQuote(encodePacket(udp(8, 40000 + (body.icmp.code % 100))));
  return fc
    .constantFrom<[number, number]>([0, 0], [8, 0], [3, 0], [3, 1], [3, 2], [3, 3], [4, 0], [11, 0])
    .map(([type, code]): Packet => ({
      ...p,
      body: { proto: 'icmp', icmp: { type, code, quoted } },
    }));
});

describe.runIf(hasTcpdump)('agrees with tcpdump', () => {
  it('line for line over random packets', () => {
    const packets = fc.sample(arbComparable, { numRuns: 300, seed: 7 });
    const dir = mkdtempSync(join(tmpdir(), 'mpcheck-format-'));
    try {
      const file = join(dir, 'frames.pcap');
      writeFileSync(file, writePcap(packets.map((p, i) => ({ tUs: i, bytes: encodePacket(p) }))));
      const r = spawnSync('tcpdump', ['-n', '-S', '-t', '-r', file], { encoding: 'utf8' });
      const theirs = r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.replace(/^IP /, ''));
      expect(packets.map(formatPacket)).toEqual(theirs);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
