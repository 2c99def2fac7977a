/**
 * Read before editing: RFC 9293 §3.8.6.2.1 (WIN-5 sender SWS), §3.7.4 (WIN-7 Nagle), §3.8.6.1
 * (ZWP-1 … ZWP-3), RFC 7323 §3 (TS-2, TS-3), RFC 6298 §5 (RTO-9); dragonfly.md A.12 "Sender side",
 * "Persist", C (TSO, fair send); docs/TCP-PROFILE.md TP-18 … TP-21.
 *
 * `tcpOutput` is DragonFly's tcp_output: decide whether a segment is due (data by the SWS/Nagle
 * rules, a window update, an owed ACK, SYN, FIN), build it, advance sndNxt/sndMax, arm the
 * retransmission timer, and loop while there is more to send. With TSO a run of k ≥ 2 full
 * segments is one unit; the NIC's split (TSO-10) is done here, so the wire is the same either way
 * and TSO only changes the fair-send count (TP-21).
 */
import type { Draft } from 'immer';
import type { TcpOptions } from '../../core/packet';
import { TH_ACK, TH_FIN, TH_PSH, TH_RST, TH_SYN } from '../../core/packet';
import { seqAdd, seqDiff, seqGt, seqLt } from '../../core/seq';
import { assert } from '../../core/assert';
import { calloutActive, calloutReset, calloutStop } from './callout';
import { idleCwndValidate } from './congestion/cc';
import {
  IP_MAXPACKET, TCP_BACKOFF, TCP_MAXRXTSHIFT, TCPIP_HDR, TCPOLEN_SACK_ALIGNED, TCPOLEN_SACK_BLOCK,
  TCPOLEN_TSTAMP_APPA, persMaxTicks, persMinTicks,
} from './constants';
import type { Conn, Env } from './env';
import { rangeset } from './rtt';
import { bytesBelow, doSack, fillReport, skipSacked } from './sack';
import { EMPTY, tcpPacket } from './segment';
import type { Tcb, TcpStateName } from './state';
import { advertisedWindow, maxRcvWin, rcvSpace } from './window';
import { TCP_MAXWIN } from './constants';

/** tcp_outflags (B.1). */
const OUTFLAGS: Readonly<Record<TcpStateName, number>> = {
  CLOSED: TH_RST | TH_ACK, LISTEN: 0, 'SYN-SENT': TH_SYN, 'SYN-RECEIVED': TH_SYN | TH_ACK,
  ESTABLISHED: TH_ACK, 'CLOSE-WAIT': TH_ACK, 'FIN-WAIT-1': TH_FIN | TH_ACK,
  CLOSING: TH_FIN | TH_ACK,
  'LAST-ACK': TH_FIN | TH_ACK, 'FIN-WAIT-2': TH_ACK, 'TIME-WAIT': TH_ACK,
};

/** MSS-6 / TP-18: the MSS we offer, interface MTU − 40. */
export const mssopt = (env: Env): number => env.cfg.mtu - TCPIP_HDR;

const tsInUse = (tp: Tcb): boolean => tp.flags.reqTstmp && tp.flags.rcvdTstmp;

/** tcp_setpersist (A.12, ZWP-3): arm persist with the backed-off interval, then back off. */
export function setPersist(env: Env, tp: Draft<Tcb>): void {
  const synState = tp.state === 'SYN-SENT' || tp.state === 'SYN-RECEIVED';
  assert(!synState, 'tcp_setpersist: not established yet');
  assert(!calloutActive(tp, 'rexmt'), 'tcp_setpersist: retransmit pending');
  const t = ((tp.srtt >> 2) + tp.rttvar) >> 1;
  const base = t * TCP_BACKOFF[tp.rxtshift]!;
  const interval = rangeset(env, base, persMinTicks(env.hz), persMaxTicks(env.hz));
  calloutReset(env, tp, 'persist', interval);
  if (tp.rxtshift < TCP_MAXRXTSHIFT) tp.rxtshift += 1;
}

