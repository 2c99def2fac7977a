import { checkReferences } from '../src/scenario/references';
import type { Scenario } from '../src/scenario/types';
import type { Shrinker } from './shrink';
import type { CheckedRun } from './types';

/**
 * Scenario-level deletions for the second shrinking stage. fast-check shrinks the *plan* a
 * scenario was compiled from, and its array shrinker can get stuck (it drops elements from the
 * front, so [needed, unneeded] never loses its tail). Here whole apps, single steps and single
 * faults are deleted from the scenario itself while it still fails the same way. A deletion that
 * would leave a socket name used before it is defined is skipped, never run.
 */

const valid = (s: Scenario): boolean => checkReferences(s) === null;

/** Try one candidate if it is a valid scenario. */
function attemptValid(shrinker: Shrinker, candidate: Scenario): CheckedRun | null {
  return valid(candidate) ? shrinker.attempt(candidate) : null;
}

/** Delete whole apps, last first (later apps usually depend on earlier ones, not vice versa). */
export function dropApps(start: CheckedRun, shrinker: Shrinker): CheckedRun {
  let current = start;
  for (let i = current.scenario.apps.length - 1; i >= 0 && !shrinker.exhausted; i--) {
    const apps = current.scenario.apps.filter((_, k) => k !== i);
    current = attemptValid(shrinker, { ...current.scenario, apps }) ?? current;
  }
  return current;
}

/** Delete single steps of every app, last first. */
export function dropSteps(start: CheckedRun, shrinker: Shrinker): CheckedRun {
  let current = start;
  for (let a = 0; a < current.scenario.apps.length; a++) {
    for (let k = current.scenario.apps[a]!.steps.length - 1; k >= 0 && !shrinker.exhausted; k--) {
      const s = current.scenario;
      const apps = s.apps.map((app, i) =>
        i === a ? { ...app, steps: app.steps.filter((_, j) => j !== k) } : app,
      );
      current = attemptValid(shrinker, { ...s, apps }) ?? current;
    }
  }
  return current;
}

/** Delete frame faults and partitions one at a time, and lift link capacities. */
export function dropFaults(start: CheckedRun, shrinker: Shrinker): CheckedRun {
  let current = start;
  for (let i = current.scenario.faults.frames.length - 1; i >= 0 && !shrinker.exhausted; i--) {
    const s = current.scenario;
    const frames = s.faults.frames.filter((_, k) => k !== i);
    current = shrinker.attempt({ ...s, faults: { ...s.faults, frames } }) ?? current;
  }
  for (let i = current.scenario.faults.partitions.length - 1; i >= 0 && !shrinker.exhausted; i--) {
    const s = current.scenario;
    const partitions = s.faults.partitions.filter((_, k) => k !== i);
    current = shrinker.attempt({ ...s, faults: { ...s.faults, partitions } }) ?? current;
  }
  for (let i = 0; i < current.scenario.links.length && !shrinker.exhausted; i++) {
    const s = current.scenario;
    if (s.links[i]!.capacity === 0) continue;
    const links = s.links.map((l, k) => (k === i ? { ...l, capacity: 0 } : l));
    current = shrinker.attempt({ ...s, links }) ?? current;
  }
  return current;
}
