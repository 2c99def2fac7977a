import { assert } from '../../core/assert';
import type { Packet } from '../../core/packet';
import { udpFlowCpu } from '../corelib';
import type { Co } from '../kern/thread';
import { getToken, relToken } from '../kern/token';
import { icmpErrorAllowed, icmpPortUnreach } from '../net/icmp';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import type { NetMsg } from '../net/netmsg';
import type { PacketArg } from '../net/protosw';
import { sbAppendAddr } from '../socket/sockbuf';

/**
 * Read before editing: UP-11, UP-12, UP-15, UDP-6 … UDP-9, dragonfly.md E (`udp_input`), D.8.
 *
 * `udp_input` on the address pair's CPU, which linearizes the datagram. Malformed datagrams
 * (bad non-zero checksum, bad length) never get here: they do not decode and netisr 0 drops
 * them (net/ip.ts). Destination port 0 is dropped. Lookup in this CPU's table under its
 * infotoken — exact (connected) entry first, then the wildcard entry — then the datagram is
 * appended to the socket's receive buffer under its token, or dropped if the buffer is full
 * (UP-12). No socket → ICMP port unreachable, unless UDP-9 forbids it.
 *
 * As in DragonFly, the table token is released before the buffer's token is taken. If that
 * acquire is contended, the lookup is not re-validated: the only thread that holds `so_rcv`'s
 * token across a yield is the socket's reader (soreceive.ts), and while its application is in
 * recv it cannot close, bind or connect that socket — so the entry found stays the right one.
 */
export function* udpInput(inet: Inet, msg: NetMsg<PacketArg>, p: Packet): Co {
  const k = inet.k;
  const cpu = mycpu(inet);
  assert(p.body.proto === 'udp', 'udpInput: not a UDP packet');
  const u = p.body.udp;
  // Pair assertion with the NIC's RSS (UP-13): the datagram is on its flow's CPU.
  assert(cpu === udpFlowCpu(p.ip.src, p.ip.dst, inet.ncpus), `udpInput: datagram on cpu ${cpu}`);
  k.linearize();
  inet.stats.inc(cpu, 'udp.ipackets');
  if (u.dstPort === 0) {
    inet.stats.inc(cpu, 'udp.badport');
    return;
  }
  const table = inet.udp.tables[cpu]!;
  yield* getToken(k, table.token!, 'udp.input');
  k.rd(table.obj);
  const entry = table.lookup(p.ip.dst, u.dstPort, p.ip.src, u.srcPort);
  relToken(k, table.token!);
  if (entry === null) {
    inet.stats.inc(cpu, 'udp.noport');
    if (icmpErrorAllowed(p.ip.src, p.ip.dst)) icmpPortUnreach(inet, msg.arg.bytes, p);
    else inet.stats.inc(cpu, 'icmp.unreach_suppressed');
    return;
  }
  const from = { addr: p.ip.src, port: u.srcPort };
  const appended = yield* sbAppendAddr(inet, entry.pcb.rcv, { data: u.payload, from }, 'udp.input');
  inet.stats.inc(cpu, appended ? 'udp.delivered' : 'udp.fullsock');
}
