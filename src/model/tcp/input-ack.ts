/**
 * Read before editing: RFC 9293 §3.10.7.4 step 5 (SM-17, SM-18, SEQ-5, SEQ-6, WIN-1), RFC 5681
 * §3.2 (CC-D7), RFC 6582 §3.2 (NR-3, NR-4), RFC 6298 §5 (RTO-9 5.2/5.3); dragonfly.md A.3, A.4
 * "Recovery exit", A.9, A.10; docs/TCP-PROFILE.md TP-25, TP-27, TP-28.
 *
 * The ACK step of tcp_input for SYN-RECEIVED and the synchronized states.
 * DEVIATION(RFC 5681 §2, CC-D7): a duplicate ACK is one with ack = sndUna, no data, the same
 * window, no new FIN, while the retransmission timer runs (A.3); with RFC 6675 and SACK, an ACK
 * with data or a window change that brings new SACK information counts after the data (A.3 step 4).
 */
import { TH_FIN } from '../../core/packet';
import { seqAdd, seqDiff, seqGeq, seqGt, seqLeq, seqLt } from '../../core/seq';
import { calloutActive, calloutReset, calloutStop } from './callout';
import { openCwnd } from './congestion/cc';
import { clearRetransmitMarks, detectSpurious } from './congestion/eifel';
import { newrenoPartialAck, recvDupack } from './congestion/newreno';
import { sackRexmt } from './congestion/sack-recovery';
import { maxIdleTicks } from './constants';
import type { Conn, Env } from './env';
import { rttSample } from './input-predict';
import type { Flow, InSeg, Outcome } from './input-types';
import {
  enterTimeWait, handshakeDone, soIsConnected, soIsDisconnected, tcpClose, tcpEstablished,
} from './lifecycle';
import { reass } from './reassembly';
import { xmitTimer } from './rtt';
import { doSack, updateScoreboard } from './sack';
import { acceptableWindowUpdate } from './window';

/** SYN-RECEIVED → ESTABLISHED (SM-17; FIN-WAIT-1 if a close came first). */
function synReceivedAck(env: Env, c: Conn, s: InSeg): void {
  const { so, tp } = c;
  soIsConnected(so);
  if (tp.flags.rcvdScale && tp.flags.reqScale) tp.rcvScale = tp.requestRScale;
  if (tp.flags.needFin) {
    tp.state = 'FIN-WAIT-1';
    tp.flags.needFin = false;
    handshakeDone(tp);
  } else {
    tcpEstablished(env, tp);
  }
  if (s.data.length === 0 && (s.flags & TH_FIN) === 0) reass(env, so, tp, null);
}

/** An ACK at or below sndUna (A.3). Returns 'drop' if tcp_recv_dupack consumed it. */
function oldAck(env: Env, c: Conn, s: InSeg, f: Flow): Outcome {
  const { tp } = c;
  if (doSack(env, tp)) {
    const redundant = updateScoreboard(env, tp, s.opts.sack ?? []);
    f.sackInfo = { sack: s.opts.sack !== null, redundant, dsack: s.opts.dsack };
  }
  const mayNotDup = s.data.length !== 0 || f.tiwin !== tp.sndWnd ||
    ((s.flags & TH_FIN) !== 0 && !tp.flags.sawFin);
  if (!calloutActive(tp, 'rexmt') || s.ack !== tp.sndUna) {
    tp.dupacks = 0;
    return 'continue';
  }
  if (mayNotDup) {
    if (!env.cfg.rfc6675 || !doSack(env, tp) || !f.sackInfo.sack || f.sackInfo.redundant) {
      tp.dupacks = 0;
    }
    else f.delayedDupack = { ack: s.ack, info: f.sackInfo };
    return 'continue';
  }
  if ((s.flags & TH_FIN) !== 0 && !tp.flags.quedFin) {
    f.delayedDupack = { ack: s.ack, info: f.sackInfo };
    return 'continue';
  }
  return recvDupack(env, c, s.ack, f.sackInfo) ? 'drop' : 'continue';
}

/** Fast recovery on a new ACK: exit on a full ACK (A.4), else the partial-ACK response. */
function recoveryAck(env: Env, c: Conn, s: InSeg, f: Flow, acked: number): void {
  const { tp } = c;
  if (seqGeq(s.ack, tp.sndRecover)) {
    tp.flags.fastRecovery = false;
    f.needOutput = true;
    if (!doSack(env, tp)) tp.sndCwnd = tp.sndSsthresh;
    // NR-8 burst avoidance: at most two segments beyond the flight.
    if (seqGt(seqAdd(s.ack, tp.sndCwnd), seqAdd(tp.sndMax, 2 * tp.maxseg))) {
      tp.sndCwnd = seqDiff(tp.sndMax, tp.sndUna) + 2 * tp.maxseg;
    }
    tp.sndWacked = 0;
  } else {
    if (doSack(env, tp)) {
      tp.sndMaxRexmt = tp.sndMax;
      sackRexmt(env, c, tp.sndUna === tp.sack.rexmtHigh);
    } else {
      newrenoPartialAck(env, c, s.ack, acked);
    }
    f.needOutput = false;
  }
}

