import { assert } from '../../core/assert';
import type { CpuId } from '../../core/ids';
import { ICMP_UNREACH, ICMP_UNREACH_PORT } from '../../core/packet';
import { udpFlowCpu } from '../corelib';
import { MSGF_IGNSOPORT } from '../kern/msgflags';
import type { Co } from '../kern/thread';
import { getToken, relToken } from '../kern/token';
import { ctlHandler } from '../net/icmp';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import type { NetMsg } from '../net/netmsg';
import type { CtlArg, Quoted } from '../net/protosw';
import { sowakeup } from '../socket/sockbuf';
import type { Socket } from '../socket/socket';

/**
 * Read before editing: UP-12, UP-15, UDP-10, dragonfly.md E (`udp_ctlinput`, `udp_get_inpnotify`).
 *
 * An ICMP error about one of our datagrams, on the CPU that owns the quoted address pair. Only a
 * port unreachable matching a *connected* socket exactly (the exact lookup on this CPU) has an
 * effect: `so_error = ECONNREFUSED`, and a blocked recv wakes. Unconnected sockets never see ICMP
 * errors, and other codes are ignored (UP-12).
 *
 * If a send of that socket has passed its user-side checks (so the application was told `sent`)
 * but has not yet been applied here, the error waits on the socket until it has (park.ts):
 * applying the error first would make that send's success impossible in the linearization order
 * (UP-7 vs UP-15).
 * DEVIATION: DragonFly sets `so_error` at once; its sends have no linearization point to keep.
 */
/** Wait for the socket's sends in flight (udp/park.ts sends it on when they are applied). */
function parkCtl(inet: Inet, so: Socket, msg: NetMsg<unknown>, ctl: CtlArg): void {
  const k = inet.k;
  // A connected socket lives on its flow's CPU, which is where its ICMP errors are handled.
  assert(so.port.cpu === mycpu(inet), `udpCtlinput: ${so.name} is not owned here`);
  inet.stats.inc(mycpu(inet), 'icmp.ctl_deferred');
  const again = msg as NetMsg<CtlArg>;
  again.arg = ctl;
  again.handler = ctlHandler;
  again.flags |= MSGF_IGNSOPORT;
  k.wr(so.obj);
  so.pcb.parkedCtl.push(again as NetMsg<unknown>);
}

export const udpCtlcpu = (q: Quoted, ncpus: number): CpuId => udpFlowCpu(q.src, q.dst, ncpus);

export function* udpCtlinput(inet: Inet, msg: NetMsg<unknown>, ctl: CtlArg): Co {
  const k = inet.k;
  const cpu = mycpu(inet);
  const q = ctl.quoted;
  assert(cpu === udpCtlcpu(q, inet.ncpus), `udpCtlinput: on cpu ${cpu}`);
  if (ctl.type !== ICMP_UNREACH || ctl.code !== ICMP_UNREACH_PORT) {
    k.linearize();
    return;
  }
  const table = inet.udp.tables[cpu]!;
  yield* getToken(k, table.token!, 'udp.ctlinput');
  k.rd(table.obj);
  const entry = table.lookupExact(q.src, q.srcPort, q.dst, q.dstPort);
  relToken(k, table.token!);
  if (entry === null) {
    k.linearize();
    return;
  }
  const so = entry.pcb;
  yield* getToken(k, so.rcv.token, 'udp.ctlinput');
  k.rd(so.stateObj);
  if (so.st.sendsInFlight > 0) {
    relToken(k, so.rcv.token);
    parkCtl(inet, so, msg, ctl);
    return;
  }
  k.wr(so.stateObj);
  so.st.error = 'ECONNREFUSED';
  sowakeup(inet, so.rcv);
  relToken(k, so.rcv.token);
  inet.stats.inc(cpu, 'icmp.ctl_notify');
  k.linearize();
}
