import type { SackBlock } from '../../core/packet';
import type { TcpCb } from './tcpcb';
import {
  MAXSAVEDBLOCKS, TOF_SACK_REDUNDANT, TSACK_F_SACKRESCUED, seqGeq, seqGt, seqLeq, seqLt, seqMin,
} from './const';

/**
 * Read before editing: dragonfly.md A.5 (`tcp_sack.c`: scoreboard, IsLost, pipe, NextSeg), A.11
 * (D-SACK); RFC 2018, RFC 2883, RFC 6675.
 *
 * The sender's SACK scoreboard: sorted, disjoint [start, end) blocks above snd_una, at most 8
 * (MAXSAVEDBLOCKS; a ninth disjoint block is ignored). `lostseq` caches IsLost: every sequence
 * number below it is deemed lost.
 */

/** The block containing `seq` (index, contained = true) or the one just before it (or -1). */
function lookup(blocks: readonly { start: number; end: number }[], seq: number): [number, boolean] {
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    if (seqGt(b.end, seq)) return seqGeq(seq, b.start) ? [i, true] : [i - 1, false];
  }
  return [blocks.length - 1, false];
}

/** `tcp_sack_discard`: forget the scoreboard, HighRxt, RescueRxt and LostSeq (A.9 step 4). */
export function sackDiscard(tp: TcpCb): void {
  tp.sackBlocks.length = 0;
  tp.rexmtHigh = tp.sndUna;
  tp.sackFlags &= ~TSACK_F_SACKRESCUED;
  tp.lostseq = tp.sndUna;
}

/** `tcp_sack_ndsack_blocks`: 1 if block 0 is a D-SACK below `ack`, 2 if inside block 1, else 0. */
export function ndsackBlocks(blocks: readonly SackBlock[], ack: number): number {
  if (blocks.length === 0) return 0;
  if (seqLt(blocks[0]!.start, ack)) return 1;
  if (blocks.length > 1 && seqGeq(blocks[0]!.start, blocks[1]!.start) &&
      seqLeq(blocks[0]!.end, blocks[1]!.end)) return 2;
  return 0;
}

/** `tcp_sack_ack_blocks`: free blocks below snd_una; snd_una inside a block = reneging. */
function ackBlocks(tp: TcpCb): void {
  const b = tp.sackBlocks;
  let n = 0;
  while (n < b.length && seqLeq(b[n]!.end, tp.sndUna)) n++;
  if (n > 0) b.splice(0, n);
  if (b.length > 0 && seqGeq(tp.sndUna, b[0]!.start)) sackDiscard(tp);
}

/**
 * `insert_block`; returns [update, full]. As in DragonFly, a block that finds no room (full)
 * still counts as an update (only an exact match does not), and stops the caller's loop.
 */
function insertBlock(tp: TcpCb, raw: SackBlock): [boolean, boolean] {
  const b = tp.sackBlocks;
  if (b.length === 0) {
    b.push({ start: raw.start, end: raw.end });
    return [true, false];
  }
  const [i, overlapFront] = lookup(b, raw.start);
  let w: number;
  if (i < 0) {
    if (b.length === MAXSAVEDBLOCKS) return [true, true];
    b.unshift({ start: raw.start, end: raw.end });
    w = 0;
  } else if (overlapFront || b[i]!.end === raw.start) {
    if (!seqGt(raw.end, b[i]!.end)) return [false, false];
    b[i]!.end = raw.end;
    w = i;
  } else {
    if (b.length === MAXSAVEDBLOCKS) return [true, true];
    b.splice(i + 1, 0, { start: raw.start, end: raw.end });
    w = i + 1;
  }
  const wb = b[w]!;
  while (w + 1 < b.length && seqGeq(wb.end, b[w + 1]!.end)) b.splice(w + 1, 1);
  if (w + 1 < b.length && seqGeq(wb.end, b[w + 1]!.start)) {
    wb.end = b[w + 1]!.end;
    b.splice(w + 1, 1);
  }
  return [true, false];
}

/**
 * `tcp_sack_update_scoreboard` (A.5): drop what snd_una covers, add the segment's blocks
 * (skipping a leading D-SACK, blocks at or below snd_una, and stopping at one beyond snd_max),
 * recompute lostseq, pull rexmt_high up to snd_una. Returns the option flags with
 * TOF_SACK_REDUNDANT set when no block changed the scoreboard.
 */
export function sackUpdateScoreboard(
  tp: TcpCb, blocks: readonly SackBlock[], toFlags: number,
): number {
  ackBlocks(tp);
  let flags = toFlags | TOF_SACK_REDUNDANT;
  const first = ndsackBlocks(blocks, tp.sndUna) > 0 ? 1 : 0;
  for (let i = first; i < blocks.length; i++) {
    const nb = blocks[i]!;
    if (seqLeq(nb.start, tp.sndUna)) continue;
    if (seqGt(nb.end, tp.sndMax)) break;
    const [changed, full] = insertBlock(tp, nb);
    if (changed) flags &= ~TOF_SACK_REDUNDANT;
    if (full) break;
  }
  sackUpdateLostseq(tp);
  if (seqLt(tp.rexmtHigh, tp.sndUna)) tp.rexmtHigh = tp.sndUna;
  if ((tp.sackFlags & TSACK_F_SACKRESCUED) !== 0 && seqLeq(tp.rexmtRescue, tp.sndUna)) {
    tp.sackFlags &= ~TSACK_F_SACKRESCUED;
  }
  return flags;
}

