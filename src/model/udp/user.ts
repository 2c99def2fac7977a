/**
 * The UDP user calls, UP-4 … UP-10 (docs/UDP-PROFILE.md): socket, bind, connect, send, recv,
 * shutdown, close. Each function applies one call to the host draft and returns the call's
 * result; the checks run in exactly the profile's order, because when several apply the first
 * one is what the application sees.
 *
 * Read before editing: docs/UDP-PROFILE.md, dragonfly.md §E "Send" and "Socket placement".
 * Descriptor validity (EBADF, UP-4) and blocking are the socket layer's (`model/socket`); these
 * functions are only called with an open UDP descriptor.
 */
import type { Draft } from 'immer';
import type { Endpoint, Port } from '../../core/addr';
import { port as mkPort } from '../../core/addr';
import { assert } from '../../core/assert';
import type { CpuId, Fd } from '../../core/ids';
import type { Result } from '../../core/result';
import { err, ok } from '../../core/result';
import type { CallResult, SocketError } from '../../core/socket';
import { pickEphemeral } from '../socket/ports';
import type { Emitted, ModelHostState } from '../host';
import { udpDatagram } from './output';
import type { UdpSocket } from './state';
import { UDP_PAYLOAD_MAX, UDP_RECORD_ADDR_BYTES, heldUdpPorts } from './state';

const NONE: CallResult = ok({ kind: 'none' });

function socketOf(d: Draft<ModelHostState>, fd: Fd): Draft<UdpSocket> {
  const sock = d.udp.sockets.find((s) => s.fd === fd);
  assert(sock !== undefined, `udp: descriptor ${fd} has no UDP socket`);
  return sock;
}

/** UP-4: `socket(udp)` creates an unbound, unconnected socket on the caller's CPU (UP-14). */
export function udpAttach(d: Draft<ModelHostState>, fd: Fd, cpu: CpuId): void {
  d.udp.sockets.push({
    fd, createdCpu: cpu, lport: null, peer: null, cantSendMore: false, error: null,
    rcv: [], rcvBytes: 0,
  });
}

/** UP-3: the port an ephemeral bind would take now, or null when the range is exhausted. */
export function nextEphemeralUdpPort(s: ModelHostState): Port | null {
  const held = heldUdpPorts(s.udp);
  return pickEphemeral(s.portCursor, (p) => held.has(p))?.port ?? null;
}

/** UP-3: bind `sock` to the next free ephemeral port and move the cursor; EADDRNOTAVAIL if none. */
function bindEphemeral(
  d: Draft<ModelHostState>, sock: Draft<UdpSocket>,
): Result<Port, SocketError> {
  assert(sock.lport === null, 'UP-3: an ephemeral bind of a bound socket');
  const held = heldUdpPorts(d.udp);
  const pick = pickEphemeral(d.portCursor, (p) => held.has(p));
  if (pick === null) return err('EADDRNOTAVAIL');
  sock.lport = pick.port;
  d.portCursor = pick.cursor;
  return ok(pick.port);
}

/** UP-5: bind(fd, p). */
export function udpBind(d: Draft<ModelHostState>, fd: Fd, p: Port): CallResult {
  const sock = socketOf(d, fd);
  if (sock.lport !== null) return err('EINVAL');
  if (p !== 0) {
    if (heldUdpPorts(d.udp).has(p)) return err('EADDRINUSE');
    sock.lport = mkPort(p);
    return NONE;
  }
  const bound = bindEphemeral(d, sock);
  return bound.ok ? NONE : bound;
}

/** UP-6: connect(fd, remote). Never blocks, whatever `nonblocking` says. */
export function udpConnect(d: Draft<ModelHostState>, fd: Fd, remote: Endpoint): CallResult {
  const sock = socketOf(d, fd);
  if (sock.peer !== null) return err('EISCONN');
  if (sock.lport === null) {
    const bound = bindEphemeral(d, sock);
    if (!bound.ok) return bound;
  }
  sock.peer = { addr: remote.addr, port: remote.port };
  return NONE;
}

/** Where a send that passes every check of UP-7 goes, and whether it binds first. */
export interface SendPlan {
  readonly dst: Endpoint;
  readonly needsBind: boolean;
}

/**
 * UP-7's checks, in the profile's order, without applying anything: the send's result and, if it
 * succeeds, where the datagram goes. Pure, so the netisr model can ask it too (UP-15: where a
 * send linearizes depends on whether it succeeds). The size check also refuses what no IPv4
 * packet can carry (UDP_PAYLOAD_MAX), which matters only if `maxdgram` is configured above it.
 */
export function sendCheck(
  s: ModelHostState, sock: UdpSocket, data: Uint8Array, to: Endpoint | undefined,
): Result<SendPlan, SocketError> {
  const user = sendUserCheck(s, sock, data, to);
  if (!user.ok) return user;
  if (sock.lport === null && nextEphemeralUdpPort(s) === null) return err('EADDRNOTAVAIL');
  return ok({ dst: user.value, needsBind: sock.lport === null });
}

/** UP-7's checks that need no port: all of them but the last (the implicit bind). */
function sendUserCheck(
  s: ModelHostState, sock: UdpSocket, data: Uint8Array, to: Endpoint | undefined,
): Result<Endpoint, SocketError> {
  if (sock.cantSendMore) return err('EPIPE');
  if (sock.error !== null) return err(sock.error);
  if (data.length > s.config.udp.maxdgram || data.length > UDP_PAYLOAD_MAX) return err('EMSGSIZE');
  if (sock.peer !== null && to !== undefined) return err('EISCONN');
  const dst = sock.peer ?? to;
  if (dst === undefined) return err('EDESTADDRREQ');
  return ok({ addr: dst.addr, port: dst.port });
}

