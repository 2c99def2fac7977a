import { TH_ACK, TH_RST, TH_SYN, segLen } from '../../core/packet';
import type { SeqNum } from '../../core/seq';
import { seqAdd, seqDiff, seqGt, seqLt } from '../../core/seq';
import { causeAt, isTimer } from './causes';
import { handshakeOf } from './handshake';
import { CwndBound } from './cwnd';
import type { ConnTrace, RuleViolation, Side } from './types';

/**
 * Sequence-number rules that hold on every segment (all exact, from the wire alone):
 *  - SEQ-5: an ACK never acknowledges sequence space its sender has not received — the ACK field
 *    of every ACK-flagged segment a side sends is at most the highest SEG.SEQ + SEG.LEN of the
 *    segments it had been handed (the peer's SND.NXT as far as this side knows it).
 *  - INV-1: RCV.NXT never moves backwards — a side's ACK fields (RSTs aside) never decrease.
 *  - SEQ-7 / CC-1 (rwnd part): new data lies within the window the receiver offered: a byte never
 *    sent before is below the highest right edge (SEG.ACK + SEG.WND, scaled per WS-4) among the
 *    ACKs its sender had processed. The highest edge is a sound bound whichever window update
 *    the sender accepted (B.4), and DragonFly never shrinks its window (A.12). A persist probe may
 *    send one byte beyond a closed window (A.12), so a one-byte segment sent by the persist timer
 *    or against a zero window is exempt.
 */
export function checkAcceptability(conn: ConnTrace): RuleViolation[] {
  return [...checkAcks(conn, 'a'), ...checkAcks(conn, 'b'), ...checkWindow(conn, 'a'), ...checkWindow(conn, 'b')];
}

function checkAcks(conn: ConnTrace, side: Side): RuleViolation[] {
  const found: RuleViolation[] = [];
  let received: SeqNum | null = null;
  let lastAck: SeqNum | null = null;
  conn.events.forEach((e, i) => {
    if (e.side !== side) return;
    const seg = e.seg;
    if (e.dir === 'in') {
      const end = seqAdd(seg.seq, segLen(seg));
      if (received === null || seqGt(end, received)) received = end;
      return;
    }
    if ((seg.flags & TH_ACK) === 0) return;
    if (received === null || seqGt(seg.ack, received)) {
      found.push({ rule: 'SEQ-5', at: i, message: `${side} acknowledges ${seg.ack} but had received ` +
        (received === null ? 'nothing' : `sequence space only up to ${received}`) });
    }
    if ((seg.flags & TH_RST) !== 0) return;
    if (lastAck !== null && seqLt(seg.ack, lastAck)) {
      found.push({ rule: 'INV-1', at: i,
        message: `${side}'s ACK moves backwards from ${lastAck} to ${seg.ack} (RCV.NXT never decreases)` });
    }
    if (lastAck === null || seqGt(seg.ack, lastAck)) lastAck = seg.ack;
  });
  return found;
}

function checkWindow(conn: ConnTrace, side: Side): RuleViolation[] {
  const hs = handshakeOf(conn);
  if (hs === null) return [];
  const bound = new CwndBound(conn, side, hs);
  const sh = bound.sh;
  const found: RuleViolation[] = [];
  for (let i = 0; i < conn.events.length; i++) {
    const wndBefore = sh.wnd;
    const edge = sh.rightEdge;
    const step = bound.apply(i);
    if (step === null || step.kind !== 'out' || step.newBytes === 0 || !sh.established) continue;
    if ((conn.events[i]!.seg.flags & (TH_SYN | TH_RST)) !== 0) continue;
    const beyond = seqDiff(step.payloadEnd, edge);
    if (beyond <= 0) continue;
    const probe = step.payload === 1 && (wndBefore === 0 || isTimer(causeAt(conn, i), 'persist'));
    if (probe && beyond === 1) continue;
    found.push({ rule: 'SEQ-7', at: i,
      message: `${side} sends new data up to ${step.payloadEnd}, ${beyond} bytes beyond the highest ` +
        `right edge ${edge} the peer offered` });
  }
  return found;
}
