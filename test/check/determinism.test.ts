/**
 * Determinism (ARCHITECTURE §6.6). Method: a run compared with an identical copy passes; a copy
 * with one field of one event changed, or one event more, fails naming the first differing event.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { canonicalString } from '../../src/core/hash';
import type { RunRecord } from '../../src/core/run';
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
    const b = changeEvents(
      a,
      (e) => e.seq === 5,
      (e) => ({ ...e, t: e.t + 1 }) as TraceEvent,
    );
    const f = expectFailure(checkDeterminism(a, b), 'trace-differs');
    expect(f.atSeq).toBe(5);
    expect(f.message).toMatch(/^the traces part at event 5 \(seq 5, a '[a-z-]+' event\)$/);
    expect(f.details![0]).toMatch(/^A: \{.*"t":0/);
    expect(f.details![1]).toMatch(/^B: \{.*"t":1/);
  });

  it('reports a trace that is a strict prefix of the other', () => {
    const a = udpExchange().run;
    const b = withTrace(a, a.trace.slice(0, -1));
    expect(expectFailure(checkDeterminism(a, b), 'trace-differs').message).toBe(
      `trace A continues after ${a.trace.length - 1} equal events`,
    );
  });

  it('reports equal traces that ended differently', () => {
    const a = udpExchange().run;
    const b = { ...a, outcome: { kind: 'step-bound' as const, pending: [] } };
    expectFailure(checkDeterminism(a, b), 'trace-differs');
  });

  const plain = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom(0, -0, 1, NaN, null, true, undefined, 'a', ''),
      fc.uint8Array({ maxLength: 3 }),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('k', 'j', 'seq'), tie('value'), { maxKeys: 3 }),
    ),
  })).value;

  test.prop([plain, plain], { numRuns: 500 })(
    'judges events equal exactly when their canonical text is',
    (x, y) => {
      const run = (v: unknown): RunRecord =>
        withTrace(udpExchange().run, [
          { kind: 'note', seq: 0, t: 0, text: v } as unknown as TraceEvent,
        ]);
      const same = canonicalString(x) === canonicalString(y);
      expect(checkDeterminism(run(x), run(y)).ok).toBe(same);
      // Key order never matters.
      if (typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array)) {
        const reversed = Object.fromEntries(Object.entries(x).reverse());
        expect(checkDeterminism(run(x), run(reversed)).ok).toBe(true);
      }
    },
  );
});
