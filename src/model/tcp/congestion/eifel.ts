/**
 * Read before editing: RFC 3522 (EIF-1 … EIF-7), RFC 4015 (EIR-1 … EIR-8); dragonfly.md A.10
 * (tcp_save_congestion_state, tcp_revert_congestion_state), F.10; docs/TCP-PROFILE.md TP-28.
 *
 * Spurious-retransmission detection and undo as DragonFly does it.
 * DEVIATION(RFC 3522 §3.2, EIF-6): no D-SACK test; a retransmission is spurious when the first
 * ACK that advances sndUna echoes a TSval older than the retransmission's (plain unsigned `<`).
 * DEVIATION(RFC 4015 §2, EIR-6): the undo restores the saved cwnd/ssthresh/recover instead of
 * cwnd = FlightSize + min(acked, IW), and also undoes spurious fast and early retransmits.
 * Without timestamps, an ACK within srtt/2 of the first RTO is taken as spurious (Allman–Paxson).
 */
import type { Draft } from 'immer';
import type { Env } from '../env';
import type { Tcb } from '../state';

/** tcp_save_congestion_state (EIF-2, EIF-3, EIR-3). */
export function saveCongestionState(env: Env, tp: Draft<Tcb>): void {
  const e = tp.eifel;
  e.cwndPrev = tp.sndCwnd;
  e.wackedPrev = tp.sndWacked;
  e.ssthreshPrev = tp.sndSsthresh;
  e.recoverPrev = tp.sndRecover;
  e.maxPrev = tp.sndMax;
  e.wasFRecovery = tp.flags.fastRecovery;
  if (tp.flags.rcvdTstmp) {
    // RetransmitTS: the TSval the retransmission will carry.
    e.rexmtTS = env.tsClock;
    e.firstAccAck = true;
  }
}

/** tcp_revert_congestion_state (EIR-5: resume with new data, sndNxt = sndMax). */
export function revertCongestionState(env: Env, tp: Draft<Tcb>): void {
  const e = tp.eifel;
  tp.sndCwnd = e.cwndPrev;
  tp.sndWacked = e.wackedPrev;
  tp.sndSsthresh = e.ssthreshPrev;
  tp.sndRecover = e.recoverPrev;
  if (e.wasFRecovery) tp.flags.fastRecovery = true;
  if (!e.fastRexmt) {
    // A spurious timeout: the RTO is rebased on the next sample for new data (EIR-8, EIR-7).
    tp.sndLast = env.ticks;
    if (env.cfg.eifelResponse) e.rebaseRto = true;
  }
  e.badrxtwin = 0;
  tp.rxtshift = 0;
  tp.sndNxt = tp.sndMax;
}

/**
 * EIF-4/EIF-5: on an ACK that advances sndUna by `acked` and echoes `tsecr` (0 = none), undo a
 * spurious retransmission. Then stop looking (the flags are cleared by the caller when acked > 0).
 */
export function detectSpurious(env: Env, tp: Draft<Tcb>, acked: number, tsecr: number): void {
  if (env.cfg.eifel && acked > 0 && tsecr !== 0 && tp.eifel.firstAccAck) {
    if (tsecr >>> 0 < tp.eifel.rexmtTS >>> 0) revertCongestionState(env, tp);
  } else if (tp.rxtshift === 1 && env.ticks < tp.eifel.badrxtwin) {
    revertCongestionState(env, tp);
  }
}

/** After any ACK that advances sndUna: stop looking for the first acceptable ACK. */
export function clearRetransmitMarks(tp: Draft<Tcb>): void {
  tp.eifel.firstAccAck = false;
  tp.eifel.fastRexmt = false;
  tp.eifel.earlyRexmt = false;
}
