/**
 * Read before editing: RFC 2018 (SACK-1 … SACK-6), RFC 2883 (D-SACK, SACK-7), RFC 6675 §2–§4
 * (SR-1 … SR-4: Update, IsLost, SetPipe, NextSeg); dragonfly.md A.5 (tcp_sack.c), A.11.
 *
 * The sender's scoreboard and the receiver's SACK report, as DragonFly keeps them.
 * DEVIATION(RFC 6675 §4, SR-2): IsLost is approximated by one `lostseq` (A.5): the start of the
 * highest block at which DupThresh blocks or (DupThresh−1)·SMSS SACKed bytes are reached.
 * DEVIATION(RFC 6675 §4, SR-3): pipe = (sndMax − lostseq − SACKed at/above lostseq) +
 * (HighRxt − sndUna − SACKed below HighRxt). DEVIATION(RFC 2018): at most 8 scoreboard blocks
 * (F.9).
 */
import type { Draft } from 'immer';
import type { SackBlock } from '../../core/packet';
import type { SeqNum } from '../../core/seq';
import { seqDiff, seqGeq, seqGt, seqLeq, seqLt, seqMin } from '../../core/seq';
import {
  MAXSAVEDBLOCKS, MAX_SACK_REPORT_BLOCKS, TCP_MAXOLEN, TCPOLEN_SACK_BLOCK,
} from './constants';
import type { Env } from './env';
import type { SeqRange, Tcb } from './state';

/** TCP_DO_SACK: SACK negotiated and enabled. */
export const doSack = (env: Env, tp: Tcb): boolean => env.cfg.sack && tp.flags.sackPermitted;

const rangeLen = (r: SeqRange): number => seqDiff(r.end, r.start);

// ------------------------------------------------------------------ sender scoreboard

/** tcp_sack_discard (SACK-6): forget the scoreboard, HighRxt, RescueRxt and lostseq. */
export function sackDiscard(tp: Draft<Tcb>): void {
  tp.sack.blocks = [];
  tp.sack.rexmtHigh = tp.sndUna;
  tp.sack.rescued = false;
  tp.sack.lostseq = tp.sndUna;
}

/** tcp_sack_ndsack_blocks (RFC 2883): 1 = D-SACK below the ACK, 2 = inside block 1, 0 = none. */
export function ndsackBlocks(blocks: readonly SackBlock[], ack: SeqNum): number {
  if (blocks.length === 0) return 0;
  if (seqLt(blocks[0]!.start, ack)) return 1;
  if (blocks.length > 1 && seqGeq(blocks[0]!.start, blocks[1]!.start) &&
      seqLeq(blocks[0]!.end, blocks[1]!.end)) {
    return 2;
  }
  return 0;
}

/** tcp_sack_ack_blocks: free blocks at or below sndUna; sndUna inside a block means reneging. */
function ackBlocks(tp: Draft<Tcb>): void {
  const kept = tp.sack.blocks.filter((b) => seqGt(b.end, tp.sndUna));
  tp.sack.blocks = kept;
  if (kept.length > 0 && seqGeq(tp.sndUna, kept[0]!.start)) sackDiscard(tp);
}

/** The index of the block containing or immediately preceding `s` (sack_block_lookup). */
function lookup(blocks: readonly SeqRange[], s: SeqNum): { index: number; contains: boolean } {
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    if (seqGt(b.end, s)) {
      return { index: seqGeq(s, b.start) ? i : i - 1, contains: seqGeq(s, b.start) };
    }
  }
  return { index: blocks.length - 1, contains: false };
}

/** insert_block: merge `raw` into the sorted blocks. Returns whether it changed anything. */
function insertBlock(blocks: SeqRange[], raw: SeqRange): { update: boolean; error: boolean } {
  if (blocks.length === 0) {
    blocks.push({ start: raw.start, end: raw.end });
    return { update: true, error: false };
  }
  const { index, contains } = lookup(blocks, raw.start);
  let w: number;
  if (index < 0) {
    if (blocks.length === MAXSAVEDBLOCKS) return { update: true, error: true };
    blocks.unshift({ start: raw.start, end: raw.end });
    w = 0;
  } else {
    const sb = blocks[index]!;
    if (contains || sb.end === raw.start) {
      if (!seqGt(raw.end, sb.end)) return { update: false, error: false };
      blocks[index] = { start: sb.start, end: raw.end };
      w = index;
    } else {
      if (blocks.length === MAXSAVEDBLOCKS) return { update: true, error: true };
      blocks.splice(index + 1, 0, { start: raw.start, end: raw.end });
      w = index + 1;
    }
  }
  // Consolidate the right-hand side: drop covered blocks, absorb a partially covered one.
  while (w + 1 < blocks.length && seqGeq(blocks[w]!.end, blocks[w + 1]!.end)) {
    blocks.splice(w + 1, 1);
  }
  if (w + 1 < blocks.length && seqGeq(blocks[w]!.end, blocks[w + 1]!.start)) {
    blocks[w] = { start: blocks[w]!.start, end: blocks[w + 1]!.end };
    blocks.splice(w + 1, 1);
  }
  return { update: true, error: false };
}

