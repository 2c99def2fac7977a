import type { TcpOptions, TcpSegment } from '../../core/packet';
import { TH_ACK, TH_FIN, TH_PSH, TH_RST, TH_SYN } from '../../core/packet';
import type { SeqNum } from '../../core/seq';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import type { TcpCb } from './tcpcb';
import {
  TCP_MAXOLEN, TCP_MAXWIN, TCPOLEN_TSTAMP_APPA, TCPS_SYN_RECEIVED, TCPS_SYN_SENT, TF_ACKNOW,
  TF_FAIRSEND, TF_FASTRECOVERY, TF_FORCE, TF_LASTIDLE, TF_MORETOCOME, TF_NEEDFIN, TF_NEEDSYN,
  TF_NODELAY, TF_RCVD_SCALE, TF_RCVD_TSTMP, TF_REQ_SCALE, TF_REQ_TSTMP, TF_RXRESIZED,
  TF_RXWIN0SENT, TF_SACK_PERMITTED, TF_SENTFIN, TF_XMITNOW, seqGt, seqLt,
} from './const';
import { tcpTicks, tsClock } from './globals';
import {
  outflags, persistActive, tcpIdleCwndValidate, tcpSetpersist, tcpTransmit,
} from './outseg';
import { sackBytesBelow, sackSkipSacked } from './sack';
import { sackFillReport, sackReportPending } from './sackreport';
import { tcpSndmoreSched } from './sndmore';
import {
  TT_DELACK, TT_PERSIST, TT_REXMT, tcpTimerActive, tcpTimerArm, tcpTimerStop,
} from './timer';

/**
 * Read before editing: dragonfly.md A.2 (usable window, idle restart), A.12 (Nagle/SWS, window
 * updates, persist), A.13 (timestamps), A.5 (SACK skipping after RTO, report blocks), C (TSO,
 * fair send); TP-19 … TP-21.
 *
 * `tcp_output`'s send decision, as DragonFly makes it: how much may go (usable window, SYN/FIN
 * rules), whether it should go now (SWS avoidance and Nagle, window updates, owed ACKs, FIN),
 * and what the segment carries (options, window, PUSH). With TSO a send of at least two full
 * segments — whole multiples of t_maxseg up to tsoMaxBytes — is one unit the NIC splits
 * (net/tso.ts). Under fair send, once `fairsend` segments went out in one call and more would
 * follow, the rest waits for the connection's `sndmore` message.
 */

/** What one pass of the loop decided; `len` bytes at `off`, with `flags`. */
interface Decision {
  len: number;
  off: number;
  flags: number;
  sendalot: boolean;
  useTso: boolean;
  segsz: number;
  recvwin: number;
}

const inFastRecovery = (tp: TcpCb): boolean => (tp.tFlags & TF_FASTRECOVERY) !== 0;
const doSack = (tp: TcpCb): boolean => (tp.tFlags & TF_SACK_PERMITTED) !== 0;

/** `tcp_output_fair`: output triggered by a send, a recv, an ACK or `sndmore` (TP-21). */
export function tcpOutputFair(inet: Inet, tp: TcpCb): void {
  tp.tFlags |= TF_FAIRSEND;
  tcpOutput(inet, tp);
  tp.tFlags &= ~TF_FAIRSEND;
}

/** Per-call state of tcp_output that survives `goto again`. */
interface Pass {
  readonly idle: boolean;
  idleCwv: boolean;
  nsacked: number;
  segcnt: number;
  needSched: boolean;
}

export function tcpOutput(inet: Inet, tp: TcpCb): void {
  const ticks = tcpTicks(inet);
  const idleCwv = tp.cfg.idleRestart && tp.sndMax === tp.sndUna &&
    ticks - tp.sndLast >= tp.tRxtcur;
  const idle = (tp.tFlags & TF_LASTIDLE) !== 0 || tp.sndMax === tp.sndUna;
  if (idle && (tp.tFlags & TF_MORETOCOME) !== 0) tp.tFlags |= TF_LASTIDLE;
  else tp.tFlags &= ~TF_LASTIDLE;
  let nsacked = 0;
  if (doSack(tp) && tp.sndNxt !== tp.sndMax && !inFastRecovery(tp)) {
    nsacked = sackBytesBelow(tp, tp.sndNxt);
  }
  const pass: Pass = { idle, idleCwv, nsacked, segcnt: 0, needSched: false };
  for (;;) {
    const d = decide(inet, tp, pass);
    if (d === null) return;
    if (pass.needSched && d.len > 0) {
      tcpSndmoreSched(inet, tp);
      return;
    }
    send(inet, tp, d, pass);
    if (!d.sendalot) return;
    const f = tp.cfg.fairsend;
    if (f > 0 && (tp.tFlags & TF_FAIRSEND) !== 0 && pass.segcnt >= f) pass.needSched = true;
  }
}

