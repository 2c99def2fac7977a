import type { IpAddr, Port } from './addr';
import { ipAddr } from './addr';
import { assert, assertNever } from './assert';
import {
  internetChecksum,
  onesSum,
  pseudoHeaderSum,
  sumVerifies,
  transportChecksum,
} from './checksum';
import { be16, be32, isU16, isU32, isU8, put16, put32 } from './bytes';
import type {
  DecodeError,
  IcmpMessage,
  Ipv4Header,
  Packet,
  TcpSegment,
  UdpDatagram,
} from './packet';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from './packet';
import type { Result } from './result';
import { err, ok } from './result';
import type { SeqNum } from './seq';
import { TCP_OPTIONS_MAX, decodeTcpOptions, encodeTcpOptions, tcpOptionsLength } from './tcpopts';

/**
 * Read before editing: RFC 791 §3.1 (IPv4 header), HDR-1…HDR-5 (TCP header and options),
 * UDP-1…UDP-6 (UDP header and checksum), RFC 792 (ICMP), RFC 7323 §2.2/§3.2 and RFC 2018 §2–3
 * (option formats).
 *
 * Links carry bytes, so this codec is where the two stacks meet: both encode with it, and the
 * refinement check compares their frames byte for byte. The encoder therefore has exactly one
 * output for a Packet: IPv4 without options, and TCP options in one canonical BSD-style layout
 * (tcpopts.ts). The decoder is liberal (HDR-5: options in any order and alignment,
 * unknown options skipped) and total: any byte string gives a Packet or a DecodeError value,
 * never an exception, because garbage frames are an expected input (a NIC hands them up).
 * Encoding an invalid Packet (a field out of range) is a bug in the caller and asserts.
 */

export interface EncodeOptions {
  /** net.inet.udp.checksum (UP-8): false sends UDP checksum 0, "none computed" (UDP-5). */
  readonly udpChecksum?: boolean;
}

export const IPV4_HEADER_LEN = 20;
export const TCP_HEADER_LEN = 20;
export const UDP_HEADER_LEN = 8;
export const ICMP_HEADER_LEN = 8;
/** RFC 791: the total length field is 16 bits. */
export const IP_MAXPACKET = 0xffff;

const IP_DF = 0x4000;
const IP_MF = 0x2000;
const IP_OFFMASK = 0x1fff;

// ---------------------------------------------------------------------------------------------
// Encoding.

function transportLength(p: Packet): number {
  const body = p.body;
  switch (body.proto) {
    case 'tcp':
      return TCP_HEADER_LEN + tcpOptionsLength(body.tcp.options) + body.tcp.payload.length;
    case 'udp':
      return UDP_HEADER_LEN + body.udp.payload.length;
    case 'icmp':
      return ICMP_HEADER_LEN + body.icmp.quoted.length;
    default:
      return assertNever(body, 'transport');
  }
}

function protoNumber(p: Packet): number {
  switch (p.body.proto) {
    case 'tcp':
      return IPPROTO_TCP;
    case 'udp':
      return IPPROTO_UDP;
    case 'icmp':
      return IPPROTO_ICMP;
    default:
      return assertNever(p.body, 'transport');
  }
}

/** RFC 791 header without options: IHL 5, no fragmentation, checksum computed. */
function encodeIpHeader(b: Uint8Array, ip: Ipv4Header, proto: number, total: number): void {
  assert(isU8(ip.ttl), `encode: TTL ${ip.ttl} out of range`);
  assert(isU8(ip.tos), `encode: TOS ${ip.tos} out of range`);
  assert(isU16(ip.id), `encode: IP ID ${ip.id} out of range`);
  assert(isU32(ip.src) && isU32(ip.dst), 'encode: address out of range');
  b[0] = 0x45;
  b[1] = ip.tos;
  put16(b, 2, total);
  put16(b, 4, ip.id);
  put16(b, 6, ip.dontFragment ? IP_DF : 0);
  b[8] = ip.ttl;
  b[9] = proto;
  put32(b, 12, ip.src);
  put32(b, 16, ip.dst);
  put16(b, 10, internetChecksum(b, 0, IPV4_HEADER_LEN));
}

