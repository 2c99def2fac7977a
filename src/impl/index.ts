/**
 * The per-CPU implementation's public surface (STYLE P14). The simulator builds impl hosts
 * through `createImplHost`; tests and the bench read counters through `implStats`.
 */
import type { Host } from '../core/host';
import { implInternals } from './host';
import type { CounterSet } from './net/stats';

export { createImplHost, implInternals } from './host';
export type { Inet } from './net/inet';
export type { Counter, CounterSet } from './net/stats';

export interface ImplStats {
  /** Host-wide sums of the per-CPU counters that are not zero. */
  readonly totals: Partial<CounterSet>;
  readonly perCpu: readonly CounterSet[];
  /** Token acquisitions per code path label (claim 3d). */
  readonly tokenAcquisitions: ReadonlyMap<string, number>;
}

/** Counters of an impl host; null if `host` is not one. */
export function implStats(host: Host): ImplStats | null {
  const inet = implInternals(host);
  if (inet === undefined) return null;
  return {
    totals: inet.stats.totals(),
    perCpu: inet.stats.perCpu,
    tokenAcquisitions: inet.k.tokenAcquisitions,
  };
}
