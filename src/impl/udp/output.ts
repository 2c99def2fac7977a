import type { Endpoint, Port } from '../../core/addr';
import { assert } from '../../core/assert';
import type { Packet } from '../../core/packet';
import { udpFlowCpu } from '../corelib';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import { ipHeader } from '../net/ipout';
import { nicOutput } from '../net/nic';

/**
 * Read before editing: UP-1, UP-8, UP-15, UDP-4, UDP-5, dragonfly.md E (per-CPU send).
 *
 * Build and transmit one datagram: source = this host and `lport`, UP-1's IP header, the UDP
 * checksum when `udp.checksum` (the encoder writes 0xFFFF for a computed 0, UDP-5). It always
 * runs on the flow CPU of (local address, destination) — the pair assertion for UP-15.
 */
export function udpOutput(inet: Inet, lport: Port, dst: Endpoint, data: Uint8Array): void {
  const cpu = mycpu(inet);
  const flow = udpFlowCpu(inet.addr, dst.addr, inet.ncpus);
  assert(cpu === flow, `udpOutput: datagram to ${dst.addr} sent on cpu ${cpu}, not ${flow}`);
  const p: Packet = {
    ip: ipHeader(inet, dst.addr),
    body: { proto: 'udp', udp: { srcPort: lport, dstPort: dst.port, payload: data } },
  };
  inet.stats.inc(cpu, 'udp.opackets');
  nicOutput(inet, p);
}
