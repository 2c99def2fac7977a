import { cpuId } from '../../core/ids';
import type { CpuId } from '../../core/ids';
import type { Packet } from '../../core/packet';
import { tcpFlowCpu, udpFlowCpu } from '../corelib';

/**
 * Read before editing: dragonfly.md D.2, UP-13.
 *
 * The flow → CPU map the NIC's RSS hash implements: TCP over the 4-tuple, UDP over the address
 * pair only, anything else (ICMP, undecodable frames) CPU 0. Kept in its own module so tests can
 * substitute a wrong map and watch the netisr-conformance check catch it.
 */
export function packetCpu(p: Packet, ncpus: number): CpuId {
  const b = p.body;
  switch (b.proto) {
    case 'tcp':
      return tcpFlowCpu(p.ip.src, b.tcp.srcPort, p.ip.dst, b.tcp.dstPort, ncpus);
    case 'udp':
      return udpFlowCpu(p.ip.src, p.ip.dst, ncpus);
    case 'icmp':
      return cpuId(0);
  }
}

/** Frames that do not decode carry no flow: netisr 0 takes (and drops) them. */
export const BADFRAME_CPU: CpuId = cpuId(0);
