import type { Endpoint } from '../../core/addr';
import { port } from '../../core/addr';
import { assert } from '../../core/assert';
import type { CpuId } from '../../core/ids';
import { udpFlowCpu } from '../corelib';
import { sendmsg } from '../kern/msgport';
import { MSGF_IGNSOPORT } from '../kern/msgflags';
import type { Co } from '../kern/thread';
import { getTokens, relTokens } from '../kern/token';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import { NetMsg } from '../net/netmsg';
import { soEnsureLinked, soMove, soRelinkOnly } from '../socket/move';
import type { Socket } from '../socket/socket';
import type { SendArg } from '../socket/usrreq';
import { udpOutput } from './output';
import { udpSendApplied } from './park';
import { udpBindLocked, udpInsWildcard, udpLportCpu, udpTableTokens } from './pcb';

/**
 * Read before editing: UP-7, UP-8, UP-15, dragonfly.md E (`udp_send`, per-CPU send).
 *
 * The protocol side of a send, in the socket's owner netisr. A connected socket already lives on
 * its flow's CPU: transmit. An unconnected, bound socket's datagram goes out on the flow CPU of
 * (local address, destination): here if that is this CPU, else it is redispatched there
 * (MSGF_IGNSOPORT, with the source port copied so the flow CPU never reads the pcb). The commit
 * that transmits linearizes the send.
 */
export function* udpSend(inet: Inet, msg: NetMsg<SendArg>): Co {
  const k = inet.k;
  const so = msg.so as Socket;
  const a = msg.arg;
  soEnsureLinked(inet, so);
  k.rd(so.obj);
  const pcb = so.pcb;
  if (pcb.lport === null) return yield* udpSendUnbound(inet, so, msg);
  if (!(yield* udpSendApplied(inet, so))) return sendDropped(inet);
  // UP-7's checks were made on the user side; FIFO ports keep them true here.
  const agree = (a.to === null) === (pcb.faddr !== null);
  assert(agree, `udpSend: ${so.name} connected state changed under a send`);
  const dst: Endpoint = a.to ?? { addr: pcb.faddr!, port: pcb.fport! };
  const f = udpFlowCpu(inet.addr, dst.addr, inet.ncpus);
  if (pcb.faddr !== null || f === mycpu(inet)) {
    udpOutput(inet, pcb.lport, dst, a.data);
    k.linearize();
    return;
  }
  redispatch(inet, so, msg, f);
}

/**
 * Close is synchronous and waits for sends in flight (park.ts), so a send never finds its socket
 * closed; if it did, the datagram would be lost like any send racing a close.
 */
function sendDropped(inet: Inet): void {
  inet.stats.inc(mycpu(inet), 'udp.send_dropped');
  inet.k.linearize();
}

/**
 * Hand the datagram to the flow CPU's netisr, in a new message (an async send's redispatch
 * message is embedded in the mbuf, E), with MSGF_IGNSOPORT: it is about the flow, not the socket.
 */
function redispatch(inet: Inet, so: Socket, msg: NetMsg<SendArg>, f: CpuId): void {
  const k = inet.k;
  k.wr(so.obj);
  if (!so.pcb.redispatched.includes(f)) so.pcb.redispatched.push(f);
  const arg: SendArg = { ...msg.arg, src: so.pcb.lport };
  const rd = new NetMsg<SendArg>(
    k, msg.input, 'apanic', MSGF_IGNSOPORT, udpSendRedispatched, arg, so,
  );
  inet.stats.inc(mycpu(inet), 'udp.redispatch');
  sendmsg(k, inet.netisrs[f]!.port, rd);
}

/** On the flow CPU: transmit from the copied source port; the pcb is not touched here. */
export function* udpSendRedispatched(inet: Inet, msg: NetMsg<SendArg>): Co {
  const a = msg.arg;
  const complete = a.src !== undefined && a.src !== null && a.to !== null;
  assert(complete, 'udpSendRedispatched: incomplete message');
  udpOutput(inet, a.src, a.to, a.data);
  inet.k.linearize();
}

/**
 * A send on an unbound socket binds it to an ephemeral port first (UP-7). That bind must happen
 * in the transaction that transmits — the one that linearizes the send on the flow CPU
 * (UP-15) — or another bind could take the port in between, or a datagram to it could arrive
 * while the linearization order still says the port is free. So the unbound socket is first
 * moved to the flow CPU (with the send message), binds and transmits there, and then moves on
 * to its bound owner `lport % ncpus` (UP-14). DEVIATION: DragonFly binds on the old owner and
 * forwards the send to the new one (`MSGF_UDP_SEND`) before redispatching it to the flow CPU.
 */
function* udpSendUnbound(inet: Inet, so: Socket, msg: NetMsg<SendArg>): Co {
  const k = inet.k;
  const a = msg.arg;
  assert(a.to !== null, `udpSendUnbound: ${so.name} is connected but unbound`);
  const cpu = mycpu(inet);
  const f = udpFlowCpu(inet.addr, a.to.addr, inet.ncpus);
  if (f !== cpu) {
    soMove(inet, so, msg as NetMsg<unknown>, f, udpSend as (i: Inet, m: NetMsg<unknown>) => Co);
    return;
  }
  if (!(yield* udpSendApplied(inet, so))) return sendDropped(inet);
  const toks = udpTableTokens(inet);
  yield* getTokens(k, toks, 'udp.send');
  const e = udpBindLocked(inet, so, port(0));
  if (e === null) udpInsWildcard(inet, so);
  relTokens(k, toks);
  k.linearize();
  if (e !== null) {
    // Every ephemeral port is taken; the user already saw `sent`, so the datagram is lost.
    inet.stats.inc(cpu, 'udp.send_dropped');
    return;
  }
  udpOutput(inet, so.pcb.lport!, a.to, a.data);
  const owner = udpLportCpu(so.pcb.lport!, inet.ncpus);
  if (owner !== cpu) {
    const relink = new NetMsg<unknown>(k, msg.input, 'apanic', 0, soRelinkOnly, null, so);
    soMove(inet, so, relink, owner, soRelinkOnly);
  }
}
