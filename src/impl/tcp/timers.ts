import type { Co } from '../kern/thread';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import type { TcpCb } from './tcpcb';
import {
  TCP_BACKOFF, TCP_MAXRXTSHIFT, TCP_RTT_SHIFT, TCP_SYN_BACKOFF, TCP_SYN_BACKOFF_LOW,
  TCP_TOTBACKOFF, TCPS_ESTABLISHED, TCPS_SYN_RECEIVED, TCPS_SYN_SENT, TCPS_TIME_WAIT, TF_ACKNOW,
  TF_FASTRECOVERY, TF_FORCE, TRXT_F_EARLYREXMT, TRXT_F_FASTREXMT, TRXT_F_REBASERTO, rangeset,
} from './const';
import { tcpTicks } from './globals';
import { tcpOutput } from './output';
import { tcpSetpersist } from './outseg';
import { lossSsthresh, tcpSaveCongestionState } from './recovery';
import { rexmtval } from './rtt';
import { sackDiscard } from './sack';
import { tcpEndStep } from './step';
import { tcpClose, tcpDrop } from './subr';
import type { TcpTimerHandlers } from './timer';
import { TT_2MSL, tcpTimerArm } from './timer';

/**
 * Read before editing: dragonfly.md A.9 (`tcp_timer_rexmt_handler`), A.12 (persist), B.5/B.6
 * (2msl, keep), D.10; TP-24 … TP-26.
 *
 * What each timer does when it fires on the connection's own netisr. Each ends its step.
 */

function* delack(inet: Inet, tp: TcpCb): Co {
  inet.k.wr(tp.obj);
  inet.stats.inc(mycpu(inet), 'tcp.delack_timeo');
  tp.tFlags |= TF_ACKNOW;
  tcpOutput(inet, tp);
  yield* tcpEndStep(inet);
}

/** A.9 steps 1 … 9 (2020): back off, go back N from snd_una with a loss window of one MSS. */
function* rexmt(inet: Inet, tp: TcpCb): Co {
  inet.k.wr(tp.obj);
  inet.stats.inc(mycpu(inet), 'tcp.rexmt_timeo');
  const ticks = tcpTicks(inet);
  if (++tp.tRxtshift > TCP_MAXRXTSHIFT) {
    tp.tRxtshift = TCP_MAXRXTSHIFT;
    tcpDrop(inet, tp, 'ETIMEDOUT');
    yield* tcpEndStep(inet);
    return;
  }
  if (tp.tRxtshift === 1) {
    tp.tBadrxtwin = ticks + (tp.tSrtt >> (TCP_RTT_SHIFT + 1));
    tp.tRxtcurPrev = tp.tRxtcur;
    tp.tSrttPrev = tp.tSrtt + (tp.cfg.eifelRtoincTicks << TCP_RTT_SHIFT);
    tp.tRttvarPrev = tp.tRttvar;
    tcpSaveCongestionState(inet, tp);
    tp.rxtFlags &= ~(TRXT_F_FASTREXMT | TRXT_F_EARLYREXMT | TRXT_F_REBASERTO);
  }
  if (tp.state === TCPS_SYN_SENT || tp.state === TCPS_SYN_RECEIVED) tp.tRxtsyn += tp.tRxtcur;
  sackDiscard(tp);
  const synTable = tp.cfg.lowRtobase ? TCP_SYN_BACKOFF_LOW : TCP_SYN_BACKOFF;
  const table = tp.state === TCPS_SYN_SENT ? synTable : TCP_BACKOFF;
  const value = rexmtval(tp) * table[tp.tRxtshift]!;
  tp.tRxtcur = rangeset(value, tp.tRttmin, inet.tcp.times.rexmtmax, tp.cfg.rexmitSlopTicks);
  if (tp.tRxtshift > TCP_MAXRXTSHIFT / 4) {
    tp.tRttvar += tp.tSrtt >> TCP_RTT_SHIFT;
    tp.tSrtt = 0;
  }
  tp.sndNxt = tp.sndUna;
  tp.sndRecover = tp.sndMax;
  tp.tFlags |= TF_ACKNOW;
  tp.tRtttime = 0;
  tp.sndSsthresh = lossSsthresh(tp);
  tp.sndCwnd = tp.tMaxseg;
  tp.sndWacked = 0;
  tp.tDupacks = 0;
  tp.tFlags &= ~TF_FASTRECOVERY;
  tcpOutput(inet, tp);
  yield* tcpEndStep(inet);
}

/** A.12 / TP-26: probe; drop after 12 backoffs only if idle ≥ min(2 h, REXMTVAL·511). */
function* persist(inet: Inet, tp: TcpCb): Co {
  inet.k.wr(tp.obj);
  inet.stats.inc(mycpu(inet), 'tcp.persist_timeo');
  const idle = tcpTicks(inet) - tp.tRcvtime;
  if (tp.tRxtshift === TCP_MAXRXTSHIFT &&
      (idle >= inet.tcp.times.maxpersistidle || idle >= rexmtval(tp) * TCP_TOTBACKOFF)) {
    tcpDrop(inet, tp, 'ETIMEDOUT');
  } else {
    tcpSetpersist(inet, tp);
    tp.tFlags |= TF_FORCE;
    tcpOutput(inet, tp);
    tp.tFlags &= ~TF_FORCE;
  }
  yield* tcpEndStep(inet);
}

/** TP-24: `keep` exists only before ESTABLISHED: the connection-establishment limit. */
function* keep(inet: Inet, tp: TcpCb): Co {
  inet.k.wr(tp.obj);
  inet.stats.inc(mycpu(inet), 'tcp.keep_timeo');
  if (tp.state < TCPS_ESTABLISHED) tcpDrop(inet, tp, 'ETIMEDOUT');
  yield* tcpEndStep(inet);
}

/** B.5 / TP-24: TIME-WAIT over, or FIN-WAIT-2 idle too long; else look again in 75 s. */
function* msl2(inet: Inet, tp: TcpCb): Co {
  inet.k.wr(tp.obj);
  inet.stats.inc(mycpu(inet), 'tcp.msl_timeo');
  const tm = inet.tcp.times;
  if (tp.state !== TCPS_TIME_WAIT && tcpTicks(inet) - tp.tRcvtime <= tm.maxidle) {
    tcpTimerArm(inet, tp, TT_2MSL, tm.keepintvl);
  } else {
    tcpClose(inet, tp);
  }
  yield* tcpEndStep(inet);
}

export const tcpTimerHandlers: TcpTimerHandlers = { delack, rexmt, persist, keep, msl2 };
