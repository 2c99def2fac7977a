import { TH_ACK, TH_FIN } from '../../core/packet';
import type { InCtx } from './inctx';
import { acceptableWindowUpdate, delayAck, takeWindow } from './inctx';
import {
  TCPS_CLOSE_WAIT, TCPS_CLOSING, TCPS_ESTABLISHED, TCPS_FIN_WAIT_1, TCPS_FIN_WAIT_2,
  TCPS_SYN_RECEIVED, TCPS_TIME_WAIT, TF_ACKNOW, TF_NEEDSYN, TF_QUEDFIN, TF_SAWFIN,
  TSACK_F_DUPSEG, haveEstablished, haveRcvdFin, seqGt,
} from './const';
import { tcpOutputFair } from './output';
import { tcpReass } from './reass';
import { tcpRecvDupack } from './recovery';
import { sackBlkEnd, sackReportCleanup, sackReportNeeded } from './sackreport';
import { tcpOutputCancel, tcpOutputPending } from './sndmore';
import { tcpWake } from './step';
import { soIsDisconnected, tcpSetState } from './subr';
import { TT_2MSL, TT_DELACK, tcpCancelTimers, tcpTimerArm } from './timer';

/**
 * Read before editing: dragonfly.md A.12 (ACKs for in-order, out-of-order and FIN segments),
 * B.4 step 11 (window update), B.5 (FIN processing), A.3 (delayed dupacks); TP-22.
 *
 * `step6:` to the end of tcp_input: the window update, the data (in order straight to the
 * socket with a delayed ACK, else through reassembly with an immediate ACK), the FIN, a dupack
 * that waited for the data, and the output the segment calls for.
 */
export function step6(c: InCtx): void {
  const tp = c.tp;
  if ((c.thflags & TH_ACK) !== 0 && acceptableWindowUpdate(tp, c.seq, c.ack, c.tiwin)) {
    takeWindow(tp, c.seq, c.ack, c.tiwin);
    c.needoutput = true;
  }
  // URG on input is ignored (TP-1); the receive urgent pointer is dragged along.
  if (seqGt(tp.rcvNxt, tp.rcvUp)) tp.rcvUp = tp.rcvNxt;
  let fin = false;
  if ((c.data.length !== 0 || (c.thflags & TH_FIN) !== 0) && !haveRcvdFin(tp.state)) {
    fin = segmentData(c);
  }
  if (fin) finArrives(c);
  if (c.delayedDupack && tcpRecvDupack(c.inet, tp, c.ack, c.dupackFlags)) c.needoutput = false;
  finishOutput(c);
}

/** Queue the segment's text; returns whether a FIN is now in sequence. */
function segmentData(c: InCtx): boolean {
  const { tp, inet } = c;
  const hasFin = (c.thflags & TH_FIN) !== 0;
  if (hasFin) tp.tFlags |= TF_SAWFIN;
  const tlen = c.data.length;
  if (c.seq === tp.rcvNxt && tp.segq.length === 0 && haveEstablished(tp.state)) {
    if (hasFin) tp.tFlags |= TF_QUEDFIN;
    if (delayAck(tp)) tcpTimerArm(inet, tp, TT_DELACK, inet.tcp.times.delack);
    else tp.tFlags |= TF_ACKNOW;
    tp.rcvNxt = (tp.rcvNxt + tlen) >>> 0;
    if (tlen > 0) {
      if (!tp.so.cantRcvMore) tp.so.rcv.append(c.data);
      tcpWake(inet, tp.so);
    }
    return hasFin;
  }
  if ((tp.sackFlags & TSACK_F_DUPSEG) === 0) {
    tp.reportblk.start = c.seq;
    tp.reportblk.end = sackBlkEnd((c.seq + tlen) >>> 0, hasFin);
  }
  const presentedFin = tcpReass(inet, tp, c.seq, c.data, hasFin);
  tp.tFlags |= TF_ACKNOW;
  return presentedFin;
}

/** B.5: the FIN is in sequence: ACK it, advance rcv_nxt, change state. */
function finArrives(c: InCtx): void {
  const { tp, inet } = c;
  const tm = inet.tcp.times;
  if (!haveRcvdFin(tp.state)) {
    tp.so.cantRcvMore = true;
    tcpWake(inet, tp.so);
    if (delayAck(tp) && (tp.tFlags & TF_NEEDSYN) !== 0) {
      tcpTimerArm(inet, tp, TT_DELACK, tm.delack);
    } else {
      tp.tFlags |= TF_ACKNOW;
    }
    tp.rcvNxt = (tp.rcvNxt + 1) >>> 0;
  }
  switch (tp.state) {
    case TCPS_SYN_RECEIVED:
    case TCPS_ESTABLISHED:
      tcpSetState(inet, tp, TCPS_CLOSE_WAIT);
      break;
    case TCPS_FIN_WAIT_1:
      tcpSetState(inet, tp, TCPS_CLOSING);
      break;
    case TCPS_FIN_WAIT_2:
      tcpSetState(inet, tp, TCPS_TIME_WAIT);
      tcpCancelTimers(tp);
      tcpTimerArm(inet, tp, TT_2MSL, 2 * tm.msl);
      soIsDisconnected(inet, tp.so);
      break;
    case TCPS_TIME_WAIT:
      tcpTimerArm(inet, tp, TT_2MSL, 2 * tm.msl);
      break;
    default:
      break;
  }
}

/** The end of tcp_input: output now if an ACK is owed or a SACK report waits (TP-21/22). */
function finishOutput(c: InCtx): void {
  const { tp, inet } = c;
  if ((tp.tFlags & TF_ACKNOW) !== 0 || (c.needoutput && sackReportNeeded(tp))) {
    tcpOutputCancel(inet, tp);
    tcpOutputFair(inet, tp);
  } else if (c.needoutput && !tcpOutputPending(tp)) {
    tcpOutputFair(inet, tp);
  }
  sackReportCleanup(tp);
}

