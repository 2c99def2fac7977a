import { ipAddr, port } from '../../src/core/addr';
import { decodePacket, encodePacket } from '../../src/core/codec';
import type { DecodeError, Packet, TcpSegment } from '../../src/core/packet';
import { TH_SYN } from '../../src/core/packet';
import { seq } from '../../src/core/seq';

/**
 * Shared helpers for the codec tests: checksum arithmetic written independently of
 * src/core/checksum (so the tests do not trust what they test), frame surgery that keeps
 * checksums valid, and packet fixtures.
 */

// --- independent checksum helpers (no src/core/checksum) ---------------------------------------

export function naiveSum(bytes: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    sum += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return sum;
}
export const naiveChecksum = (bytes: readonly number[]): number => ~naiveSum(bytes) & 0xffff;
export const u16at = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Recompute the IP header checksum after a test edits the header. */
export function fixIpChecksum(b: Uint8Array): Uint8Array {
  const ihl = (b[0]! & 0x0f) * 4;
  b[10] = 0;
  b[11] = 0;
  const c = naiveChecksum([...b.subarray(0, ihl)]);
  b[10] = c >>> 8;
  b[11] = c & 0xff;
  return b;
}

/** Recompute the TCP (proto 6) or UDP (17) checksum of a frame after a test edits it. */
export function fixTransportChecksum(b: Uint8Array, fieldOffset: number): Uint8Array {
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

export const A = ipAddr(0x0a000001);
export const B = ipAddr(0x0a000002);
export const IP = { src: A, dst: B, ttl: 64, id: 0, tos: 0, dontFragment: true };
export const SEG: TcpSegment = {
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
export const tcp = (over: Partial<TcpSegment> = {}): Packet => ({
  ip: IP,
  body: { proto: 'tcp', tcp: { ...SEG, ...over } },
});
export const udp = (payload: Uint8Array, sp = 49152, dp = 7): Packet => ({
  ip: IP,
  body: { proto: 'udp', udp: { srcPort: port(sp), dstPort: port(dp), payload } },
});
export const decodeErr = (b: Uint8Array): DecodeError => {
  const r = decodePacket(b);
  if (r.ok) throw new Error(`expected a decode error, got ${JSON.stringify(r.value.body.proto)}`);
  return r.error;
};
export const decodedTcp = (b: Uint8Array): TcpSegment => {
  const r = decodePacket(b);
  if (!r.ok || r.value.body.proto !== 'tcp')
    throw new Error(`not a TCP segment: ${JSON.stringify(r)}`);
  return r.value.body.tcp;
};

/** A SYN frame whose option bytes are exactly `opts` (padded to 4 with EOL), checksums fixed. */
export function synWithRawOptions(opts: readonly number[]): Uint8Array {
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
