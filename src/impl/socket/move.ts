import { assert } from '../../core/assert';
import type { CpuId } from '../../core/ids';
import { forwardmsg, replymsg } from '../kern/msgport';
import type { Co } from '../kern/thread';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import { NetMsg } from '../net/netmsg';
import type { Handler } from '../net/netmsg';
import type { Socket } from './socket';

/**
 * Read before editing: dragonfly.md D.9 (connect migrating a pcb with a receipt callback), E
 * (`udp_sosetport`), D.1 (port chasing).
 *
 * Moving a socket to another CPU: the old owner unlinks it from its pcb list and forwards the
 * *same* message to the new owner with a receipt callback that switches `so_port` at the very
 * moment the message is enqueued there — so the user side never sees the new port before the
 * message that moved it is queued, and messages still sent to the old port are chased after
 * it. The pcb's ownership (its `object` declaration) moves at that instant too. The new owner
 * links the socket into its own list the first time one of its handlers touches it.
 */
export function soMove(
  inet: Inet, so: Socket, msg: NetMsg<unknown>, cpu: CpuId, next: Handler<unknown>,
): void {
  const k = inet.k;
  const from = mycpu(inet);
  assert(so.port === inet.netisrs[from]!.port, `soMove: ${so.name} is not owned by cpu ${from}`);
  assert(cpu !== from, `soMove: ${so.name} is already on cpu ${cpu}`);
  soUnlink(inet, so);
  msg.handler = next;
  msg.receipt = (m, port) => {
    so.port = port;
    k.transfer(so.obj, port.cpu);
    m.receipt = null;
  };
  inet.stats.inc(from, 'so.moved');
  forwardmsg(k, inet.netisrs[cpu]!.port, msg);
}

/**
 * The move at the end of a synchronous request (bind, connect) that already linearized here: a
 * separate relink message carries the `so_port` receipt to the new owner, and the request is
 * replied right after it is enqueued there — so the user, blocked until the reply, cannot send
 * anything that overtakes the move. DEVIATION: DragonFly forwards the request itself and replies
 * on the new owner; the ordering guarantee is the same and the request makes one hop fewer.
 */
export function soMoveAndReply(inet: Inet, so: Socket, msg: NetMsg<unknown>, cpu: CpuId): void {
  const relink = new NetMsg<unknown>(inet.k, msg.input, 'apanic', 0, soRelinkOnly, null, so);
  soMove(inet, so, relink, cpu, soRelinkOnly);
  replymsg(msg, null);
}

/** Remove the socket from the running CPU's pcb list. */
export function soUnlink(inet: Inet, so: Socket): void {
  const k = inet.k;
  const list = inet.pcbLists[mycpu(inet)]!;
  k.wr(so.obj);
  if (so.pcb.linked === null) return;
  k.wr(list.obj);
  list.sockets.delete(so);
  so.pcb.linked = null;
}

/** Link the socket into the running CPU's pcb list if a move left it unlinked. */
export function soEnsureLinked(inet: Inet, so: Socket): void {
  const k = inet.k;
  const cpu = mycpu(inet);
  k.rd(so.obj);
  if (so.pcb.linked === cpu) return;
  assert(so.pcb.linked === null, `soEnsureLinked: ${so.name} still linked on cpu ${so.pcb.linked}`);
  const list = inet.pcbLists[cpu]!;
  k.wr(list.obj);
  list.sockets.add(so);
  k.wr(so.obj);
  so.pcb.linked = cpu;
}

/** An internal message that only carries a socket to its new owner (nothing to reply). */
export function* soRelinkOnly(inet: Inet, msg: NetMsg<unknown>): Co {
  soEnsureLinked(inet, msg.so as Socket);
}