/** `tcp_sack_update_lostseq`: from the highest block down, until rxtthresh blocks or bytes. */
export function sackUpdateLostseq(tp: TcpCb): void {
  const b = tp.sackBlocks;
  const thresh = tp.tRxtthresh;
  const bytesThresh = (tp.cfg.rfc6675 ? thresh - 1 : thresh) * tp.tMaxseg;
  let nblocks = 0;
  let bytes = 0;
  for (let i = b.length - 1; i >= 0; i--) {
    nblocks++;
    bytes += (b[i]!.end - b[i]!.start) | 0;
    if (nblocks === thresh || bytes >= bytesThresh) {
      tp.lostseq = b[i]!.start;
      return;
    }
  }
  tp.lostseq = tp.sndUna;
}

export const sackIsLost = (tp: TcpCb, seq: number): boolean => seqLt(seq, tp.lostseq);

/** `tcp_sack_has_sacked`: at least `amount` bytes SACKed (Early Retransmit, A.7). */
export function sackHasSacked(tp: TcpCb, amount: number): boolean {
  let bytes = 0;
  for (const b of tp.sackBlocks) {
    bytes += (b.end - b.start) | 0;
    if (bytes >= amount) return true;
  }
  return false;
}

/** `tcp_sack_bytes_below`. */
export function sackBytesBelow(tp: TcpCb, seq: number): number {
  let bytes = 0;
  for (const b of tp.sackBlocks) {
    if (!seqGt(seq, b.start)) break;
    bytes += (seqMin(seq, b.end) - b.start) | 0;
  }
  return bytes;
}

/** `tcp_sack_skip_sacked`: the end of the block containing `seq`, else `seq`. */
export function sackSkipSacked(tp: TcpCb, seq: number): number {
  const [i, inside] = lookup(tp.sackBlocks, seq);
  return inside ? tp.sackBlocks[i]!.end : seq;
}

/** `tcp_sack_compute_pipe` (A.5). */
export function sackComputePipe(tp: TcpCb): number {
  let nlost = (tp.sndMax - tp.lostseq) | 0;
  let nrexmt = (tp.rexmtHigh - tp.sndUna) | 0;
  for (const b of tp.sackBlocks) {
    if (seqLt(b.start, tp.rexmtHigh)) nrexmt -= (seqMin(b.end, tp.rexmtHigh) - b.start) | 0;
    if (seqGeq(b.start, tp.lostseq)) nlost -= (b.end - b.start) | 0;
  }
  return nlost + nrexmt;
}

/** `tcp_sack_first_unsacked_len`. */
export function sackFirstUnsackedLen(tp: TcpCb): number {
  const b = tp.sackBlocks[0];
  return b === undefined ? tp.tMaxseg : (b.start - tp.sndUna) | 0;
}

export interface NextSeg {
  readonly seq: number;
  readonly len: number;
  readonly rescue: boolean;
}

/** The length to send at `torexmt`: MSS, or up to the next SACKed block within one MSS. */
function unsacked(tp: TcpCb, torexmt: number, rescue: boolean): NextSeg {
  const [i, inside] = lookup(tp.sackBlocks, (torexmt + tp.tMaxseg) >>> 0);
  const len = inside ? (tp.sackBlocks[i]!.start - torexmt) | 0 : tp.tMaxseg;
  return { seq: torexmt, len, rescue };
}

/** `tcp_sack_nextseg` (A.5 NextSeg), with the rescue retransmission (rescuesack_agg off, TP-1). */
export function sackNextseg(tp: TcpCb, sndCc: number): NextSeg | null {
  tp.rexmtHigh = sackSkipSacked(tp, tp.rexmtHigh);
  let torexmt = tp.rexmtHigh;
  const last = tp.sackBlocks[tp.sackBlocks.length - 1];
  if (last !== undefined && seqLt(torexmt, last.end) && sackIsLost(tp, torexmt)) {
    return unsacked(tp, torexmt, false);
  }
  const off = (tp.sndMax - tp.sndUna) | 0;
  const sendwin = Math.min(tp.sndWnd, tp.sndBwnd);
  if (Math.min(sndCc, sendwin) - off > 0) return { seq: tp.sndMax, len: tp.tMaxseg, rescue: false };
  if (last !== undefined && seqLt(torexmt, last.end)) return unsacked(tp, torexmt, false);
  if (tp.cfg.rescuesack || tp.cfg.rfc6675) {
    if ((tp.sackFlags & TSACK_F_SACKRESCUED) !== 0) return null;
    if (torexmt === tp.sndMax) torexmt = tp.sndUna;
    return unsacked(tp, torexmt, true);
  }
  if (tp.cfg.smartsack && last === undefined) return unsacked(tp, torexmt, true);
  return null;
}