/** tcp_output_sched: post the fair-send continuation unless it is already in flight. */
export function outputSched(env: Env, tp: Draft<Tcb>): void {
  if (tp.timers.sndmore === null) tp.timers.sndmore = env.now;
}

/** tcp_output_fair (C, TP-21). */
export function tcpOutputFair(env: Env, c: Conn): void {
  c.tp.flags.fairSend = true;
  tcpOutput(env, c);
  c.tp.flags.fairSend = false;
}

interface Decision {
  readonly send: boolean;
  readonly len: number;
  readonly off: number;
  readonly flags: number;
  readonly useTso: boolean;
  readonly segsz: number;
  readonly sendalot: boolean;
  readonly reportSack: boolean;
  readonly nsegs: number;
}

/** The data length, flags and TSO choice of the next segment (tcp_output up to the SWS rules). */
type Sized = Omit<Decision, 'send'> & { nsacked: number; sendwin: number };

function sizeSegment(env: Env, c: Conn, idleCwv: boolean, nsacked0: number): Sized {
  const { so, tp } = c;
  const reportSack = tp.flags.sackPermitted &&
      (tp.reass.length > 0 || tp.sackRcv.reportblk.start !== tp.sackRcv.reportblk.end);
  let nsacked = nsacked0;
  if (doSack(env, tp) && tp.sndNxt !== tp.sndMax && !tp.flags.fastRecovery) {
    const old = tp.sndNxt;
    tp.sndNxt = skipSacked(tp, tp.sndNxt);
    nsacked += seqDiff(tp.sndNxt, old);
  }
  let off = seqDiff(tp.sndNxt, tp.sndUna);
  let sendwin = Math.min(tp.sndWnd, tp.sndCwnd + nsacked);
  let flags = OUTFLAGS[tp.state];
  if (tp.flags.needFin) flags |= TH_FIN;
  if (tp.flags.needSyn) flags |= TH_SYN;
  if (tp.flags.force) {
    if (sendwin === 0) {
      if (off < so.snd.length) flags &= ~TH_FIN;
      sendwin = 1;
    } else {
      calloutStop(tp, 'persist');
      tp.rxtshift = 0;
    }
  }
  let len = Math.min(so.snd.length, sendwin) - off;
  if ((flags & TH_SYN) !== 0 && seqGt(tp.sndNxt, tp.sndUna)) {
    flags &= ~TH_SYN;
    off -= 1;
    len += 1;
  }
  if ((flags & TH_SYN) !== 0) {
    len = 0;
    flags &= ~TH_FIN;
  }
  if (len < 0) {
    len = 0;
    if (sendwin === 0 && tp.state !== 'SYN-RECEIVED') {
      calloutStop(tp, 'rexmt');
      tp.rxtshift = 0;
      tp.sndNxt = tp.sndUna;
      if (!calloutActive(tp, 'persist')) setPersist(env, tp);
    }
  }
  let useTso = env.cfg.tso && !reportSack && !idleCwv && (flags & (TH_RST | TH_SYN)) === 0;
  const segsz = useTso ? tp.maxopd - (tsInUse(tp) ? TCPOLEN_TSTAMP_APPA : 0) : tp.maxseg;
  let sendalot = false;
  let nsegs = 0;
  if (len > segsz) {
    if (!useTso) {
      len = segsz;
      nsegs = 1;
    } else {
      const lenmax = env.cfg.tsoMaxBytes < segsz ? segsz * 2 : env.cfg.tsoMaxBytes;
      const hlen = TCPIP_HDR + (tsInUse(tp) ? TCPOLEN_TSTAMP_APPA : 0);
      len = Math.min(len, lenmax);
      const n = Math.floor(Math.min(len, IP_MAXPACKET - hlen) / segsz);
      len = n * segsz;
      if (len <= segsz) useTso = false;
      nsegs = useTso ? n : 1;
    }
    sendalot = true;
  } else {
    useTso = false;
    if (len > 0) nsegs = 1;
  }
  if (seqLt(seqAdd(tp.sndNxt, len), seqAdd(tp.sndUna, so.snd.length))) flags &= ~TH_FIN;
  return { len, off, flags, useTso, segsz, sendalot, reportSack, nsegs, nsacked, sendwin };
}

