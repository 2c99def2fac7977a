import { canonicalString, traceHash } from '../core/hash';
import type { RunRecord, Verdict } from '../core/run';
import { PASS } from '../core/run';

/**
 * Check 6, determinism (ARCHITECTURE §6.6, STYLE P9): the same scenario gives a byte-identical
 * trace. The two runs' trace hashes are compared; when they differ, the report names the first
 * event where the traces part, with both sides in their canonical text.
 */

export const DETERMINISM_CHECKER = 'determinism';
export const DETERMINISM_CLAIM = 'the same scenario gives a byte-identical trace (ARCHITECTURE §6.6, STYLE P9)';

/** Longest event text shown in a report; traces of big frames would drown it. */
const SHOW_CHARS = 400;

const clip = (s: string): string => (s.length > SHOW_CHARS ? `${s.slice(0, SHOW_CHARS)}…` : s);

function fail(message: string, details: string[], atSeq?: number): Verdict {
  return {
    ok: false, checker: DETERMINISM_CHECKER, claim: DETERMINISM_CLAIM, kind: 'trace-differs', message, details,
    ...(atSeq !== undefined ? { atSeq } : {}),
  };
}

/** Compare two runs of one scenario. */
export function checkDeterminism(a: RunRecord, b: RunRecord): Verdict {
  const ha = traceHash(a.trace);
  const hb = traceHash(b.trace);
  if (ha === hb) {
    if (a.outcome.kind !== b.outcome.kind) {
      return fail(`equal traces but different outcomes: ${a.outcome.kind} ≠ ${b.outcome.kind}`, []);
    }
    return PASS;
  }
  const hashes = [`trace hash A ${ha} (${a.trace.length} events)`, `trace hash B ${hb} (${b.trace.length} events)`];
  const n = Math.min(a.trace.length, b.trace.length);
  for (let i = 0; i < n; i++) {
    const ea = canonicalString(a.trace[i]);
    const eb = canonicalString(b.trace[i]);
    if (ea === eb) continue;
    return fail(`the traces part at event ${i} (seq ${a.trace[i]!.seq}, a '${a.trace[i]!.kind}' event)`,
      [`A: ${clip(ea)}`, `B: ${clip(eb)}`, ...hashes], a.trace[i]!.seq);
  }
  const longer = a.trace.length > b.trace.length ? 'A' : 'B';
  const extra = (a.trace.length > b.trace.length ? a : b).trace[n]!;
  return fail(`trace ${longer} continues after ${n} equal events`,
    [`${longer}: ${clip(canonicalString(extra))}`, ...hashes], extra.seq);
}
