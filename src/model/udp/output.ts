/**
 * What the model puts on the wire for UDP: datagrams (UP-1, UP-8) and ICMP port unreachables
 * (UP-11, UDP-8).
 *
 * Read before editing: RFC 768 (UDP-1 … UDP-5), RFC 1122 §3.2.2 and §4.1.3.1 (UDP-8, UDP-9),
 * RFC 792 (the ICMP Destination Unreachable layout).
 */
import type { Endpoint, IpAddr, Port } from '../../core/addr';
import { assert } from '../../core/assert';
import type { Ipv4Header, Packet } from '../../core/packet';
import { ICMP_UNREACH, ICMP_UNREACH_PORT } from '../../core/packet';
import { encodePacket, icmpQuote } from '../../core/codec';

/** UP-1: every packet a host builds has TTL 64, TOS 0, DF set and IP ID 0. */
export const IP_TTL = 64;
export const IP_TOS = 0;
/** DEVIATION (UP-1): DragonFly draws IP IDs; a constant keeps both stacks' wire identical. */
export const IP_ID = 0;

export const ipHeaderFrom = (src: IpAddr, dst: IpAddr): Ipv4Header => ({
  src, dst, ttl: IP_TTL, id: IP_ID, tos: IP_TOS, dontFragment: true,
});

/**
 * UP-8: the datagram a send puts on the wire: from the host address and the socket's port to
 * `dst`; the UDP checksum (UDP-4, with UDP-5's 0 → 0xFFFF) only when `udp.checksum` is on,
 * otherwise 0 ("no checksum", RFC 768).
 */
export function udpDatagram(opts: {
  readonly src: IpAddr;
  readonly lport: Port;
  readonly dst: Endpoint;
  readonly data: Uint8Array;
  readonly checksum: boolean;
}): Uint8Array {
  const packet: Packet = {
    ip: ipHeaderFrom(opts.src, opts.dst.addr),
    body: {
      proto: 'udp',
      udp: { srcPort: opts.lport, dstPort: opts.dst.port, payload: opts.data },
    },
  };
  return encodePacket(packet, { udpChecksum: opts.checksum });
}

/** UDP-8: the quote is the offending IP header plus the first 8 bytes of its payload. */
export const ICMP_QUOTE_PAYLOAD_BYTES = 8;

/**
 * UDP-8 / UP-11: the ICMP Destination Unreachable, Port Unreachable (type 3 code 3) answering the
 * datagram `frame`, sent back to its source. The quote is the received bytes unchanged (UDP-8):
 * the IP header as it arrived (options included) and the 8-byte UDP header. TOS 0 (UDP-9's
 * SHOULD) follows from UP-1.
 */
export function icmpPortUnreachable(opts: {
  readonly self: IpAddr;
  readonly to: IpAddr;
  readonly frame: Uint8Array;
}): Uint8Array {
  const ihl = (opts.frame[0]! & 0x0f) * 4;
  const quoted = icmpQuote(opts.frame);
  assert(
    quoted.length === ihl + ICMP_QUOTE_PAYLOAD_BYTES,
    'UDP-8: a datagram that reached udp_input has an 8-byte header',
  );
  const packet: Packet = {
    ip: ipHeaderFrom(opts.self, opts.to),
    body: {
      proto: 'icmp',
      icmp: { type: ICMP_UNREACH, code: ICMP_UNREACH_PORT, quoted },
    },
  };
  return encodePacket(packet, { udpChecksum: false });
}
