import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ipAddr, port } from '../../src/core/addr';
import type { IpAddr, Port } from '../../src/core/addr';
import {
  TOEPLITZ_INPUT_MAX,
  TOEPLITZ_KEY,
  hashCpu,
  isMulticast,
  tcpFlowCpu,
  tcpFlowHash,
  toeplitzHash,
  toeplitzRaw,
  udpFlowCpu,
  udpFlowHash,
} from '../../src/core/toeplitz';

/**
 * Method: the table-driven hash is compared with a slow reference written straight from the
 * bitwise definition of Toeplitz (for every set input bit, XOR the 32-bit key window starting at
 * that bit). The reference itself is pinned by Microsoft's published RSS verification vectors
 * (their key, not DragonFly's) and by windows worked out by hand for DragonFly's key. Properties
 * then check the symmetry that DragonFly relies on (dragonfly.md D.2) and that CPUs are in range.
 */

function referenceToeplitz(key: Uint8Array, input: Uint8Array): number {
  const keyBit = (b: number): number => (key[b >>> 3]! >>> (7 - (b & 7))) & 1;
  let result = 0;
  for (let i = 0; i < input.length * 8; i++) {
    if (((input[i >>> 3]! >>> (7 - (i & 7))) & 1) === 0) continue;
    let window = 0;
    for (let j = 0; j < 32; j++) window = ((window << 1) | keyBit(i + j)) >>> 0;
    result = (result ^ window) >>> 0;
  }
  return result;
}

const be32 = (n: number): number[] => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const be16 = (n: number): number[] => [n >>> 8, n & 0xff];
const ip = (a: number, b: number, c: number, d: number): IpAddr =>
  ipAddr((a << 24) | (b << 16) | (c << 8) | d);
const tuple = (src: IpAddr, sport: Port, dst: IpAddr, dport: Port): Uint8Array =>
  Uint8Array.from([...be32(src), ...be32(dst), ...be16(sport), ...be16(dport)]);

const arbAddr = fc.integer({ min: 0, max: 0xffffffff }).map(ipAddr);
const arbPort = fc.integer({ min: 0, max: 0xffff }).map(port);

describe('the reference implementation matches the Microsoft RSS verification suite', () => {
  const MS_KEY = Uint8Array.from([
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
    0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
    0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
  ]);
  // [destination, dport, source, sport, IPv4 hash, IPv4-with-TCP hash]
  const vectors: [IpAddr, number, IpAddr, number, number, number][] = [
    [ip(161, 142, 100, 80), 1766, ip(66, 9, 149, 187), 2794, 0x323e8fc2, 0x51ccc178],
    [ip(65, 69, 140, 83), 4739, ip(199, 92, 111, 2), 14230, 0xd718262a, 0xc626b0ea],
    [ip(12, 22, 207, 184), 38024, ip(24, 19, 198, 95), 12898, 0xd2d0a5de, 0x5c2b394a],
    [ip(209, 142, 163, 6), 2217, ip(38, 27, 205, 30), 48228, 0x82989176, 0xafc7327f],
    [ip(202, 188, 127, 2), 1303, ip(153, 39, 163, 191), 44251, 0x5d1809c5, 0x10e828a2],
  ];
  it.each(vectors)('dst %i:%i src %i:%i', (dst, dport, src, sport, ipHash, tcpHash) => {
    const addrs = Uint8Array.from([...be32(src), ...be32(dst)]);
    expect(referenceToeplitz(MS_KEY, addrs)).toBe(ipHash);
    expect(referenceToeplitz(MS_KEY, tuple(src, port(sport), dst, port(dport)))).toBe(tcpHash);
  });
});

describe('toeplitzRaw under DragonFly key 6d 5a 6d 5a …', () => {
  it('uses the key made of the two seed bytes repeated', () => {
    expect(TOEPLITZ_KEY.length).toBe(40);
    expect([...TOEPLITZ_KEY.slice(0, 4)]).toEqual([0x6d, 0x5a, 0x6d, 0x5a]);
    expect(TOEPLITZ_KEY.every((b, i) => b === (i % 2 === 0 ? 0x6d : 0x5a))).toBe(true);
  });

  it('a single set bit selects the key window starting at that bit (worked by hand)', () => {
    // Bit 0 → the first 32 key bits: 6d 5a 6d 5a.
    expect(toeplitzRaw(Uint8Array.of(0x80))).toBe(0x6d5a6d5a);
    // Bit 7 → key bits 7..38: the 40-bit prefix 6d5a6d5a6d shifted right by one, low 32 bits.
    expect(toeplitzRaw(Uint8Array.of(0x01))).toBe(0xad36ad36);
    // Bit 8 (first bit of the second byte) → window 5a 6d 5a 6d.
    expect(toeplitzRaw(Uint8Array.of(0x00, 0x80))).toBe(0x5a6d5a6d);
    // Bit 16 repeats bit 0's window, so the two cancel.
    expect(toeplitzRaw(Uint8Array.of(0x80, 0x00, 0x80))).toBe(0);
    expect(toeplitzRaw(new Uint8Array(0))).toBe(0);
  });

  test.prop([fc.uint8Array({ maxLength: TOEPLITZ_INPUT_MAX })])(
    'the table version equals the bitwise definition for every input the key covers',
    (bytes) => {
      expect(toeplitzRaw(bytes)).toBe(referenceToeplitz(TOEPLITZ_KEY, bytes));
    },
  );

  it('refuses inputs longer than the key covers (a caller bug)', () => {
    expect(() => toeplitzRaw(new Uint8Array(TOEPLITZ_INPUT_MAX + 1))).toThrow(/exceed the key/);
  });
});