/** Whether the sized segment is worth sending (A.12 sender rules, WIN-5, WIN-7, TP-20). */
function worthSending(
  env: Env, c: Conn, s: { len: number; off: number; flags: number; segsz: number }, idle: boolean,
): boolean {
  const { so, tp } = c;
  if (s.len > 0) {
    if (s.len >= s.segsz) return true;
    // Nagle (WIN-7): a short segment goes only when idle (or NODELAY) and it empties the buffer.
    if ((idle || tp.flags.noDelay) && s.len + s.off >= so.snd.length) return true;
    if (tp.flags.force) return true;
    if (s.len >= tp.maxSndwnd / 2 && tp.maxSndwnd > 0) return true;
    if (seqLt(tp.sndNxt, tp.sndMax)) return true;
    if (tp.flags.xmitNow) return true;
  }
  const recvwin = rcvSpace(env, so);
  if (recvwin > 0) {
    const adv = Math.min(recvwin, maxRcvWin(tp)) - seqDiff(tp.rcvAdv, tp.rcvNxt);
    if (!env.cfg.avoidPureWinUpdate && adv >= 2 * s.segsz) return true;
    const hiwat = Math.min(TCP_MAXWIN * 2 ** tp.rcvScale, env.cfg.recvspace);
    if (adv >= Math.floor(hiwat / 2)) return true;
  }
  if (tp.flags.ackNow) return true;
  if ((s.flags & TH_RST) !== 0 || ((s.flags & TH_SYN) !== 0 && !tp.flags.needSyn)) return true;
  if ((s.flags & TH_FIN) !== 0 && (!tp.flags.sentFin || tp.sndNxt === tp.sndUna)) return true;
  return false;
}

/** The options of the segment (TP-18, TP-19): SYN options, timestamps, SACK blocks. */
function segmentOptions(
  env: Env, tp: Draft<Tcb>, flags: number, reportSack: boolean,
): { options: TcpOptions; optlen: number } {
  const o: { -readonly [K in keyof TcpOptions]: TcpOptions[K] } = {};
  let optlen = 0;
  if ((flags & TH_SYN) !== 0) {
    o.mss = mssopt(env);
    optlen += 4;
    if (tp.flags.reqScale && ((flags & TH_ACK) === 0 || tp.flags.rcvdScale)) {
      o.wscale = tp.requestRScale;
      optlen += 4;
    }
    if ((env.cfg.sack && (flags & TH_ACK) === 0) || tp.flags.sackPermitted) {
      o.sackPermitted = true;
      optlen += 4;
    }
  }
  const tsAgreed = (flags & TH_ACK) === 0 || tp.flags.rcvdTstmp;
  if (tp.flags.reqTstmp && (flags & TH_RST) === 0 && tsAgreed) {
    o.timestamp = { val: env.tsClock, ecr: tp.tsRecent >>> 0 };
    optlen += TCPOLEN_TSTAMP_APPA;
  }
  if (reportSack) {
    const blocks = fillReport(env, tp, optlen);
    o.sack = blocks;
    optlen += TCPOLEN_SACK_ALIGNED + TCPOLEN_SACK_BLOCK * blocks.length;
  }
  return { options: o, optlen };
}

