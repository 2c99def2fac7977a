import { MSGF_IGNSOPORT } from '../kern/msgflags';
import { forwardmsg } from '../kern/msgport';
import type { Co } from '../kern/thread';
import { getTokens, relTokens } from '../kern/token';
import type { Inet } from '../net/inet';
import { NetMsg } from '../net/netmsg';
import type { TcpReqArg, TcpSock } from '../socket/tcpsock';
import { failParkedAccepts } from './listenq';
import { tcpEndStep } from './step';
import { tcpDrop } from './subr';
import { tcpFailWaiters } from './waiters';
import { tcpNone, tcpReply } from './usrreq';

/**
 * Read before editing: dragonfly.md B.3 (a listener closes: entries leave every CPU's table,
 * the syncache entries go, queued sockets are aborted), D.1 (work on every CPU as a message chain
 * in order); TP-13.
 *
 * Closing a listener, on CPU 0. One step, under every wildcard token and the listen token,
 * linearizes it: the descriptor, the port and every CPU's wildcard entry go, parked accepts
 * complete EBADF, and the queued connections are marked aborted — from then on their own CPUs
 * treat them as gone (step.ts `tcpQueuedCheck`), and the listener's syncache entries die with it
 * (checked under the same token). Their RSTs follow, in queue order, as a message that visits
 * each connection's CPU in turn: frames of the close call, sent by non-linearizing commits.
 */
export function* tcpListenerClose(inet: Inet, msg: NetMsg<TcpReqArg>, so: TcpSock): Co {
  const k = inet.k;
  const lq = so.lq;
  const tables = inet.tcp.tables;
  const toks = [inet.fds.token, inet.tcp.ports.token, lq.sb.token,
      ...tables.map((t) => t.wildToken)];
  yield* getTokens(k, toks, 'tcp.close');
  k.wr(inet.fds.obj);
  if (so.fd !== null) inet.fds.removeTcp(so.fd);
  k.wr(inet.tcp.ports.obj);
  if (so.lport !== null) inet.tcp.ports.release(so.lport);
  k.wr(lq.sb.obj);
  lq.listening = false;
  for (const t of tables) {
    k.wr(t.wildObj);
    if (so.lport !== null) t.removeWild(so.lport, so);
  }
  const queued = lq.comp.splice(0);
  for (const c of queued) {
    c.listenAborted = true;
    c.head = null;
  }
  failParkedAccepts(lq);
  relTokens(k, toks);
  k.linearize();
  so.dead = true;
  so.noFdRef = true;
  tcpFailWaiters(inet, so, 'EBADF');
  tcpReply(msg, tcpNone());
  if (queued.length > 0) {
    const chain = new NetMsg<AbortChain>(k, msg.input, 'apanic', MSGF_IGNSOPORT, abortHop,
      { queued, next: 0 });
    forwardmsg(k, queued[0]!.port, chain);
  }
}

interface AbortChain {
  readonly queued: readonly TcpSock[];
  next: number;
}

/** On a queued connection's CPU: drop it (RST, TP-19), then on to the next one's CPU. */
export function* abortHop(inet: Inet, msg: NetMsg<AbortChain>): Co {
  const a = msg.arg;
  const so = a.queued[a.next]!;
  a.next++;
  const tp = so.tp;
  if (tp !== null) {
    inet.k.wr(tp.obj);
    tcpDrop(inet, tp, 'ECONNABORTED');
  }
  yield* tcpEndStep(inet);
  const nextSo = a.queued[a.next];
  if (nextSo !== undefined) forwardmsg(inet.k, nextSo.port, msg);
}
