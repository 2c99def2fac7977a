/**
 * TODO(core): temporary stand-in for src/core/codec.ts, written to its contract
 * (docs/CONTRACTS.md: `encodePacket(p, {udpChecksum})`, `decodePacket(bytes)` → Result). Only
 * what the UDP path needs: IPv4 without options, UDP, ICMP, TCP without options. Delete once
 * `impl/corelib.ts` re-exports core's codec.
 */
import { ipAddr, port } from '../core/addr';
import { checksumOfSum, onesSum, sumVerifies } from '../core/checksum';
import type { DecodeError, Packet } from '../core/packet';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from '../core/packet';
import type { Result } from '../core/result';
import { err, ok } from '../core/result';
import { seq } from '../core/seq';

const put16 = (b: Uint8Array, o: number, v: number): void => {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
};
const put32 = (b: Uint8Array, o: number, v: number): void => {
  put16(b, o, v >>> 16);
  put16(b, o + 2, v & 0xffff);
};
const get16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const get32 = (b: Uint8Array, o: number): number => ((get16(b, o) << 16) | get16(b, o + 2)) >>> 0;
const pseudo = (src: number, dst: number, proto: number, len: number): number =>
  (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + len;

export function encodePacket(p: Packet, opts: { udpChecksum: boolean }): Uint8Array {
  const b = p.body;
  const l4len = b.proto === 'udp' ? 8 + b.udp.payload.length
    : b.proto === 'icmp' ? 8 + b.icmp.quoted.length : 20 + b.tcp.payload.length;
  const out = new Uint8Array(20 + l4len);
  out[0] = 0x45;
  out[1] = p.ip.tos;
  put16(out, 2, out.length);
  put16(out, 4, p.ip.id);
  put16(out, 6, p.ip.dontFragment ? 0x4000 : 0);
  out[8] = p.ip.ttl;
  out[9] = b.proto === 'udp' ? IPPROTO_UDP : b.proto === 'icmp' ? IPPROTO_ICMP : IPPROTO_TCP;
  put32(out, 12, p.ip.src);
  put32(out, 16, p.ip.dst);
  put16(out, 10, checksumOfSum(onesSum(out, 0, 20)));
  if (b.proto === 'udp') {
    put16(out, 20, b.udp.srcPort);
    put16(out, 22, b.udp.dstPort);
    put16(out, 24, l4len);
    out.set(b.udp.payload, 28);
    if (opts.udpChecksum) {
      const c = checksumOfSum(onesSum(out, 20, out.length, pseudo(p.ip.src, p.ip.dst, IPPROTO_UDP, l4len)));
      put16(out, 26, c === 0 ? 0xffff : c);
    }
  } else if (b.proto === 'icmp') {
    out[20] = b.icmp.type;
    out[21] = b.icmp.code;
    out.set(b.icmp.quoted, 28);
    put16(out, 22, checksumOfSum(onesSum(out, 20, out.length)));
  } else {
    const t = b.tcp;
    put16(out, 20, t.srcPort);
    put16(out, 22, t.dstPort);
    put32(out, 24, t.seq);
    put32(out, 28, t.ack);
    out[32] = 5 << 4;
    out[33] = t.flags;
    put16(out, 34, t.window);
    put16(out, 38, t.urgent);
    out.set(t.payload, 40);
    put16(out, 36, checksumOfSum(onesSum(out, 20, out.length, pseudo(p.ip.src, p.ip.dst, IPPROTO_TCP, l4len))));
  }
  return out;
}

export function decodePacket(bytes: Uint8Array): Result<Packet, DecodeError> {
  if (bytes.length < 20) return err({ kind: 'truncated', layer: 'ip', need: 20, have: bytes.length });
  if (bytes[0]! >>> 4 !== 4) return err({ kind: 'bad-version', version: bytes[0]! >>> 4 });
  const ihl = (bytes[0]! & 15) * 4;
  if (ihl < 20 || ihl > bytes.length) return err({ kind: 'bad-header-length', layer: 'ip', value: ihl });
  const total = get16(bytes, 2);
  if (total < ihl || total > bytes.length) return err({ kind: 'bad-length', layer: 'ip', value: total });
  if (!sumVerifies(onesSum(bytes, 0, ihl))) return err({ kind: 'bad-checksum', layer: 'ip' });
  if ((get16(bytes, 6) & 0x3fff) !== 0) return err({ kind: 'fragment' });
  const ip = {
    src: ipAddr(get32(bytes, 12)), dst: ipAddr(get32(bytes, 16)), ttl: bytes[8]!, id: get16(bytes, 4),
    tos: bytes[1]!, dontFragment: (get16(bytes, 6) & 0x4000) !== 0,
  };
  const l4 = bytes.subarray(ihl, total);
  const proto = bytes[9]!;
  if (proto === IPPROTO_UDP) {
    if (l4.length < 8) return err({ kind: 'truncated', layer: 'udp', need: 8, have: l4.length });
    const ulen = get16(l4, 4);
    if (ulen < 8 || ulen > l4.length) return err({ kind: 'bad-length', layer: 'udp', value: ulen });
    if (get16(l4, 6) !== 0 && !sumVerifies(onesSum(l4, 0, ulen, pseudo(ip.src, ip.dst, IPPROTO_UDP, ulen)))) {
      return err({ kind: 'bad-checksum', layer: 'udp' });
    }
    const udp = { srcPort: port(get16(l4, 0)), dstPort: port(get16(l4, 2)), payload: l4.slice(8, ulen) };
    return ok({ ip, body: { proto: 'udp', udp } });
  }
  if (proto === IPPROTO_ICMP) {
    if (l4.length < 8) return err({ kind: 'truncated', layer: 'icmp', need: 8, have: l4.length });
    if (!sumVerifies(onesSum(l4))) return err({ kind: 'bad-checksum', layer: 'icmp' });
    return ok({ ip, body: { proto: 'icmp', icmp: { type: l4[0]!, code: l4[1]!, quoted: l4.slice(8) } } });
  }
  if (proto === IPPROTO_TCP) {
    if (l4.length < 20) return err({ kind: 'truncated', layer: 'tcp', need: 20, have: l4.length });
    const off = (l4[12]! >>> 4) * 4;
    if (off < 20 || off > l4.length) return err({ kind: 'bad-header-length', layer: 'tcp', value: off });
    if (!sumVerifies(onesSum(l4, 0, l4.length, pseudo(ip.src, ip.dst, IPPROTO_TCP, l4.length)))) {
      return err({ kind: 'bad-checksum', layer: 'tcp' });
    }
    const tcp = {
      srcPort: port(get16(l4, 0)), dstPort: port(get16(l4, 2)), seq: seq(get32(l4, 4)), ack: seq(get32(l4, 8)),
      flags: l4[13]!, window: get16(l4, 14), urgent: get16(l4, 18), options: {}, payload: l4.slice(off),
    };
    return ok({ ip, body: { proto: 'tcp', tcp } });
  }
  return err({ kind: 'unknown-protocol', proto });
}
