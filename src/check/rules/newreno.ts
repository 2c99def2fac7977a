import type { SeqNum } from '../../core/seq';
import { seqAdd, seqDiff, seqGt } from '../../core/seq';
import { ticksAt } from '../../core/time';
import { answerTo } from './answer';
import type { Handshake } from './handshake';
import { handshakeOf } from './handshake';
import { lostSeq } from './scoreboard';
import type { InStep, OutStep } from './sender';
import { CwndBound } from './cwnd';
import type { SenderShadow } from './sender';
import type { ConnTrace, RuleViolation, Side } from './types';
import { hzOf } from './types';

/**
 * Fast retransmit and NewReno as DragonFly does them (dragonfly.md A.3, A.4; F.5, F.6), judged on
 * what a sender did in answer to each ACK it processed. The duplicate-ACK count is A.3's, computed
 * exactly by the shadow (sender.ts) — a changed window, data or a new FIN is no duplicate; an ACK
 * below snd_recover does not count (A.4 step 2).
 *  - CC-11 (never early): a retransmission of snd_una answering an ACK that did not advance it,
 *    outside recovery, needs three duplicate ACKs — unless Early Retransmit may fire (er.ts judges
 *    those) or, with SACK and RFC 6675, the scoreboard says snd_una is lost (A.6).
 *  - NR-2: such a retransmission refused by the snd_recover guard is a second reduction for one
 *    window of data.
 *  - CC-11 (not late, exact): the third duplicate ACK is answered by the retransmission of
 *    snd_una — and, without SACK, by nothing else: NewReno inflates cwnd after that output (A.4).
 *  - NR-4 (exact, without SACK): a partial ACK is answered by exactly one segment, a
 *    retransmission of the new snd_una of at most one MSS, and no new data.
 *  - NR-5 (bound): the partial ACK restarts the retransmit timer (Slow-but-Steady), so no timeout
 *    fires within the RTO floor (rexmit_min + slop) of it. A timer left running from the fast
 *    retransmit shows only when it would fire that soon — a sound bound, not an exact check.
 *  - NR-8 (exact): the ACK that ends recovery lets out at most two new segments' worth of new
 *    data before the sender processes anything else (A.4: cwnd ≤ flight + 2·MSS).
 */
export function checkFastRetransmit(conn: ConnTrace): RuleViolation[] {
  const hs = handshakeOf(conn);
  if (hs === null) return [];
  return [...checkSide(conn, hs, 'a'), ...checkSide(conn, hs, 'b')];
}

interface Ctx {
  readonly conn: ConnTrace;
  readonly hs: Handshake;
  readonly side: Side;
  readonly sh: SenderShadow;
  readonly found: RuleViolation[];
}

function checkSide(conn: ConnTrace, hs: Handshake, side: Side): RuleViolation[] {
  const bound = new CwndBound(conn, side, hs);
  const sh = bound.sh;
  const c: Ctx = { conn, hs, side, sh, found: [] };
  const floor = sh.cfg.rexmitMinTicks + sh.cfg.rexmitSlopTicks;
  let partialTick: number | null = null;
  let exitAt: { index: number; max: SeqNum } | null = null;
  for (let i = 0; i < conn.events.length; i++) {
    const unsureBefore = sh.unsure;
    const step = bound.apply(i);
    if (step === null) continue;
    const tick = ticksAt(conn.events[i]!.t, hzOf(conn));
    if (step.kind === 'in') {
      exitAt = closeExit(c, exitAt, i);
      if (step.ignored || unsureBefore || sh.unsure) continue;
      if (step.partial) partialTick = tick;
      else if (step.acked > 0) partialTick = null;
      onAck(c, step);
      if (step.exit) exitAt = { index: i, max: sh.max };
      continue;
    }
    if (step.rto && partialTick !== null && tick - partialTick < floor && !unsureBefore) {
      c.found.push({ rule: 'NR-5', at: i,
        message: `${side}'s retransmit timer fires ${tick - partialTick} ticks after a partial ACK; ` +
          `the partial ACK restarts it (A.4 Slow-but-Steady), so it cannot fire before ${floor} ticks` });
    }
    if (step.rto || step.frEntry) partialTick = null;
    if (step.frEntry && !unsureBefore) onEntry(c, step);
  }
  closeExit(c, exitAt, conn.events.length);
  return c.found;
}