/** The state-specific part of a new ACK (SM-17): our FIN acknowledged. */
function finAcked(env: Env, c: Conn, ourFinIsAcked: boolean): Outcome {
  const { so, tp } = c;
  switch (tp.state) {
    case 'FIN-WAIT-1':
      if (ourFinIsAcked) {
        if (so.cantRcvMore) {
          soIsDisconnected(so);
          calloutReset(env, tp, '2msl', maxIdleTicks(env.hz));
        }
        tp.state = 'FIN-WAIT-2';
      }
      return 'continue';
    case 'CLOSING':
      if (ourFinIsAcked) enterTimeWait(env, c);
      return 'continue';
    case 'LAST-ACK':
      if (ourFinIsAcked) {
        tcpClose(env, so);
        return 'done';
      }
      return 'continue';
    case 'TIME-WAIT':
      calloutReset(env, tp, '2msl', 2 * Math.max(1, Math.floor((env.cfg.mslMs * env.hz) / 1000)));
      return 'dropafterack';
    default:
      return 'continue';
  }
}

/** process_ACK: an ACK that covers new data (or our SYN). */
export function processAck(env: Env, c: Conn, s: InSeg, f: Flow): Outcome {
  const { so, tp } = c;
  const acked = seqDiff(s.ack, tp.sndUna);
  detectSpurious(env, tp, acked, s.opts.ts?.ecr ?? 0);
  const r = rttSample(env, tp, s);
  if (r !== null) xmitTimer(env, tp, r, s.ack);
  if (acked === 0) return 'step6';
  clearRetransmitMarks(tp);
  let ourFinIsAcked = false;
  if (acked > so.snd.length) {
    tp.sndWnd -= so.snd.length;
    so.snd = so.snd.subarray(so.snd.length);
    // DEVIATION(dragonfly.md B.5): DragonFly also takes the ACK of our SYN in SYN-RECEIVED as
    // "our FIN is acked", which after a shutdown during a simultaneous open would move
    // FIN-WAIT-1 → FIN-WAIT-2 with the FIN never sent; the model requires a FIN to have been sent.
    ourFinIsAcked = tp.flags.sentFin;
  } else {
    so.snd = so.snd.subarray(acked);
    tp.sndWnd -= acked;
  }
  if (acceptableWindowUpdate(tp, s.seq, s.ack, f.tiwin)) {
    tp.sndWnd = f.tiwin;
    tp.sndWl1 = s.seq;
    tp.sndWl2 = s.ack;
    if (tp.sndWnd > tp.maxSndwnd) tp.maxSndwnd = tp.sndWnd;
    f.needOutput = true;
  }
  tp.sndUna = s.ack;
  if (doSack(env, tp)) updateScoreboard(env, tp, s.opts.sack ?? []);
  if (tp.flags.fastRecovery) {
    recoveryAck(env, c, s, f, acked);
  } else {
    openCwnd(env, tp, acked);
    tp.sndRecover = seqAdd(s.ack, -1);
  }
  if (seqLt(tp.sndNxt, tp.sndUna)) tp.sndNxt = tp.sndUna;
  // RTO-9 (5.2)/(5.3): stop when all is acked, else restart with the current RTO.
  if (s.ack === tp.sndMax) {
    calloutStop(tp, 'rexmt');
    f.needOutput = true;
  } else if (!calloutActive(tp, 'persist')) {
    calloutReset(env, tp, 'rexmt', tp.rxtcur);
  }
  return finAcked(env, c, ourFinIsAcked);
}

/** Step 5 (SM-17) for SYN-RECEIVED and the synchronized states. */
export function ackStep(env: Env, c: Conn, s: InSeg, f: Flow): Outcome {
  const { tp } = c;
  if (tp.state === 'SYN-RECEIVED') synReceivedAck(env, c, s);
  if (seqLeq(s.ack, tp.sndUna)) return oldAck(env, c, s, f);
  tp.dupacks = 0;
  if (seqGt(s.ack, tp.sndMax)) {
    // A.2 optimistic-ACK defence: back to one segment, and answer with an ACK.
    tp.sndCwnd = tp.maxseg;
    tp.sndWacked = 0;
    return 'dropafterack';
  }
  return processAck(env, c, s, f);
}
