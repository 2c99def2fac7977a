/**
 * TODO(core): temporary stand-in for src/core/{toeplitz,codec,checksum}.ts, written to their
 * contract (docs/CONTRACTS.md) so the model can be built and tested before they land. Delete
 * this file once `corelib.ts` re-exports from core.
 */
import { ipAddr, port } from '../core/addr';
import type { DecodeError, Packet } from '../core/packet';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from '../core/packet';
import type { Result } from '../core/result';
import { err, ok } from '../core/result';
import { seq } from '../core/seq';

const be32 = (n: number): number[] => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const be16 = (n: number): number[] => [(n >>> 8) & 0xff, n & 0xff];

function sum16(bytes: Uint8Array, start: number, end: number, acc = 0): number {
  let s = acc;
  for (let i = start; i < end; i += 2) s += (bytes[i]! << 8) | (i + 1 < end ? bytes[i + 1]! : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}
const pseudo = (src: number, dst: number, proto: number, len: number): number =>
  (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + len;

export function encodePacket(p: Packet, opts: { udpChecksum: boolean }): Uint8Array {
  const body = p.body;
  let l4: Uint8Array;
  let proto: number;
  if (body.proto === 'udp') {
    proto = IPPROTO_UDP;
    const u = body.udp;
    l4 = new Uint8Array(8 + u.payload.length);
    l4.set([...be16(u.srcPort), ...be16(u.dstPort), ...be16(l4.length), 0, 0]);
    l4.set(u.payload, 8);
    if (opts.udpChecksum) {
      const c = ~sum16(l4, 0, l4.length, pseudo(p.ip.src, p.ip.dst, 17, l4.length)) & 0xffff;
      l4.set(be16(c === 0 ? 0xffff : c), 6);
    }
  } else if (body.proto === 'icmp') {
    proto = IPPROTO_ICMP;
    l4 = new Uint8Array(8 + body.icmp.quoted.length);
    l4.set([body.icmp.type, body.icmp.code]);
    l4.set(body.icmp.quoted, 8);
    l4.set(be16(~sum16(l4, 0, l4.length) & 0xffff), 2);
  } else {
    proto = IPPROTO_TCP;
    const t = body.tcp;
    l4 = new Uint8Array(20 + t.payload.length);
    l4.set([...be16(t.srcPort), ...be16(t.dstPort), ...be32(t.seq), ...be32(t.ack), 0x50, t.flags,
      ...be16(t.window), 0, 0, ...be16(t.urgent)]);
    l4.set(t.payload, 20);
    l4.set(be16(~sum16(l4, 0, l4.length, pseudo(p.ip.src, p.ip.dst, 6, l4.length)) & 0xffff), 16);
  }
  const out = new Uint8Array(20 + l4.length);
  out.set([0x45, p.ip.tos, ...be16(out.length), ...be16(p.ip.id), p.ip.dontFragment ? 0x40 : 0, 0,
    p.ip.ttl, proto, 0, 0, ...be32(p.ip.src), ...be32(p.ip.dst)]);
  out.set(be16(~sum16(out, 0, 20) & 0xffff), 10);
  out.set(l4, 20);
  return out;
}

const rd16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
const rd32 = (b: Uint8Array, i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

export function decodePacket(bytes: Uint8Array): Result<Packet, DecodeError> {
  if (bytes.length < 20) return err({ kind: 'truncated', layer: 'ip', need: 20, have: bytes.length });
  if (bytes[0]! >> 4 !== 4) return err({ kind: 'bad-version', version: bytes[0]! >> 4 });
  const ihl = (bytes[0]! & 15) * 4;
  if (ihl < 20) return err({ kind: 'bad-header-length', layer: 'ip', value: ihl });
  const total = rd16(bytes, 2);
  if (total < ihl || total > bytes.length) return err({ kind: 'bad-length', layer: 'ip', value: total });
  if (sum16(bytes, 0, ihl) !== 0xffff) return err({ kind: 'bad-checksum', layer: 'ip' });
  if ((rd16(bytes, 6) & 0x3fff) !== 0) return err({ kind: 'fragment' });
  const src = ipAddr(rd32(bytes, 12));
  const dst = ipAddr(rd32(bytes, 16));
  const ip = { src, dst, ttl: bytes[8]!, id: rd16(bytes, 4), tos: bytes[1]!, dontFragment: (bytes[6]! & 0x40) !== 0 };
  const l4 = bytes.subarray(ihl, total);
  switch (bytes[9]) {
    case IPPROTO_UDP: {
      if (l4.length < 8) return err({ kind: 'truncated', layer: 'udp', need: 8, have: l4.length });
      const ulen = rd16(l4, 4);
      if (ulen < 8 || ulen > l4.length) return err({ kind: 'bad-length', layer: 'udp', value: ulen });
      if (rd16(l4, 6) !== 0 && sum16(l4, 0, ulen, pseudo(src, dst, 17, ulen)) !== 0xffff) {
        return err({ kind: 'bad-checksum', layer: 'udp' });
      }
      return ok({ ip, body: { proto: 'udp', udp: { srcPort: port(rd16(l4, 0)), dstPort: port(rd16(l4, 2)), payload: l4.slice(8, ulen) } } });
    }
    case IPPROTO_ICMP:
      if (l4.length < 8) return err({ kind: 'truncated', layer: 'icmp', need: 8, have: l4.length });
      if (sum16(l4, 0, l4.length) !== 0xffff) return err({ kind: 'bad-checksum', layer: 'icmp' });
      return ok({ ip, body: { proto: 'icmp', icmp: { type: l4[0]!, code: l4[1]!, quoted: l4.slice(8) } } });
    case IPPROTO_TCP:
      if (l4.length < 20) return err({ kind: 'truncated', layer: 'tcp', need: 20, have: l4.length });
      return ok({ ip, body: { proto: 'tcp', tcp: { srcPort: port(rd16(l4, 0)), dstPort: port(rd16(l4, 2)),
        seq: seq(rd32(l4, 4)), ack: seq(rd32(l4, 8)), flags: l4[13]!, window: rd16(l4, 14), urgent: rd16(l4, 18),
        options: {}, payload: l4.slice((l4[12]! >> 4) * 4) } } });
    default:
      return err({ kind: 'unknown-protocol', proto: bytes[9]! });
  }
}
