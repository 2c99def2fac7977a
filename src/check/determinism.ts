import { canonicalString, traceHash } from '../core/hash';
import type { RunRecord, Verdict } from '../core/run';
import { PASS } from '../core/run';

/**
 * Check 6, determinism (ARCHITECTURE §6.6, STYLE P9): the same scenario gives a byte-identical
 * trace — equal `traceHash`. Traces are compared event by event under the hash's canonical form;
 * when they differ, the report names the first event where they part, with both sides in their
 * canonical text, and both hashes.
 */

export const DETERMINISM_CHECKER = 'determinism';
export const DETERMINISM_CLAIM =
  'the same scenario gives a byte-identical trace (ARCHITECTURE §6.6, STYLE P9)';

/** Longest event text shown in a report; traces of big frames would drown it. */
const SHOW_CHARS = 400;

const clip = (s: string): string => (s.length > SHOW_CHARS ? `${s.slice(0, SHOW_CHARS)}…` : s);

function fail(message: string, details: string[], atSeq?: number): Verdict {
  return {
    ok: false,
    checker: DETERMINISM_CHECKER,
    claim: DETERMINISM_CLAIM,
    kind: 'trace-differs',
    message,
    details,
    ...(atSeq !== undefined ? { atSeq } : {}),
  };
}

/**
 * Equality under the canonical form of core/hash.ts (so equal here ⇔ equal `traceHash`):
 * −0 equals 0, object keys in any order, keys whose value is undefined absent, byte arrays by
 * content. Much cheaper than building the canonical text, so equal traces are never hashed.
 */
function sameValue(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) {
    return typeof x === 'number' && typeof y === 'number' && Number.isNaN(x) && Number.isNaN(y);
  }
  if (x instanceof Uint8Array || y instanceof Uint8Array) {
    if (!(x instanceof Uint8Array && y instanceof Uint8Array) || x.length !== y.length)
      return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  if (Array.isArray(x)) {
    const ya = y as unknown[];
    return x.length === ya.length && x.every((v, i) => sameValue(v, ya[i]));
  }
  const xo = x as Record<string, unknown>;
  const yo = y as Record<string, unknown>;
  const keys = (o: Record<string, unknown>): string[] =>
    Object.keys(o).filter((k) => o[k] !== undefined);
  const xk = keys(xo);
  return (
    xk.length === keys(yo).length && xk.every((k) => yo[k] !== undefined && sameValue(xo[k], yo[k]))
  );
}

/** Compare two runs of one scenario. */
export function checkDeterminism(a: RunRecord, b: RunRecord): Verdict {
  const equal =
    a.trace.length === b.trace.length && a.trace.every((e, i) => sameValue(e, b.trace[i]));
  if (equal) {
    if (a.outcome.kind !== b.outcome.kind) {
      return fail(`equal traces but different outcomes: ${a.outcome.kind} ≠ ${b.outcome.kind}`, []);
    }
    return PASS;
  }
  const ha = traceHash(a.trace);
  const hb = traceHash(b.trace);
  const hashes = [
    `trace hash A ${ha} (${a.trace.length} events)`,
    `trace hash B ${hb} (${b.trace.length} events)`,
  ];
  const n = Math.min(a.trace.length, b.trace.length);
  for (let i = 0; i < n; i++) {
    const ea = canonicalString(a.trace[i]);
    const eb = canonicalString(b.trace[i]);
    if (ea === eb) continue;
    return fail(
      `the traces part at event ${i} (seq ${a.trace[i]!.seq}, a '${a.trace[i]!.kind}' event)`,
      [`A: ${clip(ea)}`, `B: ${clip(eb)}`, ...hashes],
      a.trace[i]!.seq,
    );
  }
  const longer = a.trace.length > b.trace.length ? 'A' : 'B';
  const extra = (a.trace.length > b.trace.length ? a : b).trace[n]!;
  return fail(
    `trace ${longer} continues after ${n} equal events`,
    [`${longer}: ${clip(canonicalString(extra))}`, ...hashes],
    extra.seq,
  );
}
