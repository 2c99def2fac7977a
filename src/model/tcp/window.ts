/**
 * Read before editing: RFC 9293 §3.8.6.2.2 (WIN-6, receiver SWS avoidance), §3.10.7.4 (WIN-1),
 * RFC 7323 §2 (WS-1 … WS-4); dragonfly.md A.12 "Receiver window", B.2 (request_r_scale),
 * B.4 (acceptable_window_update); docs/TCP-PROFILE.md TP-18, TP-20.
 */
import type { SeqNum } from '../../core/seq';
import { seqDiff, seqLt } from '../../core/seq';
import { TCP_MAX_WINSHIFT, TCP_MAXWIN, TCP_MIN_WINSHIFT } from './constants';
import type { Env } from './env';
import type { Tcb, TcpSocket } from './state';

/** B.2 (F.19): the smallest shift ≥ 5 with 65535·2^s ≥ the receive buffer, at most 14. */
export function requestRScale(recvspace: number): number {
  let s = TCP_MIN_WINSHIFT;
  while (s < TCP_MAX_WINSHIFT && TCP_MAXWIN * 2 ** s < recvspace) s += 1;
  return s;
}

/** ssb_space(so_rcv): free space in the receive buffer. */
export const rcvSpace = (env: Env, so: TcpSocket): number =>
  Math.max(0, env.cfg.recvspace - so.rcv.length);

/** tcp_input's rcv_wnd: the free space, but never less than what was advertised. */
export const inputRcvWnd = (env: Env, so: TcpSocket, tp: Tcb): number =>
  Math.max(rcvSpace(env, so), seqDiff(tp.rcvAdv, tp.rcvNxt));

/** The largest window expressible with our scale (TCP_MAXWIN << rcv_scale). */
export const maxRcvWin = (tp: Tcb): number => TCP_MAXWIN * 2 ** tp.rcvScale;

/**
 * TP-20 / WIN-6: the window to advertise (tcp_output): 0 below min(¼ buffer, one segment),
 * never shrinking the right edge (WIN-4), at most TCP_MAXWIN << rcv_scale.
 */
export function advertisedWindow(env: Env, so: TcpSocket, tp: Tcb, segsz: number): number {
  let w = rcvSpace(env, so);
  if (w < Math.floor(env.cfg.recvspace / 4) && w < segsz) w = 0;
  const promised = seqDiff(tp.rcvAdv, tp.rcvNxt);
  if (w < promised) w = promised;
  return Math.min(w, maxRcvWin(tp));
}

/** B.4 acceptable_window_update (WIN-1, WIN-8): only newer segments move the window. */
export function acceptableWindowUpdate(
  tp: Tcb, segSeq: SeqNum, segAck: SeqNum, tiwin: number,
): boolean {
  if (seqLt(tp.sndWl1, segSeq)) return true;
  if (tp.sndWl1 !== segSeq) return false;
  if (seqLt(tp.sndWl2, segAck)) return true;
  return tp.sndWl2 === segAck && tiwin > tp.sndWnd;
}
