import { TH_ACK, TH_FIN, TH_PSH, TH_RST, TH_SYN, TH_URG } from '../../core/packet';
import type { InCtx } from './inctx';
import { delayAck } from './inctx';
import {
  TCPS_CLOSED, TCPS_CLOSE_WAIT, TCPS_CLOSING, TCPS_ESTABLISHED, TCPS_FIN_WAIT_1, TCPS_FIN_WAIT_2,
  TCPS_LAST_ACK, TCPS_SYN_RECEIVED, TCPS_TIME_WAIT, TF_ACKNOW, TF_NEEDFIN,
  TF_NEEDSYN, TF_RCVD_SCALE, TF_REQ_SCALE, TF_SACK_PERMITTED, TOF_TS, TSACK_F_DUPSEG,
  TSACK_F_SACKLEFT, seqGeq, seqGt, seqLeq, seqLt,
} from './const';
import { sackBlkEnd } from './sackreport';
import { tcpClose, tcpDrop, tcpEstablished, tcpSetState } from './subr';
import { TT_DELACK, TT_REXMT, tcpTimerArm, tcpTimerStop } from './timer';
import { tcpWake } from './step';

/**
 * Read before editing: dragonfly.md B.2 (SYN-SENT input), B.4 (acceptance and RST handling, in
 * order), A.13 (PAWS), A.5 (D-SACK of duplicates); TP-23, TP-24.
 *
 * The slow path of tcp_input up to ACK processing. Each function returns where tcp_input goes
 * next, as BSD's labels do.
 */
export type Next =
  | 'continue' | 'drop' | 'dropafterack' | 'dropwithreset' | 'step6' | 'processAck' | 'recycle';

/** The window for trimming: rcv_wnd = max(space, rcv_adv − rcv_nxt) (A.12). */
export function computeRcvWnd(c: InCtx): void {
  const tp = c.tp;
  const space = Math.max(0, tp.so.rcv.space);
  tp.rcvWnd = Math.max(space, (tp.rcvAdv - tp.rcvNxt) | 0);
}

/** B.2 SYN-SENT: our SYN ACKed (→ ESTABLISHED), a simultaneous open, or a refusal. */
export function synSent(c: InCtx): Next {
  const { tp, inet } = c;
  const f = c.thflags;
  if ((f & TH_ACK) !== 0 && (seqLeq(c.ack, tp.iss) || seqGt(c.ack, tp.sndMax))) {
    return 'dropwithreset';
  }
  if ((f & TH_RST) !== 0) {
    if ((f & TH_ACK) !== 0) tcpDrop(inet, tp, 'ECONNREFUSED');
    return 'drop';
  }
  if ((f & TH_SYN) === 0) return 'drop';
  tp.irs = c.seq;
  tp.rcvNxt = (c.seq + 1) >>> 0;
  tp.rcvAdv = tp.rcvNxt;
  if ((f & TH_ACK) !== 0) {
    inet.stats.inc(tp.cpu, 'tcp.connects');
    if ((tp.tFlags & (TF_RCVD_SCALE | TF_REQ_SCALE)) === (TF_RCVD_SCALE | TF_REQ_SCALE)) {
      tp.rcvScale = tp.requestRScale;
    }
    tp.rcvAdv = (tp.rcvAdv + tp.rcvWnd) >>> 0;
    tp.sndUna = (tp.sndUna + 1) >>> 0;
    tcpTimerStop(tp, TT_REXMT);
    if (delayAck(tp) && c.data.length !== 0) tcpTimerArm(inet, tp, TT_DELACK,
        inet.tcp.times.delack);
    else tp.tFlags |= TF_ACKNOW;
    if ((tp.tFlags & TF_NEEDFIN) !== 0) {
      tcpSetState(inet, tp, TCPS_FIN_WAIT_1);
      tp.tFlags &= ~TF_NEEDFIN;
      c.thflags &= ~TH_SYN;
      tcpWake(inet, tp.so);
    } else {
      tcpEstablished(inet, tp);
    }
  } else {
    tp.tFlags |= TF_ACKNOW;
    tcpTimerStop(tp, TT_REXMT);
    tcpSetState(inet, tp, TCPS_SYN_RECEIVED);
  }
  c.seq = (c.seq + 1) >>> 0;
  if (c.data.length > tp.rcvWnd) {
    c.data = c.data.subarray(0, tp.rcvWnd);
    c.thflags &= ~TH_FIN;
  }
  tp.sndWl1 = (c.seq - 1) >>> 0;
  tp.rcvUp = c.seq;
  return (f & TH_ACK) !== 0 ? 'processAck' : 'step6';
}

/** B.4 step 2: RST acceptable iff last_ack_sent ≤ seq ≤ last_ack_sent + rcv_wnd (F.11). */
export function rstArrives(c: InCtx): Next {
  const { tp, inet } = c;
  if (seqGeq(c.seq, tp.lastAckSent) && seqLeq(c.seq, (tp.lastAckSent + tp.rcvWnd) >>> 0)) {
    switch (tp.state) {
      case TCPS_SYN_RECEIVED:
        resetClose(c, 'ECONNREFUSED');
        break;
      case TCPS_ESTABLISHED:
      case TCPS_FIN_WAIT_1:
      case TCPS_FIN_WAIT_2:
      case TCPS_CLOSE_WAIT:
        resetClose(c, 'ECONNRESET');
        break;
      case TCPS_CLOSING:
      case TCPS_LAST_ACK:
        tcpClose(inet, tp);
        break;
      default:
        break; // TIME_WAIT: RFC 1337.
    }
  }
  return 'drop';
}

