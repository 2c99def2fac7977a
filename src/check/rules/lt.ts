import type { Handshake } from './handshake';
import { handshakeOf } from './handshake';
import { answerTo } from './answer';
import type { InStep } from './sender';
import { CwndBound } from './cwnd';
import type { SenderShadow } from './sender';
import type { ConnTrace, RuleViolation, Side } from './types';
import { configOf } from './types';

/**
 * LT-*: Limited Transmit as DragonFly does it (dragonfly.md A.6, F.7), judged exactly on what a
 * sender sends in answer to each duplicate ACK (A.3's count, sender.ts) outside recovery.
 *
 * Classic path (no SACK with RFC 6675; NCR is off, TP-1):
 *  - LT-3: only new data — never a retransmission (an Early Retransmit of snd_una when Limited
 *    Transmit sent nothing is er.ts's to judge);
 *  - LT-2: at most one MSS on the first duplicate ACK and (2 − snd_limited)·MSS on the second:
 *    DragonFly opens cwnd to flight + (t_dupacks − snd_limited)·MSS for that one output, so at most
 *    two segments beyond the flight in all;
 *  - LT-2: nothing new on the third duplicate ACK (or later ones without recovery) — without SACK
 *    that ACK is answered by the fast retransmit alone (A.4).
 * Extended path (SACK with RFC 6675): new data only (LT-3), at most TCP_SACK_MAXBURST = 4
 * segments per ACK with smartsack (A.6).
 * LT-4 (cwnd unchanged) is not observable on its own: DragonFly sets cwnd for the one output and
 * restores it, so a changed cwnd shows only through later flight sizes (cc.ts bounds them).
 */
export function checkLimitedTransmit(conn: ConnTrace): RuleViolation[] {
  const hs = handshakeOf(conn);
  if (hs === null) return [];
  const found: RuleViolation[] = [];
  for (const side of ['a', 'b'] as const) {
    if (!configOf(conn, side).limitedTransmit) continue;
    const bound = new CwndBound(conn, side, hs);
  const sh = bound.sh;
    for (let i = 0; i < conn.events.length; i++) {
      const unsureBefore = sh.unsure;
      const step = bound.apply(i);
      if (step === null || step.kind !== 'in' || !step.dup || step.wasInRecovery) continue;
      if (unsureBefore || sh.unsure) continue;
      found.push(...judge(conn, hs, sh, step, side));
    }
  }
  return found;
}

function judge(conn: ConnTrace, hs: Handshake, sh: SenderShadow, step: InStep, side: Side): RuleViolation[] {
  const cfg = sh.cfg;
  const mss = sh.mss;
  const extended = hs.sack && cfg.rfc6675;
  const a = answerTo(conn, step.index, sh.una, sh.max, sh.mss);
  const d = step.dupCount;
  const resent = a.resent;
  const out: RuleViolation[] = [];
  if (d >= 3) {
    if (!hs.sack && a.newBytes > 0) {
      out.push({ rule: 'LT-2', at: a.data[a.data.length - 1]!,
        message: `${side} sends ${a.newBytes} new bytes on duplicate ACK #${d}; Limited Transmit covers ` +
          `only the first two (the third starts fast retransmit, A.4/A.6)` });
    }
    return out;
  }
  // A retransmission of snd_una here can only be an Early Retransmit or (SACK) an IsLost entry to
  // recovery; er.ts and newreno.ts judge those, and with SACK the recovery that follows at once
  // (tcp_sack_rexmt) is sack.ts's. Without SACK that entry sends the one segment and nothing else.
  const earlyOk = cfg.earlyRetransmit && cfg.eifel && hs.ts;
  const entry = resent.length > 0 && resent[0]!.start === sh.una;
  const badResend = resent.length > 0 && (!entry || !(earlyOk || extended) ||
    (!hs.sack && (resent.length > 1 || a.newBytes > 0)));
  if (badResend) {
    out.push({ rule: 'LT-3', at: resent[0]!.first,
      message: `${side} retransmits in answer to duplicate ACK #${d}; Limited Transmit sends only new data` });
  }
  // A duplicate ACK carrying data (RFC 6675 counts it) also owes an ACK, sent by a normal output.
  const cap = extended ? (cfg.smartsack && !step.carries ? 4 * mss : Number.POSITIVE_INFINITY) :
    (d - step.limited) * mss;
  if (a.newBytes > cap && !(entry && hs.sack)) {
    out.push({ rule: 'LT-2', at: a.data[a.data.length - 1]!,
      message: `${side} sends ${a.newBytes} new bytes on duplicate ACK #${d}; at most ${cap} allowed ` +
        (extended ? '(4 segments per ACK, smartsack, A.6)' :
          `(one segment per duplicate ACK, ${step.limited} already sent, A.6)`) });
  }
  return out;
}
