/**
 * The socket API as an application observes it (docs/UDP-PROFILE.md UP-2, UP-4, UP-9, UP-10):
 * one call in, its result out — now, or later for a blocking recv.
 *
 * This layer resolves descriptors (EBADF before anything else, UP-4), refuses what a protocol does
 * not support, and routes the call to its protocol. TCP sockets are not modelled yet:
 * `socket(tcp)` fails EOPNOTSUPP until `src/model/tcp` plugs in here.
 */
import type { Draft } from 'immer';
import { assertNever } from '../../core/assert';
import type { Fd } from '../../core/ids';
import { err, ok } from '../../core/result';
import type { AppCall, CallRequest, CallResult } from '../../core/socket';
import type { CallPhase, Emitted, ModelHostState } from '../host';
import {
  udpAttach, udpBind, udpConnect, udpDetach, udpSend, udpSendProto, udpSendUser, udpShutdown,
  udpTryRecv,
} from '../udp/user';
import { allocateFd, lookupFd, releaseFd } from './descriptors';
import { parkRecv } from './pending';

/**
 * Apply one application call, or one half of a send (`phase`, see host.ts); its completion goes
 * to `out` unless it blocks (UP-9) or is a send's protocol half, which has no result.
 */
export function callArrives(
  d: Draft<ModelHostState>, call: AppCall, phase: CallPhase | undefined, out: Emitted,
): void {
  const result = callResult(d, call, phase, out);
  if (result !== 'blocked' && result !== 'no-result') {
    out.completions.push({ call: call.id, result });
  }
}

type Outcome = CallResult | 'blocked' | 'no-result';

function callResult(
  d: Draft<ModelHostState>, call: AppCall, phase: CallPhase | undefined, out: Emitted,
): Outcome {
  const req = call.req;
  if (req.op === 'socket') {
    // TODO(tcp): route to the TCP model once it plugs in.
    if (req.proto === 'tcp') return err('EOPNOTSUPP');
    const fd = allocateFd(d.fds, 'udp');
    udpAttach(d, fd, call.cpu);
    return ok({ kind: 'fd', fd });
  }
  const desc = lookupFd(d.fds, req.fd);
  // A send's protocol half finds no descriptor only if a close overtook it: nothing to apply.
  if (desc === null) return req.op === 'send' && phase === 'proto' ? 'no-result' : err('EBADF');
  switch (desc.proto) {
    case 'udp':
      return udpCall(d, call, req, phase, out);
    case 'tcp':
      // Unreachable until the TCP model plugs in: no descriptor is TCP yet.
      return err('EOPNOTSUPP');
    default:
      return assertNever(desc.proto, 'socket protocol');
  }
}

type FdRequest = Exclude<CallRequest, { op: 'socket' }>;

function udpCall(
  d: Draft<ModelHostState>, call: AppCall, req: FdRequest, phase: CallPhase | undefined,
  out: Emitted,
): Outcome {
  switch (req.op) {
    case 'bind':
      return udpBind(d, req.fd, req.port);
    case 'connect':
      return udpConnect(d, req.fd, req.remote);
    case 'listen':
    case 'accept':
      // UP-4: UDP has no connections to listen for or accept.
      return err('EOPNOTSUPP');
    case 'send':
      if (phase === 'user') return udpSendUser(d, req.fd, req.data, req.to);
      if (phase === 'proto') {
        udpSendProto(d, req.fd, req.data, req.to, out);
        return 'no-result';
      }
      return udpSend(d, req.fd, req.data, req.to, out);
    case 'recv':
      return udpRecv(d, call, req.fd, req.maxBytes, req.nonblocking);
    case 'shutdown':
      return udpShutdown(d, req.fd);
    case 'close':
    case 'abort':
      releaseFd(d.fds, req.fd);
      return udpDetach(d, req.fd);
    default:
      return assertNever(req, 'call');
  }
}

/** UP-9: the oldest datagram or the pending error now; else EWOULDBLOCK, or wait. */
function udpRecv(
  d: Draft<ModelHostState>, call: AppCall, fd: Fd, maxBytes: number, nonblocking: boolean,
): CallResult | 'blocked' {
  const now = udpTryRecv(d, fd, maxBytes);
  if (now !== null) return now;
  if (nonblocking) return err('EWOULDBLOCK');
  parkRecv(d, call.id, fd, maxBytes);
  return 'blocked';
}
