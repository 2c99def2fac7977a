/**
 * Method: sequence-number rules that hold segment by segment (SEQ-5, INV-1, SEQ-7), each shown on
 * a short hand-built exchange that passes and one that breaks exactly that rule.
 */
import { describe, expect, it } from 'vitest';
import { checkAcceptability } from '../../../src/check/rules';
import { ConnBuilder, MSS } from './conn';

const rules = (found: { rule: string }[]): string[] => found.map((v) => v.rule);

function twoSegments(win?: number): ConnBuilder {
  const b = new ConnBuilder(win !== undefined ? { win } : {});
  b.handshake();
  b.burst('a', 0, 2);
  b.at(150);
  return b;
}

describe('acceptability (SEQ-5, INV-1, SEQ-7)', () => {
  it('ACKs of what arrived, in order, pass', () => {
    const b = twoSegments();
    b.ackTo('b', 2 * MSS);
    b.flush();
    expect(checkAcceptability(b.conn())).toEqual([]);
  });

  it('flags an ACK of data that never arrived (SEQ-5)', () => {
    const b = twoSegments();
    b.ackTo('b', 5 * MSS);
    expect(rules(checkAcceptability(b.conn()))).toEqual(['SEQ-5']);
  });

  it('flags an ACK field that moves backwards (INV-1)', () => {
    const b = twoSegments();
    b.ackTo('b', 2 * MSS);
    b.ackTo('b', MSS);
    expect(rules(checkAcceptability(b.conn()))).toEqual(['INV-1']);
  });

  it('new data within the offered window passes; beyond it is flagged (SEQ-7)', () => {
    const b = new ConnBuilder({ win: 3000 });
    b.handshake();
    b.burst('a', 0, 3);
    expect(checkAcceptability(b.conn())).toEqual([]);
    b.data('a', 3 * MSS, MSS);
    const found = checkAcceptability(b.conn());
    expect(rules(found)).toEqual(['SEQ-7']);
    expect(found[0]!.message).toContain('1000 bytes beyond');
  });

  it('a one-byte persist probe beyond a closed window is allowed', () => {
    const b = new ConnBuilder({ win: 3000 });
    b.handshake();
    b.burst('a', 0, 3);
    b.at(150);
    b.ackTo('b', 3 * MSS, { win: 0 });
    b.at(5200);
    b.data('a', 3 * MSS, 1, { cause: { kind: 'timer', timer: 'persist' } });
    expect(checkAcceptability(b.conn())).toEqual([]);
  });
});
