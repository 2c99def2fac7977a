/**
 * Read before editing: RFC 9293 §3.9.2.2 (TW-7), RFC 1122 §4.2.3.9; dragonfly.md B.7
 * (tcp_ctlinput, icmp_may_rst).
 *
 * ICMP errors quoting one of our TCP segments. Only a port unreachable for a connection still in
 * SYN-SENT has an effect: the connection is dropped with ECONNREFUSED (icmp_may_rst).
 * DEVIATION(dragonfly.md B.7): soft errors (host/net unreachable, time exceeded) are ignored
 * rather than remembered in t_softerror; PMTU discovery (need-frag) is out of scope.
 */
import type { IcmpMessage } from '../../core/packet';
import { ICMP_UNREACH, ICMP_UNREACH_PORT, IPPROTO_TCP } from '../../core/packet';
import type { SeqNum } from '../../core/seq';
import { seqGeq, seqLt } from '../../core/seq';
import type { Env } from './env';
import { connOf } from './env';
import { tcpDrop } from './lifecycle';

const rd16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
const rd32 = (b: Uint8Array, i: number): number =>
  ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

/** tcp_ctlinput for a port unreachable: quoted seq must lie in [sndUna, sndMax) (B.7). */
export function icmpArrives(env: Env, icmp: IcmpMessage): void {
  if (icmp.type !== ICMP_UNREACH || icmp.code !== ICMP_UNREACH_PORT) return;
  const q = icmp.quoted;
  if (q.length < 20 || q[0]! >> 4 !== 4) return;
  const ihl = (q[0]! & 0x0f) * 4;
  if (q.length < ihl + 8 || q[9] !== IPPROTO_TCP || rd32(q, 12) !== env.d.addr) return;
  const faddr = rd32(q, 16);
  const lport = rd16(q, ihl);
  const fport = rd16(q, ihl + 2);
  const s = rd32(q, ihl + 4) as SeqNum;
  const so = env.d.sockets.find((x) => x.tcb !== null && x.tcb.local.port === lport &&
    x.tcb.remote.addr === faddr && x.tcb.remote.port === fport);
  if (so === undefined) return;
  const c = connOf(so);
  if (c.tp.state !== 'SYN-SENT' || !seqGeq(s, c.tp.sndUna) || !seqLt(s, c.tp.sndMax)) return;
  tcpDrop(env, c, 'ECONNREFUSED');
}
