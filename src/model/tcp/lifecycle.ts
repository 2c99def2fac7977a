/**
 * Read before editing: RFC 9293 §3.5 (SM-1 … SM-3), §3.6 (closing), §3.10.4 (CLOSE);
 * dragonfly.md A.1 (tcp_newtcpcb), B.2 (tcp_established), B.5 (tcp_drop, tcp_close,
 * tcp_usrclosed); docs/TCP-PROFILE.md TP-10, TP-13.
 *
 * Creating, connecting, disconnecting and destroying TCBs and their sockets.
 */
import type { Draft } from 'immer';
import type { Endpoint } from '../../core/addr';
import { connKey } from '../../core/conn';
import type { SeqNum } from '../../core/seq';
import { seq } from '../../core/seq';
import type { SocketError } from '../../core/socket';
import { calloutReset, calloutStop, cancelTimers } from './callout';
import { TCP_INFINITE_WINDOW, TCPREXMTTHRESH, maxIdleTicks, rtoBase3Ticks } from './constants';
import type { Conn, Env } from './env';
import { tcpOutput } from './output';
import { initialRtt } from './rtt';
import type { Tcb, TcpSocket } from './state';
import { haveRcvdSyn, stateOrder } from './state';
import { requestRScale } from './window';


/** tcp_newtcpcb + tcp_sendseqinit (A.1): a TCB in `state` with ISS `iss`. */
export function newTcb(
  env: Env, local: Endpoint, remote: Endpoint, state: Tcb['state'], iss: SeqNum,
): Tcb {
  const rtt = initialRtt(env);
  const serial = env.d.nextSerial;
  env.d.nextSerial += 1;
  const zero = seq(0);
  return {
    key: connKey(local, remote), serial, state, local, remote, iss, irs: zero,
    sndUna: iss, sndNxt: iss, sndMax: iss, sndUp: iss, sndRecover: iss, sndWl1: zero, sndWl2: zero,
    sndWnd: 0, maxSndwnd: 0, rcvNxt: zero, rcvAdv: zero, rcvWnd: 0, lastAckSent: zero,
    sndScale: 0, rcvScale: 0, requestRScale: env.cfg.rfc1323 ? requestRScale(env.cfg.recvspace) : 0,
    requestedSScale: 0,
    flags: {
      reqScale: env.cfg.rfc1323, rcvdScale: false, reqTstmp: env.cfg.rfc1323, rcvdTstmp: false,
      sackPermitted: false, needSyn: false, needFin: false, sentFin: false, ackNow: false,
      noDelay: !env.cfg.nagle, rxwin0Sent: false, fastRecovery: false, xmitNow: false, force: false,
      onOutputQ: false, sawFin: false, quedFin: false, fairSend: false,
    },
    tsRecent: 0, tsRecentAge: 0, maxseg: env.cfg.mssdflt, maxopd: env.cfg.mssdflt,
    sndCwnd: TCP_INFINITE_WINDOW, sndSsthresh: TCP_INFINITE_WINDOW, sndWacked: 0,
    dupacks: 0, sndLimited: 0, rxtthresh: TCPREXMTTHRESH,
    srtt: rtt.srtt, rttvar: rtt.rttvar, rttmin: rtt.rttmin, rxtcur: rtt.rxtcur, rxtshift: 0,
    rtttime: 0, rtseq: zero, rxtsyn: 0, sndLast: 0, rcvtime: env.ticks, sndMaxRexmt: iss,
    eifel: {
      rebaseRto: false, wasFRecovery: false, firstAccAck: false, fastRexmt: false,
      earlyRexmt: false,
      cwndPrev: 0, wackedPrev: 0, ssthreshPrev: 0, recoverPrev: zero, maxPrev: zero, srttPrev: 0,
      rttvarPrev: 0, rxtcurPrev: 0, rexmtTS: 0, badrxtwin: 0,
    },
    sack: { blocks: [], lostseq: iss, rexmtHigh: iss, rexmtRescue: iss, rescued: false },
    sackRcv: {
      reportblk: { start: zero, end: zero }, encloseblk: { start: zero, end: zero },
      dupSeg: false, encloseSeg: false, sackLeft: false, history: [],
    },
    reass: [],
    // Fresh objects throughout: a shared constant would be frozen by the first step that holds it.
    timers: { delack: null, rexmt: null, persist: null, keep: null, '2msl': null, sndmore: null },
  };
}

