/**
 * Method: Early Retransmit (A.7, F.8) with a small flight: a sends n segments and has nothing more
 * to send, the first is lost, and each later one draws a duplicate ACK. DragonFly fires on
 * duplicate ACK k when ownd < 4·MSS and k + 1 ≥ ⌈ownd/MSS⌉ (timestamps and Eifel required).
 */
import { describe, expect, it } from 'vitest';
import { checkEarlyRetransmit, checkFastRetransmit } from '../../../src/check/rules';
import { ConnBuilder, MSS } from './conn';

const rules = (found: { rule: string }[]): string[] => found.map((v) => v.rule);

/** n segments, the first lost; `answers[k]` is what a sends on duplicate ACK k+1. */
function smallFlight(n: number, answers: ((b: ConnBuilder) => void)[], ts = true): ConnBuilder {
  const b = new ConnBuilder({ ts });
  b.handshake();
  b.data('a', 0, MSS, { lose: true });
  b.burst('a', MSS, n - 1);
  b.at(150);
  for (let k = 0; k < answers.length; k++) b.ackTo('b', 0);
  for (const answer of answers) {
    b.step();
    answer(b);
  }
  return b;
}

const resend = (b: ConnBuilder): void => void b.data('a', 0, MSS);
const nothing = (): void => undefined;

describe('Early Retransmit, DragonFly variant (ER-2, ER-4)', () => {
  it('three segments out: retransmitting on the second duplicate ACK passes', () => {
    const conn = smallFlight(3, [nothing, resend]).conn();
    expect(checkEarlyRetransmit(conn)).toEqual([]);
    expect(checkFastRetransmit(conn)).toEqual([]);
  });

  it('two segments out: retransmitting on the first duplicate ACK passes', () => {
    expect(checkEarlyRetransmit(smallFlight(2, [resend]).conn())).toEqual([]);
  });

  it('flags an early retransmit one duplicate ACK too soon (ER-4)', () => {
    expect(rules(checkEarlyRetransmit(smallFlight(3, [resend]).conn()))).toEqual(['ER-4']);
  });

  it('flags an early retransmit with four segments or more outstanding (ER-4)', () => {
    expect(rules(checkEarlyRetransmit(smallFlight(5, [nothing, resend]).conn()))).toEqual(['ER-4']);
  });

  it('flags an early retransmit on an ACK Limited Transmit already used (ER-4)', () => {
    const b = smallFlight(3, [nothing, (x) => { x.data('a', 3000, MSS); resend(x); }]);
    expect(rules(checkEarlyRetransmit(b.conn()))).toEqual(['ER-4']);
  });

  it('flags a missing early retransmit when its conditions hold and nothing new was sent (ER-2)', () => {
    expect(rules(checkEarlyRetransmit(smallFlight(3, [nothing, nothing]).conn()))).toEqual(['ER-2']);
  });

  it('without timestamps DragonFly has no Early Retransmit: the fast-retransmit oracle flags it (CC-11)', () => {
    const conn = smallFlight(3, [nothing, resend], false).conn();
    expect(checkEarlyRetransmit(conn)).toEqual([]);
    expect(rules(checkFastRetransmit(conn))).toEqual(['CC-11']);
  });
});
