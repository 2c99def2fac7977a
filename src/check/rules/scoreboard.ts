import type { SackBlock } from '../../core/packet';
import type { SeqNum } from '../../core/seq';
import { seqDiff, seqGeq, seqGt, seqLeq, seqLt, seqMax, seqMin } from '../../core/seq';

/**
 * A sender's SACK scoreboard as DragonFly keeps it (dragonfly.md A.5), rebuilt from the SACK
 * options on the wire: sorted disjoint ranges [start, end) above snd_una, at most 8 of them (a
 * ninth disjoint block is ignored), D-SACK blocks skipped, everything forgotten when the
 * cumulative ACK lands inside a block (the receiver reneged, SACK-5) or on a timeout (SACK-6).
 */
export interface Range {
  readonly start: SeqNum;
  readonly end: SeqNum;
}

/** MAXSAVEDBLOCKS (A.5). */
export const SCOREBOARD_MAX = 8;

export interface ScoreboardUpdate {
  readonly blocks: readonly Range[];
  /** Some block changed the scoreboard (not TOF_SACK_REDUNDANT). */
  readonly changed: boolean;
  /** The first block reports a duplicate (RFC 2883, A.5). */
  readonly dsack: boolean;
  /** A disjoint block was ignored because the scoreboard was full. */
  readonly overflowed: boolean;
}

const size = (r: Range): number => seqDiff(r.end, r.start);

/** Insert [s, e) into sorted disjoint `list`, merging overlapping or touching ranges. */
function insert(list: Range[], s: SeqNum, e: SeqNum): { changed: boolean; full: boolean } {
  const merged: Range[] = [];
  let start = s;
  let end = e;
  let placed = false;
  const out: Range[] = [];
  for (const r of list) {
    if (seqLt(r.end, start)) out.push(r);
    else if (seqGt(r.start, end)) {
      if (!placed) {
        out.push({ start, end });
        placed = true;
      }
      out.push(r);
    } else {
      merged.push(r);
      start = seqMin(start, r.start);
      end = seqMax(end, r.end);
    }
  }
  if (!placed) out.push({ start, end });
  const same = merged.length === 1 && merged[0]!.start === start && merged[0]!.end === end;
  if (same) return { changed: false, full: false };
  if (merged.length === 0 && list.length >= SCOREBOARD_MAX) return { changed: false, full: true };
  list.splice(0, list.length, ...out);
  return { changed: true, full: false };
}

/** Is the first reported block a D-SACK (A.5 `tcp_sack_ndsack_blocks`)? */
function firstIsDsack(opt: readonly SackBlock[], ack: SeqNum): boolean {
  const b0 = opt[0];
  if (b0 === undefined) return false;
  if (seqLt(b0.start, ack)) return true;
  const b1 = opt[1];
  return b1 !== undefined && seqGeq(b0.start, b1.start) && seqLeq(b0.end, b1.end);
}

/**
 * The scoreboard after an ACK carrying `opt` (possibly none) with cumulative `ack`, where `una`
 * is snd_una after the ACK and `max` snd_max.
 */
export function updateScoreboard(
  prev: readonly Range[], opt: readonly SackBlock[] | undefined, una: SeqNum, max: SeqNum,
): ScoreboardUpdate {
  // Reneging: snd_una inside a block discards everything (A.5).
  const reneged = prev.some((r) => seqLt(r.start, una) && seqLt(una, r.end));
  const list: Range[] = reneged ? [] : prev.filter((r) => seqGt(r.end, una));
  const blocks = opt ?? [];
  if (blocks.some((b) => seqLeq(b.end, b.start))) {
    return { blocks: list, changed: reneged, dsack: false, overflowed: false };
  }
  const dsack = firstIsDsack(blocks, una);
  let changed = reneged;
  let overflowed = false;
  for (let k = dsack ? 1 : 0; k < blocks.length; k++) {
    const b = blocks[k]!;
    if (seqGt(b.end, max)) break;
    if (seqLeq(b.start, una)) continue;
    const r = insert(list, b.start, b.end);
    changed ||= r.changed;
    overflowed ||= r.full;
  }
  return { blocks: list, changed, dsack, overflowed };
}

/** SACKed bytes in [from, to). */
export function sackedIn(blocks: readonly Range[], from: SeqNum, to: SeqNum): number {
  let n = 0;
  for (const r of blocks) {
    const s = seqMax(r.start, from);
    const e = seqMin(r.end, to);
    if (seqLt(s, e)) n += seqDiff(e, s);
  }
  return n;
}

export const sackedTotal = (blocks: readonly Range[]): number =>
  blocks.reduce((n, r) => n + size(r), 0);

export const isSacked = (blocks: readonly Range[], s: SeqNum): boolean =>
  blocks.some((r) => seqLeq(r.start, s) && seqLt(s, r.end));

/** The end of the highest SACK block, or null. */
export const highestSacked = (blocks: readonly Range[]): SeqNum | null =>
  blocks.length === 0 ? null : blocks[blocks.length - 1]!.end;

/**
 * DragonFly's IsLost boundary `lostseq` (A.5 `tcp_sack_update_lostseq`): walking down from the
 * highest block, the start of the block where the blocks seen reach dupthresh (3) or the SACKed
 * bytes seen reach (rfc6675 ? 2 : 3)·MSS; snd_una if neither is reached.
 */
export function lostSeq(blocks: readonly Range[], una: SeqNum, mss: number, rfc6675: boolean): SeqNum {
  const bytesNeeded = (rfc6675 ? 2 : 3) * mss;
  let bytes = 0;
  for (let k = blocks.length - 1, seen = 1; k >= 0; k--, seen++) {
    bytes += size(blocks[k]!);
    if (seen >= 3 || bytes >= bytesNeeded) return blocks[k]!.start;
  }
  return una;
}

/**
 * DragonFly's pipe (A.5 `tcp_sack_compute_pipe`): un-SACKed data not deemed lost plus
 * retransmitted data not SACKed since.
 */
export function pipeOf(
  blocks: readonly Range[], p: { una: SeqNum; max: SeqNum; rexmtHigh: SeqNum; mss: number; rfc6675: boolean },
): number {
  const lost = lostSeq(blocks, p.una, p.mss, p.rfc6675);
  const high = seqMax(p.rexmtHigh, p.una);
  const notLost = Math.max(0, seqDiff(p.max, lost) - sackedIn(blocks, lost, p.max));
  const rexmitted = Math.max(0, seqDiff(high, p.una) - sackedIn(blocks, p.una, high));
  return notLost + rexmitted;
}
