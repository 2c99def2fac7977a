/**
 * Flow → CPU, UP-13 (docs/UDP-PROFILE.md) after dragonfly.md D.2.
 *
 * The NIC hashes what it can read of a frame, without validating checksums (as RSS hardware and
 * DragonFly's `ip_hashfn` do; checksums are verified later, on the chosen CPU):
 *   - UDP: Toeplitz over the address pair; CPU 0 if either address is multicast (D.2);
 *   - TCP: Toeplitz over the 4-tuple;
 *   - IP fragments of either: the address pair (D.2: all fragments of a datagram meet on one CPU;
 *     the profile's "UDP over the address pair" reading applied to the only part that is known);
 *   - anything else, or anything whose IPv4 header or ports cannot be read: CPU 0.
 * The CPU is `(hash & 127) % ncpus` (core `udpFlowCpu` / `tcpFlowCpu`).
 */
import type { IpAddr, Port } from '../../core/addr';
import { ipAddr, port } from '../../core/addr';
import { assert } from '../../core/assert';
import { MAX_CPUS } from '../../core/config';
import type { CpuId } from '../../core/ids';
import { cpuId } from '../../core/ids';
import { IPPROTO_TCP, IPPROTO_UDP } from '../../core/packet';
import { tcpFlowCpu, udpFlowCpu } from '../../core/toeplitz';

/** What the flow hash reads of an IPv4 packet (a frame, or the datagram an ICMP error quotes). */
export interface FlowKey {
  readonly proto: number;
  readonly src: IpAddr;
  readonly dst: IpAddr;
  /** Transport ports, when the bytes hold them (a non-fragment with ≥ 4 transport bytes). */
  readonly ports: { readonly src: Port; readonly dst: Port } | null;
  readonly fragment: boolean;
}

const rd16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
const rd32 = (b: Uint8Array, i: number): number =>
  ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

/**
 * Read the flow key of IPv4 `bytes`. For a frame (`quoted` false) the total-length field must fit
 * the bytes; a quote (`quoted` true) is a truncated copy, so only the header and ports must be
 * present. Null when the bytes are not a readable IPv4 header.
 */
export function readFlowKey(bytes: Uint8Array, quoted: boolean): FlowKey | null {
  if (bytes.length < 20 || bytes[0]! >> 4 !== 4) return null;
  const ihl = (bytes[0]! & 0x0f) * 4;
  if (ihl < 20 || bytes.length < ihl) return null;
  const total = rd16(bytes, 2);
  if (!quoted && (total < ihl || total > bytes.length)) return null;
  const end = quoted ? bytes.length : total;
  const fragment = (rd16(bytes, 6) & 0x3fff) !== 0;
  const ports = !fragment && end - ihl >= 4
    ? { src: port(rd16(bytes, ihl)), dst: port(rd16(bytes, ihl + 2)) }
    : null;
  const src = ipAddr(rd32(bytes, 12));
  const dst = ipAddr(rd32(bytes, 16));
  return { proto: bytes[9]!, src, dst, ports, fragment };
}

/** UP-13: the flow CPU of a packet with this key (see the file comment for each case). */
export function flowCpuOfKey(key: FlowKey | null, ncpus: number): CpuId {
  assert(Number.isInteger(ncpus) && ncpus >= 1 && ncpus <= MAX_CPUS, `UP-13: ${ncpus} CPUs`);
  if (key === null) return cpuId(0);
  // core's udpFlowCpu puts multicast on CPU 0 (D.2).
  const pairHash = (): CpuId => udpFlowCpu(key.src, key.dst, ncpus);
  if (key.proto === IPPROTO_UDP) return pairHash();
  if (key.proto === IPPROTO_TCP) {
    if (key.fragment) return pairHash();
    if (key.ports === null) return cpuId(0);
    return tcpFlowCpu(key.src, key.ports.src, key.dst, key.ports.dst, ncpus);
  }
  return cpuId(0);
}

/** UP-13: the netisr a frame's NIC hash selects (before any redispatch of ICMP errors). */
export const flowCpuOfFrame = (bytes: Uint8Array, ncpus: number): CpuId =>
  flowCpuOfKey(readFlowKey(bytes, false), ncpus);

/** UP-13 / UP-15: the flow CPU of a UDP datagram between two addresses (either direction). */
export const udpPairCpu = (a: IpAddr, b: IpAddr, ncpus: number): CpuId =>
  flowCpuOfKey({ proto: IPPROTO_UDP, src: a, dst: b, ports: null, fragment: false }, ncpus);
