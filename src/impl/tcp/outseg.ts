import type { IpAddr, Port } from '../../core/addr';
import type { Packet, TcpOptions, TcpSegment } from '../../core/packet';
import { TH_ACK, TH_FIN, TH_RST, TH_SYN } from '../../core/packet';
import type { SeqNum } from '../../core/seq';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import { ipHeader } from '../net/ipout';
import { nicOutput } from '../net/nic';
import type { TcpCb } from './tcpcb';
import { TCP_BACKOFF, TCP_MAXRXTSHIFT, TCPS_SYN_RECEIVED, TCPS_SYN_SENT, rangeset } from './const';
import { tcpTicks } from './globals';
import { TT_PERSIST, tcpTimerArm, tcpTimerActive } from './timer';

/**
 * Read before editing: dragonfly.md A.12 (persist), A.2 (idle restart), B.4 (`dropwithreset`),
 * C (TSO); TP-17, TP-19, TP-26, TP-27.
 *
 * Putting segments on the wire: a connection's segment (with TSO when the send decision made
 * one), the RSTs the profile fixes (TP-17 for segments without a connection, TP-19 for
 * `tcp_drop`), and two pieces of tcp_output's bookkeeping: persist and idle restart.
 */

/** Hand one segment of `tp` to IP and the NIC; `tsoMss` makes it a TSO unit (C, TSO-2). */
export function tcpTransmit(inet: Inet, tp: TcpCb, seg: TcpSegment, tsoMss: number | null): void {
  const p: Packet = { ip: ipHeader(inet, tp.tuple.faddr), body: { proto: 'tcp', tcp: seg } };
  const cpu = mycpu(inet);
  inet.stats.inc(cpu, 'tcp.sndtotal');
  if (tsoMss !== null) {
    inet.stats.inc(cpu, 'tcp.tso_units');
    inet.stats.inc(cpu, 'tcp.tso_segs', Math.ceil(seg.payload.length / tsoMss));
    nicOutput(inet, p, { tsoMss });
  } else {
    nicOutput(inet, p);
  }
}

const NO_OPTIONS: TcpOptions = {};
const EMPTY = new Uint8Array(0);

function rst(inet: Inet, dst: IpAddr, sport: Port, dport: Port, seq: number, ack: number,
  flags: number): void {
  const tcp: TcpSegment = {
    srcPort: sport, dstPort: dport, seq: (seq >>> 0) as SeqNum, ack: (ack >>> 0) as SeqNum,
    flags, window: 0, urgent: 0, options: NO_OPTIONS, payload: EMPTY,
  };
  inet.stats.inc(mycpu(inet), 'tcp.rst_out');
  nicOutput(inet, { ip: ipHeader(inet, dst), body: { proto: 'tcp', tcp } });
}

/**
 * `tcp_respond` from `dropwithreset` (TP-17, SM-4): never for a RST; with ACK set
 * `<SEQ=ack><CTL=RST>`, else `<SEQ=0><ACK=seq+len><CTL=RST,ACK>` where len counts the data and
 * a SYN (`if (thflags & TH_SYN) tlen++`; a FIN is not counted, as in DragonFly and the model).
 * No options, window 0.
 */
export function tcpRespondRst(inet: Inet, p: Packet): void {
  if (p.body.proto !== 'tcp') return;
  const t = p.body.tcp;
  if ((t.flags & TH_RST) !== 0) return;
  if ((t.flags & TH_ACK) !== 0) {
    rst(inet, p.ip.src, t.dstPort, t.srcPort, t.ack, 0, TH_RST);
    return;
  }
  const len = t.payload.length + ((t.flags & TH_SYN) !== 0 ? 1 : 0);
  rst(inet, p.ip.src, t.dstPort, t.srcPort, 0, (t.seq + len) >>> 0, TH_RST | TH_ACK);
}

/**
 * TP-19: `tcp_drop`'s RST: RST|ACK, ack = rcv_nxt, window 0, no options, and the sequence number
 * tcp_output gives a segment without data, SYN or FIN: snd_max, or snd_nxt while persisting
 * (a probe may have pushed snd_max one byte past the window). DragonFly agrees, and so does the
 * model; TP-19's text says snd_nxt, which differs only after a retransmission or a probe.
 */
export function tcpDropRst(inet: Inet, tp: TcpCb): void {
  const u = tp.tuple;
  const seq = persistActive(tp) ? tp.sndNxt : tp.sndMax;
  rst(inet, u.faddr, u.lport, u.fport, seq, tp.rcvNxt, TH_RST | TH_ACK);
}

/** `tcp_outflags[state]` (B.1). */
export function outflags(state: number): number {
  switch (state) {
    case TCPS_SYN_SENT:
      return TH_SYN;
    case TCPS_SYN_RECEIVED:
      return TH_SYN | TH_ACK;
    case 7: // FIN_WAIT_1
    case 8: // CLOSING
    case 9: // LAST_ACK
      return TH_FIN | TH_ACK;
    case 2: // LISTEN
      return 0;
    case 0:
    case 1: // TERMINATING, CLOSED
      return TH_RST | TH_ACK;
    default:
      return TH_ACK;
  }
}

/**
 * `tcp_setpersist` (A.12, TP-26): interval RANGESET(base·backoff[shift], 5 s, 60 s) with
 * base = ((srtt >> 2) + rttvar) >> 1, then shift++ (at most 12).
 */
export function tcpSetpersist(inet: Inet, tp: TcpCb): void {
  // DragonFly panics here before ESTABLISHED; reachable by a second shutdown in SYN-SENT.
  const t = ((tp.tSrtt >> 2) + tp.tRttvar) >> 1;
  const tm = inet.tcp.times;
  const tt = rangeset(t * TCP_BACKOFF[tp.tRxtshift]!, tm.persmin, tm.persmax,
      tp.cfg.rexmitSlopTicks);
  tcpTimerArm(inet, tp, TT_PERSIST, tt);
  if (tp.tRxtshift < TCP_MAXRXTSHIFT) tp.tRxtshift++;
}

export const persistActive = (tp: TcpCb): boolean => tcpTimerActive(tp, TT_PERSIST);

/** `tcp_initial_window` (A.2, TP-27): RFC 3390, reduced to 2·MSS after ≥ 3 s of SYN rexmt. */
export function tcpInitialWindow(inet: Inet, tp: TcpCb): number {
  const mss = tp.tMaxseg;
  if (!tp.cfg.rfc3390) return 2 * mss;
  if (tp.tRxtsyn >= inet.tcp.times.rtobase3) return 2 * mss;
  return Math.min(tp.cfg.iwmaxsegs * mss, Math.max(2 * mss, tp.cfg.iwcapsegs * 1460));
}

/** `tcp_idle_cwnd_validate` (A.2): RW = min(cwnd, IW); with idle_cwv halve per idle RTO. */
export function tcpIdleCwndValidate(inet: Inet, tp: TcpCb): void {
  const minCwnd = Math.min(tp.sndCwnd, tcpInitialWindow(inet, tp));
  if (tp.cfg.idleCwv) {
    tp.sndSsthresh = Math.max(tp.sndSsthresh, Math.floor((3 * tp.sndCwnd) / 4));
    let idle = tcpTicks(inet) - tp.sndLast;
    let decay = tp.sndCwnd;
    while (idle >= tp.tRxtcur && decay > minCwnd) {
      decay = Math.floor(decay / 2);
      idle -= tp.tRxtcur;
    }
    tp.sndCwnd = Math.max(decay, minCwnd);
  } else {
    tp.sndCwnd = minCwnd;
  }
  tp.sndWacked = 0;
}


