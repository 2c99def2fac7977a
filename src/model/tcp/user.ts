/**
 * Read before editing: RFC 9293 §3.10.1 … §3.10.6 (OPEN, SEND, RECEIVE, CLOSE, ABORT; SM-1 …
 * SM-3), docs/UDP-PROFILE.md UP-2 … UP-4; dragonfly.md B.2, B.3 "listen", B.5, D.6, D.8, D.9;
 * docs/TCP-PROFILE.md TP-6 … TP-13.
 *
 * The socket calls on TCP descriptors, with exactly the results the profile lists. Calls that
 * wait are parked (waiters.ts) and completed at the end of the step that satisfies them.
 */
import type { Draft } from 'immer';
import type { Endpoint, Port } from '../../core/addr';
import { assert, assertNever } from '../../core/assert';
import { fd as mkFd } from '../../core/ids';
import type { CpuId, Fd } from '../../core/ids';
import { tcpIsn } from '../../core/isn';
import { seq } from '../../core/seq';
import { err, ok } from '../../core/result';
import type { AppCall, CallRequest, CallResult } from '../../core/socket';
import { tcpFlowCpu } from '../../core/toeplitz';
import { cpuId } from '../../core/ids';
import { EPHEMERAL_COUNT, nextEphemeral, pickEphemeral } from '../socket/ports';
import { calloutReset } from './callout';
import type { Env } from './env';
import { connOf, msToTicks, socketByFd } from './env';
import { newTcb, tcpClose, tcpDrop, tcpUsrClosed } from './lifecycle';
import { tcpOutput, tcpOutputFair } from './output';
import { concatBytes } from './reassembly';
import { EMPTY } from './segment';
import type { TcpSocket } from './state';
import { haveEstablished, tupleOf } from './state';

type FdRequest = Exclude<CallRequest, { op: 'socket' }>;
export type CallOutcome = CallResult | 'blocked';

/** TP-7: a port is held by any TCP socket or connection of the host. */
const held = (env: Env, p: Port): boolean => env.d.sockets.some((s) => s.lport === p);

/** UP-3 among TCP ports. */
function ephemeral(env: Env): Port | null {
  const pick = pickEphemeral(env.host.portCursor, (p) => held(env, p));
  if (pick === null) return null;
  env.host.portCursor = pick.cursor;
  return pick.port;
}

/**
 * TP-9 (D.8 in_pcbbind_remote on top of UP-3): the first 2·ncpus − 1 free ports are taken only
 * if the 4-tuple hashes to the socket's CPU; after that, any free port.
 */
function connectPort(env: Env, owner: CpuId, remote: Endpoint): Port | null {
  const ncpus = env.d.config.ncpus;
  let candidate = env.host.portCursor;
  let freeSeen = 0;
  let firstFree: Port | null = null;
  for (let tried = 0; tried < EPHEMERAL_COUNT; tried++) {
    if (!held(env, candidate)) {
      firstFree ??= candidate;
      if (freeSeen >= 2 * ncpus - 1 ||
          tcpFlowCpu(env.d.addr, candidate, remote.addr, remote.port, ncpus) === owner) {
        env.host.portCursor = nextEphemeral(candidate);
        return candidate;
      }
      freeSeen += 1;
    }
    candidate = nextEphemeral(candidate);
  }
  if (firstFree !== null) env.host.portCursor = nextEphemeral(firstFree);
  return firstFree;
}

/** TP-6: socket(tcp), created on the caller's CPU. */
function socketCall(env: Env, call: AppCall): CallResult {
  const fd = env.host.nextFd;
  env.host.nextFd = mkFd(fd + 1);
  const so: TcpSocket = {
    sid: env.d.nextSid, fd, owner: call.cpu, lport: null, listen: null, listener: null, tcb: null,
    hadConnection: false, connected: false, cantSendMore: false, cantRcvMore: false, error: null,
    snd: EMPTY, rcv: EMPTY,
  };
  env.d.nextSid += 1;
  env.d.sockets.push(so as Draft<TcpSocket>);
  return ok({ kind: 'fd', fd });
}

/** TP-7: bind, executed on netisr0, which then owns the socket (D.9). */
function bindCall(env: Env, so: Draft<TcpSocket>, p: Port): CallResult {
  if (so.lport !== null) return err('EINVAL');
  let port: Port | null = p;
  if (p === 0) port = ephemeral(env);
  else if (held(env, p)) return err('EADDRINUSE');
  if (port === null) return err('EADDRNOTAVAIL');
  so.lport = port;
  so.owner = cpuId(0);
  return ok({ kind: 'none' });
}

