import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readCounterexample } from '../src/scenario/counterexample';
import { checkScenario } from './harness';
import { findProperty } from './registry';

/**
 * Regressions (ARCHITECTURE §2): shrunk counterexamples of fixed bugs, kept in `regressions/` and
 * replayed by `npm test`. Each must now pass the property it once failed. Failures — including a
 * file that no longer parses or names an unknown property — are one line naming the file.
 */

export const REGRESSIONS_DIR = 'regressions';

/** The counterexample files of a directory, sorted by name. */
export function regressionFiles(dir = REGRESSIONS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f));
}

/** Replay one regression file: null if its property now holds, else one line saying why not. */
export function replayRegression(path: string): string | null {
  const file = readCounterexample(path);
  if (!file.ok) return file.error;
  const def = findProperty(file.value.property);
  if (def === undefined) return `${path}: unknown property '${file.value.property}'`;
  const { verdict } = checkScenario(def, file.value.scenario);
  if (verdict.ok) return null;
  const why = `${verdict.checker} [${verdict.kind}]: ${verdict.message}`;
  return `${path}: ${def.name} fails again: ${why}`;
}
