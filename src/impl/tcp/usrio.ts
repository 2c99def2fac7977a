import { err, ok } from '../../core/result';
import type { CallResult, SocketError } from '../../core/socket';
import type { Inet } from '../net/inet';
import type { NetMsg } from '../net/netmsg';
import type { TcpReqArg, TcpSock } from '../socket/tcpsock';
import type { TcpCb } from './tcpcb';
import { TCPS_CLOSE_WAIT, TCPS_ESTABLISHED } from './const';
import { tcpOutputFair } from './output';
import { tcpOutputPending } from './sndmore';
import { tcpReply } from './usrreq';

/**
 * Read before editing: docs/TCP-PROFILE.md TP-11, TP-12 (the synchronous send and rcvd paths:
 * the space decision, the append and the output are one step on the owner), TP-21 (fair send);
 * dragonfly.md D.6 (`tcp_usr_send`, `tcp_usr_rcvd`), A.12 (window updates).
 *
 * send(2) and recv(2) on the socket's owner, and the service of calls parked there: a blocked
 * send appends what fits at the end of every step that freed space; a blocked recv takes data
 * (or EOF, or the error) at the end of the step that brought it.
 */

const canSend = (tp: TcpCb | null): tp is TcpCb =>
  tp !== null && (tp.state === TCPS_ESTABLISHED || tp.state === TCPS_CLOSE_WAIT);

/** Output "as a send" (tcp_usr_send): fair, unless the continuation is already queued. */
function sendOutput(inet: Inet, tp: TcpCb): void {
  if (!tcpOutputPending(tp)) tcpOutputFair(inet, tp);
}

/** TP-11's checks, in order. Clears a pending error it returns. */
function sendCheck(so: TcpSock): SocketError | null {
  if (so.dead) return 'EBADF';
  if (so.cantSendMore || (so.kind === 'conn' && so.tp === null)) return 'EPIPE';
  if (so.error !== null) {
    const e = so.error;
    so.error = null;
    return e;
  }
  if (!canSend(so.tp)) return 'ENOTCONN';
  return null;
}

export function tcpUsrSend(
  inet: Inet, msg: NetMsg<TcpReqArg>, data: Uint8Array, nonblocking: boolean,
): void {
  const so = msg.so as TcpSock;
  inet.k.wr(so.obj);
  inet.k.linearize();
  const e = sendCheck(so);
  if (e !== null) return tcpReply(msg, err(e));
  const tp = so.tp!;
  inet.k.wr(tp.obj);
  const n = Math.min(data.length, Math.max(0, so.snd.space));
  if (n === data.length) {
    so.snd.append(data);
    sendOutput(inet, tp);
    return tcpReply(msg, ok({ kind: 'sent', bytes: data.length }));
  }
  if (nonblocking && n === 0) return tcpReply(msg, err('EWOULDBLOCK'));
  so.snd.append(data.subarray(0, n));
  sendOutput(inet, tp);
  if (nonblocking) return tcpReply(msg, ok({ kind: 'sent', bytes: n }));
  msg.arg.sent = n;
  so.waiters.push({ kind: 'send', msg });
}

/** A parked send: append what fits now; true when it completed (TP-11). */
export function tcpServeSend(inet: Inet, so: TcpSock, msg: NetMsg<TcpReqArg>): boolean {
  const req = msg.arg.call.req;
  if (req.op !== 'send') return true;
  const tp = so.tp;
  if (so.cantSendMore || !canSend(tp)) {
    tcpReply(msg, err('EPIPE'));
    return true;
  }
  const left = req.data.length - msg.arg.sent;
  const n = Math.min(left, Math.max(0, so.snd.space));
  if (n === 0) return false;
  inet.k.wr(tp.obj);
  so.snd.append(req.data.subarray(msg.arg.sent, msg.arg.sent + n));
  msg.arg.sent += n;
  sendOutput(inet, tp);
  if (msg.arg.sent < req.data.length) return false;
  tcpReply(msg, ok({ kind: 'sent', bytes: req.data.length }));
  return true;
}

/** TP-12: what a recv returns now, or null to wait. Output follows a take (tcp_usr_rcvd). */
function recvNow(inet: Inet, so: TcpSock, max: number): CallResult | null {
  if (so.dead) return err('EBADF');
  if (so.rcv.cc > 0) {
    const data = so.rcv.take(max);
    const tp = so.tp;
    if (tp !== null) {
      inet.k.wr(tp.obj);
      tcpOutputFair(inet, tp);
    }
    return ok({ kind: 'data', data });
  }
  if (so.error !== null) {
    const e = so.error;
    so.error = null;
    return err(e);
  }
  if (so.cantRcvMore || so.tp === null) return ok({ kind: 'data', data: EMPTY });
  return null;
}

export function tcpUsrRecv(
  inet: Inet, msg: NetMsg<TcpReqArg>, max: number, nonblocking: boolean,
): void {
  const so = msg.so as TcpSock;
  inet.k.wr(so.obj);
  inet.k.linearize();
  if (so.dead) return tcpReply(msg, err('EBADF'));
  if (max < 1) return tcpReply(msg, err('EINVAL'));
  if (so.kind !== 'conn') return tcpReply(msg, err('ENOTCONN'));
  const r = recvNow(inet, so, max);
  if (r !== null) return tcpReply(msg, r);
  if (nonblocking) return tcpReply(msg, err('EWOULDBLOCK'));
  so.waiters.push({ kind: 'recv', msg });
}

/** A parked recv: true when it completed. */
export function tcpServeRecv(inet: Inet, so: TcpSock, msg: NetMsg<TcpReqArg>): boolean {
  const req = msg.arg.call.req;
  const r = recvNow(inet, so, req.op === 'recv' ? req.maxBytes : 1);
  if (r === null) return false;
  tcpReply(msg, r);
  return true;
}

const EMPTY = new Uint8Array(0);
