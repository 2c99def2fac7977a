import { formatIp } from './addr';
import type { IpAddr } from './addr';
import { assertNever } from './assert';
import { ICMP_HEADER_LEN, decodePacket, readIpv4Dst, readIpv4Src, readQuotedFlow } from './codec';
import type { DecodeError, IcmpMessage, Packet, TcpOptions, TcpSegment } from './packet';
import {
  IPPROTO_TCP,
  IPPROTO_UDP,
  TH_ACK,
  TH_CWR,
  TH_ECE,
  TH_FIN,
  TH_PSH,
  TH_RST,
  TH_SYN,
  TH_URG,
} from './packet';

/**
 * One-line packet summaries in the spelling of `tcpdump -n -S -t` (numeric addresses, absolute
 * sequence numbers, no timestamp, without its leading "IP "), so trace lines and reports read
 * like a capture of the same frames opened in tcpdump. TCP options are shown in the order and
 * with the NOPs the codec puts on the wire (its canonical layout), as tcpdump would show them.
 */

const endpoint = (a: IpAddr, p: number): string => `${formatIp(a)}.${p}`;

/** tcpdump's option list for the canonical layout (codec.ts `encodeTcpOptions`). */
export function formatTcpOptions(o: TcpOptions): string {
  const parts: string[] = [];
  if (o.mss !== undefined) parts.push(`mss ${o.mss}`);
  if (o.wscale !== undefined) parts.push('nop', `wscale ${o.wscale}`);
  if (o.sackPermitted === true) parts.push('nop', 'nop', 'sackOK');
  if (o.timestamp !== undefined)
    parts.push('nop', 'nop', `TS val ${o.timestamp.val} ecr ${o.timestamp.ecr}`);
  if (o.sack !== undefined) {
    parts.push(
      'nop',
      'nop',
      `sack ${o.sack.length} ${o.sack.map((b) => `{${b.start}:${b.end}}`).join('')}`,
    );
  }
  return parts.join(',');
}

/** tcpdump's flag letters, in its order (F before S, unlike packet.ts `tcpFlagsToString`). */
const FLAG_LETTERS: readonly (readonly [number, string])[] = [
  [TH_FIN, 'F'],
  [TH_SYN, 'S'],
  [TH_RST, 'R'],
  [TH_PSH, 'P'],
  [TH_ACK, '.'],
  [TH_URG, 'U'],
  [TH_ECE, 'E'],
  [TH_CWR, 'W'],
];

export function formatTcpFlags(flags: number): string {
  const letters = FLAG_LETTERS.filter(([bit]) => (flags & bit) !== 0)
    .map(([, l]) => l)
    .join('');
  return letters === '' ? 'none' : letters;
}

function formatTcp(t: TcpSegment): string {
  const len = t.payload.length;
  const parts = [`Flags [${formatTcpFlags(t.flags)}]`];
  // tcpdump shows seq when the segment occupies sequence space or resets (SEQ-3).
  if (len > 0) parts.push(`seq ${t.seq}:${(t.seq + len) >>> 0}`);
  else if ((t.flags & (TH_SYN | TH_FIN | TH_RST)) !== 0) parts.push(`seq ${t.seq}`);
  if ((t.flags & TH_ACK) !== 0) parts.push(`ack ${t.ack}`);
  parts.push(`win ${t.window}`);
  if ((t.flags & TH_URG) !== 0) parts.push(`urg ${t.urgent}`);
  const options = formatTcpOptions(t.options);
  if (options !== '') parts.push(`options [${options}]`);
  parts.push(`length ${len}`);
  return parts.join(', ');
}

const ICMP_ECHOREPLY = 0;
const ICMP_UNREACH = 3;
const ICMP_SOURCEQUENCH = 4;
const ICMP_ECHO = 8;
const ICMP_TIMXCEED = 11;

