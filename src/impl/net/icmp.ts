import type { IpAddr } from '../../core/addr';
import type { Packet } from '../../core/packet';
import { ICMP_UNREACH, ICMP_UNREACH_PORT } from '../../core/packet';
import { forwardmsg } from '../kern/msgport';
import { MSGF_IGNSOPORT } from '../kern/msgflags';
import type { Co } from '../kern/thread';
import type { Inet } from './inet';
import { mycpu } from './inet';
import { ipHeader } from './ipout';
import type { NetMsg } from './netmsg';
import { nicOutput } from './nic';
import type { CtlArg, PacketArg, ProtoEntry } from './protosw';
import { icmpQuote, readQuotedFlow } from '../corelib';

/**
 * Read before editing: UDP-8, UDP-9, UDP-10, UP-11, UP-12, UP-15, dragonfly.md E (ICMP errors).
 *
 * ICMP input runs on netisr 0 (its RSS hash is 0). An ICMP error quoting a datagram is handed
 * to the quoted transport's ctlinput on the CPU that owns the quoted flow (`pr_ctlport`): if that
 * is another CPU the message is forwarded there (a non-linearizing hop) and linearizes there.
 * Anything else is dropped on CPU 0.
 */

/**
 * The ICMP types that report an error about a datagram and are passed to transports (RFC 1122
 * §3.2.2): destination unreachable, time exceeded, parameter problem. (Redirects and source
 * quench are handled by IP, not by transports.)
 */
export const isIcmpError = (type: number): boolean =>
  type === ICMP_UNREACH || type === 11 || type === 12;

export function* icmpInput(inet: Inet, msg: NetMsg<PacketArg>, p: Packet): Co {
  const k = inet.k;
  const cpu = mycpu(inet);
  inet.stats.inc(cpu, 'icmp.in');
  const ic = p.body.proto === 'icmp' ? p.body.icmp : null;
  const q = ic !== null && isIcmpError(ic.type) ? readQuotedFlow(ic.quoted) : null;
  const pr = q === null ? undefined : transportOf(inet, q.proto);
  if (ic === null || q === null || pr?.ctlinput === undefined || pr.ctlcpu === undefined) {
    inet.stats.inc(cpu, 'icmp.dropped');
    k.linearize();
    return;
  }
  const ctl: CtlArg = { type: ic.type, code: ic.code, quoted: q };
  const target = pr.ctlcpu(q, inet.ncpus);
  const ctlMsg = msg as unknown as NetMsg<unknown>;
  if (target !== cpu) {
    // UP-15: taken on CPU 0, linearized on the quoted flow's CPU.
    inet.stats.inc(cpu, 'icmp.ctl_forward');
    const fwd = ctlMsg as NetMsg<CtlArg>;
    fwd.arg = ctl;
    fwd.handler = ctlHandler;
    fwd.flags |= MSGF_IGNSOPORT;
    forwardmsg(k, inet.netisrs[target]!.port, fwd);
    return;
  }
  yield* pr.ctlinput(inet, ctlMsg, ctl);
}

/** The handler of a forwarded ICMP error on the flow's CPU. */
export function* ctlHandler(inet: Inet, msg: NetMsg<CtlArg>): Co {
  const pr = transportOf(inet, msg.arg.quoted.proto);
  if (pr?.ctlinput === undefined) {
    inet.k.linearize();
    return;
  }
  yield* pr.ctlinput(inet, msg as unknown as NetMsg<unknown>, msg.arg);
}

function transportOf(inet: Inet, proto: number): ProtoEntry | undefined {
  if (proto === 17) return inet.protosw.udp;
  if (proto === 6) return inet.protosw.tcp;
  return undefined;
}

/**
 * UDP-9: no ICMP error about a datagram whose source is not a single host (zero, loopback,
 * broadcast, multicast, class E) or whose destination is broadcast or multicast.
 */
export function icmpErrorAllowed(src: IpAddr, dst: IpAddr): boolean {
  const notSingleHost = (a: number): boolean =>
    a === 0 || a >>> 24 === 127 || a === 0xffffffff || a >>> 28 === 0xe || a >>> 28 === 0xf;
  const groupOrBcast = (a: number): boolean => a === 0xffffffff || a >>> 28 === 0xe;
  return !notSingleHost(src) && !groupOrBcast(dst);
}

/**
 * `icmp_error(ICMP_UNREACH, ICMP_UNREACH_PORT)`: quote the offending datagram's IP header and
 * first 8 payload bytes unchanged (UDP-8), sent back to its source with UP-1's header.
 */
export function icmpPortUnreach(inet: Inet, orig: Uint8Array, origPacket: Packet): void {
  const quoted = icmpQuote(orig);
  const reply: Packet = {
    ip: ipHeader(inet, origPacket.ip.src),
    body: { proto: 'icmp', icmp: { type: ICMP_UNREACH, code: ICMP_UNREACH_PORT, quoted } },
  };
  inet.stats.inc(mycpu(inet), 'icmp.unreach_out');
  nicOutput(inet, reply);
}
