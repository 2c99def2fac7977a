import { describe, expect, test } from 'vitest';
import { decodePacket } from '../../../src/core/codec';
import type { TcpConfig } from '../../../src/core/config';
import { Rng } from '../../../src/core/rng';
import { TH_SYN } from '../../../src/core/packet';
import { conflictCycle, linearizationProblems, ownershipViolations } from '../audit';
import { World, ep, fdOf, ok, openPair, pattern, sum, transfer } from './pair';
import type { SentFrame } from './world';
import { tcpRefinement } from './refine';

/**
 * Loss and retransmission over the two-host World: a dropped segment is recovered by fast
 * retransmit (SACK or NewReno), a lost tail by Early Retransmit or the RTO, a lost SYN by the
 * connection-establishment timer; random loss keeps the stream intact and the model agrees.
 */

const seg = (f: SentFrame) => {
  const d = decodePacket(f.bytes);
  return d.ok && d.value.body.proto === 'tcp' ? d.value.body.tcp : null;
};

/** Drop the first transmission of host 0's data segments number `which` (0-based, in order). */
function dropData(which: readonly number[]): (f: SentFrame) => boolean {
  const seen = new Map<number, number>();
  return (f) => {
    const t = seg(f);
    if (f.from !== 0 || t === null || t.payload.length === 0) return true;
    if (seen.has(t.seq)) return true;
    seen.set(t.seq, seen.size);
    return !which.includes(seen.size - 1);
  };
}

function lossy(tcp: Partial<TcpConfig>, which: readonly number[], bytes: number): World {
  const w = new World({ ncpus: [2, 2], tcp, delayUs: 5000, deliver: dropData(which) });
  const p = openPair(w);
  const data = pattern(bytes, 3);
  const got = transfer(w, p.client, p.server, data, { rmax: 1 << 20 });
  expect(Buffer.compare(got, Buffer.from(data))).toBe(0);
  expect(ownershipViolations(w.trace)).toEqual([]);
  expect(linearizationProblems(w.trace)).toEqual([]);
  expect(conflictCycle(w.trace)).toBeNull();
  return w;
}

describe('recovery', () => {
  test('a segment lost mid-stream: SACK recovery, no timeout', () => {
    const w = lossy({ sack: true }, [20], 200_000);
    expect(sum(w, 0, 'tcp.fastrexmit')).toBe(1);
    expect(sum(w, 0, 'tcp.rexmt_timeo')).toBe(0);
    expect(sum(w, 1, 'tcp.rcvoopack')).toBeGreaterThan(0);
    const sacks = w.sent.filter((f) => f.from === 1 && (seg(f)?.options.sack?.length ?? 0) > 0);
    expect(sacks.length).toBeGreaterThanOrEqual(3);
  });

  test('a segment lost mid-stream without SACK: NewReno fast retransmit', () => {
    const w = lossy({ sack: false }, [20], 200_000);
    expect(sum(w, 0, 'tcp.fastrexmit')).toBe(1);
    expect(sum(w, 0, 'tcp.rexmt_timeo')).toBe(0);
  });

  test('two losses in one window: one recovery episode', () => {
    const w = lossy({ sack: true }, [20, 23], 200_000);
    expect(sum(w, 0, 'tcp.fastrexmit')).toBe(1);
    expect(sum(w, 0, 'tcp.rexmt_timeo')).toBe(0);
    expect(sum(w, 0, 'tcp.sndrexmitpack')).toBe(2);
  });

  // Three segments, the first lost: two duplicate ACKs, short of the threshold of three.
  test('a loss in a short flight without Early Retransmit: the retransmit timer', () => {
    const w = lossy({ earlyRetransmit: false, limitedTransmit: false }, [0], 3 * 1448);
    expect(sum(w, 0, 'tcp.rexmt_timeo')).toBe(1);
    expect(sum(w, 0, 'tcp.fastrexmit')).toBe(0);
  });

  // Early Retransmit is tried when Limited Transmit has no new data to send (A.7).
  test('a loss in a short flight with Early Retransmit: no timeout (RFC 5827)', () => {
    const w = lossy({ earlyRetransmit: true }, [0], 3 * 1448);
    expect(sum(w, 0, 'tcp.rexmt_timeo')).toBe(0);
    expect(sum(w, 0, 'tcp.earlyrexmit')).toBe(1);
  });

  test('a lost SYN is sent again by the retransmit timer', () => {
    let syns = 0;
    const w = new World({
      ncpus: [1, 1],
      deliver: (f) => !((seg(f)!.flags & TH_SYN) !== 0 && f.from === 0 && syns++ === 0),
    });
    const ls = fdOf(w.do(1, { op: 'socket', proto: 'tcp' }));
    ok(w.do(1, { op: 'bind', fd: ls, port: 80 as never }));
    ok(w.do(1, { op: 'listen', fd: ls, backlog: 1 }));
    const s = fdOf(w.do(0, { op: 'socket', proto: 'tcp' }));
    ok(w.do(0, { op: 'connect', fd: s, remote: ep(1, 80), nonblocking: false }));
    const synTimes = w.sent.filter((f) => f.from === 0 &&
        (seg(f)!.flags & TH_SYN) !== 0).map((f) => f.at);
    expect(synTimes).toHaveLength(2);
    expect(synTimes[1]! - synTimes[0]!).toBeGreaterThanOrEqual(990_000);
    expect(sum(w, 0, 'tcp.rexmt_timeo')).toBe(1);
  });
});

describe('random loss, reordering and duplication', () => {
  test.each([1, 2, 3, 4, 5, 6])('seed %i: the stream arrives intact and the model agrees',
      (seed) => {
    const rng = Rng.fromSeed(seed).fork('tcp-loss');
    const w = new World({
      ncpus: [rng.int(1, 4), rng.int(1, 4)],
      tcp: { sack: rng.bool(0.7), tso: rng.bool(0.5), recvspace: 32768 },
      delayUs: rng.int(1000, 20_000),
      pick: (r) => rng.int(0, r.length - 1),
      deliver: () => (rng.float() < 0.05 ? false : rng.float() < 0.05 ? rng.int(1, 10_000) : true),
      duplicate: () => (rng.float() < 0.01 ? rng.int(0, 3000) : null),
    });
    const p = openPair(w);
    const data = pattern(300_000, seed);
    const got = transfer(w, p.client, p.server, data, { chunk: 64_000, rmax: 20_000 });
    expect(Buffer.compare(got, Buffer.from(data))).toBe(0);
    ok(w.do(0, { op: 'close', fd: p.client.fd }));
    ok(w.do(1, { op: 'close', fd: p.server.fd }));
    w.run({ untilUs: w.now + 200_000_000 });
    expect(sum(w, 0, 'tcp.sndrexmitpack')).toBeGreaterThan(0);
    expect(ownershipViolations(w.trace)).toEqual([]);
    expect(linearizationProblems(w.trace)).toEqual([]);
    expect(conflictCycle(w.trace)).toBeNull();
    for (const h of [0, 1]) {
      const r = tcpRefinement(w.trace, h, w.hosts[h]!.env.config, w.hosts[h]!.env.addr, 3);
      expect(r.problems.join('\n')).toBe('');
    }
  });
});