/** NR-8: new data sent between the recovery-ending ACK and the next segment processed. */
function closeExit(c: Ctx, exitAt: { index: number; max: SeqNum } | null, upTo: number): null {
  if (exitAt === null) return null;
  let top = exitAt.max;
  for (let i = exitAt.index + 1; i < upTo; i++) {
    const e = c.conn.events[i]!;
    if (e.dir !== 'out' || e.side !== c.side) continue;
    const end = seqAdd(e.seg.seq, e.seg.payload.length);
    if (seqGt(end, top)) top = end;
    const burst = seqDiff(top, exitAt.max);
    if (burst > 2 * c.sh.mss) {
      c.found.push({ rule: 'NR-8', at: i,
        message: `${c.side} sends ${burst} bytes of new data after the ACK ending recovery; DragonFly caps ` +
          `cwnd at flight + 2·MSS there (${2 * c.sh.mss} bytes, A.4)` });
      return null;
    }
  }
  return null;
}

function onAck(c: Ctx, step: InStep): void {
  const { conn, sh, side } = c;
  if (step.dup && !step.wasInRecovery && step.dupCount === 3 && !sh.sackOverflow) {
    const a = answerTo(conn, step.index, sh.una, sh.max, sh.mss);
    if (a.atUna.length === 0 && sh.wnd > 0) {
      c.found.push({ rule: 'CC-11', at: step.index,
        message: `${side} does not retransmit snd_una ${sh.una} on the third duplicate ACK` });
    } else if (!c.hs.sack && a.data.length > 1) {
      c.found.push({ rule: 'CC-11', at: a.data[1]!,
        message: `${side} answers the third duplicate ACK with ${a.data.length} data segments; NewReno ` +
          `sends only the retransmission of snd_una there (A.4)` });
    }
  }
  // A partial ACK carrying data also owes an ACK, whose output may carry new data within cwnd.
  if (step.partial && !c.hs.sack && sh.wnd > 0 && !step.carries) {
    const a = answerTo(conn, step.index, sh.una, sh.max, sh.mss);
    const ok = a.data.length === 1 && a.atUna.length === 1 && a.newBytes === 0 && a.sends[0]!.payload <= sh.mss;
    if (!ok) {
      c.found.push({ rule: 'NR-4', at: a.data[1] ?? a.data[0] ?? step.index,
        message: `${side} answers a partial ACK (${sh.una}, recover ${sh.recover}) with ` +
          `${a.data.length} data segment(s), ${a.atUna.length} at snd_una, ${a.newBytes} new bytes; ` +
          `NewReno retransmits exactly one segment of the next hole (A.4, F.5)` });
    }
  }
}

function onEntry(c: Ctx, step: OutStep): void {
  const { sh, side, hs } = c;
  if (step.cause.kind !== 'in') return;
  const ack = sh.stepAt(step.cause.index);
  if (ack === null || ack.kind !== 'in' || ack.dupCount >= 3) return;
  if (ack.blockedByRecover) {
    c.found.push({ rule: 'NR-2', at: step.index,
      message: `${side} fast-retransmits on a duplicate ACK below snd_recover: a second reduction for ` +
        `one window of data (A.4 step 2)` });
    return;
  }
  // Early Retransmit and the RFC 6675 IsLost entry are tried only after Limited Transmit (A.6).
  if (!sh.cfg.limitedTransmit) {
    // fall through: neither way in exists
  } else if (sh.cfg.earlyRetransmit && sh.cfg.eifel && hs.ts) {
    return; // er.ts judges early retransmits
  } else if (hs.sack && sh.cfg.rfc6675 && seqGt(lostSeq(sh.sacked, step.unaBefore, sh.mss, true), step.unaBefore)) {
    return;
  }
  c.found.push({ rule: 'CC-11', at: step.index,
    message: `${side} retransmits snd_una ${step.unaBefore} after ${ack.dupCount} duplicate ACK(s); ` +
      `fast retransmit needs 3 (A.4)` });
}
