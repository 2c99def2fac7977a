/**
 * Read before editing: RFC 5681 §3.2 (CC-10 … CC-13), RFC 6582 (NR-1 … NR-12), RFC 3042
 * (LT-1 … LT-8), RFC 5827 (ER-1 … ER-4); dragonfly.md A.3, A.4, A.6, A.7, F.5 … F.8;
 * docs/TCP-PROFILE.md TP-28.
 *
 * tcp_recv_dupack and the fast-retransmit family as DragonFly runs them.
 * DEVIATION(RFC 6582 §3.2 step 2, NR-2): entry needs ack ≥ snd_recover, and every new ACK
 * outside recovery sets snd_recover = ack − 1, so the guard lasts only until the first new ACK
 * after an RTO (F.6). DISC-4: snd_recover is the BSD "one past" value (NR-E1).
 * DEVIATION(RFC 6582 §3.2 step 3, NR-4/NR-5): a partial ACK retransmits one segment and restarts
 * the timer every time ("Slow-but-Steady"); cwnd = cwnd − acked + SMSS (F.5).
 * DEVIATION(RFC 3042 §2, LT-3, DISC-2): the classic path allows cwnd + (dupacks − sent)·SMSS of
 * flight and sends new data only, one segment per dupack, two at most, bypassing Nagle (F.7).
 * DEVIATION(RFC 5827 §3, ER-1/ER-2): Early Retransmit needs timestamps and Eifel, counts bytes
 * with a ceiling, is tried only when Limited Transmit sent nothing, has no delay timer (F.8).
 */
import type { SeqNum } from '../../../core/seq';
import { seqDiff, seqGt, seqLt } from '../../../core/seq';
import { calloutStop } from '../callout';
import type { Conn, Env } from '../env';
import { tcpOutput } from '../output';
import { doSack, firstUnsackedLen, hasSacked, isLost } from '../sack';
import { lossSsthresh } from './cc';
import { saveCongestionState } from './eifel';
import { sackLimitedXmit, sackRexmt } from './sack-recovery';

/** What the ACK's options told the SACK scoreboard (TOF_SACK, TOF_SACK_REDUNDANT, TOF_DSACK). */
export interface AckSackInfo {
  readonly sack: boolean;
  readonly redundant: boolean;
  readonly dsack: boolean;
}

/** need_early_retransmit (A.7). */
function needEarlyRetransmit(env: Env, c: Conn, ownd: number): boolean {
  const { tp } = c;
  return env.cfg.earlyRetransmit && env.cfg.eifel && tp.flags.rcvdTstmp &&
    ownd < (tp.rxtthresh + 1) * tp.maxseg &&
    tp.dupacks + 1 >= Math.ceil(ownd / tp.maxseg) &&
    (!doSack(env, tp) || ownd <= tp.maxseg || hasSacked(tp, ownd - tp.maxseg));
}

/**
 * Fast retransmit (CC-11 steps 2–3, NR-2, A.4 step 5): reduce ssthresh, enter recovery, resend
 * the segment at `ack`, then continue with SACK recovery or NewReno's inflated cwnd.
 */
export function fastRetransmit(env: Env, c: Conn, ack: SeqNum, fastSackRexmt: boolean): void {
  const { tp } = c;
  if (env.cfg.eifel && tp.flags.rcvdTstmp) {
    saveCongestionState(env, tp);
    tp.eifel.fastRexmt = true;
  }
  tp.sndSsthresh = lossSsthresh(tp);
  tp.flags.fastRecovery = true;
  tp.sndRecover = tp.sndMax;
  calloutStop(tp, 'rexmt');
  tp.rtttime = 0;
  const oldSndNxt = tp.sndNxt;
  tp.sndNxt = ack;
  tp.sndCwnd = doSack(env, tp) ? Math.min(firstUnsackedLen(tp), tp.maxseg) : tp.maxseg;
  tcpOutput(env, c);
  tp.sndCwnd = tp.sndSsthresh;
  tp.sack.rexmtHigh = tp.sndNxt;
  tp.sack.rescued = false;
  if (seqGt(oldSndNxt, tp.sndNxt)) tp.sndNxt = oldSndNxt;
  if (doSack(env, tp)) {
    if (fastSackRexmt) sackRexmt(env, c, false);
  } else {
    tp.sndCwnd += tp.maxseg * (tp.dupacks - tp.sndLimited);
  }
}

