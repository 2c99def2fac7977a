import { forwardmsg } from '../kern/msgport';
import { MSGF_IGNSOPORT } from '../kern/msgflags';
import type { Co } from '../kern/thread';
import type { Inet } from '../net/inet';
import type { NetMsg } from '../net/netmsg';
import type { Socket } from '../socket/socket';

/**
 * Read before editing: UP-15, UP-16, dragonfly.md E (per-CPU send; detach's synchronizing
 * message to the original netisr).
 *
 * An unconnected socket's datagram to a destination whose flow lives on another CPU is
 * redispatched there and linearizes there (UP-15), after the user already saw `sent`. A later
 * shutdown, connect or close of the socket linearizes on the owner (UP-14) and would otherwise
 * be able to overtake that datagram — and then the send could no longer succeed in the
 * linearization order. So before applying such a request the owner sends it on a round trip
 * through each CPU it redispatched to since the last barrier: ports are FIFO per sender, so when
 * the request comes back every earlier redispatched datagram has left. (DEVIATION: DragonFly
 * needs no such barrier because it does not promise where a send takes effect.)
 *
 * Returns true when the message left on a hop; the caller must then return without applying it.
 */
export function udpBarrier(inet: Inet, so: Socket, msg: NetMsg<unknown>): boolean {
  const k = inet.k;
  k.rd(so.obj);
  const cpu = so.pcb.redispatched.shift();
  if (cpu === undefined) return false;
  k.wr(so.obj);
  msg.next = msg.handler;
  msg.handler = barrierHop;
  msg.flags |= MSGF_IGNSOPORT;
  forwardmsg(k, inet.netisrs[cpu]!.port, msg);
  return true;
}

/** On the redispatch CPU: everything sent here before is done; go back to the owner. */
export function* barrierHop(inet: Inet, msg: NetMsg<unknown>): Co {
  msg.handler = msg.next!;
  msg.next = null;
  msg.flags &= ~MSGF_IGNSOPORT;
  forwardmsg(inet.k, (msg.so as Socket).port, msg);
}
