import { port } from '../../core/addr';
import type { SocketError } from '../../core/socket';
import { udpFlowCpu } from '../corelib';
import { replymsg } from '../kern/msgport';
import type { Co } from '../kern/thread';
import { getToken, getTokens, relToken, relTokens } from '../kern/token';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import type { NetMsg } from '../net/netmsg';
import { soEnsureLinked, soMoveAndReply, soUnlink } from '../socket/move';
import { Socket } from '../socket/socket';
import { sbFlush, sowakeup } from '../socket/sockbuf';
import type { AttachArg, BindArg, ConnectArg, Usrreqs } from '../socket/usrreq';
import { udpBarrier } from './barrier';
import {
  udpBindLocked, udpInsConn, udpInsWildcard, udpLportCpu, udpRemConn, udpRemWildcard,
  udpTableTokens,
} from './pcb';
import { udpParkIfSending } from './park';
import { udpSend } from './send';

/**
 * Read before editing: UP-2, UP-4 … UP-6, UP-10, UP-14, dragonfly.md E (placement, detach),
 * D.9 (moves with a receipt).
 *
 * UDP's synchronous user requests, each run by the socket's owner netisr and linearized there —
 * before any move (UP-14). A bind or connect that changes the owner moves the socket with a
 * relink message carrying the `so_port` receipt, then replies (socket/move.ts).
 */

/** `udp_attach`: allocate the descriptor (UP-2) and a socket owned by this CPU (UP-14). */
export function* udpAttach(inet: Inet, msg: NetMsg<AttachArg>): Co {
  const k = inet.k;
  const cpu = mycpu(inet);
  yield* getToken(k, inet.fds.token, 'udp.attach');
  k.wr(inet.fds.obj);
  const fd = inet.fds.reserve();
  const so = new Socket(k, fd, 'udp', inet.netisrs[cpu]!.port, {
    rcv: inet.cfg.udp.recvspace, snd: inet.cfg.udp.maxdgram,
  });
  inet.fds.install(fd, so);
  relToken(k, inet.fds.token);
  soEnsureLinked(inet, so);
  msg.arg.fd = fd;
  k.linearize();
  replymsg(msg, null);
}

/** `udp_bind` (UP-5): claim the port, publish wildcard entries, move to `lport % ncpus`. */
export function* udpBind(inet: Inet, msg: NetMsg<BindArg>): Co {
  const k = inet.k;
  const so = msg.so as Socket;
  soEnsureLinked(inet, so);
  if (yield* udpParkIfSending(inet, so, msg as NetMsg<unknown>)) return;
  const toks = udpTableTokens(inet);
  yield* getTokens(k, toks, 'udp.bind');
  k.rd(so.obj);
  const e: SocketError | null =
    so.pcb.lport !== null ? 'EINVAL' : udpBindLocked(inet, so, msg.arg.port);
  if (e === null) udpInsWildcard(inet, so);
  relTokens(k, toks);
  k.linearize();
  if (e !== null) {
    replymsg(msg, e);
    return;
  }
  const owner = udpLportCpu(so.pcb.lport!, inet.ncpus);
  if (owner === mycpu(inet)) replymsg(msg, null);
  else soMoveAndReply(inet, so, msg as NetMsg<unknown>, owner);
}

/**
 * `udp_connect` (UP-6): bind first if unbound, trade the wildcard entries for one exact entry on
 * the flow CPU, mark the socket connected, and move to the flow CPU (UP-14).
 */
export function* udpConnect(inet: Inet, msg: NetMsg<ConnectArg>): Co {
  const k = inet.k;
  const so = msg.so as Socket;
  soEnsureLinked(inet, so);
  if (yield* udpParkIfSending(inet, so, msg as NetMsg<unknown>)) return;
  if (udpBarrier(inet, so, msg as NetMsg<unknown>)) return;
  const toks = [...udpTableTokens(inet), so.rcv.token];
  yield* getTokens(k, toks, 'udp.connect');
  k.rd(so.obj);
  const e = connectLocked(inet, so, msg.arg);
  relTokens(k, toks);
  k.linearize();
  if (e !== null) {
    replymsg(msg, e);
    return;
  }
  const owner = udpFlowCpu(inet.addr, so.pcb.faddr!, inet.ncpus);
  if (owner === mycpu(inet)) replymsg(msg, null);
  else soMoveAndReply(inet, so, msg as NetMsg<unknown>, owner);
}

function connectLocked(inet: Inet, so: Socket, arg: ConnectArg): SocketError | null {
  const k = inet.k;
  const pcb = so.pcb;
  if (pcb.faddr !== null) return 'EISCONN';
  if (pcb.lport === null) {
    const e = udpBindLocked(inet, so, port(0));
    if (e !== null) return e;
  } else {
    udpRemWildcard(inet, so);
  }
  k.wr(so.obj);
  pcb.laddr = inet.addr;
  pcb.faddr = arg.remote.addr;
  pcb.fport = arg.remote.port;
  udpInsConn(inet, so);
  k.wr(so.stateObj);
  so.st.connected = true;
  return null;
}

/** `udp_shutdown` = `socantsendmore` (UP-10: later sends → EPIPE). */
export function* udpShutdown(inet: Inet, msg: NetMsg<null>): Co {
  const k = inet.k;
  const so = msg.so as Socket;
  soEnsureLinked(inet, so);
  if (yield* udpParkIfSending(inet, so, msg as NetMsg<unknown>)) return;
  if (udpBarrier(inet, so, msg as NetMsg<unknown>)) return;
  yield* getToken(k, so.rcv.token, 'udp.shutdown');
  k.wr(so.stateObj);
  so.st.cantSendMore = true;
  relToken(k, so.rcv.token);
  k.linearize();
  replymsg(msg, null);
}

/**
 * `udp_detach` (UP-10): the descriptor and the port are free at once, the table entries go,
 * queued datagrams are discarded, and a recv blocked on the socket wakes to EBADF.
 */
export function* udpDetach(inet: Inet, msg: NetMsg<null>): Co {
  const k = inet.k;
  const so = msg.so as Socket;
  soEnsureLinked(inet, so);
  if (yield* udpParkIfSending(inet, so, msg as NetMsg<unknown>)) return;
  if (udpBarrier(inet, so, msg as NetMsg<unknown>)) return;
  const toks = [inet.fds.token, ...udpTableTokens(inet), so.rcv.token];
  yield* getTokens(k, toks, 'udp.detach');
  k.wr(inet.fds.obj);
  inet.fds.remove(so.fd);
  k.rd(so.obj);
  const pcb = so.pcb;
  if (pcb.lport !== null) {
    k.wr(inet.udp.ports.obj);
    inet.udp.ports.release(pcb.lport, so);
    if (pcb.faddr !== null) udpRemConn(inet, so);
    else udpRemWildcard(inet, so);
  }
  k.wr(so.stateObj);
  so.st.dead = true;
  sbFlush(k, so.rcv);
  sowakeup(inet, so.rcv);
  relTokens(k, toks);
  soUnlink(inet, so);
  k.linearize();
  replymsg(msg, null);
}

export const udpUsrreqs: Usrreqs = {
  attach: udpAttach,
  bind: udpBind,
  connect: udpConnect,
  send: udpSend,
  shutdown: udpShutdown,
  detach: udpDetach,
};
