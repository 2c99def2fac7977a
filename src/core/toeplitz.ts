import type { IpAddr, Port } from './addr';
import { assert } from './assert';
import type { CpuId } from './ids';
import { cpuId } from './ids';

/**
 * Read before editing: dragonfly.md D.2 (`net/toeplitz.c`, `net/toeplitz2.h`, `netisr2.h`).
 *
 * The Toeplitz (RSS) hash decides which netisr CPU owns a flow (UP-13). For input bits
 * b0 b1 … (most significant bit of the first byte first) the raw hash is the XOR of the 32-bit
 * key windows K[i .. i+31] for every set bit bi. DragonFly's key repeats the two seed bytes
 * 0x6d, 0x5a, so it is periodic with period 16 bits: the window a bit selects depends only on
 * its position modulo 16, i.e. on the parity of its byte's index. Two 256-entry tables (even
 * bytes, odd bytes) therefore compute the hash exactly, and the hash of a tuple does not change
 * when (src, dst) and (sport, dport) are swapped: every 16-bit field keeps its byte parities.
 * That symmetry is what puts both directions of a flow on the same CPU.
 */

/** `net.toeplitz.keyseed0/1` defaults (dragonfly.md D.2). */
export const TOEPLITZ_KEYSEED0 = 0x6d;
export const TOEPLITZ_KEYSEED1 = 0x5a;
/** TOEPLITZ_KEYLEN: 40 bytes, enough for an IPv6 4-tuple (36 bytes) plus the 32-bit window. */
export const TOEPLITZ_KEY_LEN = 40;
/** The longest input the key covers: the last bit's window must end inside the key. */
export const TOEPLITZ_INPUT_MAX = TOEPLITZ_KEY_LEN - 4;

export const TOEPLITZ_KEY: Uint8Array = Uint8Array.from({ length: TOEPLITZ_KEY_LEN }, (_, i) =>
  i % 2 === 0 ? TOEPLITZ_KEYSEED0 : TOEPLITZ_KEYSEED1,
);

/** The 32-bit key window starting at bit `bit` of `key` (bit 0 = MSB of key[0]). */
function keyWindow(key: Uint8Array, bit: number): number {
  let w = 0;
  for (let j = 0; j < 32; j++) {
    const b = bit + j;
    const keyBit = (key[b >>> 3]! >>> (7 - (b & 7))) & 1;
    w = ((w << 1) | keyBit) >>> 0;
  }
  return w;
}

/**
 * `toeplitz_cache_create`: table[p][v] is the hash contribution of byte value v at a byte index
 * of parity p. Valid for every position only because the key is 16-bit periodic (asserted).
 */
function buildTables(key: Uint8Array): readonly [Uint32Array, Uint32Array] {
  for (let i = 2; i < key.length; i++) {
    assert(key[i] === key[i - 2], 'toeplitz: the two-table form needs a 16-bit periodic key');
  }
  const tables: [Uint32Array, Uint32Array] = [new Uint32Array(256), new Uint32Array(256)];
  for (let parity = 0; parity < 2; parity++) {
    const windows: number[] = [];
    for (let b = 0; b < 8; b++) windows.push(keyWindow(key, parity * 8 + b));
    const table = tables[parity]!;
    for (let v = 0; v < 256; v++) {
      let res = 0;
      for (let b = 0; b < 8; b++) if ((v & (0x80 >>> b)) !== 0) res ^= windows[b]!;
      table[v] = res >>> 0;
    }
  }
  return tables;
}

const [T0, T1] = buildTables(TOEPLITZ_KEY);

/** The raw 32-bit Toeplitz hash of `bytes` (network order) under DragonFly's key. */
export function toeplitzRaw(bytes: Uint8Array): number {
  assert(bytes.length <= TOEPLITZ_INPUT_MAX, `toeplitz: ${bytes.length} bytes exceed the key`);
  let res = 0;
  for (let i = 0; i < bytes.length; i++) res ^= (i & 1) === 0 ? T0[bytes[i]!]! : T1[bytes[i]!]!;
  return res >>> 0;
}

/** `toeplitz_hash(raw)`: the low 16 bits, the value a NIC reports in the RX descriptor. */
export const toeplitzHash = (raw: number): number => raw & 0xffff;

/** An IPv4 address as 4 network-order bytes: indices even, odd, even, odd. */
const addrRaw = (a: number): number =>
  T0[a >>> 24]! ^ T1[(a >>> 16) & 0xff]! ^ T0[(a >>> 8) & 0xff]! ^ T1[a & 0xff]!;
const portRaw = (p: number): number => T0[(p >>> 8) & 0xff]! ^ T1[p & 0xff]!;

/**
 * TCP flow hash over (src addr, dst addr, src port, dst port) — `toeplitz_rawhash_addrport`.
 * Returns `toeplitz_hash(raw)`; symmetric in (src, dst).
 */
export function tcpFlowHash(
  srcAddr: IpAddr,
  srcPort: Port,
  dstAddr: IpAddr,
  dstPort: Port,
): number {
  return toeplitzHash(addrRaw(srcAddr) ^ addrRaw(dstAddr) ^ portRaw(srcPort) ^ portRaw(dstPort));
}

/** UDP flow hash over the address pair only — `toeplitz_rawhash_addr` (dragonfly.md D.2). */
export function udpFlowHash(srcAddr: IpAddr, dstAddr: IpAddr): number {
  return toeplitzHash(addrRaw(srcAddr) ^ addrRaw(dstAddr));
}

/** `netisr_hashcpu(h) = (h & 127) % ncpus`: the 7 low bits index the RSS indirection table. */
export function hashCpu(hash: number, ncpus: number): CpuId {
  assert(
    Number.isInteger(ncpus) && ncpus >= 1,
    `hashCpu: ncpus ${ncpus} must be a positive integer`,
  );
  return cpuId((hash & 127) % ncpus);
}

/** `tcp_addrcpu`: the netisr CPU owning a TCP 4-tuple (UP-13). */
export function tcpFlowCpu(
  srcAddr: IpAddr,
  srcPort: Port,
  dstAddr: IpAddr,
  dstPort: Port,
  ncpus: number,
): CpuId {
  return hashCpu(tcpFlowHash(srcAddr, srcPort, dstAddr, dstPort), ncpus);
}

/** IN_MULTICAST: 224.0.0.0/4. */
export const isMulticast = (a: IpAddr): boolean => (a & 0xf0000000) >>> 0 === 0xe0000000;

/** `udp_addrcpu`: the netisr CPU owning a UDP address pair; multicast is handled on CPU 0. */
export function udpFlowCpu(srcAddr: IpAddr, dstAddr: IpAddr, ncpus: number): CpuId {
  if (isMulticast(srcAddr) || isMulticast(dstAddr)) return hashCpu(0, ncpus);
  return hashCpu(udpFlowHash(srcAddr, dstAddr), ncpus);
}
