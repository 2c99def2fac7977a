/**
 * Method: DragonFly behaviours that look like rule violations to a textbook reading, each written
 * as a small trace the oracles must accept — and, where the same shape becomes a violation with
 * one detail changed, that variant flagged. They were found by running the oracles over the
 * implementation's traces (stack.test.ts) and checked against dragonfly.md A.3/A.12/B.3/B.4.
 */
import { describe, expect, it } from 'vitest';
import { TH_ACK, TH_SYN } from '../../../src/core/packet';
import { seq } from '../../../src/core/seq';
import { checkConnection, checkFastRetransmit, checkInitialWindow } from '../../../src/check/rules';
import { ConnBuilder, ISS, MSS } from './conn';

const rules = (found: { rule: string }[]): string[] => [...new Set(found.map((v) => v.rule))];

/** a has 4 segments out, the first lost (LT and ER off, so only fast retransmit is in play). */
function firstLost(): ConnBuilder {
  const b = new ConnBuilder({ config: { limitedTransmit: false, earlyRetransmit: false } });
  b.handshake();
  b.data('a', 0, MSS, { lose: true });
  b.burst('a', MSS, 3);
  b.at(150);
  return b;
}

describe('duplicate ACKs as DragonFly counts them (A.3, A.12, B.4)', () => {
  it('in-order data from the peer on the header-prediction path neither counts nor resets', () => {
    const b = firstLost();
    b.ackTo('b', 0);
    b.data('b', 0, 500); // in order, ACK at snd_una, same window: fast path
    b.ackTo('b', 0);
    b.ackTo('b', 0);
    b.flush();
    b.at(b.nowUs / 1000);
    const conn = b.conn();
    const third = conn.events.map((e, i) => ({ e, i })).filter(({ e }) => e.dir === 'in' && e.side === 'a').at(-1)!;
    expect(third.e.seg.payload.length).toBe(0);
    b.data('a', 0, MSS);
    expect(checkFastRetransmit(b.conn())).toEqual([]);
  });

  it('data with a changed window takes the slow path and resets the count', () => {
    const b = firstLost();
    b.ackTo('b', 0);
    b.data('b', 0, 500, { win: 60_000 });
    b.ackTo('b', 0, { win: 60_000 });
    b.ackTo('b', 0, { win: 60_000 });
    b.flush();
    b.data('a', 0, MSS);
    expect(rules(checkFastRetransmit(b.conn()))).toEqual(['CC-11']);
  });

  it('a repeated old data segment is trimmed to a plain ACK and counts', () => {
    const b = firstLost();
    b.data('b', 0, 500);
    b.at(170);
    b.data('b', 0, 500); // a duplicate of what a already has
    b.ackTo('b', 0);
    b.ackTo('b', 0);
    b.flush(); // the retransmission answers the third duplicate at its arrival instant
    b.data('a', 0, MSS);
    expect(checkFastRetransmit(b.conn())).toEqual([]);
  });

  it('a repeated SYN|ACK after the handshake is a duplicate ACK', () => {
    const b = firstLost();
    b.segment('b', { seq: seq(ISS.b), flags: TH_SYN | TH_ACK, ack: ISS.a + 1, options: { mss: MSS + 12 } });
    b.ackTo('b', 0);
    b.ackTo('b', 0);
    b.flush(); // the retransmission answers the third duplicate at its arrival instant
    b.data('a', 0, MSS);
    expect(checkFastRetransmit(b.conn())).toEqual([]);
  });
});

describe('initial window details (B.3, A.2)', () => {
  it("the passive side's IW includes the byte of its SYN acked in SYN-RECEIVED", () => {
    const b = new ConnBuilder();
    b.handshake();
    b.at(200);
    b.data('b', 0, 4049); // IW 4048 (t_maxopd 1012) + the SYN's byte, counted by ABC
    expect(checkInitialWindow(b.conn())).toEqual([]);
    b.data('b', 4049, 1);
    expect(rules(checkInitialWindow(b.conn()))).toEqual(['IW-1']);
  });

  it('without ABC that ACK grows the passive side by a whole MSS', () => {
    const b = new ConnBuilder({ config: { abc: false } });
    b.handshake();
    b.at(200);
    b.burst('b', 0, 5); // 5000 bytes ≤ 4048 + 1012
    expect(checkInitialWindow(b.conn())).toEqual([]);
    b.data('b', 5000, 61);
    expect(rules(checkInitialWindow(b.conn()))).toEqual(['IW-1']);
  });

  it("the active side's IW has no such byte", () => {
    const b = new ConnBuilder();
    b.handshake();
    b.data('a', 0, 4048);
    expect(checkInitialWindow(b.conn())).toEqual([]);
    b.data('a', 4048, 1);
    expect(rules(checkInitialWindow(b.conn()))).toEqual(['IW-1']);
  });

  it('a repeated SYN|ACK lets Limited Transmit add one segment to the first flight', () => {
    const b = new ConnBuilder();
    b.handshake();
    b.burst('a', 0, 4);
    b.at(120);
    b.segment('b', { seq: seq(ISS.b), flags: TH_SYN | TH_ACK, ack: ISS.a + 1, options: { mss: MSS + 12 } });
    b.at(170);
    b.data('a', 4 * MSS, MSS);
    expect(checkConnection(b.conn()).map((v) => v.rule)).toEqual([]);
  });
});

describe('one send cut by options (A.15)', () => {
  it('a fast retransmission cut in two by SACK options is one retransmission', () => {
    const b = new ConnBuilder({ config: { limitedTransmit: false, earlyRetransmit: false }, sack: true });
    b.handshake();
    b.data('a', 0, MSS, { lose: true });
    b.burst('a', MSS, 3);
    b.at(150);
    for (let k = 1; k <= 3; k++) {
      b.ackTo('b', 0, { sack: [{ start: b.seqOf('a', MSS), end: b.seqOf('a', MSS + k * MSS) }] });
    }
    b.at(200);
    b.data('a', 0, MSS - 12, { flags: TH_ACK });
    b.data('a', MSS - 12, 12, { flags: TH_ACK });
    expect(checkConnection(b.conn()).map((v) => `[${v.rule}] ${v.message}`)).toEqual([]);
  });
});
