import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import type { TcpCb } from './tcpcb';
import {
  TCP_FORCE_SACKRXT, TCP_SACK_MAXBURST, TF_ACKNOW, TF_FASTRECOVERY, TF_RCVD_TSTMP,
  TF_SACK_PERMITTED, TF_XMITNOW, TOF_DSACK, TOF_SACK, TOF_SACK_REDUNDANT, TRXT_F_EARLYREXMT,
  TRXT_F_FASTREXMT, TRXT_F_FIRSTACCACK, TRXT_F_REBASERTO, TRXT_F_WASFRECOVERY,
  TSACK_F_SACKRESCUED, seqGt, seqLt, seqMin,
} from './const';
import { tsClock } from './globals';
import { tcpOutput } from './output';
import {
  sackComputePipe, sackFirstUnsackedLen, sackHasSacked, sackIsLost, sackNextseg,
} from './sack';
import { TT_REXMT, tcpTimerStop } from './timer';

/**
 * Read before editing: dragonfly.md A.2 (loss response), A.4 (fast retransmit, NewReno partial
 * ACK), A.5 (`tcp_sack_rexmt`), A.6 (Limited Transmit), A.7 (Early Retransmit), A.10 (Eifel
 * state save/revert); TP-27, TP-28. NCR is off (TP-1), so t_rxtthresh is 3 throughout.
 *
 * Loss recovery on duplicate and partial ACKs. Each path temporarily bends snd_nxt and snd_cwnd
 * so that tcp_output sends exactly the segment it wants, then restores them.
 */

export const doSack = (tp: TcpCb): boolean => (tp.tFlags & TF_SACK_PERMITTED) !== 0;
export const inFastRecovery = (tp: TcpCb): boolean => (tp.tFlags & TF_FASTRECOVERY) !== 0;

/** `tcp_save_congestion_state` (A.10). */
export function tcpSaveCongestionState(inet: Inet, tp: TcpCb): void {
  tp.sndCwndPrev = tp.sndCwnd;
  tp.sndWackedPrev = tp.sndWacked;
  tp.sndSsthreshPrev = tp.sndSsthresh;
  tp.sndRecoverPrev = tp.sndRecover;
  tp.sndMaxPrev = tp.sndMax;
  if (inFastRecovery(tp)) tp.rxtFlags |= TRXT_F_WASFRECOVERY;
  else tp.rxtFlags &= ~TRXT_F_WASFRECOVERY;
  if ((tp.tFlags & TF_RCVD_TSTMP) !== 0) {
    tp.tRexmtTS = tsClock(inet);
    tp.rxtFlags |= TRXT_F_FIRSTACCACK;
  }
}

/** `tcp_revert_congestion_state` (A.10): undo a spurious retransmission. */
export function tcpRevertCongestionState(inet: Inet, tp: TcpCb, ticks: number): void {
  tp.sndCwnd = tp.sndCwndPrev;
  tp.sndWacked = tp.sndWackedPrev;
  tp.sndSsthresh = tp.sndSsthreshPrev;
  tp.sndRecover = tp.sndRecoverPrev;
  if ((tp.rxtFlags & TRXT_F_WASFRECOVERY) !== 0) tp.tFlags |= TF_FASTRECOVERY;
  if ((tp.rxtFlags & TRXT_F_FASTREXMT) === 0) {
    // An RTO: resume the clock of data transmissions and rebase the RTO (Eifel response).
    tp.sndLast = ticks;
    if (tp.cfg.eifelResponse) tp.rxtFlags |= TRXT_F_REBASERTO;
  }
  tp.tBadrxtwin = 0;
  tp.tRxtshift = 0;
  tp.sndNxt = tp.sndMax;
  inet.stats.inc(mycpu(inet), 'tcp.eifel_detected');
}

/** A.2 loss response: ssthresh = max(2, ⌊min(wnd, cwnd)/2/MSS⌋)·MSS. */
export function lossSsthresh(tp: TcpCb): number {
  let win = Math.floor(Math.min(tp.sndWnd, tp.sndCwnd) / 2 / tp.tMaxseg);
  if (win < 2) win = 2;
  return win * tp.tMaxseg;
}

/** A.7 `need_early_retransmit`. */
function needEarlyRetransmit(tp: TcpCb, ownd: number): boolean {
  const mss = tp.tMaxseg;
  return tp.cfg.earlyRetransmit && tp.cfg.eifel && (tp.tFlags & TF_RCVD_TSTMP) !== 0 &&
    ownd < (tp.tRxtthresh + 1) * mss && tp.tDupacks + 1 >= Math.ceil(ownd / mss) &&
    (!doSack(tp) || ownd <= mss || sackHasSacked(tp, ownd - mss));
}

/**
 * `tcp_recv_dupack` (A.4 … A.7): returns true when the ACK is consumed (dropped). `toFlags` are
 * the segment's option flags after the scoreboard update.
 */