/** The length and flags of the next segment, or null when nothing should be sent now. */
function decide(inet: Inet, tp: TcpCb, pass: Pass): Decision | null {
  const so = tp.so;
  const reportSack = sackReportPending(tp);
  if (doSack(tp) && tp.sndNxt !== tp.sndMax && !inFastRecovery(tp)) {
    const old = tp.sndNxt;
    tp.sndNxt = sackSkipSacked(tp, tp.sndNxt);
    pass.nsacked += (tp.sndNxt - old) | 0;
  }
  let off = (tp.sndNxt - tp.sndUna) | 0;
  let sendwin = Math.min(tp.sndWnd, tp.sndCwnd + pass.nsacked, tp.sndBwnd);
  let flags = outflags(tp.state);
  if ((tp.tFlags & TF_NEEDFIN) !== 0) flags |= TH_FIN;
  if ((tp.tFlags & TF_NEEDSYN) !== 0) flags |= TH_SYN;
  if ((tp.tFlags & TF_FORCE) !== 0) {
    if (sendwin === 0) {
      if (off < so.snd.cc) flags &= ~TH_FIN;
      sendwin = 1;
    } else {
      tcpTimerStop(tp, TT_PERSIST);
      tp.tRxtshift = 0;
    }
  }
  let len = Math.min(so.snd.cc, sendwin) - off;
  if ((flags & TH_SYN) !== 0 && seqGt(tp.sndNxt, tp.sndUna)) {
    flags &= ~TH_SYN;
    off--;
    len++;
    if (len > 0 && tp.state === TCPS_SYN_SENT) {
      tp.tFlags &= ~(TF_ACKNOW | TF_XMITNOW);
      return null;
    }
  }
  if ((flags & TH_SYN) !== 0) {
    len = 0;
    flags &= ~TH_FIN;
  }
  if (len < 0) {
    len = 0;
    if (sendwin === 0 && tp.state !== TCPS_SYN_RECEIVED) {
      tcpTimerStop(tp, TT_REXMT);
      tp.tRxtshift = 0;
      tp.sndNxt = tp.sndUna;
      if (!persistActive(tp)) tcpSetpersist(inet, tp);
    }
  }
  const d = sizeSegment(tp, len, flags, reportSack, pass);
  d.off = off;
  if (seqLt((tp.sndNxt + d.len) >>> 0, (tp.sndUna + so.snd.cc) >>> 0)) d.flags &= ~TH_FIN;
  d.recvwin = so.rcv.space;
  if (shouldSend(tp, d, pass.idle)) return d;
  if (so.snd.cc > 0 && tp.state !== TCPS_SYN_RECEIVED &&
      !tcpTimerActive(tp, TT_REXMT) && !persistActive(tp)) {
    tp.tRxtshift = 0;
    tcpSetpersist(inet, tp);
  }
  tp.tFlags &= ~TF_XMITNOW;
  return null;
}

/** TSO or one segment: truncate `len` to the segment size (C: whole multiples of t_maxseg). */
function sizeSegment(
  tp: TcpCb, len: number, flags: number, reportSack: boolean, pass: Pass,
): Decision {
  const segsz = tp.tMaxseg;
  let useTso = tp.cfg.tso && !reportSack && !pass.idleCwv && (flags & (TH_RST | TH_SYN)) === 0;
  let sendalot = false;
  if (len > segsz) {
    if (!useTso) {
      len = segsz;
      pass.segcnt++;
    } else {
      const lenmax = tp.cfg.tsoMaxBytes < segsz ? segsz * 2 : tp.cfg.tsoMaxBytes;
      const hlen = 40 + (tsNegotiated(tp) ? TCPOLEN_TSTAMP_APPA : 0);
      len = Math.min(len, lenmax);
      const nsegs = Math.floor(Math.min(len, 65535 - hlen) / segsz);
      len = nsegs * segsz;
      if (len <= segsz) {
        useTso = false;
        pass.segcnt++;
      } else {
        pass.segcnt += nsegs;
      }
    }
    sendalot = true;
  } else {
    useTso = false;
    if (len > 0) pass.segcnt++;
  }
  return { len, off: 0, flags, sendalot, useTso, segsz, recvwin: 0 };
}

const tsNegotiated = (tp: TcpCb): boolean =>
  (tp.tFlags & (TF_REQ_TSTMP | TF_RCVD_TSTMP)) === (TF_REQ_TSTMP | TF_RCVD_TSTMP);