function formatUnreach(m: IcmpMessage): string | null {
  const q = readQuotedFlow(m.quoted);
  if (q === null) return null;
  const dst = formatIp(q.dst);
  switch (m.code) {
    case 0:
      return `net ${dst} unreachable`;
    case 1:
      return `host ${dst} unreachable`;
    case 2:
      return `${dst} protocol ${q.proto} unreachable`;
    case 3: {
      const proto =
        q.proto === IPPROTO_UDP ? 'udp' : q.proto === IPPROTO_TCP ? 'tcp' : `proto-${q.proto}`;
      return `${dst} ${proto} port ${q.dstPort} unreachable`;
    }
    default:
      return null;
  }
}

function formatIcmp(m: IcmpMessage): string {
  const length = `length ${ICMP_HEADER_LEN + m.quoted.length}`;
  // The codec sends bytes 4–7 as zero, so an echo's id and sequence are 0 on the wire.
  if (m.type === ICMP_ECHO) return `ICMP echo request, id 0, seq 0, ${length}`;
  if (m.type === ICMP_ECHOREPLY) return `ICMP echo reply, id 0, seq 0, ${length}`;
  if (m.type === ICMP_SOURCEQUENCH) return `ICMP source quench, ${length}`;
  if (m.type === ICMP_TIMXCEED && m.code === 0) return `ICMP time exceeded in-transit, ${length}`;
  const unreach = m.type === ICMP_UNREACH ? formatUnreach(m) : null;
  if (unreach !== null) return `ICMP ${unreach}, ${length}`;
  return `ICMP type-#${m.type}, ${length}`;
}

/** `10.0.0.1.49152 > 10.0.0.2.7: UDP, length 100` and the like. */
export function formatPacket(p: Packet): string {
  const { ip, body } = p;
  switch (body.proto) {
    case 'tcp': {
      const { srcPort, dstPort } = body.tcp;
      return `${endpoint(ip.src, srcPort)} > ${endpoint(ip.dst, dstPort)}: ${formatTcp(body.tcp)}`;
    }
    case 'udp': {
      const { srcPort, dstPort, payload } = body.udp;
      const flow = `${endpoint(ip.src, srcPort)} > ${endpoint(ip.dst, dstPort)}`;
      return `${flow}: UDP, length ${payload.length}`;
    }
    case 'icmp':
      return `${formatIp(ip.src)} > ${formatIp(ip.dst)}: ${formatIcmp(body.icmp)}`;
    default:
      return assertNever(body, 'transport');
  }
}

/** Why a frame did not decode, in words. */
export function formatDecodeError(e: DecodeError): string {
  switch (e.kind) {
    case 'truncated':
      return `truncated ${e.layer}: need ${e.need} bytes, have ${e.have}`;
    case 'bad-version':
      return `bad IP version ${e.version}`;
    case 'bad-header-length':
      return `bad ${e.layer} header length ${e.value}`;
    case 'bad-length':
      return `bad ${e.layer} length ${e.value}`;
    case 'bad-checksum':
      return `bad ${e.layer} checksum`;
    case 'bad-option':
      return `bad tcp option: ${e.detail}`;
    case 'fragment':
      return 'ip fragment';
    case 'unknown-protocol':
      return `unknown ip protocol ${e.proto}`;
    default:
      return assertNever(e, 'decode error');
  }
}

/**
 * A frame as one line: the packet summary if it decodes, else
 * `garbage (<why>), <n> bytes`, prefixed with `src > dst: ` when the addresses are readable.
 */
export function formatFrame(bytes: Uint8Array): string {
  const r = decodePacket(bytes);
  if (r.ok) return formatPacket(r.value);
  const garbage = `garbage (${formatDecodeError(r.error)}), ${bytes.length} bytes`;
  const src = readIpv4Src(bytes);
  const dst = readIpv4Dst(bytes);
  return src !== null && dst !== null ? `${formatIp(src)} > ${formatIp(dst)}: ${garbage}` : garbage;
}
