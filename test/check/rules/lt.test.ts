/**
 * Method: Limited Transmit judged on the answer to each duplicate ACK (A.6). The conforming trace
 * is the scripted transfer's single loss (LT sends one new segment on each of dupacks 1 and 2,
 * then the third starts fast retransmit); violations break exactly one of those answers.
 */
import { describe, expect, it } from 'vitest';
import { checkLimitedTransmit } from '../../../src/check/rules';
import { ConnBuilder, MSS } from './conn';
import { bulkFlow } from './flow';

const rules = (found: { rule: string }[]): string[] => found.map((v) => v.rule);

/** a has 4 segments out, the first lost; `answers` says what a sends on each duplicate ACK. */
function dupacks(answers: ((b: ConnBuilder) => void)[], config = {}): ConnBuilder {
  const b = new ConnBuilder({ config: { earlyRetransmit: false, ...config } });
  b.handshake();
  b.data('a', 0, MSS, { lose: true });
  b.burst('a', MSS, 3);
  b.at(150);
  for (let k = 0; k < answers.length; k++) b.ackTo('b', 0);
  for (const answer of answers) {
    b.step();
    answer(b);
  }
  return b;
}

const fresh = (off: number) => (b: ConnBuilder): void => void b.data('a', off, MSS);
const resend = (off: number) => (b: ConnBuilder): void => void b.data('a', off, MSS);
const nothing = (): void => undefined;

describe('Limited Transmit (LT-2, LT-3; A.6, F.7)', () => {
  it('one new segment on each of the first two duplicate ACKs, then the fast retransmit, passes', () => {
    const b = dupacks([fresh(4000), fresh(5000), resend(0)]);
    expect(checkLimitedTransmit(b.conn())).toEqual([]);
  });

  it('the scripted single-loss transfer passes', () => {
    expect(checkLimitedTransmit(bulkFlow({ total: 30_000, lose: [5000] }).conn)).toEqual([]);
  });

  it('flags Limited Transmit that also sends on the third duplicate ACK (LT-2)', () => {
    const b = dupacks([fresh(4000), fresh(5000), (x) => { x.data('a', 0, MSS); x.data('a', 6000, MSS); }]);
    expect(rules(checkLimitedTransmit(b.conn()))).toEqual(['LT-2']);
  });

  it('flags the scripted sender broken to send on the third duplicate ACK (LT-2)', () => {
    const { conn } = bulkFlow({ total: 30_000, lose: [5000], breaks: { ltOnThird: true } });
    expect(rules(checkLimitedTransmit(conn))).toEqual(['LT-2']);
  });

  it('flags two new segments on the first duplicate ACK (LT-2)', () => {
    const b = dupacks([(x) => { x.data('a', 4000, MSS); x.data('a', 5000, MSS); }]);
    expect(rules(checkLimitedTransmit(b.conn()))).toEqual(['LT-2']);
  });

  it('allows two segments on the second duplicate ACK when the first sent nothing (snd_limited)', () => {
    const b = dupacks([nothing, (x) => { x.data('a', 4000, MSS); x.data('a', 5000, MSS); }]);
    expect(checkLimitedTransmit(b.conn())).toEqual([]);
  });

  it('flags a third segment over the two duplicate ACKs (LT-2)', () => {
    const b = dupacks([fresh(4000), (x) => { x.data('a', 5000, MSS); x.data('a', 6000, MSS); }]);
    expect(rules(checkLimitedTransmit(b.conn()))).toEqual(['LT-2']);
  });

  it('flags a retransmission in answer to a duplicate ACK below the threshold (LT-3)', () => {
    const b = dupacks([resend(2000)]);
    expect(rules(checkLimitedTransmit(b.conn()))).toEqual(['LT-3']);
  });

  it('is not run when limitedTransmit is off', () => {
    const b = dupacks([fresh(4000)], { limitedTransmit: false });
    expect(checkLimitedTransmit(b.conn())).toEqual([]);
  });
});
