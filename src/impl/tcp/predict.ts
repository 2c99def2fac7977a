import { TH_ACK, TH_FIN, TH_RST, TH_SYN, TH_URG } from '../../core/packet';
import type { InCtx } from './inctx';
import { acceptableWindowUpdate, delayAck, takeWindow } from './inctx';
import {
  TCPS_ESTABLISHED, TF_ACKNOW, TF_FASTRECOVERY, TF_NEEDFIN, TF_NEEDSYN, TF_ONOUTPUTQ,
  TOF_TS, TRXT_F_EARLYREXMT, TRXT_F_FASTREXMT, TRXT_F_FIRSTACCACK, seqGeq, seqGt, seqLeq,
} from './const';
import { tsClock } from './globals';
import { tcpOutput, tcpOutputFair } from './output';
import { tcpRevertCongestionState } from './recovery';
import { tcpXmitTimer } from './rtt';
import { tcpOutputPending } from './sndmore';
import { tcpWake } from './step';
import {
  TT_DELACK, TT_PERSIST, TT_REXMT, tcpTimerActive, tcpTimerArm, tcpTimerStop,
} from './timer';

/**
 * Read before editing: dragonfly.md A.12 (ACK aggregation), A.10 (Eifel in the fast path),
 * A.9 (RTT samples); TP-22, TP-27; `tcp_input.c` "Header prediction".
 *
 * Header prediction: the two common cases of a one-way transfer, handled without the slow path.
 * An in-sequence segment of an ESTABLISHED connection with only ACK set, no hidden SYN/FIN,
 * a timestamp not older than ts_recent and nothing being retransmitted is either
 *  - a pure ACK for new data while cwnd ≥ snd_wnd and out of recovery (the sender's side: drop
 *    acked data, time the RTT, re-arm the retransmit timer, output more) — with no congestion
 *    window growth (TP-27); or
 *  - in-order data that fits, with the same window and ACK and an empty reassembly queue (the
 *    receiver's side: append, then a delayed ACK, an aggregated ACK at the rollup, or one now).
 * Kept in its own module so a test can turn it off (vi.spyOn) and compare with the slow path.
 * Returns whether the segment was consumed.
 */
export function tcpHeaderPredict(c: InCtx): boolean {
  const tp = c.tp;
  if (tp.state !== TCPS_ESTABLISHED) return false;
  if ((c.thflags & (TH_SYN | TH_FIN | TH_RST | TH_URG | TH_ACK)) !== TH_ACK) return false;
  if ((tp.tFlags & (TF_NEEDSYN | TF_NEEDFIN)) !== 0) return false;
  const ts = (c.to.flags & TOF_TS) !== 0;
  if (ts && !seqGeq(c.to.tsval, tp.tsRecent)) return false;
  if (c.seq !== tp.rcvNxt || tp.sndNxt !== tp.sndMax) return false;
  if (ts && seqLeq(c.seq, tp.lastAckSent)) {
    tp.tsRecentAge = c.ticks;
    tp.tsRecent = c.to.tsval;
  }
  if (c.data.length === 0) return predictAck(c);
  return predictData(c);
}

function predictAck(c: InCtx): boolean {
  const { tp, inet } = c;
  if (!(seqGt(c.ack, tp.sndUna) && seqLeq(c.ack, tp.sndMax) && tp.sndCwnd >= tp.sndWnd &&
        (tp.tFlags & TF_FASTRECOVERY) === 0)) {
    return false;
  }
  inet.stats.inc(tp.cpu, 'tcp.predack');
  const ts = (c.to.flags & TOF_TS) !== 0 && c.to.tsecr !== 0;
  if (tp.cfg.eifel && ts && (tp.rxtFlags & TRXT_F_FIRSTACCACK) !== 0) {
    if (c.to.tsecr < tp.tRexmtTS) tcpRevertCongestionState(inet, tp, c.ticks);
  } else if (tp.tRxtshift === 1 && c.ticks < tp.tBadrxtwin) {
    tcpRevertCongestionState(inet, tp, c.ticks);
  }
  tp.rxtFlags &= ~(TRXT_F_FIRSTACCACK | TRXT_F_FASTREXMT | TRXT_F_EARLYREXMT);
  if (ts) tcpXmitTimer(inet, tp, ((tsClock(inet) - c.to.tsecr) | 0) + 1, c.ack);
  else if (tp.tRtttime !== 0 && seqGt(c.ack, tp.tRtseq)) {
    tcpXmitTimer(inet, tp, c.ticks - tp.tRtttime, c.ack);
  }
  const acked = (c.ack - tp.sndUna) | 0;
  tp.so.snd.drop(acked);
  tp.sndRecover = (c.ack - 1) >>> 0;
  tp.sndUna = c.ack;
  tp.tDupacks = 0;
  if (c.tiwin !== tp.sndWnd && acceptableWindowUpdate(tp, c.seq, c.ack, c.tiwin)) {
    takeWindow(tp, c.seq, c.ack, c.tiwin);
  }
  if (tp.sndUna === tp.sndMax) tcpTimerStop(tp, TT_REXMT);
  else if (!tcpTimerActive(tp, TT_PERSIST)) tcpTimerArm(inet, tp, TT_REXMT, tp.tRxtcur);
  tcpWake(inet, tp.so);
  if (tp.so.snd.cc > 0 && !tcpOutputPending(tp)) tcpOutputFair(inet, tp);
  return true;
}

function predictData(c: InCtx): boolean {
  const { tp, inet } = c;
  const so = tp.so;
  const tlen = c.data.length;
  if (!(c.tiwin === tp.sndWnd && c.ack === tp.sndUna && tp.segq.length === 0 &&
        tlen <= so.rcv.space)) {
    return false;
  }
  inet.stats.inc(tp.cpu, 'tcp.preddat');
  tp.rcvNxt = (tp.rcvNxt + tlen) >>> 0;
  if (!so.cantRcvMore) so.rcv.append(c.data);
  tcpWake(inet, so);
  if (delayAck(tp)) {
    tcpTimerArm(inet, tp, TT_DELACK, inet.tcp.times.delack);
  } else if (tp.cfg.aggregateAcks) {
    tp.tFlags |= TF_ACKNOW;
    if ((tp.tFlags & TF_ONOUTPUTQ) === 0) {
      tp.tFlags |= TF_ONOUTPUTQ;
      const pc = inet.tcp.percpu[tp.cpu]!;
      inet.k.wr(pc.obj);
      pc.ackq.push(tp);
    }
  } else {
    tp.tFlags |= TF_ACKNOW;
    tcpOutput(inet, tp);
  }
  return true;
}
