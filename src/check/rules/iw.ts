import type { TcpConfig } from '../../core/config';
import { TH_ACK, TH_RST, TH_SYN } from '../../core/packet';
import { seqDiff, seqGt, seqLt } from '../../core/seq';
import type { SeqNum } from '../../core/seq';
import type { Handshake } from './handshake';
import { firstDataSeq, handshakeOf } from './handshake';
import type { ConnTrace, RuleViolation, Side } from './types';
import { configOf, hzOf, otherSide } from './types';

/**
 * IW-*: the first flight after the handshake fits the initial window (RFC 3390 §1 as DragonFly
 * computes it, dragonfly.md A.2): min(iwmaxsegs·MSS, max(2·MSS, iwcapsegs·1460)), or 2·MSS when
 * rfc3390 is off — and 2·MSS, not RFC 3390's one segment, once the SYN (or SYN|ACK) was
 * retransmitted for 3 s or more (IW-5 as DragonFly departs from it, F.3).
 *
 * Observable exactly: everything a side sends before it processes an ACK that could change cwnd
 * (one acknowledging data, or a possible duplicate ACK that could start Limited Transmit or
 * recovery) was sent under cwnd = IW (plus the one byte of the SYN for the passive side, whose
 * handshake ACK counts as acked data). The bound uses `t_maxopd` for MSS (≥ t_maxseg), and the
 * reduced window applies only when the SYN retransmission time is 3 s clear of the boundary by
 * more than one tick either way — both choices can only make the oracle quieter.
 */

const SYN_LOSS_S = 3;
const SPAN_SLACK_TICKS = 2;

export interface IwBound {
  /** The largest IW DragonFly can have chosen. */
  readonly bytes: number;
  /** True when that IW is the F.3 reduction after SYN loss. */
  readonly reduced: boolean;
}

export function initialWindowBound(hs: Handshake, side: Side, cfg: TcpConfig, hz: number): IwBound {
  const mss = hs.maxopd[side];
  // The passive side's ACK of its SYN|ACK is processed as an ACK of one byte in SYN-RECEIVED, and
  // slow start adds min(1, 2·MSS) — a whole MSS without ABC — to the IW it was given (B.3, A.2).
  const synByte = hs.passive[side] ? (cfg.abc ? 1 : mss) : 0;
  if (!cfg.rfc3390) return { bytes: 2 * mss + synByte, reduced: false };
  const span = hs.synSpanTicks[side];
  if (span >= SYN_LOSS_S * hz + SPAN_SLACK_TICKS) return { bytes: 2 * mss + synByte, reduced: true };
  const iw = Math.min(cfg.iwmaxsegs * mss, Math.max(2 * mss, cfg.iwcapsegs * 1460));
  return { bytes: iw + synByte, reduced: false };
}

/**
 * The index of the first segment `side` processed after its handshake that could change cwnd,
 * or the trace length.
 */
function firstFlightEnd(conn: ConnTrace, hs: Handshake, side: Side): number {
  const first = firstDataSeq(hs, side);
  let max: SeqNum = first;
  for (let i = hs.synAt[side]; i < conn.events.length; i++) {
    const e = conn.events[i]!;
    const seg = e.seg;
    if (e.dir === 'out' && e.side === side && (seg.flags & TH_SYN) === 0) {
      const end = (seg.seq + seg.payload.length) >>> 0;
      if (seqGt(end as SeqNum, max)) max = end as SeqNum;
    }
    if (e.dir !== 'in' || e.side !== side || (seg.flags & TH_ACK) === 0) continue;
    // A repeated SYN|ACK after the handshake is trimmed to a plain ACK: it may be a duplicate.
    if ((seg.flags & TH_RST) !== 0 || i <= hs.synAt[side]) continue;
    const acksData = seqGt(seg.ack, first);
    // With RFC 6675 an ACK carrying data still counts as a duplicate if it brings SACK blocks
    // (A.3), and extended Limited Transmit may answer it.
    const dupShape = seg.payload.length === 0 || (hs.sack && seg.options.sack !== undefined);
    const maybeDup = seg.ack === first && dupShape && seqLt(first, max);
    if (acksData || maybeDup) return i;
  }
  return conn.events.length;
}

export function checkInitialWindow(conn: ConnTrace): RuleViolation[] {
  const hs = handshakeOf(conn);
  if (hs === null) return [];
  const found: RuleViolation[] = [];
  for (const side of ['a', 'b'] as const) {
    const bound = initialWindowBound(hs, side, configOf(conn, side), hzOf(conn));
    const first = firstDataSeq(hs, side);
    const stop = firstFlightEnd(conn, hs, side);
    for (let i = hs.synAt[side]; i < stop; i++) {
      const e = conn.events[i]!;
      if (e.dir !== 'out' || e.side !== side || (e.seg.flags & TH_SYN) !== 0) continue;
      const sent = seqDiff(((e.seg.seq + e.seg.payload.length) >>> 0) as SeqNum, first);
      if (sent <= bound.bytes) continue;
      found.push({
        rule: bound.reduced ? 'IW-5' : 'IW-1',
        at: i,
        message: `${side}'s first flight reaches ${sent} bytes before any ACK of data, above the ` +
          `initial window of ${bound.bytes} bytes` +
          (bound.reduced ? ` (2·MSS after ${hs.synSpanTicks[side]} ticks of SYN retransmission, F.3)` : '') +
          ` (MSS ${hs.maxopd[side]}, peer ${otherSide(side)})`,
      });
      break;
    }
  }
  return found;
}
