/**
 * Method: the receiver's ACKs for in-order data (A.12, TP-22). b gets a's data one link delay
 * after it was sent (at 150 ms = tick 15 for the first flight); DragonFly's delayed ACK then fires
 * at tick 25 (250 ms) at the latest, and a second full segment is ACKed within its instant.
 */
import { describe, expect, it } from 'vitest';
import { checkDelayedAck } from '../../../src/check/rules';
import { ConnBuilder, MSS } from './conn';

const rules = (found: { rule: string }[]): string[] => found.map((v) => v.rule);

/** a sends `n` full segments at 100 ms; they reach b at 150 ms. */
function arrive(n: number, config = {}): ConnBuilder {
  const b = new ConnBuilder({ config });
  b.handshake();
  b.burst('a', 0, n);
  b.at(150);
  return b;
}

describe('delayed ACKs (CC-16, CC-17; A.12)', () => {
  it('one segment ACKed by the delayed-ACK timer 100 ms later passes', () => {
    const b = arrive(1);
    b.at(250);
    b.ackTo('b', MSS);
    expect(checkDelayedAck(b.conn())).toEqual([]);
  });

  it('two segments ACKed within their instant pass', () => {
    const b = arrive(2);
    b.ackTo('b', 2 * MSS);
    b.at(300);
    expect(checkDelayedAck(b.conn())).toEqual([]);
  });

  it('flags two full segments left without an ACK past the rollup (CC-17)', () => {
    const b = arrive(2);
    b.at(250);
    b.ackTo('b', 2 * MSS);
    expect(rules(checkDelayedAck(b.conn()))).toEqual(['CC-17']);
  });

  it('flags an ACK later than the delayed-ACK timer (CC-16)', () => {
    const b = arrive(1);
    b.at(260);
    b.ackTo('b', MSS);
    expect(rules(checkDelayedAck(b.conn()))).toEqual(['CC-16']);
  });

  it('flags an ACK delayed 500 ms even when the delayed-ACK time is set longer (CC-16, MUST-40)', () => {
    const late = arrive(1, { delackTimeMs: 1000 });
    late.at(650);
    late.ackTo('b', MSS);
    expect(rules(checkDelayedAck(late.conn()))).toEqual(['CC-16']);
    const inTime = arrive(1, { delackTimeMs: 1000 });
    inTime.at(649);
    inTime.ackTo('b', MSS);
    expect(checkDelayedAck(inTime.conn())).toEqual([]);
  });

  it('without delayed ACKs every segment is ACKed within its instant (CC-16)', () => {
    const b = arrive(1, { delayedAck: false });
    b.at(160);
    b.ackTo('b', MSS);
    expect(rules(checkDelayedAck(b.conn()))).toEqual(['CC-16']);
  });

  it('owes nothing past the end of the run, or to a receiver that never answered', () => {
    expect(checkDelayedAck(arrive(1).conn())).toEqual([]);
    const silent = new ConnBuilder();
    silent.handshake();
    silent.burst('a', 0, 2);
    silent.at(400); // b has sent nothing but its SYN|ACK: its listen queue may have dropped the ACK
    expect(checkDelayedAck(silent.conn())).toEqual([]);
  });
});
