/**
 * Read before editing: RFC 6298 §2–§5 (RTO-1 … RTO-13); dragonfly.md A.9 (tcp_xmit_timer,
 * TCP_REXMTVAL, TCPT_RANGESET), A.10 (Eifel response rebase, RFC 4015 step 11, EIR-8).
 *
 * DragonFly keeps srtt·32 and rttvar·16 in ticks and derives the RTO as srtt + 4·rttvar.
 * DEVIATION(RFC 6298 §2.4, RTO-5): the floor is rexmit_min (3 ticks) plus a slop of 16 ticks added
 * to every value, not 1 s (dragonfly.md F.2, DISC-9). DEVIATION(RFC 6298 §2.3): the sample is taken
 * as R − 1 ("origin 0") in the smoothing and every advancing ACK with timestamps is a sample.
 */
import type { Draft } from 'immer';
import type { SeqNum } from '../../core/seq';
import { seqGt } from '../../core/seq';
import {
  TCP_DELTA_SHIFT, TCP_RTT_SHIFT, TCP_RTTVAR_SHIFT, rexmtMaxTicks, rtoBaseTicks,
} from './constants';
import type { Env } from './env';
import type { Tcb } from './state';

/** TCPT_RANGESET: value + slop, clamped to [lo, hi] (F.2: the slop is added to every RTO). */
export function rangeset(env: Env, value: number, lo: number, hi: number): number {
  const tv = value + env.cfg.rexmitSlopTicks;
  if (tv < lo) return lo;
  if (tv > hi) return hi;
  return tv;
}

/** TCP_REXMTVAL: max(t_rttmin, srtt + 4·rttvar) in ticks (RTO-3/RTO-4's RTO before bounds). */
export const rexmtval = (tp: Tcb): number =>
  Math.max(tp.rttmin,
    ((tp.srtt >> (TCP_RTT_SHIFT - TCP_DELTA_SHIFT)) + tp.rttvar) >> TCP_DELTA_SHIFT);

/** A.1 tcp_newtcpcb: srtt 0, rttvar such that srtt + 4·rttvar = TCPTV_RTOBASE (RTO-2). */
export interface RttInit {
  readonly srtt: number;
  readonly rttvar: number;
  readonly rttmin: number;
  readonly rxtcur: number;
}

export function initialRtt(env: Env): RttInit {
  const base = rtoBaseTicks(env.hz, env.cfg.lowRtobase);
  const rttvar = (base << TCP_RTTVAR_SHIFT) / 4;
  return { srtt: 0, rttvar, rttmin: env.cfg.rexmitMinTicks, rxtcur: base };
}

/**
 * tcp_xmit_timer: take the RTT sample `rtt` (ticks) for an ACK of `ack` (RTO-3, RTO-4, RTO-12).
 * With an Eifel rebase pending and the ACK covering data sent after the spurious timeout, the
 * estimator is rebased instead (EIR-8) and the RTO is at least the old one plus G.
 */
export function xmitTimer(env: Env, tp: Draft<Tcb>, rtt: number, ack: SeqNum): void {
  let rebase = false;
  if (tp.eifel.rebaseRto && seqGt(ack, tp.eifel.maxPrev)) {
    rebase = true;
    tp.eifel.rebaseRto = false;
    tp.srtt = Math.max(tp.eifel.srttPrev, rtt << TCP_RTT_SHIFT);
    tp.rttvar = Math.max(tp.eifel.rttvarPrev, rtt << (TCP_RTTVAR_SHIFT - 1));
  } else if (tp.srtt !== 0) {
    let delta = ((rtt - 1) << TCP_DELTA_SHIFT) - (tp.srtt >> (TCP_RTT_SHIFT - TCP_DELTA_SHIFT));
    tp.srtt += delta;
    if (tp.srtt <= 0) tp.srtt = 1;
    if (delta < 0) delta = -delta;
    delta -= tp.rttvar >> (TCP_RTTVAR_SHIFT - TCP_DELTA_SHIFT);
    tp.rttvar += delta;
    if (tp.rttvar <= 0) tp.rttvar = 1;
  } else {
    // RTO-3: the first sample initializes the estimator.
    tp.srtt = rtt << TCP_RTT_SHIFT;
    tp.rttvar = rtt << (TCP_RTTVAR_SHIFT - 1);
  }
  tp.rtttime = 0;
  tp.rxtshift = 0;
  tp.rxtcur = rangeset(env, rexmtval(tp), Math.max(tp.rttmin, rtt + 2), rexmtMaxTicks(env.hz));
  if (rebase && tp.rxtcur < tp.eifel.rxtcurPrev + env.cfg.eifelRtoincTicks) {
    tp.rxtcur = tp.eifel.rxtcurPrev + env.cfg.eifelRtoincTicks;
  }
}
