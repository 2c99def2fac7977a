import { fc } from '@fast-check/vitest';
import { ipAddr, port } from '../../src/core/addr';
import type { IpAddr, Port } from '../../src/core/addr';
import type {
  IcmpMessage,
  Ipv4Header,
  Packet,
  SackBlock,
  TcpOptions,
  TcpSegment,
  UdpDatagram,
} from '../../src/core/packet';
import { seq } from '../../src/core/seq';
import type { SeqNum } from '../../src/core/seq';

/**
 * fast-check arbitraries for the wire vocabulary: every valid Packet the codec can encode
 * (all field values in range, TCP options within the 40-byte budget). Absent options are
 * absent keys — the shape `decodePacket` produces — so round trips compare with `toEqual`.
 */

export const arbIpAddr: fc.Arbitrary<IpAddr> = fc.nat(0xffffffff).map(ipAddr);
export const arbPort: fc.Arbitrary<Port> = fc.nat(0xffff).map(port);
export const arbSeq: fc.Arbitrary<SeqNum> = fc.nat(0xffffffff).map(seq);
const u8 = fc.nat(0xff);
const u16 = fc.nat(0xffff);
const u32 = fc.nat(0xffffffff);

export const arbIpv4Header: fc.Arbitrary<Ipv4Header> = fc.record({
  src: arbIpAddr,
  dst: arbIpAddr,
  ttl: u8,
  id: u16,
  tos: u8,
  dontFragment: fc.boolean(),
});

const arbSackBlock: fc.Arbitrary<SackBlock> = fc.record({ start: arbSeq, end: arbSeq });

/** Options whose canonical layout fits in 40 bytes: SACK blocks take what the rest leaves. */
export const arbTcpOptions: fc.Arbitrary<TcpOptions> = fc
  .record(
    {
      mss: u16,
      wscale: u8,
      sackPermitted: fc.constant(true),
      timestamp: fc.record({ val: u32, ecr: u32 }),
      sack: fc.array(arbSackBlock, { maxLength: 4 }),
    },
    { requiredKeys: [] },
  )
  .map((o) => {
    if (o.sack === undefined) return o;
    const used =
      (o.mss !== undefined ? 4 : 0) +
      (o.wscale !== undefined ? 4 : 0) +
      (o.sackPermitted !== undefined ? 4 : 0) +
      (o.timestamp !== undefined ? 12 : 0);
    const room = Math.floor((40 - used - 4) / 8);
    if (room < 0) {
      const { sack: _dropped, ...rest } = o;
      return rest;
    }
    return { ...o, sack: o.sack.slice(0, room) };
  });

export const arbPayload = (maxLength = 200): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength }) },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  );

export const arbTcpSegment: fc.Arbitrary<TcpSegment> = fc.record({
  srcPort: arbPort,
  dstPort: arbPort,
  seq: arbSeq,
  ack: arbSeq,
  flags: u8,
  window: u16,
  urgent: u16,
  options: arbTcpOptions,
  payload: arbPayload(),
});

export const arbUdpDatagram: fc.Arbitrary<UdpDatagram> = fc.record({
  srcPort: arbPort,
  dstPort: arbPort,
  payload: arbPayload(),
});

export const arbIcmpMessage: fc.Arbitrary<IcmpMessage> = fc.record({
  type: u8,
  code: u8,
  quoted: fc.uint8Array({ maxLength: 60 }),
});

export const arbPacket: fc.Arbitrary<Packet> = fc.record({
  ip: arbIpv4Header,
  body: fc.oneof(
    arbTcpSegment.map((tcp) => ({ proto: 'tcp' as const, tcp })),
    arbUdpDatagram.map((udp) => ({ proto: 'udp' as const, udp })),
    arbIcmpMessage.map((icmp) => ({ proto: 'icmp' as const, icmp })),
  ),
});
