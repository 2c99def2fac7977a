import { connKey } from '../../core/conn';
import type { SocketError } from '../../core/socket';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import type { TcpSock } from '../socket/tcpsock';
import type { TcpConnTuple } from './tcpcb';
import { TcpCb } from './tcpcb';
import {
  MCLBYTES, STATE_NAMES, TCP_MINMSS, TCPOLEN_TSTAMP_APPA, TCPS_CLOSED, TCPS_CLOSE_WAIT,
  TCPS_ESTABLISHED, TCPS_FIN_WAIT_1, TCPS_FIN_WAIT_2, TCPS_LAST_ACK, TCPS_LISTEN,
  TCPS_SYN_RECEIVED, TCPS_SYN_SENT, TF_NEEDFIN, TF_ONOUTPUTQ, TF_RCVD_TSTMP, TF_REQ_TSTMP,
  haveRcvdSyn,
} from './const';
import { tcpDropRst, tcpInitialWindow } from './outseg';
import { tcpOutputCancel } from './sndmore';
import { tcpDefer, tcpWake } from './step';
import { TT_2MSL, TT_KEEP, tcpCreateTimers, tcpTimerArm, tcpTimerStop } from './timer';
import { tcpTimerHandlers } from './timers';

/**
 * Read before editing: dragonfly.md A.15 (`tcp_mss`), B.2 (`tcp_established`), B.5
 * (`tcp_usrclosed`, `tcp_drop`, `tcp_close`), D.9/D.10 (a tcpcb and its timers live on one CPU);
 * TP-13, TP-18, TP-19, TP-24.
 *
 * Creating and destroying connections, and the small state transitions shared by input, output,
 * timers and the user requests.
 */

/** A new tcpcb on the running CPU, in its table, with its timers (`tcp_newtcpcb` + relink). */
export function tcpNewConn(inet: Inet, so: TcpSock, tuple: TcpConnTuple): TcpCb {
  const k = inet.k;
  const cpu = mycpu(inet);
  const local = { addr: tuple.laddr, port: tuple.lport };
  const conn = connKey(local, { addr: tuple.faddr, port: tuple.fport });
  const tp = new TcpCb(k, cpu, so, tuple, conn, inet.cfg.tcp, inet.tcp.times);
  tp.timers = tcpCreateTimers(inet, tp, tcpTimerHandlers);
  const table = inet.tcp.tables[cpu]!;
  k.wr(table.connObj);
  table.insertConn(tuple.lport, tuple.faddr, tuple.fport, tp);
  k.wr(so.obj);
  so.tp = tp;
  so.kind = 'conn';
  so.remote = { addr: tuple.faddr, port: tuple.fport };
  return tp;
}

/** A state change, visible in the trace in check mode (reports, TESTING.md). */
export function tcpSetState(inet: Inet, tp: TcpCb, state: number): void {
  if (inet.k.check && tp.state !== state) {
    inet.k.trace.emit({
      kind: 'state', host: inet.k.host, conn: tp.conn,
      from: STATE_NAMES[tp.state]!, to: STATE_NAMES[state]!,
    });
  }
  tp.state = state;
}

/**
 * `tcp_close`: stop every timer and the fair-send continuation, leave the ACK queue and the
 * table, free reassembly and SACK state, detach from the socket. The port is released and a
 * queued (never accepted) connection leaves its listener's queue at the end of the step, under
 * their tokens (step.ts).
 */
export function tcpClose(inet: Inet, tp: TcpCb): void {
  const k = inet.k;
  const so = tp.so;
  k.wr(tp.obj);
  tcpSetState(inet, tp, TCPS_CLOSED);
  tp.timers?.destroy();
  tcpOutputCancel(inet, tp);
  if ((tp.tFlags & TF_ONOUTPUTQ) !== 0) {
    const pc = inet.tcp.percpu[tp.cpu]!;
    k.wr(pc.obj);
    const i = pc.ackq.indexOf(tp);
    if (i >= 0) pc.ackq.splice(i, 1);
    tp.tFlags &= ~TF_ONOUTPUTQ;
  }
  const table = inet.tcp.tables[tp.cpu]!;
  k.wr(table.connObj);
  table.removeConn(tp.tuple.lport, tp.tuple.faddr, tp.tuple.fport, tp);
  tp.segq.length = 0;
  tp.sackBlocks.length = 0;
  k.wr(so.obj);
  if (so.tp === tp) so.tp = null;
  so.cantRcvMore = true;
  so.cantSendMore = true;
  tcpDefer(inet, { kind: 'release-port', port: tp.tuple.lport });
  if (so.inQueue) tcpDefer(inet, { kind: 'unqueue', so });
  inet.stats.inc(tp.cpu, 'tcp.closed');
  tcpWake(inet, so);
}

