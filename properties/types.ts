import type * as fc from 'fast-check';
import type { RunRecord, Verdict } from '../src/core/run';
import type { Scenario } from '../src/scenario/types';

/**
 * A property is one claim of ARCHITECTURE §1 checked over random scenarios. The same definition is
 * run by vitest with a CI budget (`properties/<name>.test.ts`) and by `mpcheck fuzz` without one.
 */
export interface PropertyDef {
  /** Stable name used on the command line and in failure directories, e.g. 'udp.refinement'. */
  readonly name: string;
  /** One line for `mpcheck list` and reports: the claim this property shows. */
  readonly claim: string;
  /** Rule IDs (tcp-rules.md, UDP-PROFILE.md) and claims covered, cited in reports. */
  readonly rules: readonly string[];
  readonly arbitrary: fc.Arbitrary<Scenario>;
  /** Decide one finished run. Must be able to fail: each checker has a canary test. */
  readonly check: (run: RunRecord, scenario: Scenario) => Verdict;
  /** Whether runs need the ownership/access instrumentation (check mode). */
  readonly checkMode: boolean;
  /** numRuns under `npm test`; sized to keep the whole suite under 3 minutes on 2 cores. */
  readonly ciRuns: number;
}

/** One checked scenario: the run it produced and the verdict. */
export interface CheckedRun {
  readonly scenario: Scenario;
  readonly run: RunRecord;
  readonly verdict: Verdict;
}

/** A property's failure after shrinking: a scenario that replays the failure exactly. */
export interface Counterexample {
  readonly property: string;
  /** The shrunk scenario with its schedule materialized (explicit choices, then 'lowest'). */
  readonly scenario: Scenario;
  readonly verdict: Exclude<Verdict, { ok: true }>;
  /** Smallest CPU count that still fails (ARCHITECTURE §7). */
  readonly minCpus: number;
  readonly traceHash: string;
  readonly seed: number;
  readonly runsBeforeFailure: number;
  readonly shrinkSteps: number;
}