describe('flow hashes', () => {
  test.prop([arbAddr, arbPort, arbAddr, arbPort])(
    'tcpFlowHash is toeplitz_hash of the 4-tuple src, dst, sport, dport',
    (src, sport, dst, dport) => {
      const raw = referenceToeplitz(TOEPLITZ_KEY, tuple(src, sport, dst, dport));
      expect(tcpFlowHash(src, sport, dst, dport)).toBe(toeplitzHash(raw));
      expect(tcpFlowHash(src, sport, dst, dport)).toBe(raw & 0xffff);
    },
  );

  test.prop([arbAddr, arbAddr])('udpFlowHash is toeplitz_hash of the address pair', (src, dst) => {
    const raw = referenceToeplitz(TOEPLITZ_KEY, Uint8Array.from([...be32(src), ...be32(dst)]));
    expect(udpFlowHash(src, dst)).toBe(raw & 0xffff);
  });

  test.prop([arbAddr, arbPort, arbAddr, arbPort])(
    'D.2 symmetry: both directions of a TCP flow hash alike',
    (src, sport, dst, dport) => {
      expect(tcpFlowHash(dst, dport, src, sport)).toBe(tcpFlowHash(src, sport, dst, dport));
    },
  );

  test.prop([arbAddr, arbAddr])(
    'D.2 symmetry: both directions of a UDP pair hash alike',
    (a, b) => {
      expect(udpFlowHash(b, a)).toBe(udpFlowHash(a, b));
    },
  );

  it('the hash is not trivially symmetric in everything: the port parity matters', () => {
    const a = ip(10, 0, 0, 1);
    const b = ip(10, 0, 0, 2);
    const hashes = new Set<number>();
    for (let p = 49152; p < 49152 + 64; p++) hashes.add(tcpFlowHash(a, port(p), b, port(80)));
    expect(hashes.size).toBeGreaterThan(32);
  });
});

describe('CPU selection', () => {
  const arbNcpus = fc.integer({ min: 1, max: 16 });

  test.prop([fc.integer({ min: 0, max: 0xffff }), arbNcpus])(
    'netisr_hashcpu is (hash & 127) % ncpus, always a valid CPU',
    (hash, ncpus) => {
      const cpu = hashCpu(hash, ncpus);
      expect(cpu).toBe((hash & 127) % ncpus);
      expect(cpu).toBeGreaterThanOrEqual(0);
      expect(cpu).toBeLessThan(ncpus);
    },
  );

  test.prop([arbAddr, arbPort, arbAddr, arbPort, arbNcpus])(
    'tcpFlowCpu is in range and the same for both directions',
    (src, sport, dst, dport, ncpus) => {
      const cpu = tcpFlowCpu(src, sport, dst, dport, ncpus);
      expect(cpu).toBeGreaterThanOrEqual(0);
      expect(cpu).toBeLessThan(ncpus);
      expect(tcpFlowCpu(dst, dport, src, sport, ncpus)).toBe(cpu);
      expect(cpu).toBe(hashCpu(tcpFlowHash(src, sport, dst, dport), ncpus));
    },
  );

  test.prop([arbAddr, arbAddr, arbNcpus])('udpFlowCpu is in range and symmetric', (a, b, ncpus) => {
    const cpu = udpFlowCpu(a, b, ncpus);
    expect(cpu).toBeGreaterThanOrEqual(0);
    expect(cpu).toBeLessThan(ncpus);
    expect(udpFlowCpu(b, a, ncpus)).toBe(cpu);
    if (!isMulticast(a) && !isMulticast(b)) expect(cpu).toBe(hashCpu(udpFlowHash(a, b), ncpus));
  });

  test.prop([arbAddr, fc.integer({ min: 0, max: 0x0fffffff }), arbNcpus])(
    'D.2: a UDP pair with a multicast address is handled on CPU 0',
    (unicast, low, ncpus) => {
      const group = ipAddr(0xe0000000 + low);
      expect(isMulticast(group)).toBe(true);
      expect(udpFlowCpu(unicast, group, ncpus)).toBe(0);
      expect(udpFlowCpu(group, unicast, ncpus)).toBe(0);
    },
  );

  it('multicast is exactly 224.0.0.0/4', () => {
    expect(isMulticast(ip(223, 255, 255, 255))).toBe(false);
    expect(isMulticast(ip(224, 0, 0, 1))).toBe(true);
    expect(isMulticast(ip(239, 255, 255, 255))).toBe(true);
    expect(isMulticast(ip(240, 0, 0, 0))).toBe(false);
  });

  it('spreads the flows of one host pair over all CPUs', () => {
    const cpus = new Set<number>();
    for (let p = 49152; p < 49152 + 256; p++) {
      cpus.add(tcpFlowCpu(ip(10, 0, 0, 1), port(p), ip(10, 0, 0, 2), port(7), 4));
    }
    expect([...cpus].sort()).toEqual([0, 1, 2, 3]);
  });

  it('rejects a CPU count below one', () => {
    expect(() => hashCpu(5, 0)).toThrow(/ncpus/);
  });
});
