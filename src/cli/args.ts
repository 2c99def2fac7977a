import { InvalidArgumentError } from 'commander';
import { MAX_CPUS } from '../core/config';

/**
 * Parsers for the CLI's option values (STYLE P6: validate at the boundary). Each throws
 * commander's InvalidArgumentError with a short reason; commander turns it into the one-line
 * usage error `option '--time <duration>' argument '5x' is invalid. …` and main.ts exits 2.
 */

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `60s`, `1.5m`, `8h` → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (m === null) throw new InvalidArgumentError('Expected a duration such as 90s, 15m or 8h.');
  const ms = Math.round(Number(m[1]) * DURATION_UNITS[m[2]!]!);
  if (ms <= 0) throw new InvalidArgumentError('The duration must be positive.');
  return ms;
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A whole number in [lo, hi]. */
export function intParser(lo: number, hi: number): (text: string) => number {
  return (text: string): number => {
    const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < lo || n > hi) {
      throw new InvalidArgumentError(`Expected a whole number from ${lo} to ${hi}.`);
    }
    return n;
  };
}

export const SEED_MAX = 0xffffffff;

/** A 32-bit seed, decimal or 0x-hex (the form `fuzz` prints). */
export function parseSeed(text: string): number {
  const n = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text.slice(2), 16) : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > SEED_MAX) {
    throw new InvalidArgumentError('Expected a seed from 0 to 4294967295 (decimal or 0x-hex).');
  }
  return n;
}

export const formatSeed = (seed: number): string => `0x${seed.toString(16).padStart(8, '0')}`;

export interface Shard {
  /** 1-based, as written on the command line. */
  readonly index: number;
  readonly count: number;
}

/** `i/n` with 1 ≤ i ≤ n. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m === null ? Number.NaN : Number(m[1]);
  const count = m === null ? Number.NaN : Number(m[2]);
  if (!(count >= 1 && count <= 1_000_000 && index >= 1 && index <= count)) {
    throw new InvalidArgumentError('Expected i/n with 1 ≤ i ≤ n, e.g. 3/8.');
  }
  return { index, count };
}

export interface CpuRange {
  readonly lo: number;
  readonly hi: number;
}

/** `4` or `2-8`, within 1…MAX_CPUS. */
export function parseCpus(text: string): CpuRange {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const lo = m === null ? Number.NaN : Number(m[1]);
  const hi = m === null ? Number.NaN : Number(m[2] ?? m[1]);
  if (!(lo >= 1 && hi <= MAX_CPUS && lo <= hi)) {
    throw new InvalidArgumentError(`Expected a CPU count or range within 1-${MAX_CPUS}, e.g. 4 or 2-8.`);
  }
  return { lo, hi };
}

export const STRATEGIES = ['random', 'pct', 'urw', 'mixed'] as const;
export type StrategyChoice = (typeof STRATEGIES)[number];

/** Repeatable options (`--property a --property b`) collect into a list. */
export const collect = (value: string, previous: readonly string[] = []): string[] => [...previous, value];