/** tcp_sack_update_lostseq (A.5 IsLost approximation). */
export function updateLostseq(env: Env, tp: Draft<Tcb>): void {
  const thresh = tp.rxtthresh;
  const bytesThresh = (env.cfg.rfc6675 ? thresh - 1 : thresh) * tp.maxseg;
  let n = 0;
  let bytes = 0;
  for (let i = tp.sack.blocks.length - 1; i >= 0; i--) {
    const b = tp.sack.blocks[i]!;
    n += 1;
    bytes += rangeLen(b);
    if (n === thresh || bytes >= bytesThresh) {
      tp.sack.lostseq = b.start;
      return;
    }
  }
  tp.sack.lostseq = tp.sndUna;
}

/**
 * tcp_sack_update_scoreboard (SR-1, SR-5): free what sndUna covers, add the ACK's blocks (a
 * leading D-SACK block is skipped; blocks at or below sndUna ignored; one beyond sndMax stops the
 * rest), recompute lostseq, drag HighRxt up to sndUna, clear the rescue once it is acked.
 * Returns whether the ACK brought nothing new (TOF_SACK_REDUNDANT).
 */
export function updateScoreboard(env: Env, tp: Draft<Tcb>, sack: readonly SackBlock[]): boolean {
  ackBlocks(tp);
  let redundant = true;
  const blocks = tp.sack.blocks.map((b) => ({ start: b.start, end: b.end }));
  for (let i = ndsackBlocks(sack, tp.sndUna) > 0 ? 1 : 0; i < sack.length; i++) {
    const raw = sack[i]!;
    if (seqLeq(raw.start, tp.sndUna)) continue;
    if (seqGt(raw.end, tp.sndMax)) break;
    const r = insertBlock(blocks, raw);
    if (r.update) redundant = false;
    if (r.error) break;
  }
  tp.sack.blocks = blocks;
  updateLostseq(env, tp);
  if (seqLt(tp.sack.rexmtHigh, tp.sndUna)) tp.sack.rexmtHigh = tp.sndUna;
  if (tp.sack.rescued && seqLeq(tp.sack.rexmtRescue, tp.sndUna)) tp.sack.rescued = false;
  return redundant;
}

/** IsLost(s) ⇔ s < lostseq (SR-2 as A.5 approximates it). */
export const isLost = (tp: Tcb, s: SeqNum): boolean => seqLt(s, tp.sack.lostseq);

/** tcp_sack_has_sacked: at least `amount` bytes SACKed (Early Retransmit, A.7). */
export function hasSacked(tp: Tcb, amount: number): boolean {
  let bytes = 0;
  for (const b of tp.sack.blocks) {
    bytes += rangeLen(b);
    if (bytes >= amount) return true;
  }
  return false;
}

/** tcp_sack_bytes_below: SACKed bytes below `s`. */
export function bytesBelow(tp: Tcb, s: SeqNum): number {
  let bytes = 0;
  for (const b of tp.sack.blocks) {
    if (!seqGt(s, b.start)) break;
    bytes += seqDiff(seqMin(s, b.end), b.start);
  }
  return bytes;
}

/** tcp_sack_compute_pipe (SR-3 as A.5 computes it). */
export function computePipe(tp: Tcb): number {
  let nlost = seqDiff(tp.sndMax, tp.sack.lostseq);
  let nrexmt = seqDiff(tp.sack.rexmtHigh, tp.sndUna);
  for (const b of tp.sack.blocks) {
    if (seqLt(b.start, tp.sack.rexmtHigh)) {
      nrexmt -= seqDiff(seqMin(b.end, tp.sack.rexmtHigh), b.start);
    }
    if (seqGeq(b.start, tp.sack.lostseq)) nlost -= rangeLen(b);
  }
  return nlost + nrexmt;
}

/** tcp_sack_skip_sacked: the first un-SACKed sequence number at or after `s`. */
export function skipSacked(tp: Tcb, s: SeqNum): SeqNum {
  const { index, contains } = lookup(tp.sack.blocks, s);
  return contains ? tp.sack.blocks[index]!.end : s;
}

