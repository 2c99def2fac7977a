/**
 * Method: the congestion-control oracle carries an upper bound on cwnd (cwnd.ts) and flags new
 * data beyond snd_una + that bound. Conforming transfers pass (baseline.test.ts); here each
 * violation breaks one growth or reduction rule: slow start faster than ABC allows (CC-7), no
 * ssthresh cut on loss (F.1; flagged in recovery, CC-11, and after it, CC-9), congestion
 * avoidance growing per ACK instead of per window (CC-8).
 */
import { describe, expect, it } from 'vitest';
import { checkCongestionControl } from '../../../src/check/rules';
import { ConnBuilder, MSS } from './conn';
import { bulkFlow } from './flow';

const rules = (found: { rule: string }[]): string[] => [...new Set(found.map((v) => v.rule))];

/** IW of 4 segments, both ACKs of it processed; then a sends `n` segments at once. */
function afterFirstFlight(n: number): ConnBuilder {
  const b = new ConnBuilder();
  b.handshake();
  b.burst('a', 0, 4);
  b.at(150);
  b.ackTo('b', 2000);
  b.ackTo('b', 4000);
  b.at(200);
  b.burst('a', 4000, n);
  return b;
}

describe('congestion control (CC-7, CC-8, CC-9, CC-11; A.2, F.1, F.4)', () => {
  it('slow start with ABC: two ACKs of 2 MSS open cwnd to 8 segments, and 8 pass', () => {
    expect(checkCongestionControl(afterFirstFlight(8).conn())).toEqual([]);
  });

  it('flags a ninth segment: slow start grows at most min(acked, 2·MSS) per ACK (CC-7)', () => {
    const found = checkCongestionControl(afterFirstFlight(9).conn());
    expect(rules(found)).toEqual(['CC-7']);
    expect(found[0]!.message).toContain(`≤ ${8 * MSS + 48} bytes`);
  });

  it('flags a sender that does not cut ssthresh on fast retransmit (CC-11 in recovery, CC-9 after)', () => {
    const { conn } = bulkFlow({ total: 300_000, lose: [20_000], breaks: { noSsthreshCut: true } });
    expect(rules(checkCongestionControl(conn))).toEqual(expect.arrayContaining(['CC-11', 'CC-9']));
  });

  it('flags congestion avoidance adding one MSS per ACK (CC-8)', () => {
    const { conn } = bulkFlow({ total: 300_000, lose: [20_000], breaks: { fastAvoidance: true } });
    expect(rules(checkCongestionControl(conn))).toEqual(['CC-8']);
  });

  it('the same transfers without the breaks pass', () => {
    expect(checkCongestionControl(bulkFlow({ total: 300_000, lose: [20_000] }).conn)).toEqual([]);
    expect(checkCongestionControl(bulkFlow({ total: 300_000, lose: [20_000, 20_000, 20_000] }).conn)).toEqual([]);
  });
});