/** `tcp_drop`: a RST if a SYN was received (TP-19), so_error = `error`, then close. */
export function tcpDrop(inet: Inet, tp: TcpCb, error: SocketError): void {
  if (haveRcvdSyn(tp.state)) {
    tcpSetState(inet, tp, TCPS_CLOSED);
    tcpDropRst(inet, tp);
    inet.stats.inc(tp.cpu, 'tcp.drops');
  }
  inet.k.wr(tp.so.obj);
  tp.so.error = error;
  tcpClose(inet, tp);
}

/** `tcp_established` (B.2): keep stops (TP-24: no keepalives), RFC 6298 §5.7's 3 s floor. */
export function tcpEstablished(inet: Inet, tp: TcpCb): void {
  tcpSetState(inet, tp, TCPS_ESTABLISHED);
  tcpTimerStop(tp, TT_KEEP);
  const r3 = inet.tcp.times.rtobase3;
  if (tp.tRxtsyn > 0 && tp.tRxtcur < r3) tp.tRxtcur = r3;
  tcpWake(inet, tp.so);
}

/**
 * `tcp_mss` (A.15, TP-18): t_maxopd = min(max(offer, 256), mtu − 40) (no offer: mssdflt);
 * t_maxseg = t_maxopd − 12 with timestamps, rounded down to a multiple of 2048 above 2048;
 * cwnd = the initial window (TP-27). DEVIATION: socket buffers are not rounded to the MSS.
 */
export function tcpMss(inet: Inet, tp: TcpCb, offer: number | undefined): void {
  const cfg = tp.cfg;
  let o = offer === undefined || offer === 0 ? cfg.mssdflt : offer;
  o = Math.max(o, TCP_MINMSS, 64);
  let mss = Math.min(cfg.mtu - 40, o);
  tp.tMaxopd = mss;
  if ((tp.tFlags & (TF_REQ_TSTMP | TF_RCVD_TSTMP)) === (TF_REQ_TSTMP | TF_RCVD_TSTMP)) {
    mss -= TCPOLEN_TSTAMP_APPA;
  }
  if (mss > MCLBYTES) mss -= mss % MCLBYTES;
  tp.tMaxseg = mss;
  tp.sndCwnd = tcpInitialWindow(inet, tp);
}

/** `tcp_usrclosed` (B.5, TP-13); returns false when the connection was closed. */
export function tcpUsrclosed(inet: Inet, tp: TcpCb): boolean {
  switch (tp.state) {
    case TCPS_CLOSED:
    case TCPS_LISTEN:
      tcpClose(inet, tp);
      return false;
    case TCPS_SYN_SENT:
    case TCPS_SYN_RECEIVED:
      tp.tFlags |= TF_NEEDFIN;
      break;
    case TCPS_ESTABLISHED:
      tcpSetState(inet, tp, TCPS_FIN_WAIT_1);
      break;
    case TCPS_CLOSE_WAIT:
      tcpSetState(inet, tp, TCPS_LAST_ACK);
      break;
    default:
      break;
  }
  if (tp.state >= TCPS_FIN_WAIT_2) {
    soIsDisconnected(inet, tp.so);
    if (tp.state === TCPS_FIN_WAIT_2) tcpTimerArm(inet, tp, TT_2MSL, inet.tcp.times.maxidle);
  }
  return true;
}

/**
 * `soisdisconnected` (B.5): from FIN-WAIT-2 on, and when the connection closes, the socket can
 * neither send nor receive — data arriving later is discarded, and a recv with nothing queued
 * reads EOF (TP-12).
 */
export function soIsDisconnected(inet: Inet, so: TcpSock): void {
  inet.k.wr(so.obj);
  so.cantRcvMore = true;
  so.cantSendMore = true;
  tcpWake(inet, so);
}