/** TP-8: listen on netisr0 (D.9); the backlog is clamped to somaxconn (B.3). */
function listenCall(env: Env, so: Draft<TcpSocket>, backlog: number): CallResult {
  if (so.tcb !== null || so.hadConnection) return err('EINVAL');
  if (so.lport === null) {
    const port = ephemeral(env);
    if (port === null) return err('EADDRNOTAVAIL');
    so.lport = port;
  }
  const qlimit = backlog >= 0 && backlog <= env.cfg.somaxconn ? backlog : env.cfg.somaxconn;
  if (so.listen === null) so.listen = { qlimit, queue: [], overflowTick: null };
  else so.listen.qlimit = qlimit;
  so.owner = cpuId(0);
  return ok({ kind: 'none' });
}

/** TP-9: active open (SM-25's first step): SYN-SENT, the SYN, the connection on its flow CPU. */
function connectCall(
  env: Env, call: AppCall, so: Draft<TcpSocket>, remote: Endpoint, nonblocking: boolean,
): CallOutcome {
  if (so.listen !== null) return err('EOPNOTSUPP');
  if (so.tcb !== null) return err(haveEstablished(so.tcb.state) ? 'EISCONN' : 'EALREADY');
  if (so.hadConnection) return err('EINVAL');
  if (so.lport === null) {
    const port = connectPort(env, so.owner, remote);
    if (port === null) return err('EADDRNOTAVAIL');
    so.lport = port;
  }
  const local: Endpoint = { addr: env.d.addr, port: so.lport };
  so.owner = tcpFlowCpu(local.addr, local.port, remote.addr, remote.port, env.d.config.ncpus);
  const iss = seq(tcpIsn(env.d.seed, tupleOf({ local, remote }), env.ticks, env.hz));
  so.tcb = newTcb(env, local, remote, 'SYN-SENT', iss) as Draft<TcpSocket>['tcb'];
  so.hadConnection = true;
  const c = connOf(so);
  calloutReset(env, c.tp, 'keep', msToTicks(env, env.cfg.keepinitMs));
  tcpOutput(env, c);
  if (nonblocking) return err('EINPROGRESS');
  env.d.waiters.push({ kind: 'connect', call: call.id, sid: so.sid });
  return 'blocked';
}

/** TP-10: take the oldest completed connection off the listen queue. */
export function acceptNow(env: Env, listener: Draft<TcpSocket>): CallResult | null {
  if (listener.listen === null) return err('EINVAL');
  const sid = listener.listen.queue.shift();
  if (sid === undefined) return null;
  const so = env.d.sockets.find((s) => s.sid === sid);
  assert(so !== undefined && so.tcb !== null, `TP-10: queued connection ${sid} without a TCB`);
  const fd = env.host.nextFd;
  env.host.nextFd = mkFd(fd + 1);
  so.fd = fd;
  so.listener = null;
  const remote = { addr: so.tcb.remote.addr, port: so.tcb.remote.port };
  return ok({ kind: 'accepted', fd, remote });
}

function acceptCall(
  env: Env, call: AppCall, so: Draft<TcpSocket>, nonblocking: boolean,
): CallOutcome {
  const r = acceptNow(env, so);
  if (r !== null) return r;
  if (nonblocking) return err('EWOULDBLOCK');
  env.d.waiters.push({ kind: 'accept', call: call.id, sid: so.sid });
  return 'blocked';
}

/** TP-11's checks, in order; null when the socket may take data. */
export function sendCheck(so: Draft<TcpSocket>): CallResult | null {
  if (so.cantSendMore) return err('EPIPE');
  if (so.error !== null) {
    const e = so.error;
    so.error = null;
    return err(e);
  }
  if (so.tcb === null || (so.tcb.state !== 'ESTABLISHED' && so.tcb.state !== 'CLOSE-WAIT')) {
    return err('ENOTCONN');
  }
  return null;
}

/** Append what fits of `data` and output as tcp_usr_send does; returns the bytes taken. */
export function sendAppend(env: Env, so: Draft<TcpSocket>, data: Uint8Array): number {
  const n = Math.min(data.length, Math.max(0, env.cfg.sendspace - so.snd.length));
  if (n === 0) return 0;
  so.snd = concatBytes(so.snd, data.slice(0, n));
  const c = connOf(so);
  if (c.tp.timers.sndmore === null) tcpOutputFair(env, c);
  return n;
}

function sendCall(
  env: Env, call: AppCall, so: Draft<TcpSocket>, data: Uint8Array, nonblocking: boolean,
): CallOutcome {
  const refused = sendCheck(so);
  if (refused !== null) return refused;
  if (data.length === 0) return ok({ kind: 'sent', bytes: 0 });
  const n = sendAppend(env, so, data);
  if (n === data.length) return ok({ kind: 'sent', bytes: n });
  if (nonblocking) return n === 0 ? err('EWOULDBLOCK') : ok({ kind: 'sent', bytes: n });
  const rest = data.slice(n);
  env.d.waiters.push({ kind: 'send', call: call.id, sid: so.sid, rest, total: data.length });
  return 'blocked';
}

