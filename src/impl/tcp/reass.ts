import type { Inet } from '../net/inet';
import type { ReassEntry, TcpCb } from './tcpcb';
import { TF_QUEDFIN, TSACK_F_DUPSEG, TSACK_F_ENCLOSESEG, haveEstablished, seqGt } from './const';
import { sackBlkEnd } from './sackreport';
import { tcpWake } from './step';

/**
 * Read before editing: dragonfly.md A.5 (`tcp_reass`, report and enclosing blocks), A.11
 * (D-SACK for overlaps), A.12 (out-of-order segments are ACKed at once); RFC 9293 §3.10.7.4.
 *
 * The reassembly queue: out-of-order data kept in sequence order, trimmed against its
 * neighbours and coalesced with them, handed to the socket once the left edge reaches rcv_nxt.
 * While inserting it also records what the next SACK option reports: the block of this segment
 * (`reportblk`) and, when the segment overlapped queued data, the D-SACK and the enclosing block.
 * The global segment limit (`reass.maxsegments` = nmbclusters/16) is never reached at mpcheck's
 * scale and is not modelled.
 */

function trimFront(e: ReassEntry, n: number): void {
  e.seq = (e.seq + n) >>> 0;
  e.len -= n;
  while (n > 0) {
    const d = e.data[0]!;
    if (n < d.length) {
      e.data[0] = d.subarray(n);
      return;
    }
    n -= d.length;
    e.data.shift();
  }
}

/**
 * `tcp_reass(tp, th, tlen, m)`: queue `data` at `seq` (with a FIN if `fin`), then present what
 * became contiguous. Returns whether the data presented ended with a FIN.
 */
export function tcpReass(
  inet: Inet, tp: TcpCb, seq: number, data: Uint8Array, fin: boolean,
): boolean {
  if (fin) tp.tFlags |= TF_QUEDFIN;
  const q = tp.segq;
  let qi = 0;
  while (qi < q.length && !seqGt(q[qi]!.seq, seq)) qi++;
  const p = qi > 0 ? q[qi - 1]! : null;
  let tlen = data.length;
  if (p !== null) {
    const i = (((p.seq + p.len) >>> 0) - seq) | 0;
    if (i > 0) {
      tp.sackFlags |= TSACK_F_DUPSEG | TSACK_F_ENCLOSESEG;
      tp.encloseblk.start = p.seq;
      if (i >= tlen) {
        if (fin) p.fin = true;
        tp.encloseblk.end = sackBlkEnd((p.seq + p.len) >>> 0, p.fin);
        inet.stats.inc(tp.cpu, 'tcp.rcvduppack');
        return tcpReassPresent(inet, tp);
      }
      data = data.subarray(i);
      tlen -= i;
      seq = (seq + i) >>> 0;
      tp.encloseblk.end = sackBlkEnd((seq + tlen) >>> 0, fin);
      tp.reportblk.end = seq;
    }
  }
  inet.stats.inc(tp.cpu, 'tcp.rcvoopack');
  while (qi < q.length) {
    const n = q[qi]!;
    const i = (((seq + tlen) >>> 0) - n.seq) | 0;
    if (i <= 0) break;
    const nendSack = sackBlkEnd((n.seq + n.len) >>> 0, n.fin);
    if ((tp.sackFlags & TSACK_F_DUPSEG) === 0) {
      tp.sackFlags |= TSACK_F_DUPSEG | TSACK_F_ENCLOSESEG;
      tp.encloseblk.start = tp.reportblk.start;
      tp.encloseblk.end = tp.reportblk.end;
      tp.reportblk.start = n.seq;
    }
    if ((tp.sackFlags & TSACK_F_ENCLOSESEG) !== 0 && seqGt(nendSack, tp.encloseblk.end)) {
      tp.encloseblk.end = nendSack;
    }
    if (i < n.len) {
      trimFront(n, i);
      break;
    }
    if (n.fin) fin = true;
    q.splice(qi, 1);
  }
  insert(tp, qi, p, { seq, len: tlen, fin, data: [data] });
  return tcpReassPresent(inet, tp);
}

/** Link `te` in at `qi`, coalescing with the following and the preceding entry. */
function insert(tp: TcpCb, qi: number, p: ReassEntry | null, te: ReassEntry): void {
  const q = tp.segq;
  const next = q[qi];
  if (next !== undefined && ((te.seq + te.len) >>> 0) === next.seq) {
    te.len += next.len;
    if (next.fin) te.fin = true;
    const tendSack = sackBlkEnd((te.seq + te.len) >>> 0, te.fin);
    te.data.push(...next.data);
    tp.encloseblk.end = tendSack;
    if ((tp.sackFlags & TSACK_F_DUPSEG) === 0) tp.reportblk.end = tendSack;
    q.splice(qi, 1);
  }
  if (p !== null && ((p.seq + p.len) >>> 0) === te.seq) {
    if (te.fin) p.fin = true;
    p.len += te.len;
    p.data.push(...te.data);
    tp.encloseblk.start = p.seq;
    if ((tp.sackFlags & TSACK_F_DUPSEG) === 0) tp.reportblk.start = p.seq;
    return;
  }
  q.splice(qi, 0, te);
}

/** `tcp_reass(tp, NULL, …)`'s `present:`: hand the data at rcv_nxt to the socket. */
export function tcpReassPresent(inet: Inet, tp: TcpCb): boolean {
  if (!haveEstablished(tp.state)) return false;
  const first = tp.segq[0];
  if (first === undefined || first.seq !== tp.rcvNxt) return false;
  tp.rcvNxt = (tp.rcvNxt + first.len) >>> 0;
  if ((tp.sackFlags & TSACK_F_DUPSEG) === 0) tp.reportblk.start = tp.reportblk.end;
  tp.sackFlags &= ~TSACK_F_ENCLOSESEG;
  tp.segq.shift();
  const so = tp.so;
  if (!so.cantRcvMore) for (const d of first.data) so.rcv.append(d);
  tcpWake(inet, so);
  return first.fin;
}
