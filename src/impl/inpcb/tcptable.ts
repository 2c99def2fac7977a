import type { IpAddr, Port } from '../../core/addr';
import type { CpuId } from '../../core/ids';
import type { Kern } from '../kern/kern';
import { KObj, guarded, owned } from '../kern/kern';
import { Token } from '../kern/token';

/**
 * Read before editing: dragonfly.md D.8 (per-CPU `tcbinfo[cpu]`), D.9 (listen entries replicated
 * on every CPU), TP-17 (demux: exact 4-tuple, then a listener on the port).
 *
 * One CPU's TCP tables. The connection hash (exact 4-tuples) is private to the CPU: only its
 * netisr reads or writes it, without a token — this is the lookup of every established segment.
 * The wildcard hash holds listeners by local port; CPU 0 replicates each listener into every
 * CPU's wildcard hash, so it is guarded by a per-CPU token that only segments missing the
 * connection hash (SYNs, strays) take. DEVIATION (D.9): DragonFly replicates with a message chain
 * before listen(2) returns; writing every replica under its token in the one step that
 * linearizes listen (and close) keeps a SYN on another CPU from seeing a listener the
 * linearization order does not have yet, or no longer has (TP-29).
 */

/** Connection-hash key: the local and foreign ports (the local address is the host's). */
const portsKey = (lport: number, fport: number): number => lport * 65536 + fport;

interface ConnEntry<C> {
  readonly faddr: IpAddr;
  readonly conn: C;
}

export class TcpTable<C, L> {
  readonly connObj: KObj;
  readonly wildObj: KObj;
  readonly wildToken: Token;
  private readonly conns = new Map<number, ConnEntry<C>[]>();
  private readonly wild = new Map<number, L>();

  constructor(k: Kern, readonly cpu: CpuId) {
    this.connObj = new KObj(`tcbinfo:${cpu}.conn`, owned(cpu));
    this.wildToken = new Token(`tcbinfo:${cpu}.wild.token`);
    this.wildObj = new KObj(`tcbinfo:${cpu}.wild`, guarded(this.wildToken.name));
    k.declare(this.connObj);
    k.declare(this.wildObj);
  }

  /** `in_pcblookup_hash` on the connection hash only. */
  lookupConn(lport: Port, faddr: IpAddr, fport: Port): C | null {
    const b = this.conns.get(portsKey(lport, fport));
    if (b === undefined) return null;
    for (const e of b) if (e.faddr === faddr) return e.conn;
    return null;
  }

  insertConn(lport: Port, faddr: IpAddr, fport: Port, conn: C): void {
    const key = portsKey(lport, fport);
    const b = this.conns.get(key);
    if (b === undefined) this.conns.set(key, [{ faddr, conn }]);
    else b.push({ faddr, conn });
  }

  removeConn(lport: Port, faddr: IpAddr, fport: Port, conn: C): boolean {
    const key = portsKey(lport, fport);
    const b = this.conns.get(key);
    if (b === undefined) return false;
    const i = b.findIndex((e) => e.conn === conn && e.faddr === faddr);
    if (i < 0) return false;
    b.splice(i, 1);
    if (b.length === 0) this.conns.delete(key);
    return true;
  }

  /** The listener on `lport` (wildcard token held). */
  lookupWild(lport: Port): L | null {
    return this.wild.get(lport) ?? null;
  }

  insertWild(lport: Port, l: L): void {
    this.wild.set(lport, l);
  }

  removeWild(lport: Port, l: L): boolean {
    if (this.wild.get(lport) !== l) return false;
    this.wild.delete(lport);
    return true;
  }

  /** Every connection in the table (status reports). */
  connections(): C[] {
    const out: C[] = [];
    for (const b of this.conns.values()) for (const e of b) out.push(e.conn);
    return out;
  }

  get connCount(): number {
    let n = 0;
    for (const b of this.conns.values()) n += b.length;
    return n;
  }
}
