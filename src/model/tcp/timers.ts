/**
 * Read before editing: RFC 9293 §3.10.8 (SM-22 … SM-24), RFC 6298 §5 (RTO-10 … RTO-13),
 * RFC 3522/4015 (EIF-2, EIR-3); dragonfly.md A.9 "On RTO expiry", A.12 "Persist", B.5, B.6, D.10,
 * A.12 "ACK aggregation"; docs/TCP-PROFILE.md TP-2, TP-3, TP-22, TP-24 … TP-26.
 *
 * What each timer input does, and the rollup (tcp_willblock).
 * DEVIATION(RFC 5681 §3.1, CC-9): every RTO recomputes ssthresh from min(wnd, cwnd) (F.1).
 * DEVIATION(RFC 6298 §5.5, RTO-10): the backoff follows DragonFly's tables, the SYN table in
 * SYN-SENT, with the slop added (F.2); after 3 backoffs srtt is cleared (RTO-13).
 * Keepalive probes are out of scope (TP-1): `keep` only limits connection establishment.
 */
import type { Draft } from 'immer';
import { assertNever } from '../../core/assert';
import type { TcpTimerName } from '../../core/conn';
import type { CpuId } from '../../core/ids';
import { calloutReset } from './callout';
import { lossSsthresh } from './congestion/cc';
import { saveCongestionState } from './congestion/eifel';
import {
  TCP_BACKOFF, TCP_MAXRXTSHIFT, TCP_RTT_SHIFT, TCP_SYN_BACKOFF, TCP_SYN_BACKOFF_LOW, TCP_TOTBACKOFF,
  keepIntvlTicks, maxIdleTicks, maxPersistIdleTicks, rexmtMaxTicks,
} from './constants';
import type { Conn, Env } from './env';
import { connOf, socketByKey } from './env';
import { tcpClose, tcpDrop } from './lifecycle';
import { setPersist, tcpOutput, tcpOutputFair } from './output';
import { rangeset, rexmtval } from './rtt';
import { sackDiscard } from './sack';
import type { Tcb } from './state';
import { stateOrder } from './state';
import { synackTimer } from './syncache';

/** The first RTO of a series: remember what Eifel needs to undo it (A.9 step 2, EIR-3). */
function firstRetransmit(env: Env, tp: Draft<Tcb>): void {
  tp.eifel.badrxtwin = env.ticks + (tp.srtt >> (TCP_RTT_SHIFT + 1));
  tp.eifel.rxtcurPrev = tp.rxtcur;
  tp.eifel.srttPrev = tp.srtt + (env.cfg.eifelRtoincTicks << TCP_RTT_SHIFT);
  tp.eifel.rttvarPrev = tp.rttvar;
  saveCongestionState(env, tp);
  tp.eifel.fastRexmt = false;
  tp.eifel.earlyRexmt = false;
  tp.eifel.rebaseRto = false;
}

/** tcp_timer_rexmt_handler (A.9 steps 1–9, RTO-10, SM-23). */
function rexmtExpired(env: Env, c: Conn): void {
  const { tp } = c;
  tp.rxtshift += 1;
  if (tp.rxtshift > TCP_MAXRXTSHIFT) {
    tp.rxtshift = TCP_MAXRXTSHIFT;
    tcpDrop(env, c, 'ETIMEDOUT');
    return;
  }
  if (tp.rxtshift === 1) firstRetransmit(env, tp);
  if (tp.state === 'SYN-SENT' || tp.state === 'SYN-RECEIVED') tp.rxtsyn += tp.rxtcur;
  sackDiscard(tp);
  const table = tp.state === 'SYN-SENT'
    ? (env.cfg.lowRtobase ? TCP_SYN_BACKOFF_LOW : TCP_SYN_BACKOFF)
    : TCP_BACKOFF;
  tp.rxtcur = rangeset(env, rexmtval(tp) * table[tp.rxtshift]!, tp.rttmin, rexmtMaxTicks(env.hz));
  if (tp.rxtshift > TCP_MAXRXTSHIFT / 4) {
    tp.rttvar += tp.srtt >> TCP_RTT_SHIFT;
    tp.srtt = 0;
  }
  tp.sndNxt = tp.sndUna;
  tp.sndRecover = tp.sndMax;
  tp.flags.ackNow = true;
  tp.rtttime = 0;
  tp.sndSsthresh = lossSsthresh(tp);
  tp.sndCwnd = tp.maxseg;
  tp.sndWacked = 0;
  tp.dupacks = 0;
  tp.flags.fastRecovery = false;
  tcpOutput(env, c);
}

/** tcp_timer_persist_handler (A.12, ZWP-3, ZWP-5): probe, or give up after a long silence. */
function persistExpired(env: Env, c: Conn): void {
  const { tp } = c;
  const idle = env.ticks - tp.rcvtime;
  if (tp.rxtshift === TCP_MAXRXTSHIFT &&
      (idle >= maxPersistIdleTicks(env.hz) || idle >= rexmtval(tp) * TCP_TOTBACKOFF)) {
    tcpDrop(env, c, 'ETIMEDOUT');
    return;
  }
  setPersist(env, tp);
  tp.flags.force = true;
  tcpOutput(env, c);
  if (c.so.tcb !== null) tp.flags.force = false;
}

/** tcp_timer_2msl_handler (B.5, TW-1, SM-24, TP-24). */
function twoMslExpired(env: Env, c: Conn): void {
  const { tp } = c;
  if (tp.state !== 'TIME-WAIT' && env.ticks - tp.rcvtime <= maxIdleTicks(env.hz)) {
    calloutReset(env, tp, '2msl', keepIntvlTicks(env.hz));
  } else {
    tcpClose(env, c.so);
  }
}

/** One timer input (TP-3): a no-op unless that timer is armed and due. */
export function timerFires(env: Env, conn: string, timer: TcpTimerName): void {
  if (timer === 'synack') {
    synackTimer(env, conn);
    return;
  }
  const so = socketByKey(env, conn);
  if (so === null) return;
  const c = connOf(so);
  const due = c.tp.timers[timer];
  if (due === null || due > env.now) return;
  c.tp.timers[timer] = null;
  switch (timer) {
    case 'delack':
      c.tp.flags.ackNow = true;
      tcpOutput(env, c);
      return;
    case 'rexmt':
      rexmtExpired(env, c);
      return;
    case 'persist':
      persistExpired(env, c);
      return;
    case 'keep':
      // Keep only limits connection establishment here (TP-24): drop a connection not yet up.
      if (stateOrder(c.tp.state) < stateOrder('ESTABLISHED')) tcpDrop(env, c, 'ETIMEDOUT');
      return;
    case '2msl':
      twoMslExpired(env, c);
      return;
    case 'sndmore':
      tcpOutputFair(env, c);
      return;
    default:
      assertNever(timer, 'timer');
  }
}

/** tcp_willblock (A.12, TP-22): send the aggregated ACKs of `cpu`, in queue order. */
export function rollup(env: Env, cpu: CpuId): void {
  const q = env.d.ackq[cpu];
  if (q === undefined) return;
  while (q.length > 0) {
    const key = q.shift()!;
    const so = socketByKey(env, key);
    if (so === null) continue;
    const c = connOf(so);
    c.tp.flags.onOutputQ = false;
    tcpOutput(env, c);
  }
}
