/**
 * Determinism (ARCHITECTURE §6.6). Method: a run compared with an identical copy passes; a copy
 * with one field of one event changed, or one event more, fails naming the first differing event.
 */
import { describe, expect, it } from 'vitest';
import { checkDeterminism } from '../../src/check/determinism';
import type { TraceEvent } from '../../src/core/trace';
import { changeEvents, withTrace } from './builders';
import { expectFailure, expectPass } from './expect';
import { udpExchange } from './fixtures';

describe('determinism', () => {
  it('accepts two runs with identical traces, even as different objects', () => {
    const a = udpExchange().run;
    const b = udpExchange().run;
    expect(a.trace).not.toBe(b.trace);
    expectPass(checkDeterminism(a, b));
  });

  it('names the first event where the traces part, with both sides', () => {
    const a = udpExchange().run;
    const b = changeEvents(a, (e) => e.seq === 5, (e) => ({ ...e, t: e.t + 1 }) as TraceEvent);
    const f = expectFailure(checkDeterminism(a, b), 'trace-differs');
    expect(f.atSeq).toBe(5);
    expect(f.message).toMatch(/^the traces part at event 5 \(seq 5, a '[a-z-]+' event\)$/);
    expect(f.details![0]).toMatch(/^A: \{.*"t":0/);
    expect(f.details![1]).toMatch(/^B: \{.*"t":1/);
  });

  it('reports a trace that is a strict prefix of the other', () => {
    const a = udpExchange().run;
    const b = withTrace(a, a.trace.slice(0, -1));
    expect(expectFailure(checkDeterminism(a, b), 'trace-differs').message)
      .toBe(`trace A continues after ${a.trace.length - 1} equal events`);
  });

  it('reports equal traces that ended differently', () => {
    const a = udpExchange().run;
    const b = { ...a, outcome: { kind: 'step-bound' as const, pending: [] } };
    expectFailure(checkDeterminism(a, b), 'trace-differs');
  });
});
