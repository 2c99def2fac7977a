import { assert } from '../../core/assert';
import { err, ok } from '../../core/result';
import type { AppCall, CallResult } from '../../core/socket';
import { blockCur } from '../kern/block';
import { MSGF_DONE, MSGF_REPLY, MSGF_SYNC } from '../kern/msgflags';
import { domsg } from '../kern/msgport';
import type { Co } from '../kern/thread';
import { getTokens, relTokens } from '../kern/token';
import type { Inet } from '../net/inet';
import { NetMsg } from '../net/netmsg';
import { acceptPredicate, lqPop } from '../tcp/listenq';
import type { AcceptArg } from '../tcp/listenq';
import { tcpUsrreq } from '../tcp/usrreq';
import type { PredicateArg } from './predicate';
import type { TcpReqArg, TcpSock } from './tcpsock';

/**
 * Read before editing: dragonfly.md D.6 (`so_pru_*` as synchronous messages, accept's
 * `soaccept_pred_fast` and predicate message); docs/TCP-PROFILE.md TP-6 … TP-13, TP-29.
 *
 * The user side of TCP calls. Every call but accept is a synchronous request to the socket's
 * owner netisr (`socket` to the caller's CPU): the owner linearizes it and the user thread only
 * waits for the reply, whose result travels in the message. accept(2) runs here, on the user
 * side, under the listen token (TP-29): it pops a completed connection, or answers EWOULDBLOCK,
 * or parks a predicate message on the queue and sleeps until a step that queues a connection
 * replies it (TP-10) — the parking is the linearization point.
 */
export function* tcpSyscall(inet: Inet, call: AppCall, so: TcpSock | null): Co<CallResult> {
  const req = call.req;
  if (req.op === 'accept') {
    assert(so !== null, 'tcpSyscall: accept without a socket');
    return yield* soAccept(inet, call, so, req.nonblocking);
  }
  const arg: TcpReqArg = { call, result: null, sent: 0, connect: null };
  const input = { kind: 'call', call: call.id, phase: 'proto' } as const;
  const msg = new NetMsg<TcpReqArg>(inet.k, input, 'sync', 0, tcpUsrreq, arg, so);
  const port = so === null ? inet.netisrs[call.cpu]!.port : so.port;
  yield* domsg(inet.k, port, msg);
  assert(arg.result !== null, `tcpSyscall: call ${call.id} (${req.op}) replied without a result`);
  return arg.result;
}

function* soAccept(inet: Inet, call: AppCall, so: TcpSock, nonblocking: boolean): Co<CallResult> {
  const k = inet.k;
  const lq = so.lq;
  const toks = [lq.sb.token, inet.fds.token];
  yield* getTokens(k, toks, 'so.accept');
  k.rd(lq.sb.obj);
  k.linearize();
  if (!lq.listening) {
    relTokens(k, toks);
    return err('EINVAL');
  }
  const got = lqPop(inet, lq);
  if (got !== null) {
    relTokens(k, toks);
    return ok({ kind: 'accepted', fd: got.fd, remote: got.so.remote! });
  }
  if (nonblocking) {
    relTokens(k, toks);
    return err('EWOULDBLOCK');
  }
  const req: TcpReqArg = { call, result: null, sent: 0, connect: null };
  const input = { kind: 'call', call: call.id, phase: 'user' } as const;
  const pred: AcceptArg = acceptPredicate(inet, lq, req);
  const msg = new NetMsg<AcceptArg>(k, input, 'sync', 0, noHandler, pred, null);
  msg.flags &= ~(MSGF_DONE | MSGF_REPLY);
  msg.flags |= MSGF_SYNC;
  msg.waiter = k.curthread();
  k.wr(lq.sb.obj);
  lq.sb.mlist.push({ msg: msg as unknown as NetMsg<PredicateArg> });
  relTokens(k, toks);
  yield* blockCur(k, { kind: 'reply', msg });
  assert(req.result !== null, `accept: call ${call.id} woke without a result`);
  return req.result;
}

/** The parked predicate is replied in place, never dispatched by a port. */
function* noHandler(): Co {
  assert(false, 'accept predicate dispatched');
}