export function tcpRecvDupack(inet: Inet, tp: TcpCb, thAck: number, toFlags: number): boolean {
  if (inFastRecovery(tp)) {
    if (doSack(tp)) {
      const force = tp.sndUna === tp.rexmtHigh &&
        (toFlags & (TOF_SACK | TOF_SACK_REDUNDANT)) === TOF_SACK;
      tcpSackRexmt(inet, tp, force);
    } else {
      tp.sndCwnd += tp.tMaxseg;
      tcpOutput(inet, tp);
    }
    return true;
  }
  if (seqLt(thAck, tp.sndRecover)) {
    tp.tDupacks = 0;
    return false;
  }
  if (tp.cfg.ignoreRedunDsack && doSack(tp) &&
      (toFlags & (TOF_DSACK | TOF_SACK_REDUNDANT)) === (TOF_DSACK | TOF_SACK_REDUNDANT)) {
    return true;
  }
  if (++tp.tDupacks === tp.tRxtthresh) {
    fastRetransmit(inet, tp, thAck, true);
  } else if (tp.cfg.rfc6675 && doSack(tp)) {
    if (tp.cfg.limitedTransmit && !tcpSackLimitedxmit(inet, tp)) {
      const ownd = (tp.sndMax - tp.sndUna) | 0;
      if (needEarlyRetransmit(tp, ownd)) {
        inet.stats.inc(mycpu(inet), 'tcp.earlyrexmit');
        tp.rxtFlags |= TRXT_F_EARLYREXMT;
        fastRetransmit(inet, tp, thAck, true);
      } else if (sackIsLost(tp, tp.sndUna)) {
        fastRetransmit(inet, tp, thAck, false);
      }
    }
  } else if (tp.cfg.limitedTransmit) {
    limitedTransmit(inet, tp, thAck);
  }
  return true;
}

/** A.4: enter fast recovery and retransmit one segment at snd_una. */
function fastRetransmit(inet: Inet, tp: TcpCb, thAck: number, sackBurst: boolean): void {
  if (tp.cfg.eifel && (tp.tFlags & TF_RCVD_TSTMP) !== 0) {
    tcpSaveCongestionState(inet, tp);
    tp.rxtFlags |= TRXT_F_FASTREXMT;
  }
  tp.sndSsthresh = lossSsthresh(tp);
  tp.tFlags |= TF_FASTRECOVERY;
  tp.sndRecover = tp.sndMax;
  tcpTimerStop(tp, TT_REXMT);
  tp.tRtttime = 0;
  const oldNxt = tp.sndNxt;
  tp.sndNxt = thAck;
  if (doSack(tp)) tp.sndCwnd = Math.min(sackFirstUnsackedLen(tp), tp.tMaxseg);
  else tp.sndCwnd = tp.tMaxseg;
  tcpOutput(inet, tp);
  inet.stats.inc(mycpu(inet), 'tcp.fastrexmit');
  tp.sndCwnd = tp.sndSsthresh;
  tp.rexmtHigh = tp.sndNxt;
  tp.sackFlags &= ~TSACK_F_SACKRESCUED;
  if (seqGt(oldNxt, tp.sndNxt)) tp.sndNxt = oldNxt;
  if (doSack(tp)) {
    if (sackBurst) tcpSackRexmt(inet, tp, false);
  } else {
    tp.sndCwnd += tp.tMaxseg * (tp.tDupacks - tp.sndLimited);
  }
}

/** A.6 classic Limited Transmit (no SACK): one new segment on dupack #1 and #2. */
function limitedTransmit(inet: Inet, tp: TcpCb, thAck: number): void {
  const oldCwnd = tp.sndCwnd;
  const oldMax = tp.sndMax;
  const oldNxt = tp.sndNxt;
  const ownd = (tp.sndMax - tp.sndUna) | 0;
  if (tp.tDupacks === 1) tp.sndLimited = 0;
  tp.sndNxt = tp.sndMax;
  tp.sndCwnd = ownd + (tp.tDupacks - tp.sndLimited) * tp.tMaxseg;
  tp.tFlags |= TF_XMITNOW;
  tcpOutput(inet, tp);
  if (seqLt(oldNxt, oldMax)) tp.sndNxt = oldNxt;
  tp.sndCwnd = oldCwnd;
  const sent = (tp.sndMax - oldMax) | 0;
  if (sent > tp.tMaxseg) {
    tp.sndLimited = 2;
    inet.stats.inc(mycpu(inet), 'tcp.limited', 2);
  } else if (sent > 0) {
    tp.sndLimited++;
    inet.stats.inc(mycpu(inet), 'tcp.limited');
  } else if (needEarlyRetransmit(tp, ownd)) {
    inet.stats.inc(mycpu(inet), 'tcp.earlyrexmit');
    tp.rxtFlags |= TRXT_F_EARLYREXMT;
    fastRetransmit(inet, tp, thAck, true);
  }
}

