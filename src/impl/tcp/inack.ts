import { TH_FIN } from '../../core/packet';
import type { InCtx } from './inctx';
import { acceptableWindowUpdate, takeWindow } from './inctx';
import type { Next } from './inslow';
import {
  TCP_MAXWIN, TCPS_CLOSING, TCPS_FIN_WAIT_1, TCPS_FIN_WAIT_2, TCPS_LAST_ACK, TCPS_SYN_RECEIVED,
  TCPS_TIME_WAIT, TF_FASTRECOVERY, TF_NEEDFIN, TF_QUEDFIN, TF_RCVD_SCALE, TF_REQ_SCALE,
  TF_SAWFIN, TOF_SACK, TOF_SACK_REDUNDANT, TOF_TS, TRXT_F_EARLYREXMT, TRXT_F_FASTREXMT,
  TRXT_F_FIRSTACCACK, seqGeq, seqGt, seqLeq, seqLt,
} from './const';
import { tsClock } from './globals';
import { tcpReassPresent } from './reass';
import {
  doSack, inFastRecovery, tcpNewrenoPartialAck, tcpRecvDupack, tcpRevertCongestionState,
  tcpSackRexmt,
} from './recovery';
import { tcpXmitTimer } from './rtt';
import { sackUpdateScoreboard } from './sack';
import { tcpWake } from './step';
import { soIsDisconnected, tcpClose, tcpEstablished, tcpSetState } from './subr';
import {
  TT_2MSL, TT_PERSIST, TT_REXMT, tcpCancelTimers, tcpTimerActive, tcpTimerArm, tcpTimerStop,
} from './timer';

/**
 * Read before editing: dragonfly.md A.2 (cwnd growth, ABC), A.3 (what is a duplicate ACK),
 * A.4 (recovery exit, partial ACKs), A.9 (RTT samples), A.10 (Eifel detection), B.4 step 11,
 * B.5 (our FIN acknowledged); TP-25 … TP-28.
 *
 * ACK processing of the slow path.
 */
export function ackArrives(c: InCtx): Next {
  const { tp, inet } = c;
  if (tp.state === TCPS_SYN_RECEIVED) {
    inet.stats.inc(tp.cpu, 'tcp.connects');
    if ((tp.tFlags & (TF_RCVD_SCALE | TF_REQ_SCALE)) === (TF_RCVD_SCALE | TF_REQ_SCALE)) {
      tp.rcvScale = tp.requestRScale;
    }
    if ((tp.tFlags & TF_NEEDFIN) !== 0) {
      tcpSetState(inet, tp, TCPS_FIN_WAIT_1);
      tp.tFlags &= ~TF_NEEDFIN;
      tcpWake(inet, tp.so);
    } else {
      tcpEstablished(inet, tp);
    }
    if (c.data.length === 0 && (c.thflags & TH_FIN) === 0) tcpReassPresent(inet, tp);
  }
  if (seqLeq(c.ack, tp.sndUna)) return dupAck(c);
  tp.tDupacks = 0;
  if (seqGt(c.ack, tp.sndMax)) {
    tp.sndCwnd = tp.tMaxseg;
    tp.sndWacked = 0;
    return 'dropafterack';
  }
  return processAck(c);
}

/** A.3: an ACK at or below snd_una: count it, delay it, or leave it to data processing. */
function dupAck(c: InCtx): Next {
  const { tp, inet } = c;
  let toFlags = c.to.flags;
  if (doSack(tp)) toFlags = sackUpdateScoreboard(tp, c.to.sack, toFlags);
  const maynotdup = c.data.length !== 0 || c.tiwin !== tp.sndWnd ||
    ((c.thflags & TH_FIN) !== 0 && (tp.tFlags & TF_SAWFIN) === 0);
  if (!tcpTimerActive(tp, TT_REXMT) || c.ack !== tp.sndUna) {
    tp.tDupacks = 0;
    return 'step6';
  }
  if (maynotdup) {
    if (!tp.cfg.rfc6675 || !doSack(tp) ||
        (toFlags & (TOF_SACK | TOF_SACK_REDUNDANT)) !== TOF_SACK) {
      tp.tDupacks = 0;
    } else {
      c.delayedDupack = true;
      c.dupackFlags = toFlags;
    }
    return 'step6';
  }
  if ((c.thflags & TH_FIN) !== 0 && (tp.tFlags & TF_QUEDFIN) === 0) {
    c.delayedDupack = true;
    c.dupackFlags = toFlags;
    return 'step6';
  }
  return tcpRecvDupack(inet, tp, c.ack, toFlags) ? 'drop' : 'step6';
}

