import type { SocketError } from '../../core/socket';
import type { CommitInput } from '../../core/trace';
import { assert } from '../../core/assert';
import type { Kern } from '../kern/kern';
import { MSGF_DONE, MSGF_REPLY, MSGF_SYNC } from '../kern/msgflags';
import type { MsgPort, ReplyKind } from '../kern/msgport';
import { LwktMsg, domsg } from '../kern/msgport';
import type { Co } from '../kern/thread';
import type { Inet } from './inet';

/**
 * Read before editing: dragonfly.md D.5 (`netmsg_base`: lwkt_msg + nm_dispatch + nm_so).
 *
 * A network message: an LWKT message with the handler its target netisr runs (`nm_dispatch`) and,
 * optionally, the socket it is about (`nm_so`), which the service loop uses for port chasing.
 * Handlers are plain exported functions in small modules, so a test can substitute one.
 */

/** What port chasing needs of a socket: its current owner port (`so_port`). */
export interface Chaseable {
  readonly port: MsgPort;
}

export type Handler<A> = (inet: Inet, msg: NetMsg<A>) => Co;

export class NetMsg<A = unknown> extends LwktMsg {
  constructor(
    k: Kern,
    input: CommitInput,
    replyKind: ReplyKind,
    flags: number,
    public handler: Handler<A>,
    public arg: A,
    public so: Chaseable | null = null,
  ) {
    super(k.msgId(), input, replyKind, flags);
  }

  /** The handler to restore when a message on a detour (a barrier hop) comes back. */
  next: Handler<A> | null = null;

  /** `nm_dispatch(msg)`. */
  dispatch(inet: Inet): Co {
    return this.handler(inet, this);
  }
}

/**
 * `netisr_domsg_port`: synchronous request to a netisr. A netisr messaging its own port runs the
 * handler inline (D.1's `netmsg_put_port` self-target rule), which is also what keeps netisrs
 * from ever blocking on each other.
 */
export function* netDomsg<A>(inet: Inet, port: MsgPort, msg: NetMsg<A>): Co<SocketError | null> {
  const k = inet.k;
  if (k.cur !== null && k.cur === port.owner) {
    msg.flags &= ~(MSGF_DONE | MSGF_REPLY);
    msg.flags |= MSGF_SYNC;
    yield* msg.dispatch(inet);
    const done = (msg.flags & MSGF_DONE) !== 0;
    assert(done, `netDomsg: inline handler did not reply message ${msg.id}`);
    return msg.error;
  }
  return yield* domsg(k, port, msg);
}
