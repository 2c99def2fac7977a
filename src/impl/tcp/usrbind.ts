import type { Port } from '../../core/addr';
import { err } from '../../core/result';
import type { SocketError } from '../../core/socket';
import { cpuId } from '../../core/ids';
import { MSGF_IGNSOPORT } from '../kern/msgflags';
import type { Co } from '../kern/thread';
import { getToken, getTokens, relToken, relTokens } from '../kern/token';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import type { NetMsg } from '../net/netmsg';
import { tcpHop, tcpSoMove } from '../socket/tcpmove';
import type { TcpReqArg } from '../socket/tcpsock';
import { TcpSock } from '../socket/tcpsock';
import { tcpEndStep } from './step';
import { tcpNone, tcpReply, tcpUsrreq } from './usrreq';

/**
 * Read before editing: dragonfly.md D.9 (bind and listen run on netisr0, listen entries are
 * replicated into every CPU's table), B.3; TP-7, TP-8, TP-29, UP-3.
 *
 * bind(2) and listen(2). Both linearize on CPU 0, which then owns the socket. A socket that
 * cannot be bound or listen (already bound, connecting, connected …) lives wherever it lives; its
 * request only travels to CPU 0 to be answered there.
 */

const CPU0 = cpuId(0);

/** Send the request on to CPU 0 if it is elsewhere; true when the caller must stop here. */
function toCpu0(inet: Inet, msg: NetMsg<TcpReqArg>, fail: SocketError | null): boolean {
  const so = msg.so as TcpSock;
  if (mycpu(inet) === CPU0) {
    if (fail === null) return false;
    inet.k.linearize();
    tcpReply(msg, err(fail));
    return true;
  }
  inet.k.rd(so.obj);
  if (fail !== null) {
    msg.arg.result = err(fail);
    tcpHop(inet, msg as NetMsg<unknown>, CPU0, replyHop as NetMsg<unknown>['handler']);
  } else {
    tcpSoMove(inet, so, msg as NetMsg<unknown>, CPU0, tcpUsrreq as NetMsg<unknown>['handler']);
  }
  return true;
}

/** On CPU 0: a request that failed where it started linearizes here. */
function* replyHop(inet: Inet, msg: NetMsg<TcpReqArg>): Co {
  msg.flags &= ~MSGF_IGNSOPORT;
  inet.k.linearize();
  tcpReply(msg, msg.arg.result!);
  yield* tcpEndStep(inet);
}

/** TP-7: already bound → EINVAL; a held port → EADDRINUSE; port 0 → UP-3's cursor. */
export function* tcpUsrBind(inet: Inet, msg: NetMsg<TcpReqArg>, p: Port): Co {
  const k = inet.k;
  const so = msg.so as TcpSock;
  k.rd(so.obj);
  const fail: SocketError | null = so.dead ? 'EBADF' : so.lport !== null ? 'EINVAL' : null;
  if (toCpu0(inet, msg, fail)) return;
  const ports = inet.tcp.ports;
  yield* getToken(k, ports.token, 'tcp.bind');
  k.wr(ports.obj);
  let e: SocketError | null = null;
  let chosen: Port | null = p;
  if (p === 0) {
    chosen = ports.ephemeral();
    if (chosen === null) e = 'EADDRNOTAVAIL';
  } else if (ports.isHeld(p)) {
    e = 'EADDRINUSE';
  }
  if (e === null) {
    ports.hold(chosen!);
    k.wr(so.obj);
    so.lport = chosen;
  }
  relToken(k, ports.token);
  k.linearize();
  tcpReply(msg, e === null ? tcpNone() : err(e));
}

/**
 * TP-8: a connecting, connected or finished socket → EINVAL; unbound → an ephemeral port
 * (UP-3); qlimit = backlog within [0, somaxconn], else somaxconn; listening again updates it.
 * The listener is entered in every CPU's wildcard table in the same step (tcptable.ts).
 */
export function* tcpUsrListen(inet: Inet, msg: NetMsg<TcpReqArg>, backlog: number): Co {
  const k = inet.k;
  const so = msg.so as TcpSock;
  k.rd(so.obj);
  const fail: SocketError | null = so.dead ? 'EBADF' : so.kind === 'conn' ? 'EINVAL' : null;
  if (toCpu0(inet, msg, fail)) return;
  const cfg = inet.cfg.tcp;
  const qlimit = backlog >= 0 && backlog <= cfg.somaxconn ? backlog : cfg.somaxconn;
  const lq = so.lq;
  const tables = inet.tcp.tables;
  const toks = [inet.tcp.ports.token, ...tables.map((t) => t.wildToken), lq.sb.token];
  yield* getTokens(k, toks, 'tcp.listen');
  k.wr(lq.sb.obj);
  let e: SocketError | null = null;
  if (so.kind === 'fresh') {
    k.wr(inet.tcp.ports.obj);
    if (so.lport === null) {
      const p = inet.tcp.ports.ephemeral();
      if (p === null) e = 'EADDRNOTAVAIL';
      else {
        inet.tcp.ports.hold(p);
        so.lport = p;
      }
    }
    if (e === null) {
      k.wr(so.obj);
      so.kind = 'listen';
      lq.listening = true;
      for (const t of tables) {
        k.wr(t.wildObj);
        t.insertWild(so.lport!, so);
      }
    }
  }
  if (e === null) lq.qlimit = qlimit;
  relTokens(k, toks);
  k.linearize();
  tcpReply(msg, e === null ? tcpNone() : err(e));
}
