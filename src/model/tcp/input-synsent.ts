/**
 * Read before editing: RFC 9293 §3.10.7.3 (SM-9 … SM-13), RFC 7323 §2.2/§3.2 (WS-1, TS-3),
 * RFC 2018 (SACK-1); dragonfly.md B.2 "SYN_SENT input"; docs/TCP-PROFILE.md TP-18.
 */
import { TH_ACK, TH_FIN, TH_RST, TH_SYN } from '../../core/packet';
import { seqAdd, seqGt, seqLeq } from '../../core/seq';
import { calloutReset, calloutStop } from './callout';
import type { Conn, Env } from './env';
import { delackTicks, delayAck } from './input-predict';
import type { InSeg, Outcome } from './input-types';
import { handshakeDone, rcvSeqInit, soIsConnected, tcpDrop, tcpEstablished } from './lifecycle';
import { tcpMss } from './options';

/**
 * The options of a SYN received in SYN-SENT (before header prediction, as tcp_input does):
 * window scale only if we asked too (WS-1), the SYN's window unscaled (WS-3), timestamps,
 * MSS (TP-18), SACK-permitted.
 */
export function synSentOptions(env: Env, c: Conn, s: InSeg): void {
  const { tp } = c;
  if (s.opts.wscale !== undefined && tp.flags.reqScale) {
    tp.flags.rcvdScale = true;
    tp.sndScale = s.opts.wscale;
  }
  tp.sndWnd = s.win;
  if (s.opts.ts !== undefined) {
    tp.flags.rcvdTstmp = true;
    tp.tsRecent = s.opts.ts.val;
    tp.tsRecentAge = env.ticks;
  }
  tcpMss(env, tp, s.opts.mss);
  if (env.cfg.sack && s.opts.sackPermitted) tp.flags.sackPermitted = true;
}

/**
 * SYN-SENT (SM-9 … SM-12, DISC-6/SM-13): an ACK outside (ISS, sndMax] → RST; RST with an
 * acceptable ACK → ECONNREFUSED; no SYN → drop. A SYN|ACK completes the open (ESTABLISHED, or
 * FIN-WAIT-1 if the application already shut down); a bare SYN is a simultaneous open
 * (SYN-RECEIVED, SM-26). Continues at ACK processing or step 6.
 */
export function synSentInput(env: Env, c: Conn, s: InSeg): Outcome | 'processAck' {
  const { so, tp } = c;
  const hasAck = (s.flags & TH_ACK) !== 0;
  if (hasAck && (seqLeq(s.ack, tp.iss) || seqGt(s.ack, tp.sndMax))) return 'dropwithreset';
  if ((s.flags & TH_RST) !== 0) {
    if (hasAck) tcpDrop(env, c, 'ECONNREFUSED');
    return 'drop';
  }
  if ((s.flags & TH_SYN) === 0) return 'drop';
  rcvSeqInit(tp, s.seq);
  if (hasAck) {
    soIsConnected(so);
    if (tp.flags.rcvdScale && tp.flags.reqScale) tp.rcvScale = tp.requestRScale;
    tp.rcvAdv = seqAdd(tp.rcvAdv, tp.rcvWnd);
    tp.sndUna = seqAdd(tp.sndUna, 1);
    calloutStop(tp, 'rexmt');
    if (delayAck(env, tp) && s.data.length !== 0) calloutReset(env, tp, 'delack', delackTicks(env));
    else tp.flags.ackNow = true;
    if (tp.flags.needFin) {
      tp.state = 'FIN-WAIT-1';
      tp.flags.needFin = false;
      handshakeDone(tp);
      s.flags &= ~TH_SYN;
    } else {
      tcpEstablished(env, tp);
    }
  } else {
    tp.flags.ackNow = true;
    calloutStop(tp, 'rexmt');
    tp.state = 'SYN-RECEIVED';
  }
  // Step past the SYN; trim data to the window, dropping a FIN with what is cut.
  s.seq = seqAdd(s.seq, 1);
  if (s.data.length > tp.rcvWnd) {
    s.data = s.data.subarray(0, tp.rcvWnd);
    s.flags &= ~TH_FIN;
  }
  tp.sndWl1 = seqAdd(s.seq, -1);
  return hasAck ? 'processAck' : 'step6';
}
