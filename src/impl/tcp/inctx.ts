import type { Packet, SackBlock, TcpSegment } from '../../core/packet';
import { TH_SYN } from '../../core/packet';
import type { Inet } from '../net/inet';
import type { TcpCb } from './tcpcb';
import {
  TCP_MAX_WINSHIFT, TF_RXWIN0SENT, TOF_DSACK, TOF_MSS, TOF_SACK, TOF_SACK_PERMITTED, TOF_SCALE,
  TOF_TS, seqGt,
} from './const';
import { ndsackBlocks } from './sack';
import { TT_DELACK, tcpTimerActive } from './timer';

/**
 * Read before editing: dragonfly.md A.13 (`tcp_dooptions`), A.12 (DELAY_ACK), B.4.
 *
 * The working state of one segment's trip through tcp_input: the header fields as tcp_input
 * rewrites them while trimming (seq, flags, the data), the parsed options, and the decisions
 * that carry from ACK processing to the end (needoutput, a delayed dupack).
 */

export interface TcpOpts {
  /** TOF_* bits. */
  flags: number;
  tsval: number;
  tsecr: number;
  mss: number;
  wscale: number;
  sack: readonly SackBlock[];
}

export interface InCtx {
  readonly inet: Inet;
  readonly tp: TcpCb;
  readonly p: Packet;
  readonly th: TcpSegment;
  readonly ticks: number;
  readonly to: TcpOpts;
  seq: number;
  readonly ack: number;
  thflags: number;
  tiwin: number;
  data: Uint8Array;
  needoutput: boolean;
  delayedDupack: boolean;
  dupackFlags: number;
  ourfinisacked: boolean;
}

/**
 * `tcp_dooptions`: MSS, window scale and SACK-permitted only on a SYN; a timestamp echo from the
 * future reads as 0 (A.9); SACK blocks are discarded if any has end ≤ start; D-SACK flagged.
 */
export function parseOptions(th: TcpSegment, clock: number): TcpOpts {
  const o = th.options;
  const syn = (th.flags & TH_SYN) !== 0;
  const to: TcpOpts = { flags: 0, tsval: 0, tsecr: 0, mss: 0, wscale: 0, sack: NO_SACK };
  if (syn && o.mss !== undefined) {
    to.flags |= TOF_MSS;
    to.mss = o.mss;
  }
  if (syn && o.wscale !== undefined) {
    to.flags |= TOF_SCALE;
    to.wscale = Math.min(o.wscale, TCP_MAX_WINSHIFT);
  }
  if (syn && o.sackPermitted === true) to.flags |= TOF_SACK_PERMITTED;
  if (o.timestamp !== undefined) {
    to.flags |= TOF_TS;
    to.tsval = o.timestamp.val >>> 0;
    to.tsecr = o.timestamp.ecr >>> 0;
    if (to.tsecr !== 0 && seqGt(to.tsecr, clock)) to.tsecr = 0;
  }
  if (o.sack !== undefined && o.sack.every((b) => seqGt(b.end, b.start))) {
    to.flags |= TOF_SACK;
    to.sack = o.sack;
    if (ndsackBlocks(o.sack, th.ack) > 0) to.flags |= TOF_DSACK;
  }
  return to;
}

const NO_SACK: readonly SackBlock[] = [];

/** A.12 DELAY_ACK: delayed ACKs on, none pending, and the last window advertised non-zero. */
export function delayAck(tp: TcpCb): boolean {
  return tp.cfg.delayedAck && !tcpTimerActive(tp, TT_DELACK) && (tp.tFlags & TF_RXWIN0SENT) === 0;
}

/** B.4 `acceptable_window_update`. */
export function acceptableWindowUpdate(
  tp: TcpCb, seq: number, ack: number, tiwin: number,
): boolean {
  return seqGt(seq, tp.sndWl1) ||
    (tp.sndWl1 === seq && (seqGt(ack, tp.sndWl2) || (tp.sndWl2 === ack && tiwin > tp.sndWnd)));
}

/** Take the peer's window: snd_wnd, wl1, wl2, max_sndwnd. */
export function takeWindow(tp: TcpCb, seq: number, ack: number, tiwin: number): void {
  tp.sndWnd = tiwin;
  tp.sndWl1 = seq;
  tp.sndWl2 = ack;
  if (tp.sndWnd > tp.maxSndwnd) tp.maxSndwnd = tp.sndWnd;
}
