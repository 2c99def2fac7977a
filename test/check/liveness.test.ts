/**
 * Liveness (ARCHITECTURE §6.5, §7). Method: the same trace with each run outcome; only a
 * quiescent run passes, and each failure carries what was pending or why it crashed.
 */
import { describe, expect, it } from 'vitest';
import { checkLiveness } from '../../src/check/liveness';
import { TraceBuilder } from './builders';
import { expectFailure, expectPass } from './expect';

const run = (b: TraceBuilder, outcome: Parameters<TraceBuilder['run']>[0]) => b.run(outcome);

describe('liveness', () => {
  const b = new TraceBuilder([{ ncpus: 1 }]).at(2_500_000);

  it('accepts a quiescent run', () => {
    expectPass(checkLiveness(run(b, { kind: 'quiescent' })));
  });

  it('fails a run that hit the time bound, listing what was pending', () => {
    const f = expectFailure(
      checkLiveness(
        run(b, { kind: 'time-bound', pending: ['app 0 on host 1 blocked in recv(fd 3)'] }),
      ),
      'time-bound',
    );
    expect(f.message).toBe('the liveness phase ended at 2.500000 s with 1 item(s) still pending');
    expect(f.details).toContain('app 0 on host 1 blocked in recv(fd 3)');
  });

  it('fails a run that hit the step bound', () => {
    const f = expectFailure(
      checkLiveness(run(b, { kind: 'step-bound', pending: ['thread netisr0 runnable'] })),
      'step-bound',
    );
    expect(f.details).toEqual(['thread netisr0 runnable']);
  });

  it('fails a crashed run with its message and stack', () => {
    const f = expectFailure(
      checkLiveness(
        run(b, {
          kind: 'crash',
          message: 'kern: input f3 linearized 2 times',
          stack: 'AssertionError: …\n    at commit (kern.ts:180)',
        }),
      ),
      'crash',
    );
    expect(f.message).toBe('crash at 2.500000 s: kern: input f3 linearized 2 times');
    expect(f.details).toContain('    at commit (kern.ts:180)');
  });
});
