import type { SackBlock } from '../../core/packet';
import type { SeqNum } from '../../core/seq';
import type { TcpCb } from './tcpcb';
import {
  MAX_SACK_REPORT_BLOCKS, TCP_MAXOLEN, TF_SACK_PERMITTED, TSACK_F_DUPSEG, TSACK_F_ENCLOSESEG,
  TSACK_F_SACKLEFT, seqGeq, seqGt, seqLeq, seqLt,
} from './const';

/**
 * Read before editing: dragonfly.md A.5 "Receiver SACK generation" (`tcp_sack_fill_report`,
 * `tcp_sack_update_reported_history`), A.11 (D-SACK), RFC 2018 §4, RFC 2883; TP-19.
 *
 * What the receiver reports: the block of the most recent segment (or a D-SACK), the enclosing
 * block of a D-SACK inside queued data, then either the reassembly queue from the left (after a
 * duplicate at the left edge, smartsack) or the history of blocks reported before.
 */

/** TCP_SACK_BLKEND: a queued FIN occupies one more sequence number. */
export const sackBlkEnd = (x: number, fin: boolean): number => (fin ? (x + 1) >>> 0 : x);

/** TP-19/A.5: report while the reassembly queue is non-empty or a report block is pending. */
export function sackReportPending(tp: TcpCb): boolean {
  return (tp.tFlags & TF_SACK_PERMITTED) !== 0 &&
    (tp.segq.length > 0 || tp.reportblk.start !== tp.reportblk.end);
}

/** `tcp_sack_report_needed`: a D-SACK/enclosing/left report or a report block is pending. */
export function sackReportNeeded(tp: TcpCb): boolean {
  return (tp.sackFlags & (TSACK_F_DUPSEG | TSACK_F_ENCLOSESEG | TSACK_F_SACKLEFT)) !== 0 ||
    tp.reportblk.start !== tp.reportblk.end;
}

/** `tcp_sack_report_cleanup`: at the end of every tcp_input. */
export function sackReportCleanup(tp: TcpCb): void {
  tp.sackFlags &= ~(TSACK_F_DUPSEG | TSACK_F_ENCLOSESEG | TSACK_F_SACKLEFT);
  tp.reportblk.start = tp.reportblk.end;
}

/** `tcp_sack_ack_history`: drop history below rcv_nxt, trim the rest. */
function ackHistory(tp: TcpCb): void {
  const h = tp.sackHistory;
  let w = 0;
  for (const b of h) {
    if (seqLeq(b.end, tp.rcvNxt)) continue;
    if (seqLt(b.start, tp.rcvNxt)) b.start = tp.rcvNxt;
    h[w++] = b;
  }
  h.length = w;
}

/** `tcp_sack_update_reported_history`: merge [start, end) in at the front. */
function updateHistory(tp: TcpCb, start: number, end: number): void {
  const copy: { start: number; end: number }[] = [];
  const h = tp.sackHistory;
  for (let i = 0; i < h.length; i++) {
    const o = h[i]!;
    if (seqLt(end, o.start) || seqGt(start, o.end)) {
      copy.push(o);
      continue;
    }
    if (seqGeq(start, o.start) && seqLeq(end, o.end)) {
      start = o.start;
      end = o.end;
      for (let j = i + 1; j < h.length; j++) copy.push(h[j]!);
      break;
    }
    if (seqGeq(o.end, start) && seqLt(o.start, start)) start = o.start;
    else if (seqGeq(end, o.start) && seqGt(o.end, end)) end = o.end;
    // else: the new block covers the old one; drop it.
  }
  h.length = 0;
  h.push({ start, end });
  for (let i = 0; i < Math.min(copy.length, MAX_SACK_REPORT_BLOCKS - 1); i++) h.push(copy[i]!);
}

/**
 * `tcp_sack_fill_report`: the SACK blocks for a segment whose other options take `optlen`
 * bytes; consumes the pending report block and flags.
 */
export function sackFillReport(tp: TcpCb, optlen: number, smartsack: boolean): SackBlock[] {
  const out: SackBlock[] = [];
  let room = TCP_MAXOLEN - optlen - 4;
  const add = (s: number, e: number): void => {
    out.push({ start: s as SeqNum, end: e as SeqNum });
    room -= 8;
  };
  let hstart = tp.rcvNxt;
  ackHistory(tp);
  const rb = tp.reportblk;
  if (rb.start !== rb.end) {
    add(rb.start, rb.end);
    hstart = rb.start;
    let hend = rb.end;
    if ((tp.sackFlags & TSACK_F_ENCLOSESEG) !== 0) {
      add(tp.encloseblk.start, tp.encloseblk.end);
      hstart = tp.encloseblk.start;
      hend = tp.encloseblk.end;
    }
    if (seqGt(hstart, tp.rcvNxt)) updateHistory(tp, hstart, hend);
  }
  if (smartsack && (tp.sackFlags & TSACK_F_SACKLEFT) !== 0) {
    for (const q of tp.segq) {
      if (room < 8) break;
      add(q.seq, sackBlkEnd((q.seq + q.len) >>> 0, q.fin));
    }
  } else {
    for (const hb of tp.sackHistory) {
      if (room < 8) break;
      if (hb.start !== hstart) add(hb.start, hb.end);
    }
  }
  rb.start = rb.end;
  tp.sackFlags &= ~(TSACK_F_DUPSEG | TSACK_F_ENCLOSESEG | TSACK_F_SACKLEFT);
  return out;
}