/** Sender SWS avoidance and Nagle, window updates, owed ACK/SYN/FIN (A.12, TP-20/21). */
function shouldSend(tp: TcpCb, d: Decision, idle: boolean): boolean {
  const so = tp.so;
  const len = d.len;
  if (len > 0) {
    if (len >= d.segsz) return true;
    const nagleOff = !tp.cfg.nagle || (tp.tFlags & TF_NODELAY) !== 0;
    if ((tp.tFlags & TF_MORETOCOME) === 0 && (idle || nagleOff) && len + d.off >= so.snd.cc) {
      return true;
    }
    if ((tp.tFlags & TF_FORCE) !== 0) return true;
    if (len >= tp.maxSndwnd / 2 && tp.maxSndwnd > 0) return true;
    if (seqLt(tp.sndNxt, tp.sndMax)) return true;
    if ((tp.tFlags & TF_XMITNOW) !== 0) return true;
  }
  if (d.recvwin > 0) {
    const maxwin = TCP_MAXWIN * 2 ** tp.rcvScale;
    const adv = Math.min(d.recvwin, maxwin) - ((tp.rcvAdv - tp.rcvNxt) | 0);
    if ((!tp.cfg.avoidPureWinUpdate || (tp.tFlags & TF_RXRESIZED) !== 0) && adv >= 2 * d.segsz) {
      return true;
    }
    const hiwat = Math.min(maxwin, so.rcv.hiwat);
    if (adv >= Math.floor(hiwat / 2)) return true;
  }
  if ((tp.tFlags & TF_ACKNOW) !== 0) return true;
  if ((d.flags & TH_RST) !== 0) return true;
  if ((d.flags & TH_SYN) !== 0 && (tp.tFlags & TF_NEEDSYN) === 0) return true;
  if ((d.flags & TH_FIN) !== 0 && ((tp.tFlags & TF_SENTFIN) === 0 || tp.sndNxt === tp.sndUna)) {
    return true;
  }
  return false;
}

/** The options of the segment: SYN options, timestamps, SACK report (TP-18, TP-19). */
function buildOptions(inet: Inet, tp: TcpCb, flags: number, reportSack: boolean): TcpOptions {
  const o: { -readonly [K in keyof TcpOptions]: TcpOptions[K] } = {};
  let optlen = 0;
  if ((flags & TH_SYN) !== 0) {
    o.mss = tp.cfg.mtu - 40;
    optlen += 4;
    if ((tp.tFlags & TF_REQ_SCALE) !== 0 &&
        ((flags & TH_ACK) === 0 || (tp.tFlags & TF_RCVD_SCALE) !== 0)) {
      o.wscale = tp.requestRScale;
      optlen += 4;
    }
    if ((tp.cfg.sack && (flags & TH_ACK) === 0) || (tp.tFlags & TF_SACK_PERMITTED) !== 0) {
      o.sackPermitted = true;
      optlen += 4;
    }
  }
  if ((tp.tFlags & TF_REQ_TSTMP) !== 0 && (flags & TH_RST) === 0 &&
      ((flags & TH_ACK) === 0 || (tp.tFlags & TF_RCVD_TSTMP) !== 0)) {
    o.timestamp = { val: tsClock(inet), ecr: tp.tsRecent >>> 0 };
    optlen += TCPOLEN_TSTAMP_APPA;
  }
  if (reportSack && TCP_MAXOLEN - optlen >= 12) o.sack = sackFillReport(tp, optlen,
      tp.cfg.smartsack);
  return o;
}

const optionsLength = (o: TcpOptions): number =>
  (o.mss !== undefined ? 4 : 0) + (o.wscale !== undefined ? 4 : 0) +
  (o.sackPermitted === true ? 4 : 0) + (o.timestamp !== undefined ? 12 : 0) +
  (o.sack !== undefined ? 4 + 8 * o.sack.length : 0);

