import type { Port } from '../../core/addr';
import { cpuId } from '../../core/ids';
import type { CpuId } from '../../core/ids';
import type { SocketError } from '../../core/socket';
import { udpFlowCpu } from '../corelib';
import type { Token } from '../kern/token';
import { INADDR_ANY } from '../inpcb/pcbinfo';
import type { Inet } from '../net/inet';
import type { Socket } from '../socket/socket';

/**
 * Read before editing: dragonfly.md E (socket placement), D.8, UP-3, UP-5, UP-14.
 *
 * UDP's table work. An unconnected bound socket has a wildcard entry in *every* CPU's table;
 * a connected one has one exact entry, in the table of its flow CPU. All of it is written by the
 * socket's owner under the tables' infotokens. Callers take every token they need at once
 * (`udpTableTokens`) before reading anything those tokens guard: a bind, connect or close then
 * changes the tables in one atomic step that no input can observe half done, and its commit
 * directly follows it (DEVIATION: DragonFly takes the per-table tokens one at a time).
 */

/** The port token and every CPU's table token, in a fixed order. */
export function udpTableTokens(inet: Inet): Token[] {
  const toks: Token[] = [inet.udp.ports.token];
  for (const t of inet.udp.tables) toks.push(t.token!);
  return toks;
}

/** `udp_lportcpu`: the owner of a bound, unconnected socket (UP-14). */
export const udpLportCpu = (lport: Port, ncpus: number): CpuId => cpuId(lport % ncpus);

/** The owner CPU a socket's pcb says it should have (UP-14). */
export function udpOwnerCpu(inet: Inet, so: Socket): CpuId | null {
  const pcb = so.pcb;
  if (pcb.faddr !== null) return udpFlowCpu(inet.addr, pcb.faddr, inet.ncpus);
  if (pcb.lport !== null) return udpLportCpu(pcb.lport, inet.ncpus);
  return null;
}

/** UP-5 / UP-3 with the port token held: claim `p`, or an ephemeral port when p = 0. */
export function udpBindLocked(inet: Inet, so: Socket, p: Port): SocketError | null {
  const k = inet.k;
  const ports = inet.udp.ports;
  k.rd(ports.obj);
  let chosen: Port | null = p;
  if (p === 0) {
    chosen = ports.ephemeral();
    if (chosen === null) return 'EADDRNOTAVAIL';
  } else if (ports.isHeld(p)) {
    return 'EADDRINUSE';
  }
  k.wr(ports.obj);
  ports.hold(chosen, so);
  k.wr(so.obj);
  so.pcb.lport = chosen;
  return null;
}

/** Insert the socket's wildcard entry into every CPU's table (tokens held). */
export function udpInsWildcard(inet: Inet, so: Socket): void {
  const lport = so.pcb.lport!;
  for (const t of inet.udp.tables) {
    inet.k.wr(t.obj);
    t.insertWild({ pcb: so, laddr: INADDR_ANY, lport, faddr: INADDR_ANY, fport: 0 as Port });
  }
}

export function udpRemWildcard(inet: Inet, so: Socket): void {
  for (const t of inet.udp.tables) {
    inet.k.wr(t.obj);
    t.removeWild(so);
  }
}

/** Insert the connected socket's exact entry into its flow CPU's table (token held). */
export function udpInsConn(inet: Inet, so: Socket): void {
  const pcb = so.pcb;
  const t = inet.udp.tables[udpFlowCpu(inet.addr, pcb.faddr!, inet.ncpus)]!;
  inet.k.wr(t.obj);
  t.insertExact({
    pcb: so, laddr: inet.addr, lport: pcb.lport!, faddr: pcb.faddr!, fport: pcb.fport!,
  });
}

export function udpRemConn(inet: Inet, so: Socket): void {
  const t = inet.udp.tables[udpFlowCpu(inet.addr, so.pcb.faddr!, inet.ncpus)]!;
  inet.k.wr(t.obj);
  t.removeExact(so);
}