function encodeTcp(b: Uint8Array, at: number, ip: Ipv4Header, t: TcpSegment): void {
  assert(isU16(t.srcPort) && isU16(t.dstPort), 'encode: TCP port out of range');
  assert(isU32(t.seq) && isU32(t.ack), 'encode: TCP seq/ack out of range');
  assert(isU8(t.flags), `encode: TCP flags ${t.flags} out of range`);
  assert(
    isU16(t.window),
    `encode: TCP window ${t.window} out of range (HDR-2: 16 bits on the wire)`,
  );
  assert(isU16(t.urgent), `encode: TCP urgent pointer ${t.urgent} out of range`);
  const optLen = tcpOptionsLength(t.options);
  assert(
    optLen <= TCP_OPTIONS_MAX,
    `encode: TCP options need ${optLen} bytes > ${TCP_OPTIONS_MAX}`,
  );
  put16(b, at, t.srcPort);
  put16(b, at + 2, t.dstPort);
  put32(b, at + 4, t.seq);
  put32(b, at + 8, t.ack);
  b[at + 12] = ((TCP_HEADER_LEN + optLen) / 4) << 4;
  b[at + 13] = t.flags;
  put16(b, at + 14, t.window);
  put16(b, at + 18, t.urgent);
  const dataAt = encodeTcpOptions(b, at + TCP_HEADER_LEN, t.options);
  b.set(t.payload, dataAt);
  // HDR-3: the checksum field is zero while summing (fresh buffer), then filled in.
  put16(b, at + 16, transportChecksum(ip.src, ip.dst, IPPROTO_TCP, b, at, b.length));
}

function encodeUdp(
  b: Uint8Array,
  at: number,
  ip: Ipv4Header,
  u: UdpDatagram,
  checksum: boolean,
): void {
  assert(isU16(u.srcPort) && isU16(u.dstPort), 'encode: UDP port out of range');
  put16(b, at, u.srcPort);
  put16(b, at + 2, u.dstPort);
  put16(b, at + 4, UDP_HEADER_LEN + u.payload.length);
  b.set(u.payload, at + UDP_HEADER_LEN);
  if (!checksum) return; // UDP-5: 0 on the wire means "no checksum generated".
  const c = transportChecksum(ip.src, ip.dst, IPPROTO_UDP, b, at, b.length);
  put16(b, at + 6, c === 0 ? 0xffff : c); // UDP-5: a computed 0 is sent as all ones.
}

function encodeIcmp(b: Uint8Array, at: number, m: IcmpMessage): void {
  assert(isU8(m.type) && isU8(m.code), `encode: ICMP type ${m.type} code ${m.code} out of range`);
  b[at] = m.type;
  b[at + 1] = m.code;
  // Bytes 4–7 ("unused" for Destination Unreachable, RFC 792) stay zero.
  b.set(m.quoted, at + ICMP_HEADER_LEN);
  put16(b, at + 2, internetChecksum(b, at, b.length));
}