/** The `send:` half of tcp_output: build, account, time, transmit. */
function send(inet: Inet, tp: TcpCb, d: Decision, pass: Pass): void {
  const so = tp.so;
  const ticks = tcpTicks(inet);
  let flags = d.flags;
  if ((flags & TH_SYN) !== 0) tp.sndNxt = tp.iss;
  const opts = buildOptions(inet, tp, flags, sackReportPending(tp));
  const optlen = optionsLength(opts);
  let len = d.len;
  if (!d.useTso && len + optlen > tp.tMaxopd) {
    flags &= ~TH_FIN;
    len = tp.tMaxopd - optlen;
    d.sendalot = true;
  }
  let payload: Uint8Array = EMPTY;
  if (len > 0) {
    countData(inet, tp, len);
    if (pass.idleCwv) {
      pass.idleCwv = false;
      tcpIdleCwndValidate(inet, tp);
    }
    tp.sndLast = ticks;
    payload = so.snd.copy(d.off, len);
    if (d.off + len === so.snd.cc) flags |= TH_PSH;
  } else {
    countControl(inet, tp, flags);
  }
  if ((flags & TH_FIN) !== 0 && (tp.tFlags & TF_SENTFIN) !== 0 && tp.sndNxt === tp.sndMax) {
    tp.sndNxt = (tp.sndNxt - 1) >>> 0;
  }
  const seq = len > 0 || (flags & (TH_SYN | TH_FIN)) !== 0 || persistActive(tp) ? tp.sndNxt :
      tp.sndMax;
  const recvwin = advertisedWindow(tp, d);
  tp.sndUp = tp.sndUna;
  advance(inet, tp, flags, len, ticks);
  const seg: TcpSegment = {
    srcPort: tp.tuple.lport, dstPort: tp.tuple.fport, seq: seq as SeqNum,
    ack: tp.rcvNxt as SeqNum, flags, window: Math.floor(recvwin / 2 ** tp.rcvScale), urgent: 0,
    options: opts, payload,
  };
  tcpTransmit(inet, tp, seg, d.useTso ? d.segsz : null);
  if (recvwin > 0 && seqGt((tp.rcvNxt + recvwin) >>> 0, tp.rcvAdv)) {
    tp.rcvAdv = (tp.rcvNxt + recvwin) >>> 0;
    tp.tFlags &= ~TF_RXRESIZED;
  }
  tp.lastAckSent = tp.rcvNxt;
  tp.tFlags &= ~(TF_ACKNOW | TF_XMITNOW);
  if (tp.cfg.delayedAck) tcpTimerStop(tp, TT_DELACK);
}

/** TP-20: SWS-avoiding window, never shrinking the advertised edge, capped by the scale. */
function advertisedWindow(tp: TcpCb, d: Decision): number {
  let recvwin = d.recvwin;
  if (recvwin < Math.floor(tp.so.rcv.hiwat / 4) && recvwin < d.segsz) recvwin = 0;
  const edge = (tp.rcvAdv - tp.rcvNxt) | 0;
  if (recvwin < edge) recvwin = edge;
  const maxwin = TCP_MAXWIN * 2 ** tp.rcvScale;
  if (recvwin > maxwin) recvwin = maxwin;
  if (recvwin === 0) tp.tFlags |= TF_RXWIN0SENT;
  else tp.tFlags &= ~TF_RXWIN0SENT;
  return recvwin;
}

/** Advance snd_nxt/snd_max, start RTT timing and the retransmit timer (persist: snd_max only). */
function advance(inet: Inet, tp: TcpCb, flags: number, len: number, ticks: number): void {
  if ((tp.tFlags & TF_FORCE) === 0 || !persistActive(tp)) {
    const startseq = tp.sndNxt;
    if ((flags & TH_SYN) !== 0) tp.sndNxt = (tp.sndNxt + 1) >>> 0;
    if ((flags & TH_FIN) !== 0) {
      tp.sndNxt = (tp.sndNxt + 1) >>> 0;
      tp.tFlags |= TF_SENTFIN;
    }
    tp.sndNxt = (tp.sndNxt + len) >>> 0;
    if (seqGt(tp.sndNxt, tp.sndMax)) {
      tp.sndMax = tp.sndNxt;
      if (tp.tRtttime === 0) {
        tp.tRtttime = ticks;
        tp.tRtseq = startseq;
      }
    }
    if (!tcpTimerActive(tp, TT_REXMT) && tp.sndNxt !== tp.sndUna) {
      if (persistActive(tp)) {
        tcpTimerStop(tp, TT_PERSIST);
        tp.tRxtshift = 0;
      }
      tcpTimerArm(inet, tp, TT_REXMT, tp.tRxtcur);
    }
  } else {
    let xlen = len;
    if ((flags & TH_FIN) !== 0) {
      xlen++;
      tp.tFlags |= TF_SENTFIN;
    }
    const end = (tp.sndNxt + xlen) >>> 0;
    if (seqGt(end, tp.sndMax)) tp.sndMax = end;
  }
}

function countData(inet: Inet, tp: TcpCb, len: number): void {
  const cpu = mycpu(inet);
  if ((tp.tFlags & TF_FORCE) !== 0 && len === 1) inet.stats.inc(cpu, 'tcp.sndprobe');
  else if (seqLt(tp.sndNxt, tp.sndMax)) {
    if (tp.sndNxt === tp.sndUna) tp.sndMaxRexmt = tp.sndMax;
    inet.stats.inc(cpu, 'tcp.sndrexmitpack');
  } else inet.stats.inc(cpu, 'tcp.sndpack');
}

function countControl(inet: Inet, tp: TcpCb, flags: number): void {
  const cpu = mycpu(inet);
  if ((tp.tFlags & TF_ACKNOW) !== 0) inet.stats.inc(cpu, 'tcp.sndacks');
  else if ((flags & (TH_SYN | TH_FIN | TH_RST)) !== 0) inet.stats.inc(cpu, 'tcp.sndctrl');
  else inet.stats.inc(cpu, 'tcp.sndwinup');
}

const EMPTY = new Uint8Array(0);
