/**
 * Which protocol thread linearizes each input, UP-13 … UP-15 (docs/UDP-PROFILE.md), after
 * dragonfly.md D.1, D.2, D.6 and §E "Socket placement". The netisr-conformance checker asks this
 * for every input the implementation committed; null means the input linearizes on the user side
 * (in the calling thread, on the caller's CPU).
 *
 *   - socket: on the caller's CPU, where the socket is created (UP-14);
 *   - bind, connect, shutdown, close, abort: on the socket's owner *before* the call (UP-14);
 *   - send: a successful one on the flow CPU of (local address, destination) — the owner of a
 *     connected socket, a redispatch for an unconnected one; a failed one on the user side (UP-15).
 *     The profile lists every send failure as a check of the call (UP-7), so all of them are
 *     user-side failures here, EISCONN and EADDRNOTAVAIL included;
 *   - recv: always the user side (UP-15);
 *   - listen/accept on UDP (EOPNOTSUPP) and any call on a descriptor that is not open (EBADF):
 *     refused by the socket layer, the user side;
 *   - TCP calls where TP-29 says: `socket` on the caller's CPU, bind/listen on CPU 0, accept on
 *     the user side, everything else on the socket's owner (the TCP model's `tcpCallOwner`);
 *   - a frame: its flow CPU (UP-13, UP-15); an ICMP error quoting a datagram: the flow CPU of the
 *     quoted datagram (taken on CPU 0, then redispatched);
 *   - a rollup: the CPU it names; a timer: the owner of its TCP connection or syncache entry
 *     (TP-29) — or, once that is gone, the user side: nothing may linearize it.
 */
import type { Endpoint } from '../../core/addr';
import { assert, assertNever, unreachable } from '../../core/assert';
import type { CpuId, Fd } from '../../core/ids';
import { cpuId } from '../../core/ids';
import type { AppCall } from '../../core/socket';
import { decodePacket } from '../../core/codec';
import type { CallPhase, ModelHostState, ModelInput } from '../host';
import { tcpCallOwner, tcpTimerOwner } from '../tcp';
import { sendCheck } from '../udp/user';
import { quotedFlow } from '../udp/icmp';
import type { UdpSocket } from '../udp/state';
import { findUdpSocket } from '../udp/state';
import { lookupFd } from '../socket/descriptors';
import { flowCpuOfFrame, flowCpuOfKey, udpPairCpu } from './flow';

/** UP-14: the owner CPU of a UDP socket in its current state. */
export function udpSocketOwner(s: ModelHostState, sock: UdpSocket): CpuId {
  const ncpus = s.config.ncpus;
  if (sock.peer !== null) return udpPairCpu(s.addr, sock.peer.addr, ncpus);
  if (sock.lport !== null) return cpuId(sock.lport % ncpus);
  return sock.createdCpu;
}

/** UP-14: the owner CPU of descriptor `fd`, or null if it is not open. */
export function socketOwner(s: ModelHostState, fd: Fd): CpuId | null {
  const desc = lookupFd(s.fds, fd);
  if (desc === null) return null;
  if (desc.proto === 'tcp') {
    return s.tcp.sockets.find((so) => so.fd === fd)?.owner ?? unreachable(`TCP fd ${fd} lost`);
  }
  const sock = findUdpSocket(s.udp, fd);
  assert(sock !== null, `UP-2: open UDP descriptor ${fd} without a socket`);
  return udpSocketOwner(s, sock);
}

/**
 * UP-14 / UP-15: where a call linearizes; null = the user side. For a send in halves (`phase`,
 * host.ts) the user half is on the user side and the protocol half on the owner before the call.
 */
export function callOwnerCpu(s: ModelHostState, call: AppCall, phase?: CallPhase): CpuId | null {
  const req = call.req;
  const ncpus = s.config.ncpus;
  assert(call.cpu >= 0 && call.cpu < ncpus, `UP-14: caller CPU ${call.cpu} of ${ncpus}`);
  if (req.op === 'socket') return call.cpu;
  const owner = socketOwner(s, req.fd);
  if (owner === null) return null;
  if (lookupFd(s.fds, req.fd)?.proto === 'tcp') return tcpCallOwner(s.tcp, call);
  switch (req.op) {
    case 'bind':
    case 'connect':
    case 'shutdown':
    case 'close':
    case 'abort':
      return owner;
    case 'listen':
    case 'accept':
    case 'recv':
      return null;
    case 'send': {
      if (phase === 'user') return null;
      if (phase === 'proto') return owner;
      const sock = findUdpSocket(s.udp, req.fd);
      assert(sock !== null, `UP-2: open UDP descriptor ${req.fd} without a socket`);
      const plan = sendCheck(s, sock, req.data, req.to);
      return plan.ok ? sendCpu(s, plan.value.dst) : null;
    }
    default:
      return assertNever(req, 'call');
  }
}

/** UP-15: a datagram leaves on the flow CPU of (local address, destination). */
const sendCpu = (s: ModelHostState, dst: Endpoint): CpuId =>
  udpPairCpu(s.addr, dst.addr, s.config.ncpus);

/** UP-13 / UP-15: where a frame linearizes. */
export function frameOwnerCpu(s: ModelHostState, bytes: Uint8Array): CpuId {
  const ncpus = s.config.ncpus;
  const decoded = decodePacket(bytes);
  if (decoded.ok && decoded.value.body.proto === 'icmp' && decoded.value.ip.dst === s.addr) {
    const quoted = quotedFlow(decoded.value.body.icmp);
    if (quoted !== null) return flowCpuOfKey(quoted, ncpus);
  }
  return flowCpuOfFrame(bytes, ncpus);
}

/** UP-13 … UP-15: the CPU whose netisr linearizes `input`; null = the user side. */
export function ownerCpu(s: ModelHostState, input: ModelInput): CpuId | null {
  switch (input.kind) {
    case 'frame':
      return frameOwnerCpu(s, input.bytes);
    case 'call':
      return callOwnerCpu(s, input.call, input.phase);
    case 'rollup':
      assert(
        input.cpu >= 0 && input.cpu < s.config.ncpus,
        `rollup on CPU ${input.cpu} of ${s.config.ncpus}`,
      );
      return input.cpu;
    case 'timer':
      return tcpTimerOwner(s.tcp, input.conn, input.timer);
    default:
      return assertNever(input, 'model input');
  }
}
