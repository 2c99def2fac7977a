/**
 * The UDP part of a model host (docs/UDP-PROFILE.md UP-4 … UP-12): one record per open UDP
 * socket, in descriptor order, plus counters named after DragonFly's `udpstat` so tests can say
 * *why* a datagram vanished.
 *
 * Read before editing: RFC 768, RFC 1122 §4.1.3, dragonfly.md §E, the rule book's UDP-1 …
 * UDP-14.
 * This is a specification: one socket record holds everything an application or the wire can
 * observe about it, and nothing about which CPU's table it sits in (that is `model/netisr`).
 */
import type { Endpoint, Port } from '../../core/addr';
import type { CpuId, Fd } from '../../core/ids';
import type { SocketError } from '../../core/socket';

/** UP-12: each queued record is charged its data plus the 16-byte sockaddr stored with it. */
export const UDP_RECORD_ADDR_BYTES = 16;
/** The largest UDP payload an IPv4 packet can carry: 65535 − 20 (IP) − 8 (UDP). */
export const UDP_PAYLOAD_MAX = 65535 - 28;

/** One datagram waiting in a socket's receive buffer, with its source (`ssb_appendaddr`). */
export interface UdpRecord {
  readonly from: Endpoint;
  readonly data: Uint8Array;
}

export interface UdpSocket {
  readonly fd: Fd;
  /** UP-14: the caller's CPU at `socket()`; the socket's owner until it is bound. */
  readonly createdCpu: CpuId;
  /** The local port once bound (explicitly, or implicitly by connect/send), else null. */
  readonly lport: Port | null;
  /** The peer once connected (UP-6), else null. Connected sockets are always bound. */
  readonly peer: Endpoint | null;
  /** UP-10: shut down for writing; later sends fail EPIPE. */
  readonly cantSendMore: boolean;
  /** UP-12: the pending asynchronous error (`so_error`), reported once by send or recv. */
  readonly error: SocketError | null;
  /** UP-9: queued datagrams, oldest first. */
  readonly rcv: readonly UdpRecord[];
  /** UP-12: bytes charged to the receive buffer, Σ (data length + 16) over `rcv`. */
  readonly rcvBytes: number;
}

/** Counters, as DragonFly's `udpstat` names them; observability for tests, never compared. */
export interface UdpStats {
  /** UDP-6: a non-zero checksum that is wrong (dropped by the decoder, counted here). */
  readonly badsum: number;
  /** UDP-3 / UP-11: a length field below 8 or beyond the IP payload. */
  readonly badlen: number;
  /** Datagrams that reached `udp_input` (decoded, addressed to this host). */
  readonly ipackets: number;
  /** UP-11: destination port 0. */
  readonly badport: number;
  /** UP-11: no socket matched (an ICMP port unreachable may have gone back). */
  readonly noport: number;
  /** UP-11 / UDP-9: no socket matched and the ICMP error was suppressed. */
  readonly noportbcast: number;
  /** UP-12: the matching socket's receive buffer was full. */
  readonly fullsock: number;
  /** Datagrams queued on a socket. */
  readonly delivered: number;
  /** Datagrams sent (UP-8). */
  readonly opackets: number;
  /** ICMP port unreachables received that set a socket's error (UP-12). */
  readonly icmpRefused: number;
}

export interface UdpState {
  readonly sockets: readonly UdpSocket[];
  readonly stats: UdpStats;
}

export const initialUdpState = (): UdpState => ({
  sockets: [],
  stats: {
    badsum: 0, badlen: 0, ipackets: 0, badport: 0, noport: 0, noportbcast: 0, fullsock: 0,
    delivered: 0, opackets: 0,
    icmpRefused: 0,
  },
});

export const findUdpSocket = (u: UdpState, fd: Fd): UdpSocket | null =>
  u.sockets.find((s) => s.fd === fd) ?? null;

/** The ports UDP sockets hold (UP-3, UP-5): a socket holds its port from bind until close. */
export const heldUdpPorts = (u: UdpState): ReadonlySet<number> => {
  const held = new Set<number>();
  for (const s of u.sockets) if (s.lport !== null) held.add(s.lport);
  return held;
};

export const sameEndpoint = (a: Endpoint, b: Endpoint): boolean =>
  a.addr === b.addr && a.port === b.port;
