import { forwardmsg, sendmsg } from '../kern/msgport';
import { MSGF_IGNSOPORT } from '../kern/msgflags';
import type { Co } from '../kern/thread';
import type { Inet } from '../net/inet';
import { NetMsg } from '../net/netmsg';
import { soEnsureLinked } from '../socket/move';
import type { Socket } from '../socket/socket';
import { udpPark, udpUnpark } from './park';

/**
 * Read before editing: UP-15, UP-16, dragonfly.md E (per-CPU send; detach's synchronizing
 * message to the original netisr).
 *
 * An unconnected socket's datagram to a destination whose flow lives on another CPU is
 * redispatched there and linearizes there (UP-15), after the user already saw `sent`. A later
 * shutdown, connect or close of the socket linearizes on the owner (UP-14) and would otherwise
 * be able to overtake that datagram — and then the send could no longer succeed in the
 * linearization order. So before applying such a request the owner parks it and sends one
 * barrier message to each CPU it redispatched to since the last barrier; each comes straight
 * back. Ports are FIFO per sender, so when all are back every earlier redispatched datagram has
 * left, and the request goes on. (DEVIATION: DragonFly needs no such barrier because it does
 * not promise where a send takes effect.)
 *
 * Returns true when the request was parked; the caller must then return without applying it.
 */
export function udpBarrier(inet: Inet, so: Socket, msg: NetMsg<unknown>): boolean {
  const k = inet.k;
  k.rd(so.obj);
  const cpus = so.pcb.redispatched;
  if (cpus.length === 0) return false;
  udpPark(inet, so, msg);
  k.wr(so.obj);
  so.pcb.barriersOut += cpus.length;
  for (const cpu of cpus.splice(0)) {
    const b = new NetMsg<null>(k, msg.input, 'apanic', MSGF_IGNSOPORT, barrierHop, null, so);
    sendmsg(k, inet.netisrs[cpu]!.port, b);
  }
  return true;
}

/** On the redispatch CPU: everything the owner sent here before is done; go back. */
export function* barrierHop(inet: Inet, msg: NetMsg<null>): Co {
  msg.handler = barrierBack;
  msg.flags &= ~MSGF_IGNSOPORT;
  forwardmsg(inet.k, (msg.so as Socket).port, msg);
}

/** Back on the owner: the last barrier home lets the parked request go on. */
export function* barrierBack(inet: Inet, msg: NetMsg<null>): Co {
  const so = msg.so as Socket;
  soEnsureLinked(inet, so);
  inet.k.wr(so.obj);
  so.pcb.barriersOut--;
  if (so.pcb.barriersOut === 0) udpUnpark(inet, so);
}