/** A.6 `tcp_sack_limitedxmit`: new data worth rounddown(cwnd − pipe, MSS), ≤ 4 segments. */
export function tcpSackLimitedxmit(inet: Inet, tp: TcpCb): boolean {
  const oldNxt = tp.sndNxt;
  const oldMax = tp.sndMax;
  const ocwnd = tp.sndCwnd;
  tp.rexmtHigh = (tp.sndUna - 1) >>> 0;
  const pipe = sackComputePipe(tp);
  let left = ocwnd - pipe;
  if (left < tp.tMaxseg) return false;
  if (tp.cfg.smartsack) left = Math.min(left, tp.tMaxseg * TCP_SACK_MAXBURST);
  const next = tp.sndMax;
  tp.sndNxt = next;
  tp.sndCwnd = ((tp.sndNxt - tp.sndUna) | 0) + (left - (left % tp.tMaxseg));
  tp.tFlags |= TF_XMITNOW;
  tcpOutput(inet, tp);
  const sent = (tp.sndNxt - next) | 0;
  if (seqLt(oldNxt, oldMax)) tp.sndNxt = oldNxt;
  tp.sndCwnd = ocwnd;
  if (sent > 0) {
    inet.stats.inc(mycpu(inet), 'tcp.limited', Math.ceil(sent / tp.tMaxseg));
    return true;
  }
  return false;
}

/** A.4: NewReno partial ACK, Slow-but-Steady: retransmit at snd_una, partial deflation. */
export function tcpNewrenoPartialAck(inet: Inet, tp: TcpCb, thAck: number, acked: number): void {
  const oldNxt = tp.sndNxt;
  const ocwnd = tp.sndCwnd;
  tcpTimerStop(tp, TT_REXMT);
  tp.tRtttime = 0;
  tp.sndNxt = thAck;
  tp.sndCwnd = tp.tMaxseg;
  tp.tFlags |= TF_ACKNOW;
  tcpOutput(inet, tp);
  if (seqGt(oldNxt, tp.sndNxt)) tp.sndNxt = oldNxt;
  tp.sndCwnd = ocwnd > acked ? ocwnd - acked + tp.tMaxseg : tp.tMaxseg;
}

/** A.5 `tcp_sack_rexmt`: pipe-driven recovery, ≤ 4 new segments per call (smartsack). */
export function tcpSackRexmt(inet: Inet, tp: TcpCb, force: boolean): void {
  const oldNxt = tp.sndNxt;
  const ocwnd = tp.sndCwnd;
  let nseg = 0;
  let nsegRexmt = 0;
  let maxrexmt = 0;
  if (force) {
    maxrexmt = Math.min(Math.ceil(sackFirstUnsackedLen(tp) / tp.tMaxseg), TCP_FORCE_SACKRXT);
  }
  tp.tRtttime = 0;
  let pipe = sackComputePipe(tp);
  while ((ocwnd - pipe >= tp.tMaxseg || (force && nsegRexmt < maxrexmt && nseg === 0)) &&
         (!tp.cfg.smartsack || nseg < TCP_SACK_MAXBURST)) {
    const oldHigh = tp.rexmtHigh;
    const ns = sackNextseg(tp, tp.so.snd.cc);
    if (ns === null || (ns.rescue && (nsegRexmt > 0 || nseg > 0))) {
      tp.rexmtHigh = oldHigh;
      break;
    }
    if (ns.seq === tp.sndMax) nseg++;
    else nsegRexmt++;
    tp.sndNxt = ns.seq;
    tp.sndCwnd = ((ns.seq - tp.sndUna) | 0) + ns.len;
    const oldMax = tp.sndMax;
    if (ns.seq === tp.sndUna) tcpTimerStop(tp, TT_REXMT);
    tp.tFlags |= TF_XMITNOW;
    tcpOutput(inet, tp);
    const sent = (tp.sndNxt - ns.seq) | 0;
    if (sent <= 0) {
      tp.rexmtHigh = oldHigh;
      break;
    }
    pipe += sent;
    inet.stats.inc(mycpu(inet), 'tcp.sackrexmit');
    if (ns.rescue) {
      tp.rexmtRescue = tp.sndNxt;
      tp.sackFlags |= TSACK_F_SACKRESCUED;
      break;
    }
    if (seqLt(ns.seq, oldMax) && seqLt(tp.rexmtHigh, tp.sndNxt)) {
      tp.rexmtHigh = seqMin(tp.sndNxt, oldMax);
    }
  }
  if (seqGt(oldNxt, tp.sndNxt)) tp.sndNxt = oldNxt;
  tp.sndCwnd = ocwnd;
}
