/**
 * Read before editing: RFC 6675 §4 (SR-4 NextSeg), §5 (SR-6 … SR-8), RFC 3042 with SACK (LT-5);
 * dragonfly.md A.5 "NextSeg", "Recovery transmission", A.6 "SACK path", F.9.
 *
 * DEVIATION(RFC 6675 §5 (C), SR-8): at most 4 new segments per call (smartsack); a rescue is
 * sent only when nothing else was, at most once per recovery (rescuesack); the retransmission
 * timer is restarted only when sndUna itself is retransmitted; pipe is computed once per call
 * and grown by what is sent (F.9).
 */
import type { SeqNum } from '../../../core/seq';
import { seqAdd, seqDiff, seqLt, seqMin } from '../../../core/seq';
import { calloutStop } from '../callout';
import { TCP_FORCE_SACKRXT, TCP_SACK_MAXBURST } from '../constants';
import type { Conn, Env } from '../env';
import { tcpOutput } from '../output';
import { computePipe, firstUnsackedLen, isLost, skipSacked } from '../sack';

interface Next {
  readonly seq: SeqNum;
  readonly len: number;
  readonly rescue: boolean;
}

/** tcp_sack_nextseg (SR-4 rules 1–4 as A.5 orders them). Advances HighRxt past SACKed data. */
export function nextSeg(env: Env, c: Conn): Next | null {
  const { so, tp } = c;
  tp.sack.rexmtHigh = skipSacked(tp, tp.sack.rexmtHigh);
  let torexmt = tp.sack.rexmtHigh;
  const last = tp.sack.blocks[tp.sack.blocks.length - 1];
  const unsacked = (s: SeqNum, rescue: boolean): Next => {
    // If the next MSS runs into a SACKed block, stop at its left edge.
    const probe = seqAdd(s, tp.maxseg);
    const hit = tp.sack.blocks.find((b) => !seqLt(probe, b.start) && seqLt(probe, b.end));
    return { seq: s, len: hit !== undefined ? seqDiff(hit.start, s) : tp.maxseg, rescue };
  };
  if (last !== undefined && seqLt(torexmt, last.end) && isLost(tp, torexmt)) {
    return unsacked(torexmt, false);
  }
  const off = seqDiff(tp.sndMax, tp.sndUna);
  if (Math.min(so.snd.length, tp.sndWnd) - off > 0) {
    return { seq: tp.sndMax, len: tp.maxseg, rescue: false };
  }
  if (last !== undefined && seqLt(torexmt, last.end)) return unsacked(torexmt, false);
  if (env.cfg.rescuesack || env.cfg.rfc6675) {
    if (tp.sack.rescued) return null;
    if (torexmt === tp.sndMax) torexmt = tp.sndUna;
    return unsacked(torexmt, true);
  }
  if (env.cfg.smartsack && last === undefined) return unsacked(torexmt, true);
  return null;
}

/**
 * tcp_sack_rexmt (SR-8 (C)): while cwnd − pipe ≥ SMSS (or `force` and the first hole is not yet
 * retransmitted), send NextSeg with cwnd set to cover exactly it.
 */
export function sackRexmt(env: Env, c: Conn, force: boolean): void {
  const { tp } = c;
  const oldSndNxt = tp.sndNxt;
  const ocwnd = tp.sndCwnd;
  let nseg = 0;
  let nsegRexmt = 0;
  const firstHole = Math.ceil(firstUnsackedLen(tp) / tp.maxseg);
  const maxrexmt = force ? Math.min(firstHole, TCP_FORCE_SACKRXT) : 0;
  tp.rtttime = 0;
  let pipe = computePipe(tp);
  while ((ocwnd - pipe >= tp.maxseg || (force && nsegRexmt < maxrexmt && nseg === 0)) &&
      (!env.cfg.smartsack || nseg < TCP_SACK_MAXBURST)) {
    const oldHigh = tp.sack.rexmtHigh;
    const next = nextSeg(env, c);
    if (next === null || (next.rescue && (nsegRexmt > 0 || nseg > 0))) {
      tp.sack.rexmtHigh = oldHigh;
      break;
    }
    if (next.seq === tp.sndMax) nseg += 1;
    else nsegRexmt += 1;
    tp.sndNxt = next.seq;
    tp.sndCwnd = seqDiff(next.seq, tp.sndUna) + next.len;
    const oldSndMax = tp.sndMax;
    if (next.seq === tp.sndUna) calloutStop(tp, 'rexmt');
    tp.flags.xmitNow = true;
    tcpOutput(env, c);
    const sent = seqDiff(tp.sndNxt, next.seq);
    if (sent <= 0) {
      tp.sack.rexmtHigh = oldHigh;
      break;
    }
    pipe += sent;
    if (next.rescue) {
      tp.sack.rexmtRescue = tp.sndNxt;
      tp.sack.rescued = true;
      break;
    }
    if (seqLt(next.seq, oldSndMax) && seqLt(tp.sack.rexmtHigh, tp.sndNxt)) {
      tp.sack.rexmtHigh = seqMin(tp.sndNxt, oldSndMax);
    }
  }
  if (seqLt(tp.sndNxt, oldSndNxt)) tp.sndNxt = oldSndNxt;
  tp.sndCwnd = ocwnd;
}

/**
 * tcp_sack_limitedxmit (A.6 SACK path, SR-6 step 3): new data only, as much as cwnd − pipe allows
 * in whole segments (at most 4 with smartsack), bypassing Nagle. True if anything was sent.
 */
export function sackLimitedXmit(env: Env, c: Conn): boolean {
  const { tp } = c;
  const oldSndNxt = tp.sndNxt;
  const oldSndMax = tp.sndMax;
  const ocwnd = tp.sndCwnd;
  tp.sack.rexmtHigh = seqAdd(tp.sndUna, -1);
  const pipe = computePipe(tp);
  let left = ocwnd - pipe;
  if (left < tp.maxseg) return false;
  if (env.cfg.smartsack) left = Math.min(left, tp.maxseg * TCP_SACK_MAXBURST);
  const next = tp.sndMax;
  tp.sndNxt = next;
  tp.sndCwnd = seqDiff(tp.sndNxt, tp.sndUna) + Math.floor(left / tp.maxseg) * tp.maxseg;
  tp.flags.xmitNow = true;
  tcpOutput(env, c);
  const sent = seqDiff(tp.sndNxt, next);
  if (seqLt(oldSndNxt, oldSndMax)) tp.sndNxt = oldSndNxt;
  tp.sndCwnd = ocwnd;
  return sent > 0;
}
