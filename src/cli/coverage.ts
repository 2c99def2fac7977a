import { MAX_CPUS } from '../core/config';
import type { Scenario } from '../scenario/types';

/**
 * What a campaign actually exercised, for the summary (issue 6: "runs, strategies, CPU counts,
 * fault kinds"): counts over the generated scenarios that were run and checked. Plain records so
 * workers can send them to the main thread.
 */

export const FAULT_KINDS = ['drop', 'duplicate', 'delay', 'partition', 'capacity', 'jitter'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Coverage {
  scenarios: number;
  /** Scenarios by the strategy their schedule continues with. */
  strategies: Record<string, number>;
  /** Hosts by CPU count: index n is the number of hosts with n CPUs. */
  cpus: number[];
  /** Scenarios in which each fault kind occurs at least once. */
  faults: Record<string, number>;
  /** Scenarios with no fault of any kind. */
  faultFree: number;
}

export function emptyCoverage(): Coverage {
  return { scenarios: 0, strategies: {}, cpus: new Array<number>(MAX_CPUS + 1).fill(0), faults: {}, faultFree: 0 };
}

const bump = (record: Record<string, number>, key: string, by = 1): void => {
  record[key] = (record[key] ?? 0) + by;
};

function faultKinds(s: Scenario): Set<FaultKind> {
  const kinds = new Set<FaultKind>();
  for (const f of s.faults.frames) kinds.add(f.fate);
  if (s.faults.partitions.length > 0) kinds.add('partition');
  if (s.links.some((l) => l.capacity > 0)) kinds.add('capacity');
  if (s.links.some((l) => l.jitterUs > 0)) kinds.add('jitter');
  return kinds;
}

export function addScenario(c: Coverage, s: Scenario): void {
  c.scenarios++;
  bump(c.strategies, s.schedule.then.kind);
  for (const h of s.hosts) c.cpus[h.ncpus] = (c.cpus[h.ncpus] ?? 0) + 1;
  const kinds = faultKinds(s);
  for (const k of kinds) bump(c.faults, k);
  if (kinds.size === 0) c.faultFree++;
}

export function mergeCoverage(into: Coverage, from: Coverage): void {
  into.scenarios += from.scenarios;
  for (const [k, n] of Object.entries(from.strategies)) bump(into.strategies, k, n);
  from.cpus.forEach((n, i) => {
    into.cpus[i] = (into.cpus[i] ?? 0) + n;
  });
  for (const [k, n] of Object.entries(from.faults)) bump(into.faults, k, n);
  into.faultFree += from.faultFree;
}

/** `pct 12, random 30` in a fixed order: known keys first, then any others sorted. */
function counts(record: Record<string, number>, order: readonly string[]): string {
  const keys = [...order.filter((k) => k in record), ...Object.keys(record).filter((k) => !order.includes(k)).sort()];
  return keys.length === 0 ? 'none' : keys.map((k) => `${k} ${record[k]}`).join(', ');
}

/** Markdown list lines for the summary file. */
export function coverageLines(c: Coverage): string[] {
  const cpus = c.cpus.map((n, i) => (n > 0 ? `${i}: ${n}` : '')).filter((x) => x !== '').join(', ');
  return [
    `- scenarios checked: ${c.scenarios}`,
    `- scheduler strategies: ${counts(c.strategies, ['lowest', 'random', 'pct', 'urw', 'round-robin'])}`,
    `- hosts by CPU count: ${cpus === '' ? 'none' : cpus}`,
    `- scenarios with each fault kind: ${counts(c.faults, FAULT_KINDS)}; fault-free: ${c.faultFree}`,
  ];
}
