import type { CpuId } from '../../core/ids';
import { tcpFlowCpu } from '../corelib';
import type { Co } from '../kern/thread';
import type { Inet } from '../net/inet';
import { registerRollup } from '../net/netisr';
import type { CtlArg, ProtoEntry, Quoted } from '../net/protosw';
import type { NetMsg } from '../net/netmsg';
import { tcpWillblock } from './ackq';
import { checkConstants } from './const';
import { tcpInput } from './input';
import { syncacheAttach } from './syncache';

/**
 * TCP's protocol switch entry (`inetsw[]` for IPPROTO_TCP) and its wiring into a host: the
 * ACK-aggregation rollup and the syncache's timer messages. Sockets are created through
 * socket/sotcp.ts (TCP's user requests are its own messages, tcp/usrreq.ts).
 */

/** `tcp_ctlport`: an ICMP error about a TCP segment goes to the quoted 4-tuple's CPU. */
const tcpCtlcpu = (q: Quoted, ncpus: number): CpuId => tcpFlowCpu(q.src, q.srcPort, q.dst,
    q.dstPort, ncpus);

/**
 * `tcp_ctlinput`. DEVIATION (B.7): ICMP errors do not affect TCP connections. mpcheck hosts
 * answer segments for closed ports with RSTs (TP-17), never with ICMP, so such errors can only
 * be forged or garbage; ignoring them keeps connections safe from them (the `security`
 * property). The error still linearizes, on the quoted flow's CPU.
 */
function* tcpCtlinput(inet: Inet, msg: NetMsg<unknown>, ctl: CtlArg): Co {
  void msg;
  void ctl;
  inet.k.linearize();
}

export const tcpProtoEntry: ProtoEntry = {
  input: tcpInput,
  ctlcpu: tcpCtlcpu,
  ctlinput: tcpCtlinput,
};

/** Register TCP's rollup and wire the syncache callouts (once, when the host is built). */
export function tcpAttachHost(inet: Inet): void {
  checkConstants();
  registerRollup(inet, tcpWillblock);
  syncacheAttach(inet);
}
