import type { Port } from '../../core/addr';
import { EPHEMERAL_FIRST, EPHEMERAL_LAST, port } from '../../core/addr';
import type { Kern } from '../kern/kern';
import { KObj, guarded } from '../kern/kern';
import { Token } from '../kern/token';

/**
 * Read before editing: UP-3, UP-5, dragonfly.md D.8 (port allocation).
 *
 * The local ports one protocol's sockets hold on a host, and the ephemeral cursor. UP-3: an
 * ephemeral port is the first port at or after the cursor that no socket of the protocol holds,
 * wrapping 65535 → 49152; the cursor then moves past it. Host-wide and guarded by one port token
 * (DEVIATION from DragonFly's per-CPU partitions with random offsets, as UP-3 explains).
 */
export class PortTable<P> {
  readonly token: Token;
  readonly obj: KObj;
  private readonly holders = new Map<number, P>();
  private cursor: number = EPHEMERAL_FIRST;

  constructor(k: Kern, readonly proto: string) {
    this.token = new Token(`${proto}.ports.token`);
    this.obj = new KObj(`${proto}.ports`, guarded(this.token.name));
    k.declare(this.obj);
  }

  holder(p: Port): P | undefined {
    return this.holders.get(p);
  }

  isHeld(p: Port): boolean {
    return this.holders.has(p);
  }

  hold(p: Port, by: P): void {
    this.holders.set(p, by);
  }

  release(p: Port, by: P): boolean {
    if (this.holders.get(p) !== by) return false;
    this.holders.delete(p);
    return true;
  }

  /** UP-3: pick and advance past the next free ephemeral port, or null when none is free. */
  ephemeral(): Port | null {
    const span = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
    for (let i = 0; i < span; i++) {
      const p = EPHEMERAL_FIRST + ((this.cursor - EPHEMERAL_FIRST + i) % span);
      if (this.holders.has(p)) continue;
      this.cursor = p === EPHEMERAL_LAST ? EPHEMERAL_FIRST : p + 1;
      return port(p);
    }
    return null;
  }

  get held(): number {
    return this.holders.size;
  }
}
