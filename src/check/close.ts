import type { RunRecord, Verdict } from '../core/run';
import type { Violation } from './verdict';
import { verdictOf } from './verdict';

/**
 * Clean close (issue 3's model properties, RFC 9293 §3.6, TW-*): when a run ends quiescent with
 * every application script finished — so every socket the scripts opened was closed or aborted
 * and the faults healed long ago — every TCP connection both hosts ever had has reached CLOSED:
 * FIN-WAIT-2, CLOSE-WAIT, LAST-ACK, CLOSING or a TIME-WAIT whose 2MSL never fired would each
 * leave a timer or a half-open peer behind. Read from the trace's state-change events, which both
 * stacks emit (impl in check mode, model always). Runs that stop on a bound or a crash are the
 * liveness checker's to judge.
 */

export const CLOSE_CHECKER = 'clean-close';
export const CLOSE_CLAIM =
  'once every application finished and the run is quiescent, every connection is CLOSED or in ' +
  'TIME-WAIT (RFC 9293 §3.6)';

export function checkCleanClose(run: RunRecord): Verdict {
  if (run.outcome.kind !== 'quiescent') return { ok: true };
  if (run.apps.some((a) => a.stepsDone < a.stepsTotal)) return { ok: true };
  const last = new Map<string, { state: string; seq: number; host: number; conn: string }>();
  for (const e of run.trace) {
    if (e.kind === 'state') {
      last.set(`${e.host} ${e.conn}`, { state: e.to, seq: e.seq, host: e.host, conn: e.conn });
    }
  }
  const found: Violation[] = [];
  for (const l of last.values()) {
    if (l.state === 'CLOSED' || l.state === 'TIME-WAIT') continue;
    found.push({
      kind: 'not-closed',
      atSeq: l.seq,
      message: `host ${l.host} connection ${l.conn} is left in ${l.state} after every ` +
        'application finished',
    });
  }
  return verdictOf(CLOSE_CHECKER, CLOSE_CLAIM, found);
}
