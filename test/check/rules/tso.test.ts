/**
 * Method: bursts of contiguous segments sent by one output (same instant, same cause, same ACK and
 * TSval) — the shape of one TSO unit on the wire (TSO-4; dragonfly.md C). FIN and PSH belong on
 * the last piece only.
 */
import { describe, expect, it } from 'vitest';
import { checkConnection, checkTso } from '../../../src/check/rules';
import { ACK, ConnBuilder, FIN, MSS, PSH } from './conn';
import type { Cause } from '../../../src/check/rules';

const rules = (found: { rule: string }[]): string[] => found.map((v) => v.rule);
const call = (id: number): Cause => ({ kind: 'call', call: id });

/** a sends one 4-piece unit; `flags[k]` are piece k's extra flags. */
function unit(flags: number[], cause: (k: number) => Cause = () => call(7)): ConnBuilder {
  const b = new ConnBuilder();
  b.handshake();
  flags.forEach((f, k) => b.data('a', k * MSS, MSS, { flags: ACK | f, cause: cause(k) }));
  return b;
}

describe('TSO-4: FIN and PSH only on the last piece', () => {
  it('PSH and FIN on the last piece pass', () => {
    expect(checkTso(unit([0, 0, 0, PSH | FIN]).conn())).toEqual([]);
  });

  it('flags FIN on the first piece', () => {
    const found = checkTso(unit([FIN, 0, 0, PSH]).conn());
    expect(rules(found)).toEqual(['TSO-4']);
    expect(found[0]!.message).toContain('FIN');
  });

  it('flags PSH on a middle piece', () => {
    expect(rules(checkTso(unit([0, PSH, 0, 0]).conn()))).toEqual(['TSO-4']);
  });

  it('two outputs (two send calls) may each end with PSH', () => {
    expect(checkTso(unit([0, PSH, 0, PSH], (k) => call(k < 2 ? 7 : 8)).conn())).toEqual([]);
  });

  it('is not run when TSO is off', () => {
    const b = new ConnBuilder({ config: { tso: false } });
    b.handshake();
    [FIN, 0].forEach((f, k) => b.data('a', k * MSS, MSS, { flags: ACK | f, cause: call(7) }));
    expect(checkConnection(b.conn()).filter((v) => v.rule === 'TSO-4')).toEqual([]);
  });
});
