import type { SocketError } from '../../core/socket';
import { replymsg } from '../kern/msgport';
import type { Co } from '../kern/thread';
import { getToken, relToken } from '../kern/token';
import type { Inet } from '../net/inet';
import type { NetMsg } from '../net/netmsg';
import type { SockBuf } from './sockbuf';

/**
 * Read before editing: dragonfly.md D.6 and D.14 (predicate messages, `netmsg_so_notify`).
 *
 * A blocking operation expressed as a synchronous message that the owner netisr replies only
 * once a condition on socket state holds: the handler evaluates the predicate once under the
 * buffer's token; if false the message is parked on the buffer's `mlist`, and every later
 * `sowakeup` of that buffer re-evaluates the parked predicates and replies the satisfied ones.
 * (TCP's blocking accept and connect use this; UDP's blocking recv sleeps instead.)
 */

export type PredicateResult =
  | { readonly done: true; readonly error: SocketError | null }
  | { readonly done: false };

export interface PredicateArg {
  readonly sb: SockBuf;
  /** Evaluated with `sb.token` held; may record results in the message's own fields. */
  readonly test: (inet: Inet) => PredicateResult;
}

export interface ParkedPredicate {
  readonly msg: NetMsg<PredicateArg>;
}

export function* predicateHandler(inet: Inet, msg: NetMsg<PredicateArg>): Co {
  const k = inet.k;
  const sb = msg.arg.sb;
  yield* getToken(k, sb.token, 'so.predicate');
  k.rd(sb.obj);
  const r = msg.arg.test(inet);
  if (r.done) {
    replymsg(msg, r.error);
  } else {
    k.wr(sb.obj);
    sb.mlist.push({ msg });
  }
  relToken(k, sb.token);
}

/** Re-evaluate parked predicates (from `sowakeup`, token held); reply the satisfied ones. */
export function evaluateParked(inet: Inet, sb: SockBuf): number {
  let replied = 0;
  for (let i = 0; i < sb.mlist.length; ) {
    const p = sb.mlist[i]!;
    const r = p.msg.arg.test(inet);
    if (!r.done) {
      i++;
      continue;
    }
    sb.mlist.splice(i, 1);
    replymsg(p.msg, r.error);
    replied++;
  }
  return replied;
}

/** Abort a parked predicate (the waiter gave up); true if it was still parked. */
export function unparkPredicate(sb: SockBuf, msg: NetMsg<PredicateArg>): boolean {
  const i = sb.mlist.findIndex((p) => p.msg === msg);
  if (i < 0) return false;
  sb.mlist.splice(i, 1);
  return true;
}
