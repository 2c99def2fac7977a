import { assert } from '../../core/assert';
import { forwardmsg } from '../kern/msgport';
import type { Co } from '../kern/thread';
import { getToken, relToken } from '../kern/token';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import type { NetMsg } from '../net/netmsg';
import type { Socket } from '../socket/socket';

/**
 * Read before editing: UP-7, UP-14, UP-15, UP-16, dragonfly.md D.6 (`so_pru_sync`), D.9.
 *
 * Sends are asynchronous: the user sees `sent` as soon as the message is queued on `so_port`,
 * and the send linearizes later, where the owner applies it. A socket that moves leaves such
 * messages behind on its old port, to be chased — and a request the user makes after the move
 * goes straight to the new port, ahead of them. If that request is a bind, connect, shutdown or
 * close, applying it first would make the earlier send's success impossible in the
 * linearization order. So the owner parks such a request while any send of the socket is still
 * in flight, and the owner that applies the last of them sends the request on again. (The user
 * is blocked in the request, so no new send can start meanwhile.) ICMP errors wait the same way
 * (udp/ctlinput.ts). A parked message's handling ends with its commit; sending it on again starts
 * a new chain of hops, so parking never makes port chasing look unbounded.
 * DEVIATION: DragonFly's `so_pru_sync` only orders messages queued on the current port.
 */

/** Park `msg` on the socket's owner (the running CPU). */
export function udpPark(inet: Inet, so: Socket, msg: NetMsg<unknown>): void {
  const k = inet.k;
  assert(so.port.cpu === mycpu(inet), `udpPark: ${so.name} is not owned by cpu ${mycpu(inet)}`);
  k.wr(so.obj);
  assert(so.pcb.parked === null, `udpPark: ${so.name} already has a parked request`);
  so.pcb.parked = msg;
}

/** Send a parked request on again, to the owner's own port. */
export function udpUnpark(inet: Inet, so: Socket): void {
  const k = inet.k;
  k.rd(so.obj);
  const parked = so.pcb.parked;
  if (parked === null) return;
  k.wr(so.obj);
  so.pcb.parked = null;
  forwardmsg(k, so.port, parked);
}

/** Park `msg` if sends are in flight; true when parked (the caller returns without applying). */
export function* udpParkIfSending(inet: Inet, so: Socket, msg: NetMsg<unknown>): Co<boolean> {
  const k = inet.k;
  yield* getToken(k, so.rcv.token, 'udp.park');
  k.rd(so.stateObj);
  const inFlight = so.st.sendsInFlight;
  relToken(k, so.rcv.token);
  if (inFlight === 0) return false;
  udpPark(inet, so, msg);
  return true;
}

/**
 * A send of `so` is applied (or redispatched, or dropped) by its owner: one fewer in flight.
 * When none is left, parked ICMP errors and a parked request go on again. Returns whether the
 * socket is still open.
 */
export function* udpSendApplied(inet: Inet, so: Socket): Co<boolean> {
  const k = inet.k;
  yield* getToken(k, so.rcv.token, 'udp.send');
  k.wr(so.stateObj);
  so.st.sendsInFlight--;
  assert(so.st.sendsInFlight >= 0, `udpSendApplied: ${so.name} sendsInFlight < 0`);
  const left = so.st.sendsInFlight;
  const open = !so.st.dead;
  relToken(k, so.rcv.token);
  if (left > 0) return open;
  k.rd(so.obj);
  const ctl = so.pcb.parkedCtl;
  if (ctl.length > 0) {
    k.wr(so.obj);
    for (const m of ctl.splice(0)) forwardmsg(k, so.port, m);
  }
  // A request parked for barriers (none can be out while sends are in flight) waits for them.
  if (so.pcb.barriersOut === 0) udpUnpark(inet, so);
  return open;
}
