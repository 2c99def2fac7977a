/**
 * Read before editing: RFC 5681 §3.1 (CC-2 … CC-9), §4.1 (CC-15); RFC 3390 (IW-1 … IW-6);
 * RFC 3465 (ABC); RFC 2861; dragonfly.md A.2, F.1, F.3, F.4; docs/TCP-PROFILE.md TP-27.
 *
 * Window growth and reduction as DragonFly computes them.
 * DEVIATION(RFC 5681 §3.1, CC-7): ABC with L = 2·SMSS in slow start (1·SMSS while resending
 * after an RTO) (F.4); slow start while cwnd ≤ ssthresh.
 * DEVIATION(RFC 5681 eq. 4, CC-9): ssthresh = max(2, ⌊min(rwnd, cwnd)/2/SMSS⌋)·SMSS, not
 * FlightSize/2, recomputed on every loss event, so repeated RTOs drive it to 2·SMSS (F.1).
 * DEVIATION(RFC 3390 §1, IW-5): after ≥ 3 s of SYN retransmission IW = 2·SMSS, not 1 (F.3).
 * DISC-1: the RFC 3390 formula min(4·MSS, max(2·MSS, 4380)) is used, as DragonFly does.
 */
import type { Draft } from 'immer';
import { seqLt } from '../../../core/seq';
import { IW_CAP_SEGMENT, TCP_MAXWIN, rtoBase3Ticks } from '../constants';
import type { Env } from '../env';
import type { Tcb } from '../state';

/** tcp_initial_window (A.2, IW-1, F.3). */
export function initialWindow(env: Env, tp: Tcb): number {
  const mss = tp.maxseg;
  if (!env.cfg.rfc3390) return 2 * mss;
  if (tp.rxtsyn >= rtoBase3Ticks(env.hz)) return 2 * mss;
  return Math.min(env.cfg.iwmaxsegs * mss, Math.max(2 * mss, env.cfg.iwcapsegs * IW_CAP_SEGMENT));
}

/** A.2 / F.1: the loss response's ssthresh. */
export function lossSsthresh(tp: Tcb): number {
  const win = Math.max(2, Math.floor(Math.min(tp.sndWnd, tp.sndCwnd) / 2 / tp.maxseg));
  return win * tp.maxseg;
}

/**
 * A.2: open cwnd for an ACK of `acked` new bytes outside fast recovery (CC-6, CC-7, CC-8), then
 * cap it at TCP_MAXWIN << snd_scale.
 */
export function openCwnd(env: Env, tp: Draft<Tcb>, acked: number): void {
  if (tp.sndCwnd <= tp.sndSsthresh) {
    const limit = seqLt(tp.sndNxt, tp.sndMax) ? tp.maxseg : 2 * tp.maxseg;
    tp.sndCwnd += env.cfg.abc ? Math.min(acked, limit) : tp.maxseg;
  } else {
    tp.sndWacked += env.cfg.abc ? acked : tp.maxseg;
    if (tp.sndWacked >= tp.sndCwnd) {
      tp.sndWacked -= tp.sndCwnd;
      tp.sndCwnd += tp.maxseg;
    }
  }
  tp.sndCwnd = Math.min(tp.sndCwnd, TCP_MAXWIN * 2 ** tp.sndScale);
}

/**
 * tcp_idle_cwnd_validate (A.2, CC-15, RFC 2861): before the first data segment after an idle
 * period of at least one RTO, cwnd falls to RW = min(cwnd, IW) — or, with idle_cwv, is halved per
 * idle RTO but not below RW, after raising ssthresh to ¾ cwnd.
 */
export function idleCwndValidate(env: Env, tp: Draft<Tcb>): void {
  const minCwnd = Math.min(tp.sndCwnd, initialWindow(env, tp));
  if (env.cfg.idleCwv) {
    tp.sndSsthresh = Math.max(tp.sndSsthresh, Math.floor((3 * tp.sndCwnd) / 4));
    let idle = env.ticks - tp.sndLast;
    let decay = tp.sndCwnd;
    while (idle >= tp.rxtcur && decay > minCwnd) {
      decay = Math.floor(decay / 2);
      idle -= tp.rxtcur;
    }
    tp.sndCwnd = Math.max(decay, minCwnd);
  } else {
    tp.sndCwnd = minCwnd;
  }
  tp.sndWacked = 0;
}
