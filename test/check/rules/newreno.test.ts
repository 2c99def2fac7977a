/**
 * Method: fast retransmit and NewReno judged on what the sender sends in answer to each ACK.
 * Conforming traces come from the scripted transfer (flow.ts); violating ones from its `breaks`
 * or from a hand-built trace (conn.ts) that states exactly the ACKs and the answers.
 */
import { describe, expect, it } from 'vitest';
import { checkConnection, checkFastRetransmit } from '../../../src/check/rules';
import { ConnBuilder, MSS } from './conn';
import { bulkFlow } from './flow';

const rules = (found: { rule: string }[]): string[] => found.map((v) => v.rule);

/** The partial ACK (for offset 8000) is held up 1 s, so it arrives late in the timer period. */
const latePartial = (t: number, ack: number): number => (ack === 8000 && t < 1000 ? 1000 : ack === 16_000 ? 200 : 50);

/** a sends 4 segments (IW), the first is lost; b answers each later one with a duplicate ACK. */
function firstLost(): ConnBuilder {
  const b = new ConnBuilder({ config: { limitedTransmit: false, earlyRetransmit: false } });
  b.handshake();
  b.data('a', 0, MSS, { lose: true });
  b.burst('a', MSS, 3);
  b.at(150);
  for (let k = 0; k < 3; k++) b.ackTo('b', 0);
  b.at(200);
  return b;
}

describe('fast retransmit (CC-11, A.3/A.4)', () => {
  it('a retransmission of snd_una on the third duplicate ACK passes', () => {
    const b = firstLost();
    b.data('a', 0, MSS);
    b.flush();
    expect(checkFastRetransmit(b.conn())).toEqual([]);
  });

  it('flags a fast retransmit after only two duplicate ACKs (ER off)', () => {
    const b = new ConnBuilder({ config: { limitedTransmit: false, earlyRetransmit: false } });
    b.handshake();
    b.data('a', 0, MSS, { lose: true });
    b.burst('a', MSS, 2);
    b.at(150);
    b.ackTo('b', 0);
    b.ackTo('b', 0);
    b.at(200);
    b.data('a', 0, MSS);
    expect(rules(checkFastRetransmit(b.conn()))).toEqual(['CC-11']);
  });

  it('flags a third duplicate ACK that is not answered by the retransmission', () => {
    const b = firstLost();
    b.flush();
    expect(rules(checkFastRetransmit(b.conn()))).toEqual(['CC-11']);
  });

  it('does not count an ACK with a changed window as a duplicate (A.3)', () => {
    const b = new ConnBuilder({ config: { limitedTransmit: false, earlyRetransmit: false } });
    b.handshake();
    b.data('a', 0, MSS, { lose: true });
    b.burst('a', MSS, 3);
    b.at(150);
    b.ackTo('b', 0);
    b.ackTo('b', 0, { win: 60000 });
    b.ackTo('b', 0, { win: 60000 });
    b.at(200);
    b.data('a', 0, MSS);
    const found = checkFastRetransmit(b.conn());
    expect(rules(found)).toEqual(['CC-11']);
    expect(found[0]!.message).toContain('after 0 duplicate ACK');
  });
});

describe('NewReno partial ACKs (NR-4, NR-5) and recovery exit (NR-8)', () => {
  it('two losses in one window: a late partial ACK restarting the timer passes every oracle', () => {
    const { conn } = bulkFlow({ total: 30_000, lose: [5000, 8000], ackDelayMs: latePartial });
    expect(checkConnection(conn).map((v) => `[${v.rule}] ${v.message}`)).toEqual([]);
  });

  it('flags a partial ACK that does not restart the retransmit timer (NR-5)', () => {
    const { conn } = bulkFlow({
      total: 30_000, lose: [5000, 8000], ackDelayMs: latePartial, breaks: { noPartialRestart: true },
    });
    const found = checkFastRetransmit(conn);
    expect(rules(found)).toContain('NR-5');
  });

  it('a partial ACK answered by one retransmission of the next hole passes', () => {
    const b = twoHoles();
    b.data('a', 6000, MSS);
    b.flush();
    expect(checkFastRetransmit(b.conn())).toEqual([]);
  });

  it('flags a partial ACK answered with new data as well (NR-4)', () => {
    const b = twoHoles();
    b.data('a', 6000, MSS);
    b.data('a', 12_000, MSS);
    expect(rules(checkFastRetransmit(b.conn()))).toEqual(['NR-4']);
  });

  it('flags a partial ACK answered by a retransmission of the wrong segment (NR-4)', () => {
    const b = twoHoles();
    b.data('a', 7000, MSS);
    expect(rules(checkFastRetransmit(b.conn()))).toEqual(['NR-4']);
  });

  it('flags more than two new segments right after the ACK that ends recovery (NR-8)', () => {
    const b = twoHoles();
    b.data('a', 6000, MSS);
    b.at(450);
    b.ackTo('b', 12_000);
    b.step(); // the full ACK ends recovery
    b.burst('a', 12_000, 3);
    expect(rules(checkFastRetransmit(b.conn()))).toEqual(['NR-8']);
  });

  it('flags a fast retransmit on duplicate ACKs below snd_recover after a timeout (NR-2)', () => {
    const b = new ConnBuilder({ config: { limitedTransmit: false, earlyRetransmit: false } });
    b.handshake();
    b.data('a', 0, MSS, { lose: true });
    b.burst('a', MSS, 3);
    b.at(150);
    for (let k = 0; k < 3; k++) b.ackTo('b', 0, { delayMs: 1300 }); // held up past the timeout
    b.at(1260);
    b.data('a', 0, MSS, { cause: { kind: 'timer', timer: 'rexmt' }, lose: true });
    b.at(1450);
    b.data('a', 0, MSS); // snd_recover = snd_max since the timeout: no fast retransmit allowed
    expect(rules(checkFastRetransmit(b.conn()))).toEqual(['NR-2']);
  });
});

/**
 * Two holes in one window: a's second flight (8 segments from 4000) loses 4000 and 6000; the fast
 * retransmit of 4000 on the third duplicate ACK brings the partial ACK for 6000, which a has just
 * processed when this returns.
 */
function twoHoles(): ConnBuilder {
  const b = new ConnBuilder({ config: { limitedTransmit: false, earlyRetransmit: false } });
  b.handshake();
  b.burst('a', 0, 4);
  b.at(150);
  b.ackTo('b', 2000);
  b.ackTo('b', 4000);
  b.at(200);
  for (let k = 0; k < 8; k++) b.data('a', 4000 + k * MSS, MSS, { lose: k === 0 || k === 2 });
  b.at(250);
  for (let k = 0; k < 6; k++) b.ackTo('b', 4000);
  b.step();
  b.step();
  b.step();
  b.data('a', 4000, MSS); // fast retransmit on the third duplicate ACK
  b.step();
  b.step();
  b.step();
  b.at(350);
  b.ackTo('b', 6000);
  b.step();
  expect(b.events[b.last]!.seg.ack).toBe(b.seqOf('a', 6000));
  return b;
}
