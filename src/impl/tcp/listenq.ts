import { err, ok } from '../../core/result';
import { replymsg } from '../kern/msgport';
import type { Fd } from '../../core/ids';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import type { NetMsg } from '../net/netmsg';
import type { PredicateArg, PredicateResult } from '../socket/predicate';
import { sowakeup } from '../socket/sockbuf';
import type { ListenQueue, TcpReqArg } from '../socket/tcpsock';
import { TcpSock } from '../socket/tcpsock';

/**
 * Read before editing: dragonfly.md D.6 (accept's predicate message, `soaccept_pred_fast`),
 * D.7 (accept queues under the listen socket's pool token), B.3 (`sonewconn`); TP-10, TP-16.
 *
 * A listener's queue of completed connections. Connections are queued by the netisr of their
 * flow CPU and popped by accept(2) on the user side, both under the listen token; a blocked
 * accept is a predicate message parked on the queue, satisfied by whichever step queues the
 * next connection (TP-10). Popping allocates the descriptor (UP-2), under the filedesc token,
 * which every popper holds along with the listen token.
 */

/** `sonewconn`: the socket of a passively opened connection, owned by this (its flow) CPU. */
export function newConnSock(inet: Inet, lq: ListenQueue): TcpSock {
  const cfg = inet.cfg.tcp;
  const so = new TcpSock(inet.k, inet.netisrs[mycpu(inet)]!.port, {
    snd: cfg.sendspace, rcv: cfg.recvspace,
  });
  so.kind = 'conn';
  so.origin = lq;
  return so;
}

/** Queue a completed connection (listen and filedesc tokens held) and serve parked accepts. */
export function lqEnqueue(inet: Inet, lq: ListenQueue, so: TcpSock): void {
  const k = inet.k;
  k.wr(lq.sb.obj);
  lq.comp.push(so);
  so.head = lq;
  k.wr(so.obj);
  so.inQueue = true;
  inet.stats.inc(mycpu(inet), 'tcp.accepts');
  sowakeup(inet, lq.sb);
}

/** Pop the oldest completed connection and give it a descriptor (both tokens held). */
export function lqPop(inet: Inet, lq: ListenQueue): { fd: Fd; so: TcpSock } | null {
  const k = inet.k;
  k.wr(lq.sb.obj);
  const so = lq.comp.shift();
  if (so === undefined) return null;
  so.head = null;
  k.wr(inet.fds.obj);
  const fd = inet.fds.reserve();
  inet.fds.installTcp(fd, so);
  so.fd = fd;
  return { fd, so };
}

/** An accept parked as a predicate: it pops when a connection is queued (TP-10). */
export interface AcceptArg extends PredicateArg {
  readonly req: TcpReqArg;
}

export function acceptPredicate(inet: Inet, lq: ListenQueue, req: TcpReqArg): AcceptArg {
  const test = (i: Inet): PredicateResult => {
    const got = lqPop(i, lq);
    if (got === null) return { done: false };
    req.result = ok({ kind: 'accepted', fd: got.fd, remote: got.so.remote! });
    return { done: true, error: null };
  };
  void inet;
  return { sb: lq.sb, test, req };
}

/** Complete every parked accept with EBADF: the listener closed (TP-13). */
export function failParkedAccepts(lq: ListenQueue): void {
  for (const p of lq.sb.mlist.splice(0)) {
    const msg = p.msg as unknown as NetMsg<AcceptArg>;
    msg.arg.req.result = err('EBADF');
    replymsg(msg, null);
  }
}
