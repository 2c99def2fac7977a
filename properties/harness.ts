import * as fc from 'fast-check';
import { assert } from '../src/core/assert';
import type { RunRecord, Verdict } from '../src/core/run';
import { runScenarioChecked } from '../src/scenario/builder';
import type { Scenario } from '../src/scenario/types';
import { traceHash } from '../src/sim/index';
import { cpusNeeded, materialized, secondStage } from './shrink';
import type { CheckedRun, Counterexample, PropertyDef } from './types';

/**
 * The property harness (docs/CONTRACTS.md "Property harness"): the one path by which both the
 * vitest properties and `mpcheck fuzz` run a property. A scenario is built into a world, run,
 * and decided by the property's check; a failure is shrunk by fast-check, then by the second
 * stage (shrink.ts: materialized schedule, CPU counts), and returned as a scenario that replays
 * the same failure exactly.
 */

export interface FuzzOptions {
  /** fast-check seed (32-bit); the same seed generates the same scenarios. */
  readonly seed: number;
  /** Scenarios to try; default `def.ciRuns`, or unbounded when only a time limit is given. */
  readonly numRuns?: number;
  /** Stop generating new scenarios after this long (the run in progress finishes). */
  readonly timeLimitMs?: number;
  /** Called after each generated scenario is checked (not for shrinking attempts). */
  onProgress?(runs: number): void;
  /** Bound on fast-check's own shrinking, in ms (default 60 s). */
  readonly shrinkTimeLimitMs?: number;
  /** Bound on the second stage, in runs (default 400). */
  readonly shrinkAttempts?: number;
}

export interface FuzzResult {
  /** Scenarios generated and checked, up to and including the first failing one. */
  readonly runs: number;
  readonly counterexample: Counterexample | null;
}

const SHRINK_TIME_LIMIT_MS = 60_000;
const SHRINK_ATTEMPTS = 400;

/** A crash of the world or a stack is a failure of every property (STYLE P6: crash-class). */
function crashVerdict(run: RunRecord): Verdict | null {
  if (run.outcome.kind !== 'crash') return null;
  const [first = ''] = run.outcome.message.split('\n');
  return {
    ok: false,
    checker: 'simulator',
    claim: 'no stack or simulator assertion fails',
    kind: 'crash',
    message: first,
    details: run.outcome.stack.split('\n').slice(0, 12),
  };
}

/** The property's verdict on one run; a checker that throws is a failure, not a harness crash. */
export function verdictOf(def: PropertyDef, run: RunRecord, scenario: Scenario): Verdict {
  const crash = crashVerdict(run);
  if (crash !== null) return crash;
  try {
    return def.check(run, scenario);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      checker: def.name,
      claim: 'the checker completes',
      kind: 'checker-crash',
      message,
    };
  }
}

/** Build the world, run it, and check it. */
export function checkScenario(def: PropertyDef, scenario: Scenario): CheckedRun {
  const run = runScenarioChecked(scenario, def.checkMode);
  return { scenario, run, verdict: verdictOf(def, run, scenario) };
}

/** Record the choices the run made, then 'lowest': the same run as an explicit schedule. */
export function materializeSchedule(def: PropertyDef, scenario: Scenario): Scenario {
  return materialized(scenario, runScenarioChecked(scenario, def.checkMode));
}

/**
 * Fuzz one property. Generation stops at the first failure (so a time limit never cuts the
 * shrink short); fast-check then replays that run by its path and shrinks it, and the second
 * stage shrinks the materialized schedule and the CPU counts.
 */
export function fuzzProperty(def: PropertyDef, opts: FuzzOptions): FuzzResult {
  let runs = 0;
  let firstFailure: CheckedRun | null = null;
  const generated = fc.property(def.arbitrary, (scenario) => {
    runs++;
    opts.onProgress?.(runs);
    const checked = checkScenario(def, scenario);
    if (!checked.verdict.ok) firstFailure = checked;
    return checked.verdict.ok;
  });
  const numRuns =
    opts.numRuns ?? (opts.timeLimitMs === undefined ? def.ciRuns : Number.MAX_SAFE_INTEGER);
  const search = fc.check(generated, {
    seed: opts.seed,
    numRuns,
    endOnFailure: true,
    ...(opts.timeLimitMs === undefined ? {} : { interruptAfterTimeLimit: opts.timeLimitMs }),
    markInterruptAsFailure: false,
  });
  if (!search.failed) return { runs, counterexample: null };
  const runsBeforeFailure = runs;
  // A failure that does not replay is itself a finding (nondeterminism): report it unshrunk.
  const found: CheckedRun | null = firstFailure;
  assert(found !== null, `fuzzProperty(${def.name}): fast-check failed without a failing verdict`);
  const first = shrinkWithFastCheck(def, opts, search.counterexamplePath) ?? {
    checked: found,
    shrinks: 0,
  };
  const second = secondStage(
    first.checked,
    (s) => checkScenario(def, s),
    opts.shrinkAttempts ?? SHRINK_ATTEMPTS,
  );
  const final = second.checked;
  assert(!final.verdict.ok, `fuzzProperty(${def.name}): the shrunk counterexample passes`);
  return {
    runs: runsBeforeFailure,
    counterexample: {
      property: def.name,
      scenario: final.scenario,
      verdict: final.verdict,
      minCpus: cpusNeeded(final.scenario),
      traceHash: traceHash(final.run.trace),
      seed: opts.seed,
      runsBeforeFailure,
      shrinkSteps: first.shrinks + second.accepted,
    },
  };
}

/**
 * Replay the failing run by its fast-check path and let fast-check shrink it. Each scenario's
 * checked run is remembered by identity, so the counterexample's run is the one that failed (a
 * nondeterministic failure would otherwise be lost by re-running it).
 */
function shrinkWithFastCheck(
  def: PropertyDef,
  opts: FuzzOptions,
  path: string | null,
): { checked: CheckedRun; shrinks: number } | null {
  const seen = new WeakMap<Scenario, CheckedRun>();
  const replay = fc.property(def.arbitrary, (scenario) => {
    const checked = checkScenario(def, scenario);
    if (!checked.verdict.ok) seen.set(scenario, checked);
    return checked.verdict.ok;
  });
  const shrunk = fc.check(replay, {
    seed: opts.seed,
    ...(path === null ? {} : { path }),
    interruptAfterTimeLimit: opts.shrinkTimeLimitMs ?? SHRINK_TIME_LIMIT_MS,
    markInterruptAsFailure: false,
  });
  if (!shrunk.failed || shrunk.counterexample === null) return null;
  const scenario = shrunk.counterexample[0];
  const checked = seen.get(scenario) ?? checkScenario(def, scenario);
  return { checked, shrinks: shrunk.numShrinks };
}
