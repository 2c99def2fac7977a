/**
 * Fixtures chained like the state diagram (STYLE P12): a listener, an established connection,
 * a connection with data in flight. Each returns the relay and the descriptors involved.
 */
import { fd } from '../../../src/core/ids';
import type { Fd } from '../../../src/core/ids';
import { port } from '../../../src/core/addr';
import type { TcpConfig } from '../../../src/core/config';
import { Relay } from './relay';

export const SERVER_PORT = 80;

export interface Established {
  readonly r: Relay;
  /** a's connected socket. */
  readonly client: Fd;
  /** b's listener and its accepted socket. */
  readonly listener: Fd;
  readonly server: Fd;
}

/** b listens on :80 with `backlog`. */
export function listening(opts: ConstructorParameters<typeof Relay>[0] = {}, backlog = 8): { r: Relay; listener: Fd } {
  const r = new Relay(opts);
  const s = r.call('b', { op: 'socket', proto: 'tcp' });
  if (s?.ok !== true || s.value.kind !== 'fd') throw new Error('socket failed');
  const listener = s.value.fd;
  r.call('b', { op: 'bind', fd: listener, port: port(SERVER_PORT) });
  r.call('b', { op: 'listen', fd: listener, backlog });
  return { r, listener };
}

/** a connects to b:80 and b accepts: both ESTABLISHED, nothing in flight. */
export function established(opts: { a?: Partial<TcpConfig>; b?: Partial<TcpConfig>; ncpus?: number; delayUs?: number } = {}): Established {
  const { r, listener } = listening(opts);
  const s = r.call('a', { op: 'socket', proto: 'tcp' });
  if (s?.ok !== true || s.value.kind !== 'fd') throw new Error('socket failed');
  const client = s.value.fd;
  r.call('a', { op: 'connect', fd: client, remote: r.ep('b', SERVER_PORT), nonblocking: true });
  r.runUntil(r.now + 100_000);
  const acc = r.call('b', { op: 'accept', fd: listener, nonblocking: true });
  if (acc?.ok !== true || acc.value.kind !== 'accepted') throw new Error(`accept failed: ${JSON.stringify(acc)}\n${r.transcript()}`);
  return { r, client, listener, server: acc.value.fd };
}

export const fdOf = (n: number): Fd => fd(n);