/** Emit one decided segment and do the bookkeeping after it (tcp_output from `send:`). */
function sendSegment(env: Env, c: Conn, d0: Decision, idleCwv: { v: boolean }): boolean {
  const { so, tp } = c;
  let { len, flags, sendalot } = d0;
  if ((flags & TH_SYN) !== 0) tp.sndNxt = tp.iss;
  const { options, optlen } = segmentOptions(env, tp, flags, d0.reportSack);
  if (!d0.useTso && len + optlen > tp.maxopd) {
    assert(tp.maxopd > optlen, 'MSS too small to hold options');
    flags &= ~TH_FIN;
    len = tp.maxopd - optlen;
    sendalot = true;
  }
  if (len > 0) {
    if (idleCwv.v) {
      idleCwv.v = false;
      idleCwndValidate(env, tp);
    }
    tp.sndLast = env.ticks;
    if (d0.off + len === so.snd.length) flags |= TH_PSH;
  }
  if ((flags & TH_FIN) !== 0 && tp.flags.sentFin && tp.sndNxt === tp.sndMax) {
    tp.sndNxt = seqAdd(tp.sndNxt, -1);
  }
  const persisting = calloutActive(tp, 'persist');
  const seqOut = len > 0 || (flags & (TH_SYN | TH_FIN)) !== 0 || persisting ? tp.sndNxt : tp.sndMax;
  const recvwin = advertisedWindow(env, so, tp, d0.segsz);
  tp.flags.rxwin0Sent = recvwin === 0;
  const inBuffer = d0.off >= 0 && d0.off + len <= so.snd.length;
  assert(len === 0 || inBuffer, 'tcp_output: data outside so_snd');
  const payload = len > 0 ? so.snd.subarray(d0.off, d0.off + len) : EMPTY;
  const wire = { seq: seqOut, flags, window: recvwin >> tp.rcvScale, options, payload };
  emitPieces(env, c, wire, d0.useTso ? d0.segsz : 0);
  advanceAfterSend(env, tp, len, flags, so.snd.length);
  if (recvwin > 0 && seqGt(seqAdd(tp.rcvNxt, recvwin), tp.rcvAdv)) {
    tp.rcvAdv = seqAdd(tp.rcvNxt, recvwin);
  }
  tp.lastAckSent = tp.rcvNxt;
  tp.flags.ackNow = false;
  tp.flags.xmitNow = false;
  if (env.cfg.delayedAck) calloutStop(tp, 'delack');
  return sendalot;
}

/** A decided segment before the NIC split. */
interface Wire {
  readonly seq: Tcb['sndNxt'];
  readonly flags: number;
  readonly window: number;
  readonly options: TcpOptions;
  readonly payload: Uint8Array;
}

/** The segment as the wire sees it: TSO units are split into segsz pieces (TSO-10, TP-21). */
function emitPieces(env: Env, c: Conn, s: Wire, tsoSegsz: number): void {
  const { tp } = c;
  if (tsoSegsz === 0 || s.payload.length <= tsoSegsz) {
    env.out.packets.push(tcpPacket(tp.local, tp.remote, { ...s, ack: tp.rcvNxt }));
    return;
  }
  for (let at = 0; at < s.payload.length; at += tsoSegsz) {
    const last = at + tsoSegsz >= s.payload.length;
    const flags = last ? s.flags : s.flags & ~(TH_FIN | TH_PSH);
    env.out.packets.push(tcpPacket(tp.local, tp.remote, {
      seq: seqAdd(s.seq, at), ack: tp.rcvNxt, flags, window: s.window, options: s.options,
      payload: s.payload.subarray(at, Math.min(at + tsoSegsz, s.payload.length)),
    }));
  }
}

