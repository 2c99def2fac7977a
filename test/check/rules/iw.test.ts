/**
 * Method: the first flight after the handshake, before any ACK of data (IW-1; A.2, F.3). With
 * MSS 1000 (t_maxopd 1012) DragonFly's IW is min(4·1012, max(2·1012, 3·1460)) = 4048 bytes — four
 * segments — and 2·MSS once the SYN was retransmitted for 3 s or more.
 */
import { describe, expect, it } from 'vitest';
import { checkInitialWindow } from '../../../src/check/rules';
import { ConnBuilder } from './conn';

const rules = (found: { rule: string }[]): string[] => found.map((v) => v.rule);

function firstFlight(segments: number, o: { synTimesMs?: number[]; rfc3390?: boolean } = {}): ConnBuilder {
  const b = new ConnBuilder({ config: { rfc3390: o.rfc3390 ?? true } });
  b.handshake(o.synTimesMs !== undefined ? { synTimesMs: o.synTimesMs } : {});
  b.burst('a', 0, segments);
  return b;
}

describe('initial window (IW-1, IW-5 as DragonFly departs from it, F.3)', () => {
  it('four segments pass', () => {
    expect(checkInitialWindow(firstFlight(4).conn())).toEqual([]);
  });

  it('flags a fifth segment before any ACK of data (IW-1)', () => {
    const found = checkInitialWindow(firstFlight(5).conn());
    expect(rules(found)).toEqual(['IW-1']);
    expect(found[0]!.message).toContain('5000 bytes');
  });

  it('after 4.3 s of SYN retransmission two segments pass', () => {
    expect(checkInitialWindow(firstFlight(2, { synTimesMs: [0, 1000, 2160, 4320] }).conn())).toEqual([]);
  });

  it('flags a third segment after 4.3 s of SYN retransmission: IW is 2·MSS then (IW-5, F.3)', () => {
    const found = checkInitialWindow(firstFlight(3, { synTimesMs: [0, 1000, 2160, 4320] }).conn());
    expect(rules(found)).toEqual(['IW-5']);
  });

  it('one SYN retransmission (1 s) keeps the full initial window', () => {
    expect(checkInitialWindow(firstFlight(4, { synTimesMs: [0, 1000] }).conn())).toEqual([]);
  });

  it('with rfc3390 off the initial window is 2·MSS (IW-1)', () => {
    expect(checkInitialWindow(firstFlight(2, { rfc3390: false }).conn())).toEqual([]);
    expect(rules(checkInitialWindow(firstFlight(3, { rfc3390: false }).conn()))).toEqual(['IW-1']);
  });

  it('data sent after an ACK of data is not part of the first flight', () => {
    const b = firstFlight(4);
    b.at(150);
    b.ackTo('b', 2000);
    b.at(200);
    b.burst('a', 4000, 2);
    expect(checkInitialWindow(b.conn())).toEqual([]);
  });
});
