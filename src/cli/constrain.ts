import { canonicalString, traceHash } from '../core/hash';
import type { RunRecord, Verdict } from '../core/run';
import { runScenarioChecked } from '../scenario/builder';
import type { Scenario, StrategySpec } from '../scenario/types';
import type { PropertyDef } from '../../properties/types';
import type { CpuRange, StrategyChoice } from './args';

/**
 * What `fuzz --cpus`, `--strategy` and `--check-determinism` do to a property. The harness
 * (properties/harness.ts) takes a PropertyDef and has no such options, so the CLI wraps the
 * definition: the arbitrary is mapped (fast-check keeps shrinking through `map`) and the check
 * is extended. The property's own definition is untouched, so a saved counterexample replays
 * with the plain property.
 */

export interface Constraints {
  readonly cpus: CpuRange | null;
  readonly strategy: StrategyChoice;
  readonly checkDeterminism: boolean;
}

export const NO_CONSTRAINTS: Constraints = { cpus: null, strategy: 'mixed', checkDeterminism: false };

/**
 * Fold every host's CPU count into [lo, hi] (1 ↦ lo, so shrinking toward 1 shrinks toward lo) and
 * move each app onto a CPU its host still has.
 */
export function constrainCpus(s: Scenario, range: CpuRange): Scenario {
  const span = range.hi - range.lo + 1;
  const hosts = s.hosts.map((h) => ({ ...h, ncpus: range.lo + ((h.ncpus - 1) % span) }));
  const apps = s.apps.map((a) => {
    const ncpus = hosts[a.host]?.ncpus ?? 1;
    return a.cpu < ncpus ? a : { ...a, cpu: a.cpu % ncpus };
  });
  return { ...s, hosts, apps };
}

/** Make the schedule continue with the chosen strategy, keeping the generated seed if any. */
export function constrainStrategy(s: Scenario, choice: Exclude<StrategyChoice, 'mixed'>): Scenario {
  const then = s.schedule.then;
  const seed = 'seed' in then ? then.seed : s.seed;
  let next: StrategySpec;
  switch (choice) {
    case 'random':
      next = { kind: 'random', seed };
      break;
    case 'urw':
      next = { kind: 'urw', seed };
      break;
    case 'pct':
      next = { kind: 'pct', seed, depth: then.kind === 'pct' ? then.depth : 1 + (seed % 3) };
      break;
  }
  return { ...s, schedule: { ...s.schedule, then: next } };
}

/** The first event at which two traces differ, for the determinism verdict's details. */
function firstDifference(a: RunRecord, b: RunRecord): string[] {
  const n = Math.max(a.trace.length, b.trace.length);
  for (let i = 0; i < n; i++) {
    const x = a.trace[i] === undefined ? '(none)' : canonicalString(a.trace[i]);
    const y = b.trace[i] === undefined ? '(none)' : canonicalString(b.trace[i]);
    if (x !== y) return [`first difference at event ${i}:`, `  run 1: ${x.slice(0, 300)}`, `  run 2: ${y.slice(0, 300)}`];
  }
  return [];
}

/** Run the scenario a second time and compare trace hashes (ARCHITECTURE §6.6). */
export function determinismVerdict(def: PropertyDef, run: RunRecord, scenario: Scenario): Verdict {
  const again = runScenarioChecked(scenario, def.checkMode);
  const first = traceHash(run.trace);
  const second = traceHash(again.trace);
  if (first === second) return { ok: true };
  return {
    ok: false,
    checker: 'determinism',
    claim: 'The same scenario gives a byte-identical trace (ARCHITECTURE §6.6)',
    kind: 'nondeterministic-trace',
    message: `two runs of the same scenario gave different traces (${first.slice(0, 12)} ≠ ${second.slice(0, 12)})`,
    details: firstDifference(run, again),
  };
}

/** The property as `fuzz` runs it under the given constraints. */
export function constrain(def: PropertyDef, c: Constraints): PropertyDef {
  const { cpus, strategy } = c;
  if (cpus === null && strategy === 'mixed' && !c.checkDeterminism) return def;
  let arbitrary = def.arbitrary;
  if (cpus !== null) arbitrary = arbitrary.map((s) => constrainCpus(s, cpus));
  if (strategy !== 'mixed') arbitrary = arbitrary.map((s) => constrainStrategy(s, strategy));
  const check = !c.checkDeterminism
    ? def.check
    : (run: RunRecord, scenario: Scenario): Verdict => {
        const same = determinismVerdict(def, run, scenario);
        return same.ok ? def.check(run, scenario) : same;
      };
  return { ...def, arbitrary, check };
}
