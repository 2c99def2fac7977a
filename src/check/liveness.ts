import { assertNever } from '../core/assert';
import type { RunRecord, Verdict } from '../core/run';
import { PASS } from '../core/run';
import { formatInstant } from '../core/time';
import type { Instant } from '../core/time';

/**
 * Check 5, liveness (ARCHITECTURE §1 "nothing is lost under faults", §6.5, §7): after the fault
 * plan ends the run must reach quiescence — nothing runnable, no timer pending, every application
 * finished or blocked for good — within the liveness bound. Hitting the time bound or the step
 * bound fails with what was still pending; a crash (an assertion in a stack or the simulator)
 * fails with its message.
 */

export const LIVENESS_CHECKER = 'liveness';
export const LIVENESS_CLAIM =
  'after the faults heal, the run reaches quiescence within its bound (ARCHITECTURE §1, §6.5)';

/** Stack lines kept in a crash report. */
const STACK_LINES = 20;

export function checkLiveness(run: RunRecord): Verdict {
  const o = run.outcome;
  const base = { ok: false as const, checker: LIVENESS_CHECKER, claim: LIVENESS_CLAIM };
  const end = formatInstant(run.stats.endUs as Instant);
  switch (o.kind) {
    case 'quiescent':
      return PASS;
    case 'time-bound':
      return {
        ...base,
        kind: 'time-bound',
        message:
          `the liveness phase ended at ${end} s with ${o.pending.length} item(s) still ` +
          `pending`,
        details: [
          `safety phase ended at ${formatInstant(run.safetyEndUs as Instant)} s`,
          ...o.pending,
        ],
      };
    case 'step-bound':
      return {
        ...base,
        kind: 'step-bound',
        message:
          `the step bound (${run.stats.steps} steps) was hit at ${end} s with ` +
          `${o.pending.length} item(s) pending: a livelock or a scenario beyond its limits`,
        details: [...o.pending],
      };
    case 'crash': {
      const first = o.message.split('\n')[0] ?? '';
      return {
        ...base,
        kind: 'crash',
        message: `crash at ${end} s: ${first}`,
        details: [...o.message.split('\n').slice(1), ...o.stack.split('\n').slice(0, STACK_LINES)],
      };
    }
    default:
      return assertNever(o, 'run outcome');
  }
}