/** The one wire form of `p` (see the file comment). Asserts that every field is in range. */
export function encodePacket(p: Packet, opts: EncodeOptions = {}): Uint8Array {
  const total = IPV4_HEADER_LEN + transportLength(p);
  assert(total <= IP_MAXPACKET, `encode: packet of ${total} bytes exceeds the IPv4 maximum`);
  const b = new Uint8Array(total);
  encodeIpHeader(b, p.ip, protoNumber(p), total);
  const body = p.body;
  switch (body.proto) {
    case 'tcp':
      encodeTcp(b, IPV4_HEADER_LEN, p.ip, body.tcp);
      break;
    case 'udp':
      encodeUdp(b, IPV4_HEADER_LEN, p.ip, body.udp, opts.udpChecksum !== false);
      break;
    case 'icmp':
      encodeIcmp(b, IPV4_HEADER_LEN, body.icmp);
      break;
    default:
      assertNever(body, 'transport');
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// Decoding: total over all byte strings.

const truncated = (
  layer: 'ip' | 'tcp' | 'udp' | 'icmp',
  need: number,
  have: number,
): Result<never, DecodeError> => err({ kind: 'truncated', layer, need, have });

function decodeTcp(
  b: Uint8Array,
  at: number,
  end: number,
  ip: Ipv4Header,
): Result<Packet, DecodeError> {
  const len = end - at;
  if (len < TCP_HEADER_LEN) return truncated('tcp', TCP_HEADER_LEN, len);
  const doff = (b[at + 12]! >>> 4) * 4;
  if (doff < TCP_HEADER_LEN || doff > len)
    return err({ kind: 'bad-header-length', layer: 'tcp', value: doff });
  // HDR-3 (MUST-3): the receiver checks the checksum, before reading anything else.
  if (!sumVerifies(onesSum(b, at, end, pseudoHeaderSum(ip.src, ip.dst, IPPROTO_TCP, len)))) {
    return err({ kind: 'bad-checksum', layer: 'tcp' });
  }
  const options = decodeTcpOptions(b, at + TCP_HEADER_LEN, at + doff);
  if (!options.ok) return options;
  const tcp: TcpSegment = {
    srcPort: be16(b, at) as Port,
    dstPort: be16(b, at + 2) as Port,
    seq: be32(b, at + 4) as SeqNum,
    ack: be32(b, at + 8) as SeqNum,
    flags: b[at + 13]!,
    window: be16(b, at + 14),
    urgent: be16(b, at + 18),
    options: options.value,
    payload: b.slice(at + doff, end),
  };
  return ok({ ip, body: { proto: 'tcp', tcp } });
}

function decodeUdp(
  b: Uint8Array,
  at: number,
  end: number,
  ip: Ipv4Header,
): Result<Packet, DecodeError> {
  const len = end - at;
  if (len < UDP_HEADER_LEN) return truncated('udp', UDP_HEADER_LEN, len);
  // UDP-3 / UP-11: the length field counts the header, and may not claim more than IP carried.
  const ulen = be16(b, at + 4);
  if (ulen < UDP_HEADER_LEN || ulen > len)
    return err({ kind: 'bad-length', layer: 'udp', value: ulen });
  // UDP-5/UDP-6: a zero checksum means none was generated; a non-zero one must verify.
  const checksum = be16(b, at + 6);
  if (
    checksum !== 0 &&
    !sumVerifies(onesSum(b, at, at + ulen, pseudoHeaderSum(ip.src, ip.dst, IPPROTO_UDP, ulen)))
  ) {
    return err({ kind: 'bad-checksum', layer: 'udp' });
  }
  const udp: UdpDatagram = {
    srcPort: be16(b, at) as Port,
    dstPort: be16(b, at + 2) as Port,
    payload: b.slice(at + UDP_HEADER_LEN, at + ulen),
  };
  return ok({ ip, body: { proto: 'udp', udp } });
}

function decodeIcmp(
  b: Uint8Array,
  at: number,
  end: number,
  ip: Ipv4Header,
): Result<Packet, DecodeError> {
  const len = end - at;
  if (len < ICMP_HEADER_LEN) return truncated('icmp', ICMP_HEADER_LEN, len);
  if (!sumVerifies(onesSum(b, at, end))) return err({ kind: 'bad-checksum', layer: 'icmp' });
  const icmp: IcmpMessage = {
    type: b[at]!,
    code: b[at + 1]!,
    quoted: b.slice(at + ICMP_HEADER_LEN, end),
  };
  return ok({ ip, body: { proto: 'icmp', icmp } });
}

/**
 * Decode an IPv4 frame. Never throws. Bytes past the IP total length (link padding) are
 * ignored; IP options are skipped; fragments are reported, not reassembled.
 */
export function decodePacket(b: Uint8Array): Result<Packet, DecodeError> {
  const n = b.length;
  if (n < IPV4_HEADER_LEN) return truncated('ip', IPV4_HEADER_LEN, n);
  const version = b[0]! >>> 4;
  if (version !== 4) return err({ kind: 'bad-version', version });
  const ihl = (b[0]! & 0x0f) * 4;
  if (ihl < IPV4_HEADER_LEN) return err({ kind: 'bad-header-length', layer: 'ip', value: ihl });
  if (ihl > n) return truncated('ip', ihl, n);
  const total = be16(b, 2);
  if (total < ihl) return err({ kind: 'bad-length', layer: 'ip', value: total });
  if (total > n) return truncated('ip', total, n);
  if (!sumVerifies(onesSum(b, 0, ihl))) return err({ kind: 'bad-checksum', layer: 'ip' });
  const frag = be16(b, 6);
  if ((frag & (IP_MF | IP_OFFMASK)) !== 0) return err({ kind: 'fragment' });
  const ip: Ipv4Header = {
    src: be32(b, 12) as IpAddr,
    dst: be32(b, 16) as IpAddr,
    ttl: b[8]!,
    id: be16(b, 4),
    tos: b[1]!,
    dontFragment: (frag & IP_DF) !== 0,
  };
  const proto = b[9]!;
  switch (proto) {
    case IPPROTO_TCP:
      return decodeTcp(b, ihl, total, ip);
    case IPPROTO_UDP:
      return decodeUdp(b, ihl, total, ip);
    case IPPROTO_ICMP:
      return decodeIcmp(b, ihl, total, ip);
    default:
      return err({ kind: 'unknown-protocol', proto });
  }
}

// ---------------------------------------------------------------------------------------------
// Cheap header reads (routing, RSS) and ICMP quotes.

const looksIpv4 = (b: Uint8Array): boolean => b.length >= IPV4_HEADER_LEN && b[0]! >>> 4 === 4;

/** The destination address of an IPv4 frame, without decoding or verifying it; null if none. */
export const readIpv4Dst = (b: Uint8Array): IpAddr | null =>
  looksIpv4(b) ? ipAddr(be32(b, 16)) : null;
/** The source address of an IPv4 frame, without decoding or verifying it; null if none. */
export const readIpv4Src = (b: Uint8Array): IpAddr | null =>
  looksIpv4(b) ? ipAddr(be32(b, 12)) : null;
/** The protocol number of an IPv4 frame, without decoding or verifying it; null if none. */
export const readIpv4Proto = (b: Uint8Array): number | null => (looksIpv4(b) ? b[9]! : null);

/**
 * UDP-8: what an ICMP error quotes from the offending frame — its IP header (with options) and
 * the first 8 bytes of its payload, unchanged (fewer if the frame is shorter).
 */
export function icmpQuote(frame: Uint8Array): Uint8Array {
  const ihl = looksIpv4(frame) ? (frame[0]! & 0x0f) * 4 : IPV4_HEADER_LEN;
  return frame.slice(0, Math.min(frame.length, ihl + 8));
}

/** The flow an ICMP error's quoted datagram belonged to (for UP-12 matching and display). */
export interface QuotedFlow {
  readonly src: IpAddr;
  readonly dst: IpAddr;
  readonly proto: number;
  /** The quoted transport header's ports (TCP and UDP both start with them). */
  readonly srcPort: Port;
  readonly dstPort: Port;
}

/** Read the quoted datagram's addresses and ports; null if the quote is too short or not IPv4. */
export function readQuotedFlow(quoted: Uint8Array): QuotedFlow | null {
  if (!looksIpv4(quoted)) return null;
  const ihl = (quoted[0]! & 0x0f) * 4;
  if (ihl < IPV4_HEADER_LEN || quoted.length < ihl + 4) return null;
  return {
    src: ipAddr(be32(quoted, 12)),
    dst: ipAddr(be32(quoted, 16)),
    proto: quoted[9]!,
    srcPort: be16(quoted, ihl) as Port,
    dstPort: be16(quoted, ihl + 2) as Port,
  };
}
