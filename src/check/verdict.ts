import type { Verdict } from '../core/run';
import { PASS } from '../core/run';

/**
 * How checkers turn what they found into a Verdict. A checker collects every violation it sees
 * (each with the trace position where it shows), and the verdict reports the earliest one in full
 * plus a short list of the others, so a report shows the first symptom and how widespread it is.
 */

/** One thing a checker found wrong. `kind` is the stable tag used in failure signatures. */
export interface Violation {
  readonly kind: string;
  readonly message: string;
  readonly atSeq?: number;
  readonly details?: readonly string[];
}

/** At most this many further violations are listed after the first one. */
export const MORE_LISTED = 5;

/** Order for reporting: by trace position; violations with no position (end of run) last. */
const position = (v: Violation): number => v.atSeq ?? Number.MAX_SAFE_INTEGER;

/**
 * The verdict for a list of violations: PASS if there are none, else the earliest one (stable
 * for equal positions, so the order checkers found them in breaks ties).
 */
export function verdictOf(checker: string, claim: string, found: readonly Violation[]): Verdict {
  if (found.length === 0) return PASS;
  const sorted = found
    .map((v, i) => ({ v, i }))
    .sort((a, b) => position(a.v) - position(b.v) || a.i - b.i)
    .map(({ v }) => v);
  const first = sorted[0]!;
  const details = [...(first.details ?? [])];
  const rest = sorted.slice(1);
  if (rest.length > 0) {
    details.push(`${rest.length} further violation(s) of this check:`);
    for (const v of rest.slice(0, MORE_LISTED)) {
      details.push(`  [${v.kind}]${v.atSeq !== undefined ? ` @${v.atSeq}` : ''} ${v.message}`);
    }
    if (rest.length > MORE_LISTED) details.push(`  … and ${rest.length - MORE_LISTED} more`);
  }
  return {
    ok: false,
    checker,
    claim,
    message: first.message,
    ...(first.atSeq !== undefined ? { atSeq: first.atSeq } : {}),
    ...(details.length > 0 ? { details } : {}),
    kind: first.kind,
  };
}
