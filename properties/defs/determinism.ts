import { canonicalString } from '../../src/core/hash';
import type { RunRecord, Verdict } from '../../src/core/run';
import { udpScenarioArb } from '../../src/scenario/arbitraries';
import { runScenarioChecked } from '../../src/scenario/builder';
import type { Scenario } from '../../src/scenario/types';
import { traceHash } from '../../src/sim/index';
import type { PropertyDef } from '../types';

/**
 * Determinism (ARCHITECTURE §6.6, STYLE P9): a scenario is the one input of a run, so running it
 * twice gives byte-identical traces — the law every replay and every shrink step relies on. The
 * second run happens in a fresh world right after the first; state leaking between runs (a
 * module-level counter, a shared cache) or any ambient nondeterminism shows as a difference.
 */

const CLAIM = 'the same scenario gives a byte-identical trace';

/** The first event where two traces differ, rendered canonically, or null if none. */
function firstDifference(
  a: RunRecord,
  b: RunRecord,
): { index: number; left: string; right: string } | null {
  const n = Math.max(a.trace.length, b.trace.length);
  for (let i = 0; i < n; i++) {
    const left = a.trace[i] === undefined ? '(end of trace)' : canonicalString(a.trace[i]);
    const right = b.trace[i] === undefined ? '(end of trace)' : canonicalString(b.trace[i]);
    if (left !== right) return { index: i, left, right };
  }
  return null;
}

const clip = (s: string): string => (s.length > 160 ? `${s.slice(0, 157)}...` : s);

/** Compare two runs of one scenario: trace hash, outcome and the scheduler's decisions. */
export function compareRuns(first: RunRecord, second: RunRecord): Verdict {
  const fail = (kind: string, message: string, details?: string[]): Verdict => ({
    ok: false,
    checker: 'determinism',
    claim: CLAIM,
    kind,
    message,
    ...(details ? { details } : {}),
  });
  const h1 = traceHash(first.trace);
  const h2 = traceHash(second.trace);
  if (h1 !== h2) {
    const d = firstDifference(first, second);
    const where = d === null ? 'in the trace encoding' : `at event ${d.index}`;
    const details = d === null ? [] : [`first:  ${clip(d.left)}`, `second: ${clip(d.right)}`];
    return fail(
      'trace',
      `two runs of the scenario differ ${where} (hash ${h1.slice(0, 12)} ≠ ${h2.slice(0, 12)})`,
      details,
    );
  }
  if (canonicalString(first.outcome) !== canonicalString(second.outcome)) {
    return fail('outcome', `outcomes differ: ${first.outcome.kind} then ${second.outcome.kind}`);
  }
  if (first.choicesMade.join(',') !== second.choicesMade.join(',')) {
    return fail('schedule', 'the scheduler made different decisions on identical traces');
  }
  return { ok: true };
}

export const determinism: PropertyDef = {
  name: 'determinism',
  claim: CLAIM,
  rules: ['ARCHITECTURE §6.6', 'STYLE P9'],
  arbitrary: udpScenarioArb({ stacks: 'mixed' }),
  check: (run: RunRecord, scenario: Scenario) =>
    compareRuns(run, runScenarioChecked(scenario, true)),
  checkMode: true,
  ciRuns: 100,
};
