/**
 * Method: retransmission-timer values measured in ticks between timer retransmissions (A.9).
 * Conforming chains come from the scripted transfer (REXMTVAL 100 ticks, slop 16: 116, 216, 416,
 * 816 … ticks); violations move one timeout off DragonFly's schedule.
 */
import { describe, expect, it } from 'vitest';
import { TH_ACK, TH_SYN } from '../../../src/core/packet';
import { seq } from '../../../src/core/seq';
import { checkRetransmitTimer } from '../../../src/check/rules';
import { ConnBuilder, ISS, MSS } from './conn';
import { bulkFlow } from './flow';

const rules = (found: { rule: string }[]): string[] => found.map((v) => v.rule);
const rexmt = { cause: { kind: 'timer', timer: 'rexmt' } as const };

/** After the handshake (t = 100 ms) a sends one segment, lost; then timeouts at `times` (ms). */
function timeouts(times: readonly number[], o: { ts?: boolean; deliverLast?: boolean } = {}): ConnBuilder {
  const b = new ConnBuilder({ ts: o.ts ?? true });
  b.handshake();
  b.data('a', 0, MSS, { lose: true });
  times.forEach((t, k) => {
    b.at(t);
    b.data('a', 0, MSS, { ...rexmt, lose: !(o.deliverLast === true && k === times.length - 1) });
  });
  return b;
}

describe('retransmission timer (RTO-5, RTO-6, RTO-10; A.9, F.2)', () => {
  it('timeouts backed off 116, 216, 416, 816 ticks pass', () => {
    expect(checkRetransmitTimer(timeouts([1260, 3420, 7580, 15_740]).conn())).toEqual([]);
  });

  it('the scripted transfer losing one segment six times passes, with and without timestamps', () => {
    const lose = [2000, 2000, 2000, 2000, 2000, 2000];
    expect(checkRetransmitTimer(bulkFlow({ total: 3000, lose }).conn)).toEqual([]);
    expect(checkRetransmitTimer(bulkFlow({ total: 3000, lose, ts: false }).conn)).toEqual([]);
  });

  it('flags a timeout below the floor rexmit_min + slop after the last restart (RTO-5)', () => {
    expect(rules(checkRetransmitTimer(timeouts([250]).conn()))).toEqual(['RTO-5']);
  });

  it('flags a backoff that does not double (RTO-10)', () => {
    const found = checkRetransmitTimer(timeouts([1260, 3420, 6420]).conn());
    expect(rules(found)).toEqual(['RTO-10']);
    expect(found[0]!.message).toContain('116, 216, 300');
  });

  it('flags a timer that did not back off at all (RTO-10)', () => {
    expect(rules(checkRetransmitTimer(timeouts([1260, 2420, 3580]).conn()))).toEqual(['RTO-10']);
  });

  it('flags a timeout more than 64 s after the last activity (RTO-6)', () => {
    expect(rules(checkRetransmitTimer(timeouts([1260, 71_260]).conn()))).toContain('RTO-6');
  });

  it('flags a 13th timeout of one series: DragonFly drops the connection at the 13th (TW-4)', () => {
    const lose = Array.from({ length: 13 }, () => 2000);
    const { conn } = bulkFlow({ total: 3000, lose, untilMs: 2_000_000 });
    expect(rules(checkRetransmitTimer(conn))).toEqual(['TW-4']);
  });
});

describe("Karn's algorithm (RTO-7)", () => {
  /** Two segments lost; timeouts at 1260 and 3420 ms; the second resend of the first arrives. */
  function ambiguousAck(nextTimeoutMs: number): ConnBuilder {
    const b = new ConnBuilder({ ts: false });
    b.handshake();
    b.burst('a', 0, 2, { lose: true });
    b.at(1260);
    b.data('a', 0, MSS, { ...rexmt, lose: true });
    b.at(3420);
    b.data('a', 0, MSS, rexmt);
    b.at(3470);
    b.ackTo('b', MSS);
    b.step(); // the ACK of retransmitted data: no RTT sample, the backoff stays (I_2 = 416 ticks)
    b.data('a', MSS, MSS, { lose: true }); // go-back-N
    b.at(nextTimeoutMs);
    b.data('a', MSS, MSS, rexmt);
    return b;
  }

  it('the timer keeps its backoff across an ACK of retransmitted data', () => {
    expect(checkRetransmitTimer(ambiguousAck(3520 + 4160).conn())).toEqual([]);
  });

  it('flags a timer collapsed by an RTT sample taken from a retransmitted segment (RTO-7)', () => {
    expect(rules(checkRetransmitTimer(ambiguousAck(3520 + 1160).conn()))).toEqual(['RTO-7']);
  });
});

describe('SYN and SYN|ACK timers (RTO-2, RTO-10, TP-14)', () => {
  it('SYN retransmissions after 1, 1.16, 2.16 s pass', () => {
    const b = new ConnBuilder();
    b.handshake({ synTimesMs: [0, 1000, 2160, 4320] });
    expect(checkRetransmitTimer(b.conn())).toEqual([]);
  });

  it('flags a first SYN retransmission that does not wait the initial RTO of 1 s (RTO-2)', () => {
    const b = new ConnBuilder();
    b.handshake({ synTimesMs: [0, 2000] });
    expect(rules(checkRetransmitTimer(b.conn()))).toEqual(['RTO-2']);
  });

  it('flags SYN retransmissions off the SYN backoff table (RTO-10)', () => {
    const b = new ConnBuilder();
    b.handshake({ synTimesMs: [0, 1000, 2160, 4000] });
    expect(rules(checkRetransmitTimer(b.conn()))).toEqual(['RTO-10']);
  });

  /** a's SYN, then b's SYN|ACKs at `times` (ms after the SYN arrived), all but the last lost. */
  function synAcks(times: readonly number[]): ConnBuilder {
    const b = new ConnBuilder();
    b.segment('a', { seq: seq(ISS.a), flags: TH_SYN, options: { mss: MSS + 12 }, tsecr: 0 });
    times.forEach((t, k) => {
      b.at(50 + t);
      b.segment('b', { seq: seq(ISS.b), flags: TH_SYN | TH_ACK, options: { mss: MSS + 12 },
        lose: k < times.length - 1, ...(k > 0 ? { cause: { kind: 'timer', timer: 'synack' } } : {}) });
    });
    return b;
  }

  it('syncache SYN|ACK retransmissions after 1, 1, 2 s pass', () => {
    expect(checkRetransmitTimer(synAcks([0, 1000, 2000, 4000]).conn())).toEqual([]);
  });

  it('flags SYN|ACK retransmissions off the 1, 1, 2, 4, 8 schedule (RTO-10)', () => {
    expect(rules(checkRetransmitTimer(synAcks([0, 1000, 3000]).conn()))).toEqual(['RTO-10']);
  });

  it('flags a SYN|ACK resent more often than the syncache limit (TP-14)', () => {
    const b = synAcks([0, 1000, 2000, 4000, 8000, 16_000]);
    expect(rules(checkRetransmitTimer(b.conn()))).toEqual(['TP-14']);
  });
});
