import type { DeliveryId } from '../../core/ids';
import type { Packet } from '../../core/packet';
import { IPPROTO_TCP } from '../../core/packet';
import { decodePacket, encodePacket } from '../corelib';
import { sendmsg } from '../kern/msgport';
import type { Inet } from './inet';
import { ipInput } from './ip';
import { NetMsg } from './netmsg';
import type { PacketArg } from './protosw';
import { BADFRAME_CPU, packetCpu } from './rss';
import { tsoSplit } from './tso';

/**
 * Read before editing: dragonfly.md D.3 (receive path), C (TSO NIC contract), UP-13.
 *
 * The NIC. Receive: decode the frame, compute the RSS hash and queue it — as a packet message
 * that is never replied (`netisr_apanic_rport`) — to the netisr of `(hash & 127) % ncpus`. A
 * frame that does not decode is never thrown on: it goes to netisr 0, which counts and drops it
 * (so every delivery still has exactly one linearizing commit). Transmit: split TSO
 * super-segments into MSS-sized pieces (TSO-2 … TSO-4), encode, and hand each frame to the link.
 */
export function nicInput(inet: Inet, delivery: DeliveryId, bytes: Uint8Array): void {
  const dec = decodePacket(bytes);
  const packet = dec.ok ? dec.value : null;
  const cpu = packet !== null ? packetCpu(packet, inet.ncpus) : BADFRAME_CPU;
  inet.stats.inc(cpu, 'nic.rx');
  if (packet === null) inet.stats.inc(cpu, 'nic.rxbad');
  const k = inet.k;
  const input = { kind: 'frame', delivery } as const;
  const msg = new NetMsg<PacketArg>(k, input, 'apanic', 0, ipInput, { bytes, packet });
  k.inContext(inet.nicTd, () => sendmsg(k, inet.netisrs[cpu]!.port, msg));
}

export interface TxOptions {
  /** TCP only: the MSS to split a TSO super-segment into (absent = no TSO). */
  readonly tsoMss?: number;
}

/**
 * `if_start` + the NIC's transmit: every wire frame is transmitted inside the running
 * transaction, whose commit lists it.
 */
export function nicOutput(inet: Inet, p: Packet, opts: TxOptions = {}): void {
  const tso = opts.tsoMss !== undefined && p.body.proto === 'tcp';
  const pieces = tso ? tsoSplit(p, opts.tsoMss!) : [p];
  const cpu = inet.k.curthread().cpu;
  if (pieces.length > 1) inet.stats.inc(cpu, 'nic.tso_split');
  for (const piece of pieces) {
    const bytes = encodePacket(piece, { udpChecksum: inet.cfg.udp.checksum });
    const frame = inet.env.transmit(bytes);
    inet.k.noteFrame(frame);
    inet.stats.inc(cpu, 'nic.tx');
  }
}

/** Is this an IPv4 protocol the NIC could offload (TSO-1: TCP only)? */
export const tsoCapable = (proto: number): boolean => proto === IPPROTO_TCP;
