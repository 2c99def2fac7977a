import type { CpuId } from '../../core/ids';
import type { Packet } from '../../core/packet';
import type { QuotedFlow } from '../corelib';
import type { Co } from '../kern/thread';
import type { Usrreqs } from '../socket/usrreq';
import type { Inet } from './inet';
import type { NetMsg } from './netmsg';

/**
 * The protocol switch (`protosw`): what ip_input and icmp_input call per transport. UDP fills in
 * its entry when the host is built; TCP's entry drops segments until the TCP layer registers.
 */

/** A frame as the NIC handed it up: the raw bytes (quoted by ICMP errors) and its decoding. */
export interface PacketArg {
  readonly bytes: Uint8Array;
  /** null when the frame did not decode (UP-11 drops, robustness). */
  readonly packet: Packet | null;
}

/** The datagram an ICMP error quotes: its addresses, protocol and ports. */
export type Quoted = QuotedFlow;

/** An ICMP error on its way to a transport's ctlinput. */
export interface CtlArg {
  readonly type: number;
  readonly code: number;
  readonly quoted: Quoted;
}

export interface ProtoEntry {
  /** `pr_input`, on the packet's flow CPU. Must linearize the frame (UP-15). */
  readonly input: (inet: Inet, msg: NetMsg<PacketArg>, p: Packet) => Co;
  /** `pr_ctlport`: the CPU that owns the flow an ICMP error quotes. */
  readonly ctlcpu?: (q: Quoted, ncpus: number) => CpuId;
  /** `pr_ctlinput`, on that CPU. Must linearize the frame unless it re-queues the message. */
  readonly ctlinput?: (inet: Inet, msg: NetMsg<unknown>, ctl: CtlArg) => Co;
  /** `pr_usrreqs`; absent = the protocol cannot create sockets (socket() → EOPNOTSUPP). */
  readonly usrreqs?: Usrreqs;
}

export interface Protosw {
  tcp: ProtoEntry;
  udp: ProtoEntry;
}
