/**
 * Read before editing: RFC 9293 §3.10.7.4 step 7 (SM-20, SHLD-31), RFC 2883 (D-SACK of
 * overlapping data); dragonfly.md A.5 "Receiver SACK generation", A.11 (tcp_reass).
 *
 * Out-of-order segments wait in a sorted queue of non-overlapping entries, merged when they
 * touch. Overlap with queued data is a duplicate and is reported with a D-SACK block and an
 * enclosing block (RFC 2883). Data reaches the socket only once the connection is established.
 * DEVIATION(dragonfly.md A.5): no global reassembly-queue limit (`reass.maxsegments`).
 */
import type { Draft } from 'immer';
import type { SeqNum } from '../../core/seq';
import { seqAdd, seqDiff, seqGt } from '../../core/seq';
import type { Env } from './env';
import { blkEnd } from './sack';
import type { ReassEntry, Tcb, TcpSocket } from './state';
import { haveEstablished } from './state';

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

const entryEnd = (e: ReassEntry): SeqNum => seqAdd(e.seq, e.data.length);

/** Trim the incoming segment against the preceding entry; null when it holds nothing new. */
function trimAgainstPrevious(
  tp: Draft<Tcb>, p: Draft<ReassEntry>, seg: ReassEntry,
): ReassEntry | null {
  const i = seqDiff(entryEnd(p), seg.seq);
  if (i <= 0) return seg;
  const r = tp.sackRcv;
  r.dupSeg = true;
  r.encloseSeg = true;
  r.encloseblk = { start: p.seq, end: r.encloseblk.end };
  if (i >= seg.data.length) {
    if (seg.fin) p.fin = true;
    r.encloseblk = { start: p.seq, end: blkEnd(entryEnd(p), p.fin) };
    return null;
  }
  const s = seqAdd(seg.seq, i);
  const data = seg.data.subarray(i);
  r.encloseblk = { start: p.seq, end: blkEnd(seqAdd(s, data.length), seg.fin) };
  r.reportblk = { start: r.reportblk.start, end: s };
  return { seq: s, data, fin: seg.fin };
}

/** Trim or drop the queued entries the segment overlaps (from index `qi` on). */
function trimFollowing(tp: Draft<Tcb>, qi: number, seg0: ReassEntry): ReassEntry {
  let seg = seg0;
  const r = tp.sackRcv;
  while (qi < tp.reass.length) {
    const q = tp.reass[qi]!;
    const i = seqDiff(seqAdd(seg.seq, seg.data.length), q.seq);
    if (i <= 0) break;
    if (!r.dupSeg) {
      r.dupSeg = true;
      r.encloseSeg = true;
      r.encloseblk = { start: r.reportblk.start, end: r.reportblk.end };
      r.reportblk = { start: q.seq, end: r.reportblk.end };
    }
    const qendSack = blkEnd(entryEnd(q), q.fin);
    if (r.encloseSeg && seqGt(qendSack, r.encloseblk.end)) {
      r.encloseblk = { start: r.encloseblk.start, end: qendSack };
    }
    if (i < q.data.length) {
      tp.reass[qi] = { seq: seqAdd(q.seq, i), data: q.data.subarray(i), fin: q.fin };
      break;
    }
    if (q.fin) seg = { ...seg, fin: true };
    tp.reass.splice(qi, 1);
  }
  return seg;
}

/** Queue `seg` (already inside the window), merging with its neighbours (tcp_reass). */
function enqueue(tp: Draft<Tcb>, seg0: ReassEntry): void {
  if (seg0.fin) tp.flags.quedFin = true;
  let qi = tp.reass.findIndex((e) => seqGt(e.seq, seg0.seq));
  if (qi < 0) qi = tp.reass.length;
  const pi = qi - 1;
  let seg: ReassEntry | null = seg0;
  if (pi >= 0) seg = trimAgainstPrevious(tp, tp.reass[pi]!, seg);
  if (seg === null) return;
  seg = trimFollowing(tp, qi, seg);
  const r = tp.sackRcv;
  const q = tp.reass[qi];
  if (q !== undefined && seqAdd(seg.seq, seg.data.length) === q.seq) {
    seg = { seq: seg.seq, data: concatBytes(seg.data, q.data), fin: seg.fin || q.fin };
    const tend = blkEnd(seqAdd(seg.seq, seg.data.length), seg.fin);
    r.encloseblk = { start: r.encloseblk.start, end: tend };
    if (!r.dupSeg) r.reportblk = { start: r.reportblk.start, end: tend };
    tp.reass.splice(qi, 1);
  }
  const p = pi >= 0 ? tp.reass[pi] : undefined;
  if (p === undefined) {
    tp.reass.unshift(seg);
  } else if (entryEnd(p) === seg.seq) {
    tp.reass[pi] = { seq: p.seq, data: concatBytes(p.data, seg.data), fin: p.fin || seg.fin };
    r.encloseblk = { start: p.seq, end: r.encloseblk.end };
    if (!r.dupSeg) r.reportblk = { start: p.seq, end: r.reportblk.end };
  } else {
    tp.reass.splice(pi + 1, 0, seg);
  }
}

/**
 * tcp_reass: queue `seg` (null just presents what is queued, after the handshake), then hand the
 * entry at rcvNxt, if any, to the socket. Returns whether a FIN was presented with it.
 */
export function reass(
  env: Env, so: Draft<TcpSocket>, tp: Draft<Tcb>, seg: ReassEntry | null,
): boolean {
  void env;
  if (seg !== null) enqueue(tp, seg);
  if (!haveEstablished(tp.state)) return false;
  const q = tp.reass[0];
  if (q === undefined || q.seq !== tp.rcvNxt) return false;
  tp.rcvNxt = seqAdd(tp.rcvNxt, q.data.length);
  const r = tp.sackRcv;
  if (!r.dupSeg) r.reportblk = { start: r.reportblk.end, end: r.reportblk.end };
  r.encloseSeg = false;
  tp.reass.splice(0, 1);
  if (!so.cantRcvMore) so.rcv = concatBytes(so.rcv, q.data);
  return q.fin;
}
