import { assert, assertNever } from '../../core/assert';
import type { Fd } from '../../core/ids';
import { err, ok } from '../../core/result';
import type { AppCall, CallResult, CallValue, SocketError } from '../../core/socket';
import { domsg } from '../kern/msgport';
import type { Co } from '../kern/thread';
import { getToken, relToken } from '../kern/token';
import type { Inet } from '../net/inet';
import { NetMsg } from '../net/netmsg';
import type { Handler } from '../net/netmsg';
import { soreceive } from './soreceive';
import { sosend } from './sosend';
import { tcpSyscall } from './sotcp';
import { TcpSock } from './tcpsock';
import type { Socket } from './socket';
import type { AttachArg, Usrreqs } from './usrreq';

/**
 * Read before editing: UP-2 … UP-10, UP-14, UP-15, dragonfly.md D.6 (`uipc_syscalls.c`,
 * `uipc_msg.c`), docs/CONTRACTS.md (commits).
 *
 * The user-side half of every call, run on the application's user thread. One call is one
 * transaction on the user side (split where the thread blocks, see kern/block.ts), ending with
 * the call's completion. Calls that fail here (bad descriptor, unsupported operation, the send
 * checks of UP-7) and every recv linearize here; socket, bind, connect, shutdown and close
 * linearize on the owner netisr (UP-14) and the user side only waits for the reply.
 */
export function* syscall(inet: Inet, call: AppCall): Co {
  const k = inet.k;
  k.begin({ kind: 'call', call: call.id, phase: 'user' });
  const result = yield* callResult(inet, call);
  inet.env.complete({ call: call.id, result });
  k.noteCompletion(call.id);
  k.commit();
}

function* callResult(inet: Inet, call: AppCall): Co<CallResult> {
  const req = call.req;
  if (req.op === 'socket') {
    if (req.proto === 'tcp') return yield* tcpSyscall(inet, call, null);
    return yield* sysSocket(inet, call);
  }
  const file = yield* fileLookup(inet, req.fd);
  if (file === undefined) return userFail(inet, 'EBADF');
  if (file instanceof TcpSock) return yield* tcpSyscall(inet, call, file);
  const so = file;
  switch (req.op) {
    case 'bind':
      return yield* syncRequest(inet, call, so, (u) => u.bind, { port: req.port });
    case 'connect':
      return yield* syncRequest(inet, call, so, (u) => u.connect, { remote: req.remote });
    case 'shutdown':
      return yield* syncRequest(inet, call, so, (u) => u.shutdown, null);
    case 'close':
    case 'abort':
      return yield* syncRequest(inet, call, so, (u) => u.detach, null);
    case 'listen':
    case 'accept':
      // UP-4: UDP sockets cannot listen or accept.
      return userFail(inet, 'EOPNOTSUPP');
    case 'send':
      return yield* sosend(inet, call, so, req);
    case 'recv':
      return yield* soreceive(inet, so, req);
    default:
      return assertNever(req, 'call');
  }
}

/** A call that fails on the user side linearizes there (UP-15). */
export function userFail(inet: Inet, e: SocketError): CallResult {
  inet.k.linearize();
  return err(e);
}

/** `getsock` for either protocol: one lookup under the filedesc token. */
function* fileLookup(inet: Inet, fd: Fd): Co<Socket | TcpSock | undefined> {
  const k = inet.k;
  yield* getToken(k, inet.fds.token, 'fd.lookup');
  k.rd(inet.fds.obj);
  const so = inet.fds.get(fd) ?? inet.fds.getTcp(fd);
  relToken(k, inet.fds.token);
  return so;
}

/** `getsock`: the socket behind a descriptor, read under the filedesc token. */
export function* fdLookup(inet: Inet, fd: Fd): Co<Socket | undefined> {
  const k = inet.k;
  yield* getToken(k, inet.fds.token, 'fd.lookup');
  k.rd(inet.fds.obj);
  const so = inet.fds.get(fd);
  relToken(k, inet.fds.token);
  return so;
}

function usrreqsOf(inet: Inet, so: Socket | null, proto: 'tcp' | 'udp'): Usrreqs | undefined {
  return inet.protosw[so?.proto ?? proto].usrreqs;
}

/** `socreate` → `so_pru_attach` on the caller's CPU's netisr (UP-14). */
function* sysSocket(inet: Inet, call: AppCall): Co<CallResult> {
  assert(call.req.op === 'socket', 'sysSocket: not a socket call');
  const u = usrreqsOf(inet, null, call.req.proto);
  if (u === undefined) return userFail(inet, 'EOPNOTSUPP');
  const arg: AttachArg = { fd: null };
  const input = { kind: 'call', call: call.id, phase: 'proto' } as const;
  const msg = new NetMsg(inet.k, input, 'sync', 0, u.attach, arg);
  const e = yield* domsg(inet.k, inet.netisrs[call.cpu]!.port, msg);
  assert(e === null && arg.fd !== null, `socket: attach failed (${e})`);
  return ok({ kind: 'fd', fd: arg.fd });
}

/** `so_pru_X`: a synchronous request to the socket's owner netisr. */
function* syncRequest<A>(
  inet: Inet, call: AppCall, so: Socket, pick: (u: Usrreqs) => Handler<A>, arg: A,
): Co<CallResult> {
  const u = usrreqsOf(inet, so, so.proto);
  assert(u !== undefined, `${so.name}: protocol ${so.proto} has no usrreqs`);
  const input = { kind: 'call', call: call.id, phase: 'proto' } as const;
  const msg = new NetMsg<A>(inet.k, input, 'sync', 0, pick(u), arg, so);
  const e = yield* domsg(inet.k, so.port, msg);
  const none: CallValue = { kind: 'none' };
  return e === null ? ok(none) : err(e);
}