/** tcp_sack_first_unsacked_len: the length of the first hole (MSS if nothing is SACKed). */
export function firstUnsackedLen(tp: Tcb): number {
  const first = tp.sack.blocks[0];
  return first === undefined ? tp.maxseg : seqDiff(first.start, tp.sndUna);
}

// ------------------------------------------------------------------ receiver report

/** TCP_SACK_BLKEND: a FIN occupies one more sequence number in a reported block. */
export const blkEnd = (end: SeqNum, fin: boolean): SeqNum =>
  ((end + (fin ? 1 : 0)) >>> 0) as SeqNum;

/** tcp_sack_report_cleanup. */
export function reportCleanup(tp: Draft<Tcb>): void {
  tp.sackRcv.dupSeg = false;
  tp.sackRcv.encloseSeg = false;
  tp.sackRcv.sackLeft = false;
  tp.sackRcv.reportblk = { start: tp.sackRcv.reportblk.end, end: tp.sackRcv.reportblk.end };
}

/** tcp_sack_report_needed: a block is waiting to be reported. */
export const reportNeeded = (tp: Tcb): boolean =>
  tp.sackRcv.dupSeg || tp.sackRcv.encloseSeg || tp.sackRcv.sackLeft ||
  tp.sackRcv.reportblk.start !== tp.sackRcv.reportblk.end;

/** tcp_sack_ack_history: drop reported blocks below rcvNxt, trim the straddling ones. */
function ackHistory(tp: Draft<Tcb>): void {
  tp.sackRcv.history = tp.sackRcv.history
    .filter((h) => seqGt(h.end, tp.rcvNxt))
    .map((h) => (seqLt(h.start, tp.rcvNxt) ? { start: tp.rcvNxt, end: h.end } : h));
}

/** tcp_sack_update_reported_history: put [start, end) first, merging what it overlaps. */
function updateReportedHistory(tp: Draft<Tcb>, start0: SeqNum, end0: SeqNum): void {
  let start = start0;
  let end = end0;
  const copy: SeqRange[] = [];
  const hist = tp.sackRcv.history;
  for (let i = 0; i < hist.length; i++) {
    const o = hist[i]!;
    if (seqLt(end, o.start) || seqGt(start, o.end)) {
      copy.push(o);
      continue;
    }
    if (seqGeq(start, o.start) && seqLeq(end, o.end)) {
      start = o.start;
      end = o.end;
      for (let j = i + 1; j < hist.length; j++) copy.push(hist[j]!);
      break;
    }
    if (seqGeq(o.end, start) && seqLt(o.start, start)) start = o.start;
    else if (seqGeq(end, o.start) && seqGt(o.end, end)) end = o.end;
  }
  tp.sackRcv.history = [{ start, end }, ...copy.slice(0, MAX_SACK_REPORT_BLOCKS - 1)];
}

/**
 * tcp_sack_fill_report (A.5 receiver, SACK-4): the blocks for one outgoing segment whose other
 * options take `optlen` bytes: the report block (or D-SACK) first, the enclosing block, then
 * either the reassembly queue from the left (smartsack after a left-edge duplicate) or the
 * history, most recent first. Consumes the report.
 */
export function fillReport(env: Env, tp: Draft<Tcb>, optlen: number): SackBlock[] {
  const out: SackBlock[] = [];
  let room = TCP_MAXOLEN - optlen - 4;
  const add = (b: SeqRange): void => {
    out.push({ start: b.start, end: b.end });
    room -= TCPOLEN_SACK_BLOCK;
  };
  ackHistory(tp);
  let hstart = tp.rcvNxt;
  const r = tp.sackRcv;
  if (r.reportblk.start !== r.reportblk.end) {
    add(r.reportblk);
    hstart = r.reportblk.start;
    let hend = r.reportblk.end;
    if (r.encloseSeg) {
      add(r.encloseblk);
      hstart = r.encloseblk.start;
      hend = r.encloseblk.end;
    }
    if (seqGt(hstart, tp.rcvNxt)) updateReportedHistory(tp, hstart, hend);
  }
  if (env.cfg.smartsack && r.sackLeft) {
    for (const q of tp.reass) {
      if (room < TCPOLEN_SACK_BLOCK) break;
      add({ start: q.seq, end: blkEnd(((q.seq + q.data.length) >>> 0) as SeqNum, q.fin) });
    }
  } else {
    for (const h of tp.sackRcv.history) {
      if (room < TCPOLEN_SACK_BLOCK) break;
      if (h.start !== hstart) add(h);
    }
  }
  reportCleanup(tp);
  return out;
}
