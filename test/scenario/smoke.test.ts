import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/core/run';
import { udpScenarioArb } from '../../src/scenario/arbitraries';
import type { StackChoice } from '../../src/scenario/arbitraries';
import { runScenarioChecked } from '../../src/scenario/builder';

/**
 * Generated scenarios must be runnable as generated: every one runs to quiescence (apps finish
 * or block for good) well inside its limits, on every mix of stacks. A property that mostly saw
 * crashes, time bounds or step bounds would be testing its own scenarios, not the stacks.
 */
const outcomeOf = (r: RunRecord): string =>
  r.outcome.kind === 'crash' ? `crash: ${r.outcome.message}` : r.outcome.kind;

describe('generated UDP scenarios', () => {
  it.each<StackChoice>(['mixed', 'impl', 'model'])('run to quiescence on %s hosts', (stacks) => {
    fc.assert(
      fc.property(udpScenarioArb({ stacks }), (s) => {
        const r = runScenarioChecked(s, true);
        expect(outcomeOf(r)).toBe('quiescent');
        expect(r.stats.steps).toBeLessThan(s.limits.maxSteps / 10);
      }),
      { seed: 77, numRuns: 100 },
    );
  });

  it('finish most apps: receivers get data, senders send', () => {
    const runs = fc
      .sample(udpScenarioArb({ stacks: 'mixed', faults: false }), { seed: 78, numRuns: 100 })
      .map((s) => runScenarioChecked(s, false));
    const data = runs.flatMap((r) =>
      r.trace.filter(
        (e) => e.kind === 'call-completed' && e.result.ok && e.result.value.kind === 'data',
      ),
    );
    expect(data.length).toBeGreaterThan(100);
    // Fault-free: blocking receivers get every datagram they wait for.
    const blocked = runs.flatMap((r) => r.apps.filter((a) => a.blockedOn !== null));
    expect(blocked).toEqual([]);
  });
});