/** Classic Limited Transmit (A.6, LT-2 … LT-4); returns whether Early Retransmit fired. */
function classicLimitedTransmit(env: Env, c: Conn): boolean {
  const { tp } = c;
  const oldCwnd = tp.sndCwnd;
  const oldSndMax = tp.sndMax;
  const oldSndNxt = tp.sndNxt;
  const ownd = seqDiff(tp.sndMax, tp.sndUna);
  if (tp.dupacks === 1) tp.sndLimited = 0;
  tp.sndNxt = tp.sndMax;
  tp.sndCwnd = ownd + (tp.dupacks - tp.sndLimited) * tp.maxseg;
  tp.flags.xmitNow = true;
  tcpOutput(env, c);
  if (seqLt(oldSndNxt, oldSndMax)) tp.sndNxt = oldSndNxt;
  tp.sndCwnd = oldCwnd;
  const sent = seqDiff(tp.sndMax, oldSndMax);
  if (sent > tp.maxseg) tp.sndLimited = 2;
  else if (sent > 0) tp.sndLimited += 1;
  else if (needEarlyRetransmit(env, c, ownd)) {
    tp.eifel.earlyRexmt = true;
    return true;
  }
  return false;
}

/**
 * tcp_recv_dupack (A.4): one duplicate ACK for `ack` = sndUna. Returns true when the ACK is
 * consumed (the segment is dropped after it).
 */
export function recvDupack(env: Env, c: Conn, ack: SeqNum, info: AckSackInfo): boolean {
  const { tp } = c;
  if (tp.flags.fastRecovery) {
    if (doSack(env, tp)) {
      sackRexmt(env, c, tp.sndUna === tp.sack.rexmtHigh && info.sack && !info.redundant);
    } else {
      tp.sndCwnd += tp.maxseg;
      tcpOutput(env, c);
    }
    return true;
  }
  if (seqLt(ack, tp.sndRecover)) {
    tp.dupacks = 0;
    return false;
  }
  if (env.cfg.ignoreRedunDsack && doSack(env, tp) && info.dsack && info.redundant) return true;
  tp.dupacks += 1;
  if (tp.dupacks === tp.rxtthresh) {
    fastRetransmit(env, c, ack, true);
  } else if (env.cfg.rfc6675 && doSack(env, tp)) {
    if (env.cfg.limitedTransmit && !sackLimitedXmit(env, c)) {
      const ownd = seqDiff(tp.sndMax, tp.sndUna);
      if (needEarlyRetransmit(env, c, ownd)) {
        tp.eifel.earlyRexmt = true;
        fastRetransmit(env, c, ack, true);
      } else if (isLost(tp, tp.sndUna)) {
        fastRetransmit(env, c, ack, false);
      }
    }
  } else if (env.cfg.limitedTransmit) {
    if (classicLimitedTransmit(env, c)) fastRetransmit(env, c, ack, true);
  }
  return true;
}

/**
 * tcp_newreno_partial_ack (NR-4, F.5): resend the segment at the new sndUna with the timer
 * restarted, then deflate cwnd by the data acked, plus one segment.
 */
export function newrenoPartialAck(env: Env, c: Conn, ack: SeqNum, acked: number): void {
  const { tp } = c;
  const oldSndNxt = tp.sndNxt;
  const ocwnd = tp.sndCwnd;
  calloutStop(tp, 'rexmt');
  tp.rtttime = 0;
  tp.sndNxt = ack;
  tp.sndCwnd = tp.maxseg;
  tp.flags.ackNow = true;
  tcpOutput(env, c);
  if (seqGt(oldSndNxt, tp.sndNxt)) tp.sndNxt = oldSndNxt;
  tp.sndCwnd = ocwnd > acked ? ocwnd - acked + tp.maxseg : tp.maxseg;
}