function resetClose(c: InCtx, e: 'ECONNREFUSED' | 'ECONNRESET'): void {
  c.inet.k.wr(c.tp.so.obj);
  c.tp.so.error = e;
  tcpSetState(c.inet, c.tp, TCPS_CLOSED);
  c.inet.stats.inc(c.tp.cpu, 'tcp.drops');
  tcpClose(c.inet, c.tp);
}

/** A.13 PAWS with the 24-day rule and paws_tolerance (TP-23). */
export function paws(c: InCtx): Next {
  const tp = c.tp;
  if ((c.to.flags & TOF_TS) === 0 || tp.tsRecent === 0 || !seqLt(c.to.tsval, tp.tsRecent)) {
    return 'continue';
  }
  if (c.ticks - tp.tsRecentAge > c.inet.tcp.times.pawsIdle) {
    tp.tsRecent = 0;
    return 'continue';
  }
  const tol = tp.cfg.pawsTolerance;
  const tlen = c.data.length;
  if (tol !== 0 && tlen !== 0 && tp.state === TCPS_ESTABLISHED &&
      (c.thflags & (TH_SYN | TH_FIN | TH_RST | TH_URG | TH_ACK)) === TH_ACK &&
      (tp.tFlags & (TF_NEEDSYN | TF_NEEDFIN)) === 0 && c.ack === tp.sndUna &&
      c.tiwin === tp.sndWnd && seqGeq((c.to.tsval + tol) >>> 0, tp.tsRecent) &&
      (c.seq === tp.rcvNxt || (seqGt(c.seq, tp.rcvNxt) && canReassLast(c)))) {
    return 'continue';
  }
  return tlen !== 0 ? 'dropafterack' : 'drop';
}

/** `tcp_paws_canreasslast`: the segment extends the last queued one, or fits before it. */
function canReassLast(c: InCtx): boolean {
  const q = c.tp.segq;
  const last = q[q.length - 1];
  if (last === undefined) return false;
  if (((last.seq + last.len) >>> 0) === c.seq) return !last.fin;
  if (((c.seq + c.data.length) >>> 0) !== last.seq) return false;
  const prev = q[q.length - 2];
  return prev === undefined || seqGeq(c.seq, (prev.seq + prev.len) >>> 0);
}

/** B.4 step 5: trim leading duplicate data (and SYN); report it as a D-SACK (A.11). */
export function trimHead(c: InCtx): void {
  const tp = c.tp;
  let todrop = (tp.rcvNxt - c.seq) | 0;
  if (todrop <= 0) return;
  const tlen = c.data.length;
  if ((tp.tFlags & TF_SACK_PERMITTED) !== 0) {
    tp.reportblk.start = c.seq;
    let end = sackBlkEnd((c.seq + tlen) >>> 0, (c.thflags & TH_FIN) !== 0);
    if (seqGt(end, tp.rcvNxt)) end = tp.rcvNxt;
    tp.reportblk.end = end;
    tp.sackFlags |= TSACK_F_DUPSEG | TSACK_F_SACKLEFT;
    tp.tFlags |= TF_ACKNOW;
  }
  if ((c.thflags & TH_SYN) !== 0) {
    c.thflags &= ~(TH_SYN | TH_URG);
    c.seq = (c.seq + 1) >>> 0;
    todrop--;
  }
  if (todrop > tlen || (todrop === tlen && (c.thflags & TH_FIN) === 0)) {
    c.thflags &= ~TH_FIN;
    tp.tFlags |= TF_ACKNOW;
    todrop = tlen;
    c.inet.stats.inc(tp.cpu, 'tcp.rcvduppack');
  }
  c.seq = (c.seq + todrop) >>> 0;
  c.data = c.data.subarray(todrop);
  c.thflags &= ~TH_URG;
}

/** B.4 step 7: trim data beyond the window; TIME-WAIT recycling; window probes (TP-24). */
export function trimTail(c: InCtx): Next {
  const tp = c.tp;
  const tlen = c.data.length;
  const todrop = (((c.seq + tlen) >>> 0) - ((tp.rcvNxt + tp.rcvWnd) >>> 0)) | 0;
  if (todrop <= 0) return 'continue';
  if (todrop >= tlen) {
    if ((c.thflags & TH_SYN) !== 0 && tp.state === TCPS_TIME_WAIT && seqGt(c.seq, tp.rcvNxt)) {
      tcpClose(c.inet, tp);
      return 'recycle';
    }
    if (tp.rcvWnd === 0 && c.seq === tp.rcvNxt) tp.tFlags |= TF_ACKNOW;
    else return 'dropafterack';
  }
  c.data = c.data.subarray(0, Math.max(0, tlen - todrop));
  c.thflags &= ~(TH_PSH | TH_FIN);
  return 'continue';
}

