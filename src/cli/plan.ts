import { Rng } from '../core/rng';
import type { Shard } from './args';

/**
 * The campaign plan: which property runs with which fast-check seed and how many runs, in which
 * order. It depends only on the master seed, the shard, the properties and the run budget —
 * never on the number of workers or on timing — so the same command gives the same jobs, and
 * results are reported in job order however the workers interleave.
 *
 * Seed space: each property has an infinite sequence of job *slots* 0, 1, 2, …; slot s runs
 * `JOB_RUNS` scenarios from the seed derived from (master seed, property, s). Shard i/n takes the
 * slots s ≡ i−1 (mod n), so n machines with the same master seed fuzz disjoint runs and together
 * cover exactly what one machine would (`--shard 1/1` is the unsharded campaign).
 */

/** Runs per job: small enough that work spreads over workers and Ctrl-C is answered quickly. */
export const JOB_RUNS = 20;

export interface Job {
  /** Position in this campaign's job order; results are reported in this order. */
  readonly index: number;
  readonly property: string;
  /** The property's global slot (before sharding). */
  readonly slot: number;
  /** fast-check seed of this job. */
  readonly seed: number;
  readonly runs: number;
}

/** The fast-check seed of a property's slot: a named fork of the master seed (STYLE P9). */
export function jobSeed(master: number, property: string, slot: number): number {
  return Rng.fromSeed(master).fork(`fuzz:${property}:${slot}`).nextU32();
}

export interface PlanOptions {
  readonly seed: number;
  readonly shard: Shard;
  readonly properties: readonly string[];
  /** Runs per property (on this shard); null: unbounded (a time budget stops the campaign). */
  readonly runsPerProperty: number | null;
}

/**
 * Jobs in round-robin order over the properties: every property's k-th job before any
 * property's (k+1)-th. Finite when a run budget is given, endless otherwise.
 */
export function* planJobs(o: PlanOptions): Generator<Job, void, undefined> {
  if (o.properties.length === 0) return;
  let index = 0;
  for (let k = 0; ; k++) {
    const done = o.runsPerProperty === null ? 0 : k * JOB_RUNS;
    if (o.runsPerProperty !== null && done >= o.runsPerProperty) return;
    const runs = o.runsPerProperty === null ? JOB_RUNS : Math.min(JOB_RUNS, o.runsPerProperty - done);
    const slot = k * o.shard.count + (o.shard.index - 1);
    for (const property of o.properties) {
      yield { index: index++, property, slot, seed: jobSeed(o.seed, property, slot), runs };
    }
  }
}
