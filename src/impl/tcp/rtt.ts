import type { Inet } from '../net/inet';
import type { TcpCb } from './tcpcb';
import {
  TCP_DELTA_SHIFT, TCP_RTT_SHIFT, TCP_RTTVAR_SHIFT, TRXT_F_REBASERTO, rangeset, seqGt,
} from './const';

/**
 * Read before editing: dragonfly.md A.9 (`tcp_xmit_timer`, TCP_REXMTVAL, TCPT_RANGESET), A.10
 * (Eifel response rebase); RFC 6298; TP-25.
 *
 * RTT estimation in DragonFly's fixed point: t_srtt = srtt·32, t_rttvar = rttvar·16, in ticks.
 */

/** TCP_REXMTVAL: max(t_rttmin, srtt + 4·rttvar) in ticks. */
export const rexmtval = (tp: TcpCb): number =>
  Math.max(tp.tRttmin,
      ((tp.tSrtt >> (TCP_RTT_SHIFT - TCP_DELTA_SHIFT)) + tp.tRttvar) >> TCP_DELTA_SHIFT);

/**
 * `tcp_xmit_timer(tp, rtt, ack)`: fold in a sample of `rtt` ticks; the first sample after a
 * spurious RTO beyond snd_max_prev rebases the estimator (Eifel response, A.10). Every sample
 * clears the backoff and the soft error; the RTO becomes RANGESET(REXMTVAL, max(rttmin, R + 2),
 * 64 s) with the slop always added.
 */
export function tcpXmitTimer(inet: Inet, tp: TcpCb, rtt: number, ack: number): void {
  let rebase = false;
  if ((tp.rxtFlags & TRXT_F_REBASERTO) !== 0 && seqGt(ack, tp.sndMaxPrev)) {
    rebase = true;
    tp.rxtFlags &= ~TRXT_F_REBASERTO;
    tp.tSrtt = Math.max(tp.tSrttPrev, rtt << TCP_RTT_SHIFT);
    tp.tRttvar = Math.max(tp.tRttvarPrev, rtt << (TCP_RTTVAR_SHIFT - 1));
    if (tp.tRttbest > tp.tSrtt + tp.tRttvar) tp.tRttbest = tp.tSrtt + tp.tRttvar;
  } else if (tp.tSrtt !== 0) {
    let delta = ((rtt - 1) << TCP_DELTA_SHIFT) - (tp.tSrtt >> (TCP_RTT_SHIFT - TCP_DELTA_SHIFT));
    tp.tSrtt += delta;
    if (tp.tSrtt <= 0) tp.tSrtt = 1;
    if (delta < 0) delta = -delta;
    delta -= tp.tRttvar >> (TCP_RTTVAR_SHIFT - TCP_DELTA_SHIFT);
    tp.tRttvar += delta;
    if (tp.tRttvar <= 0) tp.tRttvar = 1;
    if (tp.tRttbest > tp.tSrtt + tp.tRttvar) tp.tRttbest = tp.tSrtt + tp.tRttvar;
  } else {
    tp.tSrtt = rtt << TCP_RTT_SHIFT;
    tp.tRttvar = rtt << (TCP_RTTVAR_SHIFT - 1);
    tp.tRttbest = tp.tSrtt + tp.tRttvar;
  }
  tp.tRtttime = 0;
  tp.tRxtshift = 0;
  const tm = inet.tcp.times;
  tp.tRxtcur = rangeset(rexmtval(tp), Math.max(tp.tRttmin, rtt + 2), tm.rexmtmax,
      tp.cfg.rexmitSlopTicks);
  if (rebase && tp.tRxtcur < tp.tRxtcurPrev + tp.cfg.eifelRtoincTicks) {
    tp.tRxtcur = tp.tRxtcurPrev + tp.cfg.eifelRtoincTicks;
  }
  tp.tSofterror = null;
}
