import type { TcpSegment } from '../../core/packet';
import { TH_FIN } from '../../core/packet';
import type { SeqNum } from '../../core/seq';
import { seqAdd, seqDiff, seqGt, seqLt } from '../../core/seq';
import { causeAt } from './causes';
import { effectsAt } from './effects';
import type { ConnTrace } from './types';

/**
 * What a side sent in answer to one segment it processed, counted in *sends*: one output of one
 * segment may leave as several pieces when options (SACK blocks) do not leave room for a whole
 * MSS of data — `tcp_output` cuts the segment to t_maxopd − optlen and sends the rest at once
 * (dragonfly.md A.15; the "len + optlen > t_maxopd" rule of `tcp_output`). Contiguous pieces of
 * one cause that together fit one MSS are one send.
 */
export interface Send {
  /** Index of the first piece. */
  readonly first: number;
  readonly start: SeqNum;
  readonly end: SeqNum;
  readonly payload: number;
}

export interface Answer {
  readonly sends: readonly Send[];
  /** First indices of the sends (data-bearing: payload or FIN). */
  readonly data: readonly number[];
  /** First indices of the sends that retransmit starting at `una`. */
  readonly atUna: readonly number[];
  /** Sends that resend sequence space already sent (start below `max`). */
  readonly resent: readonly Send[];
  /** New payload bytes beyond `max`. */
  readonly newBytes: number;
}

const carries = (seg: TcpSegment): boolean => seg.payload.length > 0 || (seg.flags & TH_FIN) !== 0;

/** The sends answering the `in` at j, given snd_una and snd_max right after it and the MSS. */
export function answerTo(conn: ConnTrace, j: number, una: SeqNum, max: SeqNum, mss: number): Answer {
  const sends: Send[] = [];
  for (const i of effectsAt(conn, j)) {
    const seg = conn.events[i]!.seg;
    if (!carries(seg)) continue;
    const end = seqAdd(seg.seq, seg.payload.length);
    const last = sends[sends.length - 1];
    if (last !== undefined && last.end === seg.seq && last.payload + seg.payload.length <= mss) {
      sends[sends.length - 1] = { ...last, end, payload: last.payload + seg.payload.length };
    } else sends.push({ first: i, start: seg.seq, end, payload: seg.payload.length });
  }
  let top = max;
  let newBytes = 0;
  for (const s of sends) {
    if (seqGt(s.end, top)) {
      newBytes += seqDiff(s.end, seqGt(s.start, top) ? s.start : top);
      top = s.end;
    }
  }
  const resent = sends.filter((s) => seqLt(s.start, max));
  return {
    sends,
    data: sends.map((s) => s.first),
    atUna: resent.filter((s) => s.start === una).map((s) => s.first),
    resent,
    newBytes,
  };
}

/**
 * Is the `out` at i the continuation of its side's previous `out` — same instant and cause (the
 * same segment processed, or the same timer), contiguous, the two together within one MSS — i.e.
 * the rest of one send cut short by options?
 */
export function continuesSend(conn: ConnTrace, i: number, mss: number): boolean {
  const e = conn.events[i]!;
  for (let k = i - 1; k >= 0; k--) {
    const p = conn.events[k]!;
    if (p.dir !== 'out' || p.side !== e.side) continue;
    const a = causeAt(conn, k);
    const b = causeAt(conn, i);
    const sameCause = p.t === e.t && a !== null && b !== null &&
      ((a.kind === 'in' && b.kind === 'in' && a.index === b.index) ||
        (a.kind === 'timer' && b.kind === 'timer' && a.timer === b.timer));
    return sameCause && seqAdd(p.seg.seq, p.seg.payload.length) === e.seg.seq &&
      p.seg.payload.length + e.seg.payload.length <= mss && p.seg.payload.length > 0;
  }
  return false;
}
