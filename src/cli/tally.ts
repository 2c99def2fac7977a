import type { PropertyDef } from '../../properties/types';
import { emptyCoverage } from './coverage';
import type { Coverage } from './coverage';

/**
 * What a campaign found, per property, in the order results are reported (job order). Only
 * reproducible facts live here; timings are kept apart (fuzz.ts) so the stdout summary drawn
 * from a Tally is identical for identical campaigns.
 */

export interface SignatureTally {
  readonly signature: string;
  readonly message: string;
  /** Where the counterexample is saved (relative to the working directory, as given). */
  readonly dir: string;
  /** Jobs whose failure had this signature. */
  count: number;
  /** 'exists': an earlier campaign had already saved this signature. */
  readonly status: 'saved' | 'exists';
}

export interface PropertyTally {
  readonly name: string;
  readonly claim: string;
  jobs: number;
  runs: number;
  failures: number;
  readonly signatures: Map<string, SignatureTally>;
}

export interface Tally {
  readonly properties: Map<string, PropertyTally>;
  readonly coverage: Coverage;
  /** One line per job that a worker could not complete (harness exception, worker death). */
  readonly errors: string[];
  interrupted: boolean;
}

export function newTally(defs: readonly PropertyDef[]): Tally {
  const properties = new Map<string, PropertyTally>();
  for (const d of defs) {
    properties.set(d.name, { name: d.name, claim: d.claim, jobs: 0, runs: 0, failures: 0, signatures: new Map() });
  }
  return { properties, coverage: emptyCoverage(), errors: [], interrupted: false };
}

export interface Totals {
  readonly runs: number;
  readonly failures: number;
  readonly distinct: number;
  readonly failedProperties: number;
}

export function totals(t: Tally): Totals {
  let runs = 0;
  let failures = 0;
  let distinct = 0;
  let failedProperties = 0;
  for (const p of t.properties.values()) {
    runs += p.runs;
    failures += p.failures;
    distinct += p.signatures.size;
    if (p.failures > 0) failedProperties++;
  }
  return { runs, failures, distinct, failedProperties };
}

/** The summary table for stdout: property, runs, failures, distinct signatures. */
export function summaryTable(t: Tally): string[] {
  const rows = [...t.properties.values()].map((p) => [p.name, String(p.runs), String(p.failures), String(p.signatures.size)]);
  const sum = totals(t);
  const all = [['property', 'runs', 'failures', 'distinct'], ...rows, ['total', String(sum.runs), String(sum.failures), String(sum.distinct)]];
  const width = [0, 1, 2, 3].map((c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: readonly string[]): string =>
    `  ${r[0]!.padEnd(width[0]!)}  ${r.slice(1).map((v, i) => v.padStart(width[i + 1]!)).join('  ')}`;
  return [line(all[0]!), ...rows.map(line), line(all.at(-1)!)];
}

/** The verdict line: what the exit code will say. */
export function resultLine(t: Tally): string {
  const sum = totals(t);
  if (t.errors.length > 0) return `result: ERROR — ${t.errors.length} job(s) could not run (internal error)`;
  if (sum.failures > 0) {
    return `result: FAILED — ${sum.failedProperties} of ${t.properties.size} properties failed ` +
      `(${sum.distinct} distinct failure${sum.distinct === 1 ? '' : 's'})`;
  }
  const held = `all ${t.properties.size} properties held over ${sum.runs} runs`;
  return t.interrupted ? `result: interrupted — ${held} completed` : `result: ok — ${held}`;
}
