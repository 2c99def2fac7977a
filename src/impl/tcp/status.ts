import type { SocketStatus } from '../../core/host';
import { formatIp } from '../../core/addr';
import type { Inet } from '../net/inet';
import type { TcpSock } from '../socket/tcpsock';
import { STATE_NAMES } from './const';

/**
 * TCP sockets and connections as reports and the liveness check see them (Host.status): every
 * open descriptor, then every connection that lives on without one (after close, B.5), from
 * each CPU's table. Read outside any transaction, for reports only.
 */
export function tcpStatus(inet: Inet): SocketStatus[] {
  const out: SocketStatus[] = [];
  const seen = new Set<TcpSock>();
  for (const [fd, so] of inet.fds.tcpSockets()) {
    seen.add(so);
    out.push({ key: `tcp:fd${fd}`, proto: 'tcp', state: describe(inet, so) });
  }
  for (const t of inet.tcp.tables) {
    for (const tp of t.connections()) {
      if (seen.has(tp.so)) continue;
      out.push({ key: `tcp:${tp.conn}`, proto: 'tcp', state: describe(inet, tp.so) });
    }
  }
  return out;
}

function describe(inet: Inet, so: TcpSock): string {
  const parts: string[] = [];
  const tp = so.tp;
  if (so.kind === 'listen') parts.push(`listen ${formatIp(inet.addr)}:${so.lport}`);
  else if (tp !== null) parts.push(`${STATE_NAMES[tp.state]} ${tp.conn}`);
  else if (so.kind === 'conn') parts.push('closed');
  else parts.push(so.lport === null ? 'unbound' : `bound ${formatIp(inet.addr)}:${so.lport}`);
  if (so.snd.cc > 0) parts.push(`sndq=${so.snd.cc}`);
  if (so.rcv.cc > 0) parts.push(`rcvq=${so.rcv.cc}`);
  if (so.error !== null) parts.push(`error=${so.error}`);
  parts.push(`cpu${so.port.cpu}`);
  return parts.join(' ');
}
