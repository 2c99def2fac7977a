/**
 * Method: SACK recovery on a hand-built window (A.5, RFC 6675): a's second flight of 8 segments
 * from offset 4000 loses 4000; each of the 7 later segments draws a duplicate ACK whose SACK block
 * grows by one segment. a enters recovery on the third (pipe then 5000 bytes, cwnd = ssthresh ≤
 * 4000) and may send new data once pipe has fallen below cwnd − MSS.
 */
import { describe, expect, it } from 'vitest';
import { checkConnection, checkSack } from '../../../src/check/rules';
import { ConnBuilder, MSS } from './conn';

const rules = (found: { rule: string }[]): string[] => [...new Set(found.map((v) => v.rule))];

/** `answers[k]` is what a sends in answer to duplicate ACK k+1. */
function sackRecovery(answers: ((b: ConnBuilder) => void)[]): ConnBuilder {
  const b = new ConnBuilder({ sack: true });
  b.handshake();
  b.burst('a', 0, 4);
  b.at(150);
  b.ackTo('b', 2000);
  b.ackTo('b', 4000);
  b.at(200);
  for (let k = 0; k < 8; k++) b.data('a', 4000 + k * MSS, MSS, { lose: k === 0 });
  b.at(250);
  for (let k = 1; k <= 7; k++) {
    b.ackTo('b', 4000, { sack: [{ start: b.seqOf('a', 5000), end: b.seqOf('a', 5000 + k * MSS) }] });
  }
  answers.forEach((answer) => {
    b.step();
    answer(b);
  });
  return b;
}

const nothing = (): void => undefined;
const send = (...offs: number[]) => (b: ConnBuilder): void => offs.forEach((o) => void b.data('a', o, MSS));

describe('SACK recovery (SR-4, SR-8; A.5, F.9)', () => {
  it('fast retransmit of the hole, then new data as pipe allows, passes every oracle', () => {
    const b = sackRecovery([nothing, nothing, send(4000), nothing, nothing, nothing, send(12_000, 13_000, 14_000)]);
    expect(checkConnection(b.conn()).map((v) => `[${v.rule}] ${v.message}`)).toEqual([]);
  });

  it('flags a retransmission of SACKed data (SR-4)', () => {
    const b = sackRecovery([nothing, nothing, send(4000), send(6000)]);
    expect(rules(checkSack(b.conn()))).toEqual(['SR-4']);
  });

  it('allows one rescue retransmission above the highest SACKed byte, flags a second (SR-4)', () => {
    const b = sackRecovery([nothing, nothing, send(4000), send(10_000), send(11_000)]);
    const found = checkSack(b.conn());
    expect(rules(found)).toEqual(['SR-4']);
    expect(found[0]!.message).toContain('rescue');
  });

  it('flags new data sent while pipe exceeds cwnd − MSS (SR-8)', () => {
    const b = sackRecovery([nothing, nothing, send(4000, 12_000, 13_000)]);
    expect(rules(checkSack(b.conn()))).toEqual(['SR-8']);
  });

  it('flags a fourth new segment beyond what pipe allows (SR-8)', () => {
    const b = sackRecovery([nothing, nothing, send(4000), nothing, nothing, nothing, send(12_000, 13_000, 14_000, 15_000)]);
    expect(rules(checkSack(b.conn()))).toEqual(['SR-8']);
  });

  it('is silent on connections that did not negotiate SACK', () => {
    const b = new ConnBuilder();
    b.handshake();
    b.burst('a', 0, 4);
    expect(checkSack(b.conn())).toEqual([]);
  });
});
