import { assert } from '../../core/assert';
import type { CpuId } from '../../core/ids';
import { MSGF_IGNSOPORT } from '../kern/msgflags';
import { forwardmsg } from '../kern/msgport';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import type { Handler, NetMsg } from '../net/netmsg';
import type { TcpSock } from './tcpsock';

/**
 * Read before editing: dragonfly.md D.9 (bind/listen forced to netisr0, connect migrating to
 * the 4-tuple's CPU with `tcp_sosetport` as a receipt), D.1 (port chasing).
 *
 * Moving a TCP socket: the old owner forwards the *same* message to the new owner, and its
 * receipt callback switches `so_port` — and the socket's ownership declaration — at the moment
 * the message is enqueued there. The user side never sees the new port before the message that
 * moved the socket is queued on it, and whatever was sent to the old port is chased after it.
 */
export function tcpSoMove(
  inet: Inet, so: TcpSock, msg: NetMsg<unknown>, cpu: CpuId, next: Handler<unknown>,
): void {
  const k = inet.k;
  const from = mycpu(inet);
  assert(so.port === inet.netisrs[from]!.port, `tcpSoMove: ${so.name} is not owned by cpu ${from}`);
  assert(cpu !== from, `tcpSoMove: ${so.name} is already on cpu ${cpu}`);
  k.wr(so.obj);
  msg.handler = next;
  msg.receipt = (m, port) => {
    so.port = port;
    k.transfer(so.obj, port.cpu);
    m.receipt = null;
  };
  inet.stats.inc(from, 'tcp.moved');
  forwardmsg(k, inet.netisrs[cpu]!.port, msg);
}

/**
 * Carry a request to the CPU where it linearizes without moving the socket (TP-29: bind and
 * listen linearize on CPU 0 even when they fail on a socket that lives elsewhere). The result
 * was decided from state that cannot change meanwhile (the caller is blocked in the call).
 */
export function tcpHop(inet: Inet, msg: NetMsg<unknown>, cpu: CpuId, next: Handler<unknown>): void {
  msg.handler = next;
  msg.flags |= MSGF_IGNSOPORT;
  forwardmsg(inet.k, inet.netisrs[cpu]!.port, msg);
}