/** Advance sndNxt/sndMax, start RTT timing, arm the retransmission timer (RTO-9 5.1). */
function advanceAfterSend(
  env: Env, tp: Draft<Tcb>, len: number, flags: number, queued: number,
): void {
  if (!tp.flags.force || !calloutActive(tp, 'persist')) {
    const startseq = tp.sndNxt;
    if ((flags & TH_SYN) !== 0) tp.sndNxt = seqAdd(tp.sndNxt, 1);
    if ((flags & TH_FIN) !== 0) {
      tp.sndNxt = seqAdd(tp.sndNxt, 1);
      tp.flags.sentFin = true;
    }
    tp.sndNxt = seqAdd(tp.sndNxt, len);
    if (seqGt(tp.sndNxt, tp.sndMax)) {
      tp.sndMax = tp.sndNxt;
      if (tp.rtttime === 0) {
        tp.rtttime = env.ticks;
        tp.rtseq = startseq;
      }
    }
    if (!calloutActive(tp, 'rexmt') && tp.sndNxt !== tp.sndUna) {
      if (calloutActive(tp, 'persist')) {
        calloutStop(tp, 'persist');
        tp.rxtshift = 0;
      }
      calloutReset(env, tp, 'rexmt', tp.rxtcur);
    } else if (len === 0 && queued > 0 && !calloutActive(tp, 'rexmt') &&
        !calloutActive(tp, 'persist')) {
      // A.12 zero-window deadlock fix: a pure ACK went out while data waits behind a closed
      // window and no timer would ever retry it; persist takes over (ZWP-1).
      tp.rxtshift = 0;
      setPersist(env, tp);
    }
  } else {
    // Persist probe (ZWP-2): sndMax moves past the probe, sndNxt stays.
    let xlen = len;
    if ((flags & TH_FIN) !== 0) {
      xlen += 1;
      tp.flags.sentFin = true;
    }
    if (seqGt(seqAdd(tp.sndNxt, xlen), tp.sndMax)) tp.sndMax = seqAdd(tp.sndNxt, xlen);
  }
}

/** tcp_output (A.12, C). The connection must have a TCB in a state that sends. */
export function tcpOutput(env: Env, c: Conn): void {
  const { tp } = c;
  if (tp.state === 'CLOSED') {
    outputReset(env, c);
    return;
  }
  const idleFor = env.ticks - tp.sndLast;
  const idleCwv = {
    v: tp.sndMax === tp.sndUna && idleFor >= tp.rxtcur && env.cfg.idleRestart,
  };
  // Computed once per call: later segments of the same burst still count as "idle" (Nagle).
  const idle = tp.sndMax === tp.sndUna;
  let nsacked = doSack(env, tp) && tp.sndNxt !== tp.sndMax &&
      !tp.flags.fastRecovery ? bytesBelow(tp, tp.sndNxt) : 0;
  let segcnt = 0;
  let needSched = false;
  for (;;) {
    const s = sizeSegment(env, c, idleCwv.v, nsacked);
    nsacked = s.nsacked;
    if ((s.flags & TH_SYN) === 0 && seqGt(tp.sndNxt, tp.sndUna) && tp.state === 'SYN-SENT' &&
        s.len > 0) {
      tp.flags.ackNow = false;
      tp.flags.xmitNow = false;
      return;
    }
    segcnt += s.nsegs;
    if (!worthSending(env, c, s, idle)) {
      if (c.so.snd.length > 0 && tp.state !== 'SYN-RECEIVED' && !calloutActive(tp, 'rexmt') &&
          !calloutActive(tp, 'persist')) {
        tp.rxtshift = 0;
        setPersist(env, tp);
      }
      tp.flags.xmitNow = false;
      return;
    }
    if (needSched && s.len > 0) {
      outputSched(env, tp);
      return;
    }
    const sendalot = sendSegment(env, c, { ...s, send: true }, idleCwv);
    if (!sendalot) return;
    if (env.cfg.fairsend > 0 && tp.flags.fairSend && segcnt >= env.cfg.fairsend) needSched = true;
  }
}

/**
 * tcp_output in CLOSED (tcp_drop after a SYN was received, B.5): a RST|ACK.
 * DEVIATION(dragonfly.md B.5, TP-19): seq = sndMax, no data, no options, window 0.
 */
function outputReset(env: Env, c: Conn): void {
  const { tp } = c;
  env.out.packets.push(tcpPacket(tp.local, tp.remote, {
    seq: tp.sndMax, ack: tp.rcvNxt, flags: TH_RST | TH_ACK, window: 0, options: {}, payload: EMPTY,
  }));
}
