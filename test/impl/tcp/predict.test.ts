import { describe, expect, test, vi } from 'vitest';
import type { TcpConfig } from '../../../src/core/config';
import * as predict from '../../../src/impl/tcp/predict';
import { World, inetOf, openPair, pattern, sum, transfer } from './pair';

/**
 * Header prediction (dragonfly.md B.2, TP-22): the pure-ACK and in-order-data fast paths run in
 * a bulk transfer, and they are only shortcuts — with prediction disabled the same inputs give
 * the same segments, byte for byte, at the same instants, and the same data.
 */

interface Run {
  readonly frames: string[];
  readonly up: Uint8Array;
  readonly down: Uint8Array;
  readonly w: World;
}

function bulk(tcp: Partial<TcpConfig>): Run {
  const w = new World({ ncpus: [2, 3], tcp, delayUs: 3000 });
  const p = openPair(w, { ccpu: 1, scpu: 2 });
  const up = transfer(w, p.client, p.server, pattern(400_000, 1), { chunk: 50_000, rmax: 40_000 });
  const down = transfer(w, p.server, p.client, pattern(150_000, 2), { chunk: 150_000, rmax:
      8_000 });
  const frames = w.sent.map((f) => `${f.at} ${f.from} ${Buffer.from(f.bytes).toString('hex')}`);
  return { frames, up, down, w };
}

/*
 * The pure-ACK fast path does not grow cwnd (TP-27) and the slow path does, so the two agree on
 * the wire only where cwnd never limits: an initial window at least the largest receive window.
 */
const steady = { aggregateAcks: false, iwmaxsegs: 12, iwcapsegs: 12 };
const configs: [string, Partial<TcpConfig>][] = [
  ['delayed ACKs, TSO, SACK, timestamps', { ...steady, recvspace: 16384 }],
  ['no delayed ACKs, no TSO', { ...steady, recvspace: 8192, delayedAck: false, tso: false }],
  ['no timestamps, no SACK', { ...steady, recvspace: 16384, rfc1323: false, sack: false }],
];

describe('header prediction', () => {
  test('both fast paths run in a bulk transfer and carry most of it', () => {
    const { w } = bulk({ aggregateAcks: false });
    expect(sum(w, 0, 'tcp.predack')).toBeGreaterThan(50);
    expect(sum(w, 1, 'tcp.preddat')).toBeGreaterThan(100);
    const rcv = sum(w, 1, 'tcp.rcvtotal');
    expect(sum(w, 1, 'tcp.preddat')).toBeGreaterThan(rcv / 2);
  });

  test('with ACK aggregation in-order data is ACKed at the rollup (tcp_willblock)', () => {
    const { w } = bulk({});
    expect(sum(w, 1, 'tcp.preddat')).toBeGreaterThan(100);
    expect(sum(w, 1, 'tcp.ackq_rollup')).toBeGreaterThan(0);
    // Fewer ACKs than with an ACK per two segments.
    expect(sum(w, 0, 'tcp.rcvtotal')).toBeLessThan(sum(w, 1, 'tcp.preddat') / 2);
  });

  test.each(configs)('the slow path agrees with the fast paths on the same inputs (%s)', (_n,
      tcp) => {
    const fast = bulk(tcp);
    expect(sum(fast.w, 0, 'tcp.predack')).toBeGreaterThan(10);
    expect(sum(fast.w, 1, 'tcp.preddat')).toBeGreaterThan(10);
    expect(sum(fast.w, 1, 'tcp.predack')).toBeGreaterThan(10);
    expect(sum(fast.w, 0, 'tcp.preddat')).toBeGreaterThan(10);
    const spy = vi.spyOn(predict, 'tcpHeaderPredict').mockReturnValue(false);
    try {
      const slow = bulk(tcp);
      expect(spy).toHaveBeenCalled();
      expect(sum(slow.w, 0, 'tcp.predack') + sum(slow.w, 1, 'tcp.preddat')).toBe(0);
      expect(slow.frames).toEqual(fast.frames);
      expect(Buffer.compare(slow.up, fast.up)).toBe(0);
      expect(Buffer.compare(slow.down, fast.down)).toBe(0);
      expect(slow.up.length).toBe(400_000);
      expect(slow.down.length).toBe(150_000);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('TSO (C, TSO-10)', () => {
  test('whole multiples of the MSS leave as one unit and are split on the wire', () => {
    const { w } = bulk({});
    const units = sum(w, 0, 'tcp.tso_units');
    expect(units).toBeGreaterThan(0);
    expect(sum(w, 0, 'tcp.tso_segs')).toBeGreaterThanOrEqual(2 * units);
    const mss = inetOf(w, 0).tcp.tables.flatMap((t) => t.connections())[0]!.tMaxseg;
    const data = w.sent.filter((f) => f.from === 0 && f.bytes.length > 100);
    expect(data.every((f) => f.bytes.length <= 14 + 40 + 12 + mss ||
        f.bytes.length <= 1514)).toBe(true);
  });

  test('without TSO no unit is built', () => {
    const { w } = bulk({ tso: false });
    expect(sum(w, 0, 'tcp.tso_units')).toBe(0);
  });
});