/** TP-12: data, else the pending error, else EOF; null when the caller would wait. */
export function recvNow(env: Env, so: Draft<TcpSocket>, maxBytes: number): CallResult | null {
  if (so.rcv.length > 0) {
    const n = Math.min(maxBytes, so.rcv.length);
    const data = so.rcv.slice(0, n);
    so.rcv = so.rcv.subarray(n);
    // tcp_usr_rcvd (A.12): the read may open the window enough for a window update.
    if (so.tcb !== null && so.tcb.state !== 'CLOSED') tcpOutput(env, connOf(so));
    return ok({ kind: 'data', data });
  }
  if (so.error !== null) {
    const e = so.error;
    so.error = null;
    return err(e);
  }
  if (so.cantRcvMore) return ok({ kind: 'data', data: new Uint8Array(0) });
  return null;
}

function recvCall(
  env: Env, call: AppCall, so: Draft<TcpSocket>, maxBytes: number, nonblocking: boolean,
): CallOutcome {
  if (maxBytes < 1) return err('EINVAL');
  if (so.listen !== null || !so.hadConnection) return err('ENOTCONN');
  const r = recvNow(env, so, maxBytes);
  if (r !== null) return r;
  if (nonblocking) return err('EWOULDBLOCK');
  env.d.waiters.push({ kind: 'recv', call: call.id, sid: so.sid, maxBytes });
  return 'blocked';
}

/** TP-13 shutdown(SHUT_WR): socantsendmore, tcp_usrclosed, output. */
function shutdownCall(env: Env, so: Draft<TcpSocket>): CallResult {
  if (so.listen !== null || !so.hadConnection) return err('ENOTCONN');
  so.cantSendMore = true;
  if (so.tcb !== null) {
    const c = connOf(so);
    if (tcpUsrClosed(env, c)) tcpOutput(env, c);
  }
  return ok({ kind: 'none' });
}

/** A listener goes away (TP-13): queued connections are aborted, syncache entries dropped. */
function closeListener(env: Env, so: Draft<TcpSocket>): void {
  for (const sid of [...so.listen!.queue]) {
    const q = env.d.sockets.find((s) => s.sid === sid);
    if (q !== undefined && q.tcb !== null) tcpDrop(env, connOf(q), 'ECONNABORTED');
  }
  env.d.syncache = env.d.syncache.filter((e) => e.listener !== so.sid);
  removeSocket(env, so);
}

function removeSocket(env: Env, so: Draft<TcpSocket>): void {
  const i = env.d.sockets.findIndex((s) => s.sid === so.sid);
  if (i >= 0) env.d.sockets.splice(i, 1);
}

/** TP-13 close: async; before ESTABLISHED drop silently, else discard unread data and FIN. */
function closeCall(env: Env, so: Draft<TcpSocket>): CallResult {
  so.fd = null;
  if (so.listen !== null) closeListener(env, so);
  else if (so.tcb === null) removeSocket(env, so);
  else if (!haveEstablished(so.tcb.state)) tcpClose(env, so);
  else {
    so.rcv = EMPTY;
    so.cantRcvMore = true;
    so.cantSendMore = true;
    const c = connOf(so);
    if (tcpUsrClosed(env, c)) tcpOutput(env, c);
  }
  return ok({ kind: 'none' });
}

/** TP-13 abort (SO_LINGER 0): tcp_drop, a RST if a SYN was received. */
function abortCall(env: Env, so: Draft<TcpSocket>): CallResult {
  so.fd = null;
  if (so.listen !== null) closeListener(env, so);
  else if (so.tcb === null) removeSocket(env, so);
  else tcpDrop(env, connOf(so), null);
  return ok({ kind: 'none' });
}

/** One call on TCP (TP-6 … TP-13). The host has checked the descriptor is an open TCP one. */
export function userCall(env: Env, call: AppCall): CallOutcome {
  const req = call.req;
  if (req.op === 'socket') return socketCall(env, call);
  const so = socketByFd(env, req.fd);
  assert(so !== null, `TCP call on descriptor ${req.fd} with no TCP socket`);
  return fdCall(env, call, so, req);
}

function fdCall(env: Env, call: AppCall, so: Draft<TcpSocket>, req: FdRequest): CallOutcome {
  switch (req.op) {
    case 'bind':
      return bindCall(env, so, req.port);
    case 'listen':
      return listenCall(env, so, req.backlog);
    case 'connect':
      return connectCall(env, call, so, req.remote, req.nonblocking);
    case 'accept':
      return acceptCall(env, call, so, req.nonblocking);
    case 'send':
      return sendCall(env, call, so, req.data, req.nonblocking);
    case 'recv':
      return recvCall(env, call, so, req.maxBytes, req.nonblocking);
    case 'shutdown':
      return shutdownCall(env, so);
    case 'close':
      return closeCall(env, so);
    case 'abort':
      return abortCall(env, so);
    default:
      return assertNever(req, 'call');
  }
}

export type { Fd };
