import { seqDiff } from '../../core/seq';
import { causeAt, isTimer } from './causes';
import { CwndBound } from './cwnd';
import { handshakeOf } from './handshake';
import { sackedTotal } from './scoreboard';
import type { OutStep } from './sender';
import type { ConnTrace, RuleViolation, Side } from './types';

/**
 * CC-*: new data never goes beyond snd_una + cwnd (CC-1), with cwnd as DragonFly grows and cuts
 * it — slow start with ABC (CC-7, F.4), congestion avoidance (CC-8), ssthresh from min(wnd,
 * cwnd) on every loss (CC-9 as DragonFly departs from it, F.1), NewReno inflation and deflation
 * (CC-11, F.5).
 *
 * A bound, not an exact check: cwnd is not on the wire, so the oracle carries an upper bound on it
 * (cwnd.ts) and flags a new byte only when it lies beyond snd_una + that bound. snd_una is the
 * sender's own (the ACKs it had processed). Segments whose sending rule is not cwnd are left to
 * their own oracles: Limited Transmit (lt.ts), persist probes, SACK recovery's pipe (sack.ts);
 * after a timeout with SACK the bytes SACKed again are added back, as `tcp_output` does (A.5).
 * While the shadow is unsure (sender.ts) nothing is flagged.
 */
export function checkCongestionControl(conn: ConnTrace): RuleViolation[] {
  const hs = handshakeOf(conn);
  if (hs === null) return [];
  return [...checkSide(conn, 'a'), ...checkSide(conn, 'b')];
}

function ltSend(b: CwndBound, step: OutStep): boolean {
  if (step.cause.kind !== 'in') return false;
  const s = b.sh.stepAt(step.cause.index);
  return s !== null && s.kind === 'in' && s.dup && !s.wasInRecovery && s.dupCount <= 2;
}

function ruleOf(b: CwndBound): string {
  if (!b.lossSeen) return 'CC-7';
  if (b.sh.inRecovery) return 'CC-11';
  return b.cwndUp <= b.ssUp ? 'CC-9' : 'CC-8';
}

function checkSide(conn: ConnTrace, side: Side): RuleViolation[] {
  const hs = handshakeOf(conn)!;
  const b = new CwndBound(conn, side, hs);
  const found: RuleViolation[] = [];
  for (let i = 0; i < conn.events.length; i++) {
    const unsureBefore = b.sh.unsure;
    const wndBefore = b.sh.wnd;
    const allowBefore = b.cwndUp;
    const step = b.apply(i);
    if (step === null || step.kind !== 'out' || step.newBytes === 0 || step.syn) continue;
    if (unsureBefore || b.sh.unsure || !b.sh.established || wndBefore === 0) continue;
    if (isTimer(causeAt(conn, i), 'persist') || ltSend(b, step)) continue;
    if (b.sh.inRecovery && hs.sack) continue;
    const extra = hs.sack ? sackedTotal(b.sh.sacked) : 0;
    const reach = seqDiff(step.payloadEnd, step.unaBefore);
    const allow = Math.max(allowBefore, b.cwndUp) + extra;
    if (reach <= allow) continue;
    found.push({
      rule: ruleOf(b),
      at: i,
      message: `${side} sends new data up to snd_una + ${reach}, beyond any cwnd DragonFly can have ` +
        `(≤ ${allow} bytes; ssthresh ≤ ${Number.isFinite(b.ssUp) ? b.ssUp : '∞'}, MSS ${b.mss})`,
    });
  }
  return found;
}
