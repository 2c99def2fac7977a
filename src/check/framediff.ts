import { formatIp } from '../core/addr';
import { decodePacket } from '../core/codec';
import { formatDecodeError, formatTcpFlags, formatTcpOptions } from '../core/format';
import type { Packet, TcpSegment } from '../core/packet';
import { bytesEqual, firstDifference, hexAt } from './describe';

/**
 * Field-by-field comparison of two frames for the refinement report (ARCHITECTURE §6.1: "report
 * the first divergence with both sides' segment"). Frames are compared decoded, header field by
 * header field, because "ack 1001 ≠ 1461" is a bug report and "byte 28 differs" is a puzzle;
 * bytes are compared last, so a difference only the encoding shows (a checksum) is still caught.
 */

type Diff = string[];

function field(out: Diff, name: string, a: unknown, b: unknown): void {
  if (a !== b) out.push(`${name}: ${String(a)} ≠ ${String(b)}`);
}

function payload(out: Diff, name: string, a: Uint8Array, b: Uint8Array): void {
  if (a.length !== b.length) {
    out.push(`${name} length: ${a.length} ≠ ${b.length}`);
    return;
  }
  const i = firstDifference(a, b);
  if (i >= 0) out.push(`${name} byte ${i}: ${hexAt(a, i, 4)} ≠ ${hexAt(b, i, 4)}`);
}

function tcpFields(out: Diff, a: TcpSegment, b: TcpSegment): void {
  field(out, 'tcp.srcPort', a.srcPort, b.srcPort);
  field(out, 'tcp.dstPort', a.dstPort, b.dstPort);
  field(out, 'tcp.seq', a.seq, b.seq);
  field(out, 'tcp.ack', a.ack, b.ack);
  field(out, 'tcp.flags', formatTcpFlags(a.flags), formatTcpFlags(b.flags));
  field(out, 'tcp.window', a.window, b.window);
  field(out, 'tcp.urgent', a.urgent, b.urgent);
  field(out, 'tcp.options', formatTcpOptions(a.options), formatTcpOptions(b.options));
  payload(out, 'tcp.payload', a.payload, b.payload);
}

function packetFields(a: Packet, b: Packet): Diff {
  const out: Diff = [];
  field(out, 'ip.src', formatIp(a.ip.src), formatIp(b.ip.src));
  field(out, 'ip.dst', formatIp(a.ip.dst), formatIp(b.ip.dst));
  field(out, 'ip.ttl', a.ip.ttl, b.ip.ttl);
  field(out, 'ip.id', a.ip.id, b.ip.id);
  field(out, 'ip.tos', a.ip.tos, b.ip.tos);
  field(out, 'ip.df', a.ip.dontFragment, b.ip.dontFragment);
  field(out, 'ip.proto', a.body.proto, b.body.proto);
  if (a.body.proto === 'tcp' && b.body.proto === 'tcp') tcpFields(out, a.body.tcp, b.body.tcp);
  if (a.body.proto === 'udp' && b.body.proto === 'udp') {
    field(out, 'udp.srcPort', a.body.udp.srcPort, b.body.udp.srcPort);
    field(out, 'udp.dstPort', a.body.udp.dstPort, b.body.udp.dstPort);
    payload(out, 'udp.payload', a.body.udp.payload, b.body.udp.payload);
  }
  if (a.body.proto === 'icmp' && b.body.proto === 'icmp') {
    field(out, 'icmp.type', a.body.icmp.type, b.body.icmp.type);
    field(out, 'icmp.code', a.body.icmp.code, b.body.icmp.code);
    payload(out, 'icmp.quoted', a.body.icmp.quoted, b.body.icmp.quoted);
  }
  return out;
}

/**
 * How frame `a` differs from frame `b`, one "field: a ≠ b" line per differing field, first
 * difference first; empty if the frames are byte-identical.
 */
export function frameDifferences(a: Uint8Array, b: Uint8Array): readonly string[] {
  if (bytesEqual(a, b)) return [];
  const da = decodePacket(a);
  const db = decodePacket(b);
  if (!da.ok || !db.ok) {
    const why = (r: typeof da): string => (r.ok ? 'decodes' : formatDecodeError(r.error));
    return [`decoding: ${why(da)} ≠ ${why(db)}`, ...bytesLine(a, b)];
  }
  const fields = packetFields(da.value, db.value);
  return fields.length > 0 ? fields : bytesLine(a, b);
}

/** Equal fields but different bytes: the encoding differs (a checksum, padding, option layout). */
function bytesLine(a: Uint8Array, b: Uint8Array): Diff {
  const i = firstDifference(a, b);
  if (a.length !== b.length) return [`frame length: ${a.length} ≠ ${b.length}`];
  return [`frame byte ${i} (checksum or encoding): ${hexAt(a, i, 4)} ≠ ${hexAt(b, i, 4)}`];
}
