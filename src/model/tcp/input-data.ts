/**
 * Read before editing: RFC 9293 §3.10.7.4 steps 5–8 (WIN-1, SM-19 … SM-21), RFC 5681 §4.2
 * (CC-16 … CC-19), RFC 2018 (SACK-4); dragonfly.md A.12 "Delayed ACK", "Out-of-order segment",
 * B.5 "FIN received"; docs/TCP-PROFILE.md TP-22, TP-24.
 *
 * Step 6 of tcp_input: the window update, the text, the FIN, then the output the segment asks for.
 * URG is ignored (out of scope, TP-1).
 */
import type { Draft } from 'immer';
import { TH_ACK, TH_FIN } from '../../core/packet';
import { seqAdd } from '../../core/seq';
import { calloutReset } from './callout';
import { recvDupack } from './congestion/newreno';
import type { Conn, Env } from './env';
import { delackTicks, delayAck } from './input-predict';
import type { Flow, InSeg, Outcome } from './input-types';
import { enterTimeWait } from './lifecycle';
import { tcpOutputFair } from './output';
import { concatBytes, reass } from './reassembly';
import { blkEnd, reportCleanup, reportNeeded } from './sack';
import type { Tcb } from './state';
import { haveEstablished, haveRcvdFin } from './state';
import { acceptableWindowUpdate } from './window';

/** WIN-1: take the segment's window if it is newer than the last one taken. */
function windowUpdate(tp: Draft<Tcb>, s: InSeg, f: Flow): void {
  if ((s.flags & TH_ACK) === 0 || !acceptableWindowUpdate(tp, s.seq, s.ack, f.tiwin)) return;
  tp.sndWnd = f.tiwin;
  tp.sndWl1 = s.seq;
  tp.sndWl2 = s.ack;
  if (tp.sndWnd > tp.maxSndwnd) tp.maxSndwnd = tp.sndWnd;
  f.needOutput = true;
}

/** Step 7, text (SM-20): in order → socket (delayed ACK); otherwise reassembly, ACK now (CC-18). */
function text(env: Env, c: Conn, s: InSeg): boolean {
  const { so, tp } = c;
  const fin = (s.flags & TH_FIN) !== 0;
  if ((s.data.length === 0 && !fin) || haveRcvdFin(tp.state)) return false;
  if (fin) tp.flags.sawFin = true;
  if (s.seq === tp.rcvNxt && tp.reass.length === 0 && haveEstablished(tp.state)) {
    if (fin) tp.flags.quedFin = true;
    if (delayAck(env, tp)) calloutReset(env, tp, 'delack', delackTicks(env));
    else tp.flags.ackNow = true;
    tp.rcvNxt = seqAdd(tp.rcvNxt, s.data.length);
    if (!so.cantRcvMore) so.rcv = concatBytes(so.rcv, s.data);
    return fin;
  }
  if (!tp.sackRcv.dupSeg) {
    tp.sackRcv.reportblk = { start: s.seq, end: blkEnd(seqAdd(s.seq, s.data.length), fin) };
  }
  const presentedFin = reass(env, so, tp, { seq: s.seq, data: s.data, fin });
  tp.flags.ackNow = true;
  return presentedFin;
}

/** Step 8, FIN (SM-21, TW-2). */
function finStep(env: Env, c: Conn): void {
  const { so, tp } = c;
  if (!haveRcvdFin(tp.state)) {
    so.cantRcvMore = true;
    if (delayAck(env, tp) && tp.flags.needSyn) calloutReset(env, tp, 'delack', delackTicks(env));
    else tp.flags.ackNow = true;
    tp.rcvNxt = seqAdd(tp.rcvNxt, 1);
  }
  switch (tp.state) {
    case 'SYN-RECEIVED':
    case 'ESTABLISHED':
      tp.state = 'CLOSE-WAIT';
      break;
    case 'FIN-WAIT-1':
      tp.state = 'CLOSING';
      break;
    case 'FIN-WAIT-2':
      enterTimeWait(env, c);
      break;
    case 'TIME-WAIT':
      calloutReset(env, tp, '2msl', 2 * Math.max(1, Math.floor((env.cfg.mslMs * env.hz) / 1000)));
      break;
    default:
      break;
  }
}

/** Steps 6–8 and the output at the end of tcp_input. */
export function step6(env: Env, c: Conn, s: InSeg, f: Flow): Outcome {
  const { tp } = c;
  windowUpdate(tp, s, f);
  if (text(env, c, s)) finStep(env, c);
  if (f.delayedDupack !== null && recvDupack(env, c, f.delayedDupack.ack, f.delayedDupack.info)) {
    f.needOutput = false;
  }
  if (tp.flags.ackNow || (f.needOutput && reportNeeded(tp))) {
    tp.timers.sndmore = null;
    tcpOutputFair(env, c);
  } else if (f.needOutput && tp.timers.sndmore === null) {
    tcpOutputFair(env, c);
  }
  reportCleanup(tp);
  return 'done';
}
