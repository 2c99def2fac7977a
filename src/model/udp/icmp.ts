/**
 * ICMP errors reaching UDP, UP-12 (docs/UDP-PROFILE.md), after dragonfly.md §E "ICMP errors to
 * UDP" (`udp_ctlinput`): only a *connected* socket whose 4-tuple matches the quoted datagram
 * exactly learns of a port unreachable, as the asynchronous error ECONNREFUSED; unconnected
 * sockets never see ICMP errors.
 *
 * The profile narrows UDP-10 ("pass every ICMP error up"): only Destination Unreachable / Port
 * Unreachable has an observable effect; other ICMP messages are taken and ignored.
 */
import type { Draft } from 'immer';
import { ICMP_UNREACH, ICMP_UNREACH_PORT, IPPROTO_UDP } from '../../core/packet';
import type { IcmpMessage } from '../../core/packet';
import type { ModelHostState } from '../host';
import type { FlowKey } from '../netisr/flow';
import { readFlowKey } from '../netisr/flow';
import { sameEndpoint } from './state';

/** ICMP errors quoting a datagram (RFC 792): unreachable, time exceeded, parameter problem. */
const ICMP_ERROR_TYPES: readonly number[] = [ICMP_UNREACH, 11, 12];

/**
 * The datagram an ICMP error quotes, when the message is an error and its quote holds an IPv4
 * header and the transport ports; else null (UP-15: such a message stays on CPU 0).
 */
export function quotedFlow(icmp: IcmpMessage): FlowKey | null {
  if (!ICMP_ERROR_TYPES.includes(icmp.type)) return null;
  const key = readFlowKey(icmp.quoted, true);
  return key !== null && key.ports !== null ? key : null;
}

/**
 * UP-12: a port unreachable quoting a datagram this host sent sets ECONNREFUSED on the connected
 * socket with exactly that (local port, peer). A blocked recv is then woken by the socket layer.
 */
export function udpCtlInput(d: Draft<ModelHostState>, icmp: IcmpMessage): void {
  if (icmp.type !== ICMP_UNREACH || icmp.code !== ICMP_UNREACH_PORT) return;
  const q = quotedFlow(icmp);
  if (q === null || q.proto !== IPPROTO_UDP || q.ports === null || q.src !== d.addr) return;
  const peer = { addr: q.dst, port: q.ports.dst };
  const lport = q.ports.src;
  const sock = d.udp.sockets.find(
    (s) => s.lport === lport && s.peer !== null && sameEndpoint(s.peer, peer),
  );
  if (sock === undefined) return;
  sock.error = 'ECONNREFUSED';
  d.udp.stats.icmpRefused += 1;
}
