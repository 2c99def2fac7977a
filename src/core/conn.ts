import type { Endpoint } from './addr';
import { formatEndpoint } from './addr';

/**
 * Names both TCP stacks use for a connection and its timers in 'timer' inputs and commits
 * (docs/TCP-PROFILE.md TP-2). A connection is named from the host's own point of view:
 * local endpoint first, `>`, then the remote endpoint — "10.0.0.1:49152>10.0.0.2:80".
 */
export const connKey = (local: Endpoint, remote: Endpoint): string =>
  `${formatEndpoint(local)}>${formatEndpoint(remote)}`;

/**
 * TP-2: the timer inputs of a TCP connection, in the order DragonFly's timer message runs the
 * tasks that are due together (dragonfly.md D.10: delack, rexmt, persist, keep, 2msl), then the
 * two continuations: `sndmore` (fair send, C) and `synack` (a syncache entry's SYN|ACK timer).
 */
export const TCP_TIMER_NAMES = [
  'delack', 'rexmt', 'persist', 'keep', '2msl', 'sndmore', 'synack',
] as const;
export type TcpTimerName = (typeof TCP_TIMER_NAMES)[number];

export const isTcpTimerName = (s: string): s is TcpTimerName =>
  (TCP_TIMER_NAMES as readonly string[]).includes(s);
