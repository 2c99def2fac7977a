import { assert } from '../src/core/assert';
import type { RunRecord, Verdict } from '../src/core/run';
import type { Scenario } from '../src/scenario/types';
import { dropApps, dropFaults, dropSteps } from './shrink-workload';
import type { CheckedRun } from './types';

/**
 * The second shrinking stage (ARCHITECTURE §7). fast-check shrinks the generated parts of a
 * scenario, but a schedule it generated is a *strategy* plus a prefix: the decisions that matter
 * may be made by the strategy. Here the schedule is materialized — the decisions the failing run
 * actually made become the explicit choice list, continued by 'lowest' — and then shrunk
 * directly: chunks deleted and zeroed while the run still fails the same way. Apps, steps and
 * faults are deleted (shrink-workload.ts), and CPU counts lowered host by host, the same way —
 * which gives the report's "smallest CPU count that fails".
 *
 * Everything here works through a `probe` (run + check one scenario), so it is tested without
 * a simulator (test/scenario/shrink.test.ts).
 */

export type Probe = (scenario: Scenario) => CheckedRun;
type Failed = Exclude<Verdict, { ok: true }>;

/** Two verdicts show the same failure: same checker and kind (the message may name other ids). */
export const sameFailure = (target: Failed, v: Verdict): boolean =>
  !v.ok && v.checker === target.checker && v.kind === target.kind;

/** The decisions a run made, without the trailing zeros 'lowest' would make anyway. */
export function canonicalChoices(made: readonly number[]): number[] {
  let end = made.length;
  while (end > 0 && made[end - 1] === 0) end--;
  return made.slice(0, end);
}

/** The scenario with the schedule its run actually followed: explicit choices, then 'lowest'. */
export const materialized = (scenario: Scenario, run: RunRecord): Scenario => ({
  ...scenario,
  schedule: { choices: canonicalChoices(run.choicesMade), then: { kind: 'lowest' } },
});

export const withChoices = (scenario: Scenario, choices: readonly number[]): Scenario => ({
  ...scenario,
  schedule: { choices, then: { kind: 'lowest' } },
});

/** Host `host` with `ncpus` CPUs; apps on it move to CPU `cpu % ncpus`. */
export function withCpus(scenario: Scenario, host: number, ncpus: number): Scenario {
  return {
    ...scenario,
    hosts: scenario.hosts.map((h, i) => (i === host ? { ...h, ncpus } : h)),
    apps: scenario.apps.map((a) => (a.host === host ? { ...a, cpu: a.cpu % ncpus } : a)),
  };
}

/** The largest CPU count of any host: the CPUs the failure needs. */
export const cpusNeeded = (scenario: Scenario): number =>
  Math.max(...scenario.hosts.map((h) => h.ncpus));

/** Runs candidates against the target failure within an attempt budget. */
export class Shrinker {
  attempts = 0;
  accepted = 0;

  constructor(
    private readonly probe: Probe,
    readonly target: Failed,
    private readonly maxAttempts: number,
  ) {}

  get exhausted(): boolean {
    return this.attempts >= this.maxAttempts;
  }

  /** The candidate's checked run with its schedule materialized, if it fails the same way. */
  attempt(candidate: Scenario): CheckedRun | null {
    if (this.exhausted) return null;
    this.attempts++;
    const checked = this.probe(candidate);
    if (!sameFailure(this.target, checked.verdict)) return null;
    this.accepted++;
    // The materialized scenario replays this very run (the scheduler records every decision).
    return { ...checked, scenario: materialized(candidate, checked.run) };
  }
}

/** Lower each host's CPU count to the smallest that still fails, trying 1, 2, … in order. */
export function shrinkCpus(start: CheckedRun, shrinker: Shrinker): CheckedRun {
  let current = start;
  for (let host = 0; host < current.scenario.hosts.length; host++) {
    const ncpus = current.scenario.hosts[host]!.ncpus;
    for (let n = 1; n < ncpus && !shrinker.exhausted; n++) {
      const smaller = shrinker.attempt(withCpus(current.scenario, host, n));
      if (smaller !== null) {
        current = smaller;
        break;
      }
    }
  }
  return current;
}

/** Powers of two from the largest ≤ n/2 (at least 1) down to 1. */
function chunkSizes(n: number): number[] {
  const sizes: number[] = [];
  let size = 1;
  while (size * 2 <= Math.max(1, Math.floor(n / 2))) size *= 2;
  for (; size >= 1; size = Math.floor(size / 2)) sizes.push(size);
  return sizes;
}

/** Delete chunks of the choice list, largest first, keeping every deletion that still fails. */
function deleteChoiceChunks(start: CheckedRun, shrinker: Shrinker): CheckedRun {
  let current = start;
  for (const size of chunkSizes(current.scenario.schedule.choices.length)) {
    let i = 0;
    while (i < current.scenario.schedule.choices.length && !shrinker.exhausted) {
      const choices = current.scenario.schedule.choices;
      const candidate = [...choices.slice(0, i), ...choices.slice(i + size)];
      const smaller = shrinker.attempt(withChoices(current.scenario, candidate));
      if (smaller !== null) current = smaller;
      else i += size;
    }
  }
  return current;
}

/** Zero chunks of the choice list (0 = the canonical first thread), keeping what still fails. */
function zeroChoiceChunks(start: CheckedRun, shrinker: Shrinker): CheckedRun {
  let current = start;
  for (const size of chunkSizes(current.scenario.schedule.choices.length)) {
    for (
      let i = 0;
      i < current.scenario.schedule.choices.length && !shrinker.exhausted;
      i += size
    ) {
      const choices = current.scenario.schedule.choices;
      if (choices.slice(i, i + size).every((c) => c === 0)) continue;
      const candidate = choices.map((c, k) => (k >= i && k < i + size ? 0 : c));
      const smaller = shrinker.attempt(withChoices(current.scenario, candidate));
      if (smaller !== null) current = smaller;
    }
  }
  return current;
}

export interface SecondStageResult {
  readonly checked: CheckedRun;
  readonly attempts: number;
  readonly accepted: number;
}

/**
 * Materialize; delete apps, steps and faults; lower CPU counts; then shrink the choice list.
 * `first` must be a failing run of
 * `probe`; the result fails the same way and replays exactly from its scenario.
 */
export function secondStage(
  first: CheckedRun,
  probe: Probe,
  maxAttempts: number,
): SecondStageResult {
  assert(!first.verdict.ok, 'secondStage: the starting run does not fail');
  const shrinker = new Shrinker(probe, first.verdict, maxAttempts);
  // Materializing replays the same run unless the stack is nondeterministic; keep `first` then.
  let current = shrinker.attempt(materialized(first.scenario, first.run)) ?? first;
  current = dropApps(current, shrinker);
  current = dropSteps(current, shrinker);
  current = dropFaults(current, shrinker);
  current = shrinkCpus(current, shrinker);
  current = deleteChoiceChunks(current, shrinker);
  current = zeroChoiceChunks(current, shrinker);
  return { checked: current, attempts: shrinker.attempts, accepted: shrinker.accepted };
}