/** UP-7: a failed check that is the pending error reports it once: clear it. */
function clearReportedError(sock: Draft<UdpSocket>, failure: SocketError): void {
  // The pending error is the second check, so a failure that is not EPIPE with an error pending
  // is that error.
  if (sock.cantSendMore || sock.error === null) return;
  assert(failure === sock.error, 'UP-7: the pending error outranks the later checks');
  sock.error = null;
}

/** UP-8: bind if needed (UP-3) and put the datagram on the wire; false if no port is free. */
function transmit(
  d: Draft<ModelHostState>, sock: Draft<UdpSocket>, dst: Endpoint, data: Uint8Array, out: Emitted,
): boolean {
  if (sock.lport === null && !bindEphemeral(d, sock).ok) return false;
  assert(sock.lport !== null, 'UP-8: a datagram is sent from a bound port');
  out.frames.push(udpDatagram({
    src: d.addr, lport: sock.lport, dst, data, checksum: d.config.udp.checksum,
  }));
  d.udp.stats.opackets += 1;
  return true;
}

/** UP-7 / UP-8: send(fd, data, to?). A pending error is reported once: it is cleared here. */
export function udpSend(
  d: Draft<ModelHostState>, fd: Fd, data: Uint8Array, to: Endpoint | undefined, out: Emitted,
): CallResult {
  const sock = socketOf(d, fd);
  const plan = sendCheck(d, sock, data, to);
  if (!plan.ok) {
    clearReportedError(sock, plan.error);
    return plan;
  }
  const sent = transmit(d, sock, plan.value.dst, data, out);
  assert(sent, 'UP-7: sendCheck promised a free ephemeral port');
  return ok({ kind: 'sent', bytes: data.length });
}

/*
 * A send in two halves, for a replay that linearizes the user side and the protocol side of an
 * asynchronous send separately (ModelInput `phase`; see host.ts). The user half decides the
 * result from the socket as the caller saw it; the protocol half, applied later on the owner,
 * binds and transmits and has no result. Between the two only the network can change the socket
 * (a port unreachable setting the pending error, which the protocol half ignores): later calls of
 * the same application queue behind the send on the owner's port (UP-16).
 */

/** The user half: UP-7's checks and the result; nothing else changes. */
export function udpSendUser(
  d: Draft<ModelHostState>, fd: Fd, data: Uint8Array, to: Endpoint | undefined,
): CallResult {
  const sock = socketOf(d, fd);
  const checked = sendUserCheck(d, sock, data, to);
  if (!checked.ok) {
    clearReportedError(sock, checked.error);
    return checked;
  }
  return ok({ kind: 'sent', bytes: data.length });
}

/**
 * The protocol half: bind if unbound and transmit. Its failures are lost, as those of DragonFly's
 * asynchronous `udp_send` are (dragonfly.md D.6): no free ephemeral port, or a socket that is gone.
 */
export function udpSendProto(
  d: Draft<ModelHostState>, fd: Fd, data: Uint8Array, to: Endpoint | undefined, out: Emitted,
): void {
  const sock = d.udp.sockets.find((s) => s.fd === fd);
  if (sock === undefined) return;
  // Unreachable when later calls queue behind the send; DragonFly's udp_send would fail these.
  if (sock.peer !== null && to !== undefined) return;
  const dst = sock.peer ?? to;
  if (dst === undefined) return;
  transmit(d, sock, { addr: dst.addr, port: dst.port }, data, out);
}

/**
 * UP-9 without blocking: the oldest queued datagram truncated to `maxBytes` (the rest is
 * discarded), else the pending error (cleared), else null: nothing to report yet.
 */
export function udpTryRecv(d: Draft<ModelHostState>, fd: Fd, maxBytes: number): CallResult | null {
  assert(Number.isInteger(maxBytes) && maxBytes >= 0, `UP-9: recv of ${maxBytes} bytes`);
  const sock = socketOf(d, fd);
  const rec = sock.rcv.shift();
  if (rec !== undefined) {
    sock.rcvBytes -= rec.data.length + UDP_RECORD_ADDR_BYTES;
    assert(sock.rcvBytes >= 0, 'UP-12: receive buffer charge went negative');
    const from = { addr: rec.from.addr, port: rec.from.port };
    return ok({ kind: 'data', data: rec.data.slice(0, maxBytes), from });
  }
  assert(sock.rcvBytes === 0, 'UP-12: an empty receive buffer is charged nothing');
  if (sock.error !== null) {
    const e = sock.error;
    sock.error = null;
    return err(e);
  }
  return null;
}

/** UP-10: shutdown(fd): later sends fail EPIPE; receiving is unaffected. */
export function udpShutdown(d: Draft<ModelHostState>, fd: Fd): CallResult {
  socketOf(d, fd).cantSendMore = true;
  return NONE;
}

/**
 * UP-10: close(fd) / abort(fd): the port is free at once and queued datagrams are discarded.
 * (A receive blocked on the descriptor is completed EBADF by the socket layer.)
 */
export function udpDetach(d: Draft<ModelHostState>, fd: Fd): CallResult {
  const i = d.udp.sockets.findIndex((s) => s.fd === fd);
  assert(i >= 0, `udp: close of descriptor ${fd} without a socket`);
  d.udp.sockets.splice(i, 1);
  return NONE;
}
