import type { IpAddr, Port } from '../../core/addr';
import type { CpuId } from '../../core/ids';
import type { Kern } from '../kern/kern';
import { KObj, guarded, owned } from '../kern/kern';
import { Token } from '../kern/token';

/**
 * Read before editing: dragonfly.md D.8 (per-CPU PCB tables), D.3, E (UDP placement).
 *
 * One CPU's `inpcbinfo`: a connection hash of exact (laddr, lport, faddr, fport) entries and a
 * wildcard hash keyed by local port. Every netisr CPU has its own table. TCP tables are private
 * to their CPU (owned, no token); UDP tables are "shared" — an unconnected socket's wildcard
 * entry is written into every CPU's table from the owner CPU — so each carries an `infotoken`
 * and is guarded by it.
 *
 * Entries are snapshots of the demultiplexing key plus a reference to the protocol control block
 * they lead to; they are part of the table (guarded by the table's discipline), so a lookup never
 * reads the pcb's own, owner-CPU state.
 */
export interface PcbEntry<P> {
  readonly pcb: P;
  readonly laddr: IpAddr;
  readonly lport: Port;
  readonly faddr: IpAddr;
  readonly fport: Port;
}

/** INADDR_ANY: a wildcard entry's local (and foreign) address. */
export const INADDR_ANY = 0 as IpAddr;

/** INP_PCBCONNHASH without the mask: faddr ^ faddr>>16 ^ (lport ^ fport). */
const connHash = (faddr: number, lport: number, fport: number): number =>
  ((faddr ^ (faddr >>> 16) ^ lport ^ fport) >>> 0) & 0xffff;

export class PcbInfo<P> {
  readonly obj: KObj;
  /** The infotoken of a shared table; null for a private (owned) one. */
  readonly token: Token | null;
  private readonly conn = new Map<number, PcbEntry<P>[]>();
  private readonly wild = new Map<number, PcbEntry<P>[]>();

  constructor(k: Kern, readonly name: string, readonly cpu: CpuId, shared: boolean) {
    this.token = shared ? new Token(`${name}.token`) : null;
    this.obj = new KObj(name, shared ? guarded(this.token!.name) : owned(cpu));
    k.declare(this.obj);
  }

  /** Exact 4-tuple lookup in the connection hash. */
  lookupExact(laddr: IpAddr, lport: Port, faddr: IpAddr, fport: Port): PcbEntry<P> | null {
    const b = this.conn.get(connHash(faddr, lport, fport));
    if (b === undefined) return null;
    for (const e of b) {
      const hit = e.lport === lport && e.fport === fport && e.faddr === faddr && e.laddr === laddr;
      if (hit) return e;
    }
    return null;
  }

  /** Wildcard lookup: an entry bound to `laddr` wins over an INADDR_ANY one (D.8 step 3). */
  lookupWild(laddr: IpAddr, lport: Port): PcbEntry<P> | null {
    const b = this.wild.get(lport);
    if (b === undefined) return null;
    let any: PcbEntry<P> | null = null;
    for (const e of b) {
      if (e.laddr === laddr) return e;
      if (e.laddr === INADDR_ANY && any === null) any = e;
    }
    return any;
  }

  /** `in_pcblookup_pkthash` without local groups: exact first, then wildcard. */
  lookup(laddr: IpAddr, lport: Port, faddr: IpAddr, fport: Port): PcbEntry<P> | null {
    return this.lookupExact(laddr, lport, faddr, fport) ?? this.lookupWild(laddr, lport);
  }

  insertExact(e: PcbEntry<P>): void {
    push(this.conn, connHash(e.faddr, e.lport, e.fport), e);
  }

  insertWild(e: PcbEntry<P>): void {
    push(this.wild, e.lport, e);
  }

  removeExact(pcb: P): boolean {
    return removeFrom(this.conn, pcb);
  }

  removeWild(pcb: P): boolean {
    return removeFrom(this.wild, pcb);
  }

  get size(): number {
    let n = 0;
    for (const b of this.conn.values()) n += b.length;
    for (const b of this.wild.values()) n += b.length;
    return n;
  }
}

function push<P>(m: Map<number, PcbEntry<P>[]>, key: number, e: PcbEntry<P>): void {
  const b = m.get(key);
  if (b === undefined) m.set(key, [e]);
  else b.push(e);
}

function removeFrom<P>(m: Map<number, PcbEntry<P>[]>, pcb: P): boolean {
  for (const [key, b] of m) {
    const i = b.findIndex((e) => e.pcb === pcb);
    if (i < 0) continue;
    b.splice(i, 1);
    if (b.length === 0) m.delete(key);
    return true;
  }
  return false;
}
