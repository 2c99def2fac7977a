import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { hostAddr, port } from '../../src/core/addr';
import type { Packet } from '../../src/core/packet';
import { TH_ACK, TH_CWR, TH_ECE, TH_FIN, TH_PSH, TH_SYN } from '../../src/core/packet';
import { seq, seqAdd } from '../../src/core/seq';
import { tsoSplit } from '../../src/impl/net/tso';

/**
 * The NIC's TSO split against tcp-rules.md §12: TSO-2 (sizes), TSO-3 (sequence numbers, ACK and
 * window copied), TSO-4 (FIN/PSH only on the last piece, CWR only on the first, ECE/ACK on all),
 * TSO-6 (options copied), TSO-8 in fixed-ID mode (UP-1), and TSO-10's equivalence: the pieces
 * reassemble to the template's payload.
 */

function template(len: number, flags: number, seq0 = 1000): Packet {
  return {
    ip: { src: hostAddr(0), dst: hostAddr(1), ttl: 64, id: 0, tos: 0, dontFragment: true },
    body: {
      proto: 'tcp',
      tcp: {
        srcPort: port(49152),
        dstPort: port(80),
        seq: seq(seq0),
        ack: seq(77),
        flags,
        window: 1234,
        urgent: 0,
        options: { timestamp: { val: 5, ecr: 6 } },
        payload: Uint8Array.from({ length: len }, (_, i) => i & 0xff),
      },
    },
  };
}

const tcpOf = (p: Packet) => {
  if (p.body.proto !== 'tcp') throw new Error('not tcp');
  return p.body.tcp;
};

describe('TSO split (TSO-2 … TSO-4)', () => {
  test('a super-segment splits into full MSS pieces and a shorter last one', () => {
    const pieces = tsoSplit(template(2500, TH_ACK | TH_PSH | TH_FIN), 1000);
    expect(pieces.map((p) => tcpOf(p).payload.length)).toEqual([1000, 1000, 500]);
    expect(pieces.map((p) => tcpOf(p).seq)).toEqual([1000, 2000, 3000]);
    expect(pieces.map((p) => tcpOf(p).flags)).toEqual([TH_ACK, TH_ACK, TH_ACK | TH_PSH | TH_FIN]);
  });

  test('CWR only on the first piece; ECE and ACK on every piece', () => {
    const pieces = tsoSplit(template(3000, TH_ACK | TH_CWR | TH_ECE), 1000);
    expect(pieces.map((p) => tcpOf(p).flags)).toEqual([
      TH_ACK | TH_CWR | TH_ECE,
      TH_ACK | TH_ECE,
      TH_ACK | TH_ECE,
    ]);
  });

  test('a segment that fits in one MSS is sent as is', () => {
    const t = template(1000, TH_ACK | TH_FIN);
    expect(tsoSplit(t, 1000)).toEqual([t]);
  });

  test('SYN is never offloaded (TSO-5)', () => {
    expect(() => tsoSplit(template(3000, TH_SYN), 1000)).toThrow(/TSO-5/);
  });

  test('TSO-10: for any payload and MSS the pieces reassemble the template, by the rules', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9000 }),
        fc.integer({ min: 1, max: 1460 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.boolean(),
        fc.boolean(),
        (len, mss, seq0, fin, cwr) => {
          const flags = TH_ACK | TH_PSH | (fin ? TH_FIN : 0) | (cwr ? TH_CWR : 0);
          const t = template(len, flags, seq0);
          const pieces = tsoSplit(t, mss);
          const n = Math.ceil(len / mss);
          expect(pieces).toHaveLength(n);
          const joined = new Uint8Array(len);
          pieces.forEach((p, k) => {
            const s = tcpOf(p);
            expect(s.payload.length).toBe(k < n - 1 ? mss : len - (n - 1) * mss);
            expect(s.seq).toBe(seqAdd(seq(seq0), k * mss));
            expect([s.ack, s.window, s.options]).toEqual([
              seq(77),
              1234,
              { timestamp: { val: 5, ecr: 6 } },
            ]);
            expect(p.ip).toEqual(t.ip); // fixed IP ID (UP-1, TSO-8 fixed-ID mode)
            const last = k === n - 1;
            expect((s.flags & (TH_FIN | TH_PSH)) !== 0).toBe(last || n === 1 ? true : false);
            if (fin) expect((s.flags & TH_FIN) !== 0).toBe(last);
            expect((s.flags & TH_CWR) !== 0).toBe(cwr && k === 0);
            joined.set(s.payload, k * mss);
          });
          expect(joined).toEqual(tcpOf(t).payload);
        },
      ),
    );
  });
});
