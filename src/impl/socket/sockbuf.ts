import type { Endpoint } from '../../core/addr';
import type { Kern } from '../kern/kern';
import { KObj, guarded } from '../kern/kern';
import { WaitChannel, wakeup } from '../kern/sleep';
import type { Co } from '../kern/thread';
import { Token, getToken, relToken } from '../kern/token';
import type { Inet } from '../net/inet';
import { evaluateParked } from './predicate';
import type { ParkedPredicate } from './predicate';

/**
 * Read before editing: dragonfly.md D.7 (socket buffers, `ssb_token`), E (receive), UP-12.
 *
 * A socket buffer shared between the user thread and the owner netisr. `ssb_token` is the
 * frontend/backend serializer: the protocol thread appends under it, the reader removes under
 * it. Datagram records carry their source address; UP-12 accounts each record as its length plus
 * the 16-byte sockaddr stored with it (`sb_cc` counts the name mbuf, as `ssb_appendaddr` does).
 */

/** sizeof(struct sockaddr_in): charged per datagram record (UP-12). */
export const SOCKADDR_LEN = 16;

export interface SbRecord {
  readonly data: Uint8Array;
  readonly from: Endpoint;
}

export class SockBuf {
  readonly token: Token;
  readonly obj: KObj;
  readonly wait: WaitChannel;
  readonly records: SbRecord[] = [];
  /** Bytes charged: Σ (record length + SOCKADDR_LEN). */
  cc = 0;
  /** Parked predicate messages (`ssb_mlist`, D.6). */
  readonly mlist: ParkedPredicate[] = [];

  constructor(k: Kern, readonly name: string, public hiwat: number) {
    this.token = new Token(`${name}.token`);
    this.obj = new KObj(name, guarded(this.token.name));
    this.wait = new WaitChannel(name);
    k.declare(this.obj);
  }
}

/** Would a datagram of `len` bytes fit? UP-12: queued + len + 16 ≤ recvspace. */
export const sbHasSpaceFor = (sb: SockBuf, len: number): boolean =>
  sb.cc + len + SOCKADDR_LEN <= sb.hiwat;

/**
 * `ssb_appendaddr` under `so_rcv.ssb_token`, then `sorwakeup`. Returns false when the buffer is
 * full and the datagram is dropped (`udps_fullsock`).
 */
export function* sbAppendAddr(inet: Inet, sb: SockBuf, rec: SbRecord, path: string): Co<boolean> {
  const k = inet.k;
  yield* getToken(k, sb.token, path);
  k.rd(sb.obj);
  const fits = sbHasSpaceFor(sb, rec.data.length);
  if (fits) {
    k.wr(sb.obj);
    sb.records.push(rec);
    sb.cc += rec.data.length + SOCKADDR_LEN;
    sowakeup(inet, sb);
  }
  relToken(k, sb.token);
  return fits;
}

/** The oldest record, left in place; the caller holds `sb.token`. */
export function sbPeek(k: Kern, sb: SockBuf): SbRecord | null {
  k.rd(sb.obj);
  return sb.records[0] ?? null;
}

/** Unlink the oldest record; the caller holds `sb.token`. */
export function sbDropRecord(k: Kern, sb: SockBuf): SbRecord {
  k.wr(sb.obj);
  const rec = sb.records.shift();
  if (rec === undefined) throw new Error(`sbDropRecord: ${sb.name} is empty`);
  sb.cc -= rec.data.length + SOCKADDR_LEN;
  return rec;
}

/** `ssb_flush`: discard everything (close, UP-10); the caller holds `sb.token`. */
export function sbFlush(k: Kern, sb: SockBuf): number {
  k.wr(sb.obj);
  const n = sb.records.length;
  sb.records.length = 0;
  sb.cc = 0;
  return n;
}

/**
 * `sowakeup`: wake sleepers and re-evaluate parked predicate messages. The caller holds
 * `sb.token` (predicates read what it guards).
 */
export function sowakeup(inet: Inet, sb: SockBuf): void {
  wakeup(sb.wait);
  if (sb.mlist.length > 0) evaluateParked(inet, sb);
}
