import { seqGt } from '../../core/seq';
import type { Handshake } from './handshake';
import { handshakeOf } from './handshake';
import { answerTo } from './answer';
import { lostSeq, sackedTotal } from './scoreboard';
import type { InStep } from './sender';
import { CwndBound } from './cwnd';
import type { SenderShadow } from './sender';
import type { ConnTrace, RuleViolation, Side } from './types';
import { configOf } from './types';

/**
 * ER-*: Early Retransmit as DragonFly does it (dragonfly.md A.7, F.8) — only with Eifel detection
 * and timestamps, evaluated on a duplicate ACK below the threshold when Limited Transmit sent
 * nothing, firing when (with ownd = snd_max − snd_una, MSS = t_maxseg):
 *   ownd < 4·MSS, t_dupacks + 1 ≥ ⌈ownd / MSS⌉, and with SACK ownd ≤ MSS or ≥ ownd − MSS SACKed.
 * All of these are on the wire (the shadow's exact duplicate-ACK count and scoreboard), so:
 *  - ER-4 (exact): an early retransmission (snd_una resent on duplicate ACK #1 or #2) needs all
 *    conditions, and Limited Transmit must have sent nothing for that ACK. With SACK and RFC 6675
 *    an IsLost(snd_una) entry is the other way in (A.6) and is accepted.
 *  - ER-2 (exact): when they hold and the ACK got no new data, snd_una is retransmitted. Judged
 *    only with Limited Transmit on, where DragonFly's evaluation order (A.6 → A.7) is documented.
 */
export function checkEarlyRetransmit(conn: ConnTrace): RuleViolation[] {
  const hs = handshakeOf(conn);
  if (hs === null || !hs.ts) return [];
  const found: RuleViolation[] = [];
  for (const side of ['a', 'b'] as const) {
    const cfg = configOf(conn, side);
    if (!cfg.earlyRetransmit || !cfg.eifel) continue;
    const bound = new CwndBound(conn, side, hs);
  const sh = bound.sh;
    for (let i = 0; i < conn.events.length; i++) {
      const unsureBefore = sh.unsure;
      const step = bound.apply(i);
      if (step === null || step.kind !== 'in' || !step.dup || step.wasInRecovery) continue;
      if (unsureBefore || sh.unsure || step.dupCount >= 3 || sh.sackOverflow) continue;
      found.push(...judge(conn, hs, sh, step, side));
    }
  }
  return found;
}

function conditions(hs: Handshake, sh: SenderShadow, dupacks: number): string | null {
  const mss = sh.mss;
  // DragonFly tries Early Retransmit only after Limited Transmit could send nothing (A.6).
  if (!sh.cfg.limitedTransmit) return 'Limited Transmit is off, and DragonFly evaluates ER only after it';
  const ownd = sh.flight;
  if (ownd >= 4 * mss) return `ownd ${ownd} ≥ 4·MSS`;
  if (dupacks + 1 < Math.ceil(ownd / mss)) return `${dupacks} dupack(s) + 1 < ⌈${ownd}/${mss}⌉`;
  if (hs.sack && ownd > mss && sackedTotal(sh.sacked) < ownd - mss) {
    return `only ${sackedTotal(sh.sacked)} of ownd − MSS = ${ownd - mss} bytes SACKed`;
  }
  return null;
}

function judge(conn: ConnTrace, hs: Handshake, sh: SenderShadow, step: InStep, side: Side): RuleViolation[] {
  const a = answerTo(conn, step.index, sh.una, sh.max, sh.mss);
  const failed = conditions(hs, sh, step.dupCount);
  if (a.atUna.length > 0) {
    const isLost = hs.sack && sh.cfg.rfc6675 && sh.cfg.limitedTransmit &&
      seqGt(lostSeq(sh.sacked, sh.una, sh.mss, true), sh.una);
    if (isLost) return [];
    if (failed !== null || a.newBytes > 0) {
      return [{ rule: 'ER-4', at: a.atUna[0]!,
        message: `${side} retransmits snd_una early on duplicate ACK #${step.dupCount} although ` +
          (failed ?? `Limited Transmit sent ${a.newBytes} new bytes for that ACK`) + ' (A.7)' }];
    }
    return [];
  }
  if (failed === null && a.newBytes === 0 && sh.cfg.limitedTransmit && sh.wnd > 0) {
    return [{ rule: 'ER-2', at: step.index,
      message: `${side} does not retransmit early on duplicate ACK #${step.dupCount} with ownd ` +
        `${sh.flight} (${Math.ceil(sh.flight / sh.mss)} segment(s)) and nothing sent by Limited Transmit (A.7)` }];
  }
  return [];
}
