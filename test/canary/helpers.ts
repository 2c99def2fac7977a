import { expect } from 'vitest';
import { fuzzProperty, checkScenario } from '../../properties/harness';
import { formatFailure } from '../../properties/failure';
import type { Counterexample, PropertyDef } from '../../properties/types';

/**
 * Canaries (STYLE P13, issue #2): each test file plants one deliberate break in the
 * implementation by test-only substitution and requires a property to catch it through the
 * harness — the same path as `npm test` and `mpcheck fuzz` — with a SHRUNK counterexample that
 * replays. A canary that stops failing means a checker went blind.
 */

export interface CatchOptions {
  readonly seed?: number;
  readonly numRuns?: number;
  /** The checker expected to report the break (not a crash of the simulator). */
  readonly checker: string;
}

/** Fuzz `def` until it fails; the failure must be the expected checker's and must replay. */
export function caught(def: PropertyDef, o: CatchOptions): Counterexample {
  const r = fuzzProperty(def, { seed: o.seed ?? 1, numRuns: o.numRuns ?? def.ciRuns });
  expect(r.counterexample, `${def.name} missed the planted break in ${r.runs} runs`).not.toBeNull();
  const cx = r.counterexample!;
  expect(cx.verdict.checker, formatFailure(cx, null)).toBe(o.checker);
  const replay = checkScenario(def, cx.scenario);
  // Same checker and kind: a nondeterministic break may name other values on each run.
  const again = { ok: false, checker: cx.verdict.checker, kind: cx.verdict.kind };
  expect(replay.verdict, 'the counterexample replays the same failure').toMatchObject(again);
  return cx;
}

export interface SmallOptions {
  readonly maxApps?: number;
  readonly maxSteps?: number;
  readonly maxChoices?: number;
}

/** The shrunk scenario tells a short story: few apps, few steps, a short schedule, no faults. */
export function expectSmall(cx: Counterexample, o: SmallOptions = {}): void {
  const s = cx.scenario;
  const steps = s.apps.reduce((n, a) => n + a.steps.length, 0);
  const text = formatFailure(cx, null);
  expect(s.apps.length, text).toBeLessThanOrEqual(o.maxApps ?? 2);
  expect(steps, text).toBeLessThanOrEqual(o.maxSteps ?? 8);
  expect(s.schedule.choices.length, text).toBeLessThanOrEqual(o.maxChoices ?? 8);
  expect(s.schedule.then, text).toEqual({ kind: 'lowest' });
}
