import { assertNever } from '../../core/assert';
import { err, ok } from '../../core/result';
import type { CallResult } from '../../core/socket';
import { replymsg } from '../kern/msgport';
import type { Co } from '../kern/thread';
import { getToken, relToken } from '../kern/token';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import type { NetMsg } from '../net/netmsg';
import type { TcpReqArg } from '../socket/tcpsock';
import { TcpSock } from '../socket/tcpsock';
import { TCPS_ESTABLISHED } from './const';
import { tcpListenerClose } from './lclose';
import { tcpOutput } from './output';
import { tcpEndStep, tcpDefer } from './step';
import { tcpClose, tcpDrop, tcpUsrclosed } from './subr';
import { tcpUsrBind, tcpUsrListen } from './usrbind';
import { tcpUsrConnect } from './usrconnect';
import { tcpUsrRecv, tcpUsrSend } from './usrio';
import { tcpFailWaiters } from './waiters';

/**
 * Read before editing: dragonfly.md D.6 (`so_pru_*` requests handled by the owner netisr), B.5
 * (`tcp_disconnect`, `tcp_usr_shutdown`, `tcp_usr_abort`); TP-6, TP-13, TP-29.
 *
 * The TCP user requests, each a message the user side sends to `so_port` and blocks on
 * (`lwkt_domsg`). The handler that applies a call linearizes it and, unless the call must wait,
 * replies with its result in the message. Every handler ends its step.
 */
export function* tcpUsrreq(inet: Inet, msg: NetMsg<TcpReqArg>): Co {
  const req = msg.arg.call.req;
  switch (req.op) {
    case 'socket':
      yield* attach(inet, msg);
      break;
    case 'bind':
      yield* tcpUsrBind(inet, msg, req.port);
      break;
    case 'listen':
      yield* tcpUsrListen(inet, msg, req.backlog);
      break;
    case 'connect':
      yield* tcpUsrConnect(inet, msg, req.remote, req.nonblocking);
      break;
    case 'send':
      tcpUsrSend(inet, msg, req.data, req.nonblocking);
      break;
    case 'recv':
      tcpUsrRecv(inet, msg, req.maxBytes, req.nonblocking);
      break;
    case 'shutdown':
      shutdown(inet, msg);
      break;
    case 'close':
    case 'abort':
      yield* close(inet, msg, req.op === 'abort');
      break;
    case 'accept':
      // accept runs on the user side (TP-29, socket/sotcp.ts); it never reaches the owner.
      tcpReply(msg, err('EINVAL'));
      break;
    default:
      assertNever(req, 'TCP call');
  }
  yield* tcpEndStep(inet);
}

/** Complete a request: its result in the message, and the reply that wakes the caller. */
export function tcpReply(msg: NetMsg<TcpReqArg>, result: CallResult): void {
  msg.arg.result = result;
  replymsg(msg, null);
}

const NONE: CallResult = ok({ kind: 'none' });
export const tcpNone = (): CallResult => NONE;

/** TP-6: a socket on the caller's CPU, with the next descriptor (UP-2). */
function* attach(inet: Inet, msg: NetMsg<TcpReqArg>): Co {
  const k = inet.k;
  const cfg = inet.cfg.tcp;
  const so = new TcpSock(k, inet.netisrs[mycpu(inet)]!.port, { snd: cfg.sendspace, rcv:
      cfg.recvspace });
  yield* getToken(k, inet.fds.token, 'tcp.attach');
  k.wr(inet.fds.obj);
  const fd = inet.fds.reserve();
  inet.fds.installTcp(fd, so);
  so.fd = fd;
  relToken(k, inet.fds.token);
  k.linearize();
  tcpReply(msg, ok({ kind: 'fd', fd }));
}

/** TP-13 `shutdown`: cantsendmore, `tcp_usrclosed`, output. */
function shutdown(inet: Inet, msg: NetMsg<TcpReqArg>): void {
  const so = msg.so as TcpSock;
  inet.k.wr(so.obj);
  inet.k.linearize();
  if (so.dead) return tcpReply(msg, err('EBADF'));
  if (so.kind !== 'conn') return tcpReply(msg, err('ENOTCONN'));
  so.cantSendMore = true;
  const tp = so.tp;
  if (tp !== null) {
    inet.k.wr(tp.obj);
    if (tcpUsrclosed(inet, tp)) tcpOutput(inet, tp);
  }
  tcpReply(msg, NONE);
}

/**
 * TP-13 `close` / `abort` (async close, B.5): the descriptor goes at once and calls blocked on
 * it complete EBADF; a listener closes (its queue aborted); before ESTABLISHED a connection is
 * dropped silently; else unread data is discarded and the FIN follows (`tcp_disconnect`);
 * abort drops the connection (`tcp_drop`, a RST if a SYN was received).
 */
function* close(inet: Inet, msg: NetMsg<TcpReqArg>, abort: boolean): Co {
  const k = inet.k;
  const so = msg.so as TcpSock;
  k.wr(so.obj);
  if (so.dead) {
    k.linearize();
    tcpReply(msg, err('EBADF'));
    return;
  }
  if (so.kind === 'listen') {
    yield* tcpListenerClose(inet, msg, so);
    return;
  }
  yield* getToken(k, inet.fds.token, 'tcp.close');
  k.wr(inet.fds.obj);
  if (so.fd !== null) inet.fds.removeTcp(so.fd);
  relToken(k, inet.fds.token);
  k.linearize();
  so.dead = true;
  so.noFdRef = true;
  tcpFailWaiters(inet, so, 'EBADF');
  const tp = so.tp;
  if (so.kind === 'fresh' && so.lport !== null) tcpDefer(inet, { kind: 'release-port', port:
      so.lport });
  if (tp !== null) {
    k.wr(tp.obj);
    if (abort) tcpDrop(inet, tp, 'ECONNABORTED');
    else if (tp.state < TCPS_ESTABLISHED) tcpClose(inet, tp);
    else {
      so.rcv.flush();
      so.cantRcvMore = true;
      so.cantSendMore = true;
      if (tcpUsrclosed(inet, tp)) tcpOutput(inet, tp);
    }
  }
  tcpReply(msg, NONE);
}