/** tcp_rcvseqinit: rcv_adv = rcv_nxt = irs + 1. */
export function rcvSeqInit(tp: Draft<Tcb>, irs: SeqNum): void {
  tp.irs = irs;
  tp.rcvNxt = seq(irs + 1);
  tp.rcvAdv = tp.rcvNxt;
}

/** soisconnected: the socket is connected (TP-9 blocking connect, TP-10 accept wake). */
export function soIsConnected(so: Draft<TcpSocket>): void {
  so.connected = true;
  so.hadConnection = true;
}

/** soisdisconnected: neither direction can carry data any more. */
export function soIsDisconnected(so: Draft<TcpSocket>): void {
  so.connected = false;
  so.cantSendMore = true;
  so.cantRcvMore = true;
}

/**
 * The handshake is over: the connection-establishment limit stops. DEVIATION(dragonfly.md B.2):
 * DragonFly re-arms `keep` with keepidle for keepalives, which are out of scope (TP-1).
 */
export function handshakeDone(tp: Draft<Tcb>): void {
  calloutStop(tp, 'keep');
}

/** tcp_established (B.2): ESTABLISHED; RFC 6298 (5.7) after SYN retransmission (RTO-11, F.3). */
export function tcpEstablished(env: Env, tp: Draft<Tcb>): void {
  tp.state = 'ESTABLISHED';
  handshakeDone(tp);
  if (tp.rxtsyn > 0 && tp.rxtcur < rtoBase3Ticks(env.hz)) tp.rxtcur = rtoBase3Ticks(env.hz);
}

/** Remove the socket entirely: it has neither descriptor nor TCB (nor a place on a queue). */
function freeSocket(env: Env, so: Draft<TcpSocket>): void {
  if (so.listener !== null) {
    const l = env.d.sockets.find((s) => s.sid === so.listener);
    if (l?.listen) l.listen.queue = l.listen.queue.filter((sid) => sid !== so.sid);
  }
  const i = env.d.sockets.findIndex((s) => s.sid === so.sid);
  if (i >= 0) env.d.sockets.splice(i, 1);
}

/**
 * tcp_close (B.5): stop every timer, drop the TCB and its ACK-queue entry; the socket is
 * disconnected, and freed if no descriptor refers to it (TP-10: a queued connection that dies
 * leaves the listen queue silently).
 */
export function tcpClose(env: Env, so: Draft<TcpSocket>): void {
  const tp = so.tcb;
  if (tp !== null) {
    for (const q of env.d.ackq) {
      const i = q.indexOf(tp.key);
      if (i >= 0) q.splice(i, 1);
    }
  }
  so.tcb = null;
  soIsDisconnected(so);
  if (so.fd === null) freeSocket(env, so);
}

/**
 * tcp_drop (B.5): if a SYN was received, send a RST (tcp_output in CLOSED); record the error
 * for the application; close.
 */
export function tcpDrop(env: Env, c: Conn, error: SocketError | null): void {
  if (haveRcvdSyn(c.tp.state)) {
    c.tp.state = 'CLOSED';
    tcpOutput(env, c);
  }
  c.so.error = error;
  tcpClose(env, c.so);
}

/**
 * tcp_usrclosed (B.5, SM-28): the application will send no more. Returns false if the
 * connection was closed outright.
 */
export function tcpUsrClosed(env: Env, c: Conn): boolean {
  const { so, tp } = c;
  switch (tp.state) {
    case 'CLOSED':
    case 'LISTEN':
      tcpClose(env, so);
      return false;
    case 'SYN-SENT':
    case 'SYN-RECEIVED':
      tp.flags.needFin = true;
      break;
    case 'ESTABLISHED':
      tp.state = 'FIN-WAIT-1';
      break;
    case 'CLOSE-WAIT':
      tp.state = 'LAST-ACK';
      break;
    default:
      break;
  }
  if (stateOrder(tp.state) >= stateOrder('FIN-WAIT-2')) {
    soIsDisconnected(so);
    if (tp.state === 'FIN-WAIT-2') calloutReset(env, tp, '2msl', maxIdleTicks(env.hz));
  }
  return true;
}

/** TIME-WAIT (SM-21, TW-1, TP-24): cancel the other timers, 2·MSL, disconnect the socket. */
export function enterTimeWait(env: Env, c: Conn): void {
  c.tp.state = 'TIME-WAIT';
  cancelTimers(c.tp);
  calloutReset(env, c.tp, '2msl', 2 * Math.max(1, Math.floor((env.cfg.mslMs * env.hz) / 1000)));
  soIsDisconnected(c.so);
}
