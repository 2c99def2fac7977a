/**
 * Read before editing: dragonfly.md A.12 "Delayed ACK", "ACK aggregation"; docs/TCP-PROFILE.md
 * TP-22, TP-27.
 *
 * tcp_input's header prediction. The model has no fast path of its own, but DragonFly's is
 * observable — an in-order data segment on it is ACKed at the rollup (per-batch aggregation) and
 * a pure ACK on it does not grow cwnd — so the model states exactly when it applies.
 */
import { TH_ACK, TH_FIN, TH_RST, TH_SYN, TH_URG } from '../../core/packet';
import { seqAdd, seqDiff, seqGt, seqLeq } from '../../core/seq';
import { calloutActive, calloutPending, calloutReset, calloutStop } from './callout';
import { clearRetransmitMarks, detectSpurious } from './congestion/eifel';
import type { Conn, Env } from './env';
import { msToTicks } from './env';
import type { Flow, InSeg } from './input-types';
import { tcpOutput, tcpOutputFair } from './output';
import { concatBytes } from './reassembly';
import { xmitTimer } from './rtt';
import type { Tcb } from './state';
import { acceptableWindowUpdate, rcvSpace } from './window';

/** DELAY_ACK (A.12): delayed ACKs on, no delack pending, the last window sent was not zero. */
export const delayAck = (env: Env, tp: Tcb): boolean =>
  env.cfg.delayedAck && !calloutPending(env, tp, 'delack') && !tp.flags.rxwin0Sent;

export const delackTicks = (env: Env): number => msToTicks(env, env.cfg.delackTimeMs);

/** TSTMP_GEQ (TS-5). */
const tsGeq = (a: number, b: number): boolean => ((a - b) | 0) >= 0;

/** tcp_xmit_timer's sample for an ACK (A.9): timestamps if echoed, else the timed segment. */
export function rttSample(env: Env, tp: Tcb, s: InSeg): number | null {
  if (s.opts.ts !== undefined && s.opts.ts.ecr !== 0) {
    return ((env.tsClock - s.opts.ts.ecr) | 0) + 1;
  }
  if (tp.rtttime !== 0 && seqGt(s.ack, tp.rtseq)) return env.ticks - tp.rtttime;
  return null;
}

/** The pure-ACK fast path: the ACK advances sndUna, cwnd already covers the peer's window. */
function predictedAck(env: Env, c: Conn, s: InSeg, f: Flow): void {
  const { so, tp } = c;
  detectSpurious(env, tp, 1, s.opts.ts?.ecr ?? 0);
  clearRetransmitMarks(tp);
  const r = rttSample(env, tp, s);
  if (r !== null) xmitTimer(env, tp, r, s.ack);
  const acked = seqDiff(s.ack, tp.sndUna);
  so.snd = so.snd.subarray(acked);
  tp.sndRecover = seqAdd(s.ack, -1);
  tp.sndUna = s.ack;
  tp.dupacks = 0;
  if (f.tiwin !== tp.sndWnd && acceptableWindowUpdate(tp, s.seq, s.ack, f.tiwin)) {
    tp.sndWnd = f.tiwin;
    tp.sndWl1 = s.seq;
    tp.sndWl2 = s.ack;
    if (tp.sndWnd > tp.maxSndwnd) tp.maxSndwnd = tp.sndWnd;
  }
  if (tp.sndUna === tp.sndMax) calloutStop(tp, 'rexmt');
  else if (!calloutActive(tp, 'persist')) calloutReset(env, tp, 'rexmt', tp.rxtcur);
  if (so.snd.length > 0 && tp.timers.sndmore === null) tcpOutputFair(env, c);
}

/** The in-order data fast path: append, then delay, aggregate or send the ACK (TP-22). */
function predictedData(env: Env, c: Conn, s: InSeg): void {
  const { so, tp } = c;
  tp.rcvNxt = seqAdd(tp.rcvNxt, s.data.length);
  if (!so.cantRcvMore) so.rcv = concatBytes(so.rcv, s.data);
  if (delayAck(env, tp)) {
    calloutReset(env, tp, 'delack', delackTicks(env));
  } else if (env.cfg.aggregateAcks) {
    tp.flags.ackNow = true;
    if (!tp.flags.onOutputQ) {
      tp.flags.onOutputQ = true;
      env.d.ackq[so.owner]!.push(tp.key);
    }
  } else {
    tp.flags.ackNow = true;
    tcpOutput(env, c);
  }
}

/** Header prediction; true when the segment was fully handled on the fast path. */
export function headerPrediction(env: Env, c: Conn, s: InSeg, f: Flow): boolean {
  const { so, tp } = c;
  const ts = s.opts.ts;
  if (tp.state !== 'ESTABLISHED' ||
      (s.flags & (TH_SYN | TH_FIN | TH_RST | TH_URG | TH_ACK)) !== TH_ACK ||
      tp.flags.needSyn || tp.flags.needFin ||
      (ts !== undefined && !tsGeq(ts.val, tp.tsRecent)) ||
      s.seq !== tp.rcvNxt || tp.sndNxt !== tp.sndMax) return false;
  if (ts !== undefined && seqLeq(s.seq, tp.lastAckSent)) {
    tp.tsRecentAge = env.ticks;
    tp.tsRecent = ts.val;
  }
  if (s.data.length === 0) {
    if (seqGt(s.ack, tp.sndUna) && seqLeq(s.ack, tp.sndMax) && tp.sndCwnd >= tp.sndWnd &&
        !tp.flags.fastRecovery) {
      predictedAck(env, c, s, f);
      return true;
    }
  } else if (f.tiwin === tp.sndWnd && s.ack === tp.sndUna && tp.reass.length === 0 &&
      s.data.length <= rcvSpace(env, so)) {
    predictedData(env, c, s);
    return true;
  }
  return false;
}
