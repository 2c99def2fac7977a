import { MSGF_DONE, MSGF_DROPABLE } from '../kern/msgflags';
import { dropmsg, replymsg, sendmsg } from '../kern/msgport';
import type { Co } from '../kern/thread';
import type { Inet } from '../net/inet';
import { NetMsg } from '../net/netmsg';
import { tcpOutputFair } from './output';
import { tcpEndStep } from './step';
import type { TcpCb } from './tcpcb';

/**
 * Read before editing: dragonfly.md C (fair send: `tcp_output_sched`, `tt_sndmore`), TP-2, TP-21.
 *
 * Fair send's continuation: one reusable message per connection, sent to the connection's own
 * netisr when an output call has sent `fairsend` segments and more would follow. It waits in
 * the port behind other connections' packets and ACKs; its handler replies at once (so it can
 * be re-sent) and calls output again. Its commit applies the timer input {conn, 'sndmore'}.
 * `tcp_output_pending` (the message is in flight) makes an ACK or a send skip their own output;
 * `tcp_output_cancel` drops it when an ACK must go out now.
 */

export interface SndmoreArg {
  readonly tp: TcpCb;
}

const msgs = new WeakMap<TcpCb, NetMsg<SndmoreArg>>();

function msgOf(inet: Inet, tp: TcpCb): NetMsg<SndmoreArg> {
  let m = msgs.get(tp);
  if (m === undefined) {
    const input = { kind: 'timer', conn: tp.conn, timer: 'sndmore' } as const;
    m = new NetMsg<SndmoreArg>(inet.k, input, 'adone', MSGF_DROPABLE, sndmoreHandler, { tp });
    msgs.set(tp, m);
  }
  return m;
}

/** `tcp_output_pending`. */
export function tcpOutputPending(tp: TcpCb): boolean {
  const m = msgs.get(tp);
  return m !== undefined && (m.flags & MSGF_DONE) === 0;
}

/** `tcp_output_sched`: queue the continuation unless it is already in flight. */
export function tcpSndmoreSched(inet: Inet, tp: TcpCb): void {
  const m = msgOf(inet, tp);
  if ((m.flags & MSGF_DONE) === 0) return;
  inet.stats.inc(tp.cpu, 'tcp.sndmore');
  sendmsg(inet.k, inet.netisrs[tp.cpu]!.port, m);
}

/** `tcp_output_cancel`: drop a still-queued continuation. */
export function tcpOutputCancel(inet: Inet, tp: TcpCb): void {
  const m = msgs.get(tp);
  if (m !== undefined && (m.flags & MSGF_DONE) === 0) dropmsg(inet.k, m);
}

export function* sndmoreHandler(inet: Inet, msg: NetMsg<SndmoreArg>): Co {
  replymsg(msg, null);
  const tp = msg.arg.tp;
  if (tp.so.tp !== tp) return;
  inet.k.wr(tp.obj);
  inet.k.linearize();
  tcpOutputFair(inet, tp);
  yield* tcpEndStep(inet);
}
