import type { IpAddr, Port } from '../../core/addr';
import { EPHEMERAL_FIRST, EPHEMERAL_LAST, port } from '../../core/addr';
import { assert } from '../../core/assert';
import type { CpuId } from '../../core/ids';
import { tcpFlowCpu } from '../corelib';
import type { Kern } from '../kern/kern';
import { KObj, guarded } from '../kern/kern';
import { Token } from '../kern/token';

/**
 * Read before editing: UP-3, TP-7, TP-9, dragonfly.md D.8 (`in_pcbsetlport`, `in_pcbbind_remote`).
 *
 * The local ports TCP holds on a host. TP-7: a port is held by any TCP socket or connection
 * using it — a bound or listening socket, every connection (accepted or not, TIME-WAIT
 * included) — so holdings are counted. Host-wide and guarded by one token (the port-hash pool
 * tokens of D.8 collapse into one, as UP-3's single cursor does). DEVIATION: uniqueness is per
 * local port, not per 4-tuple, and there is no SO_REUSEADDR (TP-7).
 */
export class TcpPorts {
  readonly token = new Token('tcp.ports.token');
  readonly obj: KObj;
  private readonly holds = new Map<number, number>();
  private cursor: number = EPHEMERAL_FIRST;

  constructor(k: Kern) {
    this.obj = new KObj('tcp.ports', guarded(this.token.name));
    k.declare(this.obj);
  }

  isHeld(p: Port): boolean {
    return this.holds.has(p);
  }

  hold(p: Port): void {
    this.holds.set(p, (this.holds.get(p) ?? 0) + 1);
  }

  release(p: Port): void {
    const n = this.holds.get(p);
    assert(n !== undefined && n > 0, `TcpPorts.release: port ${p} is not held`);
    if (n === 1) this.holds.delete(p);
    else this.holds.set(p, n - 1);
  }

  /** UP-3: the next free port at or after the cursor; the cursor moves past it. */
  ephemeral(): Port | null {
    return this.walk(() => true);
  }

  /**
   * TP-9 / D.8 `in_pcbbind_remote` on top of UP-3: of the free ports from the cursor, each of the
   * first 2·ncpus − 1 is skipped unless its 4-tuple hashes to `owner`; the next is taken anyway.
   */
  ephemeralFor(
    laddr: IpAddr, faddr: IpAddr, fport: Port, ncpus: number, owner: CpuId,
  ): Port | null {
    let skipsLeft = 2 * ncpus - 1;
    return this.walk((p) => {
      if (skipsLeft === 0) return true;
      skipsLeft--;
      return tcpFlowCpu(laddr, p, faddr, fport, ncpus) === owner;
    });
  }

  private walk(accept: (p: Port) => boolean): Port | null {
    const span = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
    for (let i = 0; i < span; i++) {
      const p = port(EPHEMERAL_FIRST + ((this.cursor - EPHEMERAL_FIRST + i) % span));
      if (this.holds.has(p)) continue;
      if (!accept(p)) continue;
      this.cursor = p === EPHEMERAL_LAST ? EPHEMERAL_FIRST : p + 1;
      return p;
    }
    return null;
  }
}