/** `process_ACK:` — new data acknowledged (or, from SYN-SENT, our SYN). */
export function processAck(c: InCtx): Next {
  const { tp, inet } = c;
  const acked = (c.ack - tp.sndUna) | 0;
  eifelAndRtt(c, acked);
  if (acked === 0) return 'step6';
  tp.rxtFlags &= ~(TRXT_F_FIRSTACCACK | TRXT_F_FASTREXMT | TRXT_F_EARLYREXMT);
  const snd = tp.so.snd;
  if (acked > snd.cc) {
    tp.sndWnd -= snd.cc;
    snd.drop(snd.cc);
    c.ourfinisacked = true;
  } else {
    snd.drop(acked);
    tp.sndWnd -= acked;
    c.ourfinisacked = false;
  }
  tcpWake(inet, tp.so);
  if (acceptableWindowUpdate(tp, c.seq, c.ack, c.tiwin)) {
    takeWindow(tp, c.seq, c.ack, c.tiwin);
    c.needoutput = true;
  }
  tp.sndUna = c.ack;
  if (doSack(tp)) sackUpdateScoreboard(tp, c.to.sack, c.to.flags);
  if (inFastRecovery(tp)) recoveryAck(c, acked);
  else openCwnd(c, acked);
  if (seqLt(tp.sndNxt, tp.sndUna)) tp.sndNxt = tp.sndUna;
  if (c.ack === tp.sndMax) {
    tcpTimerStop(tp, TT_REXMT);
    c.needoutput = true;
  } else if (!tcpTimerActive(tp, TT_PERSIST)) {
    tcpTimerArm(inet, tp, TT_REXMT, tp.tRxtcur);
  }
  return ourFinAcked(c);
}

/** A.10 detection on the first acceptable ACK after a retransmission, then the RTT sample. */
function eifelAndRtt(c: InCtx, acked: number): void {
  const { tp, inet } = c;
  const ts = (c.to.flags & TOF_TS) !== 0 && c.to.tsecr !== 0;
  if (tp.cfg.eifel && acked > 0 && ts && (tp.rxtFlags & TRXT_F_FIRSTACCACK) !== 0) {
    if (c.to.tsecr < tp.tRexmtTS) tcpRevertCongestionState(inet, tp, c.ticks);
  } else if (tp.tRxtshift === 1 && c.ticks < tp.tBadrxtwin) {
    tcpRevertCongestionState(inet, tp, c.ticks);
  }
  if (ts) tcpXmitTimer(inet, tp, ((tsClock(inet) - c.to.tsecr) | 0) + 1, c.ack);
  else if (tp.tRtttime !== 0 && seqGt(c.ack, tp.tRtseq)) {
    tcpXmitTimer(inet, tp, c.ticks - tp.tRtttime, c.ack);
  }
}

/** A.4: exit recovery at snd_recover (burst-limited), else a partial ACK. */
function recoveryAck(c: InCtx, acked: number): void {
  const { tp, inet } = c;
  if (seqGeq(c.ack, tp.sndRecover)) {
    tp.tFlags &= ~TF_FASTRECOVERY;
    c.needoutput = true;
    if (!doSack(tp)) tp.sndCwnd = tp.sndSsthresh;
    if (seqGt((c.ack + tp.sndCwnd) >>> 0, (tp.sndMax + 2 * tp.tMaxseg) >>> 0)) {
      tp.sndCwnd = ((tp.sndMax - tp.sndUna) | 0) + 2 * tp.tMaxseg;
    }
    tp.sndWacked = 0;
  } else {
    if (doSack(tp)) {
      tp.sndMaxRexmt = tp.sndMax;
      tcpSackRexmt(inet, tp, tp.sndUna === tp.rexmtHigh);
    } else {
      tcpNewrenoPartialAck(inet, tp, c.ack, acked);
    }
    c.needoutput = false;
  }
}

/** A.2: slow start (cwnd ≤ ssthresh) with ABC, else byte-counting congestion avoidance. */
function openCwnd(c: InCtx, acked: number): void {
  const tp = c.tp;
  const mss = tp.tMaxseg;
  if (tp.sndCwnd <= tp.sndSsthresh) {
    const limit = seqLt(tp.sndNxt, tp.sndMax) ? mss : 2 * mss;
    tp.sndCwnd += tp.cfg.abc ? Math.min(acked, limit) : mss;
  } else {
    tp.sndWacked += tp.cfg.abc ? acked : mss;
    if (tp.sndWacked >= tp.sndCwnd) {
      tp.sndWacked -= tp.sndCwnd;
      tp.sndCwnd += mss;
    }
  }
  tp.sndCwnd = Math.min(tp.sndCwnd, TCP_MAXWIN * 2 ** tp.sndScale);
  tp.sndRecover = (c.ack - 1) >>> 0;
}

/** B.5: FIN-WAIT-1 → FIN-WAIT-2, CLOSING → TIME-WAIT, LAST-ACK → closed; TIME-WAIT re-ACKs.
 */
function ourFinAcked(c: InCtx): Next {
  const { tp, inet } = c;
  const tm = inet.tcp.times;
  switch (tp.state) {
    case TCPS_FIN_WAIT_1:
      if (c.ourfinisacked) {
        if (tp.so.cantRcvMore) {
          soIsDisconnected(inet, tp.so);
          tcpTimerArm(inet, tp, TT_2MSL, tm.maxidle);
        }
        tcpSetState(inet, tp, TCPS_FIN_WAIT_2);
        tcpWake(inet, tp.so);
      }
      return 'step6';
    case TCPS_CLOSING:
      if (c.ourfinisacked) {
        tcpSetState(inet, tp, TCPS_TIME_WAIT);
        tcpCancelTimers(tp);
        tcpTimerArm(inet, tp, TT_2MSL, 2 * tm.msl);
        soIsDisconnected(inet, tp.so);
      }
      return 'step6';
    case TCPS_LAST_ACK:
      if (c.ourfinisacked) {
        tcpClose(inet, tp);
        return 'drop';
      }
      return 'step6';
    case TCPS_TIME_WAIT:
      tcpTimerArm(inet, tp, TT_2MSL, 2 * tm.msl);
      return 'dropafterack';
    default:
      return 'step6';
  }
}
