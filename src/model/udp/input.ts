/**
 * UDP input, UP-11 and UP-12 (docs/UDP-PROFILE.md): demultiplexing, receive-buffer accounting,
 * and the ICMP port unreachable for a datagram nobody wants.
 *
 * Read before editing: RFC 768, RFC 1122 §4.1.3.1/§4.1.3.4 (UDP-6 … UDP-9), dragonfly.md §E
 * "Receive". The checks that make a datagram malformed (UDP-6 bad non-zero checksum, UDP-3 length
 * field below 8 or beyond the IP payload) are the decoder's: `host.ts` drops a frame that does not
 * decode before it gets here, silently (UP-11).
 */
import type { Draft } from 'immer';
import type { IpAddr } from '../../core/addr';
import type { Ipv4Header, UdpDatagram } from '../../core/packet';
import type { Emitted, ModelHostState } from '../host';
import { isMulticast } from '../../core/toeplitz';
import { icmpPortUnreachable } from './output';
import type { UdpSocket, UdpState } from './state';
import { UDP_RECORD_ADDR_BYTES, sameEndpoint } from './state';

/**
 * UP-11 demux: the connected socket whose (local port, peer) match exactly, else the unconnected
 * socket bound to the port. A connected socket never receives from another peer, so a datagram
 * from elsewhere to its port finds no socket.
 */
export function udpDemux(u: UdpState, ip: Ipv4Header, udp: UdpDatagram): UdpSocket | null {
  const from = { addr: ip.src, port: udp.srcPort };
  const connected = u.sockets.find(
    (s) => s.lport === udp.dstPort && s.peer !== null && sameEndpoint(s.peer, from),
  );
  if (connected !== undefined) return connected;
  return u.sockets.find((s) => s.lport === udp.dstPort && s.peer === null) ?? null;
}

const LIMITED_BROADCAST = 0xffffffff;

/**
 * UDP-9 (RFC 1122 §3.2.2, a MUST NOT that outranks UDP-8's SHOULD): no ICMP error in reply to a
 * datagram sent to a broadcast or multicast address, or from an address that is not one host
 * (0.0.0.0, loopback 127/8, broadcast, multicast, class E 240/4). The profile (UP-11) names the
 * broadcast/multicast cases; the rest of UDP-9's list is followed too, since an error sent to
 * such a source would go nowhere or to many.
 */
export function icmpErrorAllowed(ip: Ipv4Header): boolean {
  const notOneHost = (a: IpAddr): boolean =>
    a === 0 || a >>> 24 === 127 || a === LIMITED_BROADCAST || isMulticast(a) || a >>> 28 === 0xf;
  if (ip.dst === LIMITED_BROADCAST || isMulticast(ip.dst)) return false;
  return !notOneHost(ip.src);
}

/**
 * UP-11 / UP-12: a well-formed datagram addressed to this host. `frame` is the bytes it arrived
 * in, quoted unchanged by an ICMP port unreachable (UDP-8).
 */
export function udpInput(
  d: Draft<ModelHostState>, ip: Ipv4Header, udp: UdpDatagram, frame: Uint8Array, out: Emitted,
): void {
  d.udp.stats.ipackets += 1;
  if (udp.dstPort === 0) {
    d.udp.stats.badport += 1;
    return;
  }
  const target = udpDemux(d.udp, ip, udp);
  if (target === null) {
    d.udp.stats.noport += 1;
    if (icmpErrorAllowed(ip)) {
      out.frames.push(icmpPortUnreachable({ self: d.addr, to: ip.src, frame }));
    } else {
      d.udp.stats.noportbcast += 1;
    }
    return;
  }
  const sock = d.udp.sockets.find((s) => s.fd === target.fd)!;
  const charge = udp.payload.length + UDP_RECORD_ADDR_BYTES;
  if (sock.rcvBytes + charge > d.config.udp.recvspace) {
    d.udp.stats.fullsock += 1;
    return;
  }
  // Copied: the state must not alias the caller's frame bytes.
  sock.rcv.push({ from: { addr: ip.src, port: udp.srcPort }, data: udp.payload.slice() });
  sock.rcvBytes += charge;
  d.udp.stats.delivered += 1;
}
