import type { SeqNum } from '../../core/seq';
import { seqGeq, seqGt } from '../../core/seq';
import { CwndBound } from './cwnd';
import type { Handshake } from './handshake';
import { handshakeOf } from './handshake';
import { highestSacked, isSacked, pipeOf } from './scoreboard';
import type { OutStep } from './sender';
import { continuesSend } from './answer';
import { continuesBurst } from './tso';
import type { ConnTrace, RuleViolation, Side } from './types';

/**
 * SACK loss recovery as DragonFly does it (dragonfly.md A.5, F.9; RFC 6675 NextSeg and pipe), on a
 * scoreboard rebuilt from the SACK options on the wire (scoreboard.ts; exact while it holds at most
 * 8 blocks — with more, DragonFly forgets some and the oracle stands down):
 *  - SR-4 (exact): what is retransmitted. Never a byte the scoreboard holds as SACKed (NextSeg
 *    skips SACKed data; after a timeout `tcp_output` skips ranges SACKed again). In recovery only
 *    holes below the highest SACKed byte (NextSeg rules 1 and 3), apart from one rescue
 *    retransmission per recovery when `rescuesack` or `rfc6675` is on, or with smartsack when
 *    nothing is SACKed (rule 4; again once snd_una passed the previous rescue).
 *  - SR-8 (bound): the pipe limit. In recovery each segment sent in answer to an ACK, after the
 *    first (one retransmission may be forced, A.5), goes out only while cwnd − pipe ≥ MSS, with
 *    pipe computed as DragonFly does and cwnd (= ssthresh in SACK recovery) replaced by its upper
 *    bound (cwnd.ts). And at most TCP_SACK_MAXBURST = 4 new segments per ACK with smartsack.
 */
export function checkSack(conn: ConnTrace): RuleViolation[] {
  const hs = handshakeOf(conn);
  if (hs === null || !hs.sack) return [];
  return [...checkSide(conn, hs, 'a'), ...checkSide(conn, hs, 'b')];
}

interface Episode {
  rescueAt: SeqNum | null;
  /** Per answering ACK: data segments and new-data segments seen so far. */
  answers: Map<number, { data: number; fresh: number }>;
}

function checkSide(conn: ConnTrace, hs: Handshake, side: Side): RuleViolation[] {
  const b = new CwndBound(conn, side, hs);
  const sh = b.sh;
  const found: RuleViolation[] = [];
  let ep: Episode = { rescueAt: null, answers: new Map() };
  for (let i = 0; i < conn.events.length; i++) {
    const before = {
      unsure: sh.unsure, inRecovery: sh.inRecovery, sacked: sh.sacked, overflow: sh.sackOverflow,
      pipe: pipeOf(sh.sacked, { una: sh.una, max: sh.max, rexmtHigh: sh.rexmtHigh, mss: sh.mss, rfc6675: sh.cfg.rfc6675 }),
      cwnd: b.cwndUp,
    };
    const step = b.apply(i);
    if (step === null) continue;
    if (step.kind === 'in') {
      if (ep.rescueAt !== null && seqGt(sh.una, ep.rescueAt)) ep.rescueAt = null;
      continue;
    }
    if (step.frEntry) ep = { rescueAt: null, answers: new Map() };
    if (before.unsure || sh.unsure || before.overflow || step.syn) continue;
    // One TSO unit may run over SACKed data after its start (A.5: SACKed data is skipped where
    // each output iteration begins, C: a unit is cut to whole segments, not at SACK blocks).
    if (!continuesBurst(conn, i)) {
      // NextSeg's rescue runs with rescuesack or rfc6675, and with smartsack when nothing is SACKed.
      const rescue = sh.cfg.rescuesack || sh.cfg.rfc6675 || (sh.cfg.smartsack && before.sacked.length === 0);
      found.push(...judgeResend(step, before.sacked, before.inRecovery, ep, side, rescue));
    }
    // An ACK carrying data also owes an ACK, sent by a normal output within cwnd (TF_ACKNOW).
    const answered = step.cause.kind === 'in' ? sh.stepAt(step.cause.index) : null;
    const carries = answered !== null && answered.kind === 'in' && answered.carries;
    if ((before.inRecovery || step.frEntry) && !carries) {
      found.push(...judgePipe(conn, step, before, ep, side, b.mss, sh.cfg.smartsack));
    }
  }
  return found;
}

function judgeResend(
  step: OutStep, sacked: readonly { start: SeqNum; end: SeqNum }[], inRecovery: boolean, ep: Episode,
  side: Side, rescuesack: boolean,
): RuleViolation[] {
  if (!step.rexmt || step.rto || step.frEntry) return [];
  if (isSacked(sacked, step.start)) {
    return [{ rule: 'SR-4', at: step.index,
      message: `${side} retransmits ${step.start}, which the peer has SACKed` }];
  }
  if (!inRecovery) return [];
  const high = highestSacked(sacked);
  if (high !== null && !seqGeq(step.start, high)) return [];
  if (rescuesack && ep.rescueAt === null) {
    ep.rescueAt = step.start;
    return [];
  }
  return [{ rule: 'SR-4', at: step.index,
    message: `${side} retransmits ${step.start} at or above the highest SACKed byte ` +
      `${high ?? '(none)'} ${rescuesack ? 'after its one rescue retransmission' : 'with no rescue allowed'} ` +
      `(NextSeg, A.5)` }];
}

function judgePipe(
  conn: ConnTrace, step: OutStep, before: { pipe: number; cwnd: number }, ep: Episode, side: Side, mss: number,
  smartsack: boolean,
): RuleViolation[] {
  if (step.cause.kind !== 'in' || (step.payload === 0 && step.end === step.payloadEnd)) return [];
  if (continuesSend(conn, step.index, mss)) return []; // the rest of one send, cut by options
  const a = ep.answers.get(step.cause.index) ?? { data: 0, fresh: 0 };
  ep.answers.set(step.cause.index, a);
  a.data++;
  if (step.newBytes > 0) a.fresh++;
  const found: RuleViolation[] = [];
  if (a.data > 1 && before.pipe > before.cwnd - mss) {
    found.push({ rule: 'SR-8', at: step.index,
      message: `${side} sends in SACK recovery with pipe ${before.pipe} > cwnd − MSS (cwnd ≤ ${before.cwnd}, ` +
        `MSS ${mss}, A.5)` });
  }
  if (smartsack && a.fresh > 4) {
    found.push({ rule: 'SR-8', at: step.index,
      message: `${side} sends a ${a.fresh}th new segment for one ACK in SACK recovery; smartsack allows 4 (F.9)` });
  }
  return found;
}
