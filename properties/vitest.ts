import { expect, it } from 'vitest';
import { Rng } from '../src/core/rng';
import { formatFailure, saveCounterexample } from './failure';
import { fuzzProperty } from './harness';
import type { PropertyDef } from './types';

/**
 * One property as a vitest test, with its CI budget (`def.ciRuns`). The seed is fixed per
 * property so `npm test` is reproducible; MPCHECK_SEED explores another one. A failure writes the
 * shrunk counterexample to mpcheck-out/failures/<property>/seed-<seed>.json and fails with it
 * printed as JSON and the one-line replay command.
 */

/** The property's fixed CI seed: derived from its name, so adding a property shifts no other. */
export const ciSeed = (name: string): number => Rng.fromSeed(`property:${name}`).nextU32() >>> 1;

export function seedFor(name: string): number {
  const env = process.env['MPCHECK_SEED'];
  if (env === undefined || env === '') return ciSeed(name);
  const seed = Number(env);
  if (!Number.isSafeInteger(seed)) throw new Error(`MPCHECK_SEED=${env} is not an integer`);
  return seed;
}

export function propertyTest(def: PropertyDef, timeoutMs = 60_000): void {
  it(
    `${def.name}: ${def.claim}`,
    () => {
      const seed = seedFor(def.name);
      const result = fuzzProperty(def, { seed, numRuns: def.ciRuns });
      if (result.counterexample !== null) {
        const path = saveCounterexample(result.counterexample);
        expect.fail(formatFailure(result.counterexample, path));
      }
      expect(result.runs).toBe(def.ciRuns);
    },
    timeoutMs,
  );
}
