import type { Inet } from '../net/inet';
import type { TcpSock } from '../socket/tcpsock';
import type { TcpCb } from './tcpcb';
import {
  TCPS_SYN_RECEIVED, TF_RCVD_SCALE, TF_RCVD_TSTMP, TF_REQ_SCALE, TF_REQ_TSTMP, TF_SACK_PERMITTED,
} from './const';
import { tcpTicks } from './globals';
import type { SynEntry } from './syncache';
import { tcpMss, tcpNewConn, tcpSetState } from './subr';
import { TT_KEEP, tcpTimerArm } from './timer';

/**
 * Read before editing: dragonfly.md B.3 (`syncache_socket`), D.9 (accepted connections are
 * created on the flow CPU and never move), A.2 (IW after SYN|ACK retransmissions); TP-16.
 *
 * The connection a completed handshake becomes: created on this (the flow) CPU in SYN-RECEIVED,
 * with what the syncache entry negotiated, as if tcp_output had just sent its SYN|ACK. The
 * caller holds the listen token and the port token; the connection holds the port too (TP-7).
 */
export function tcpSyncacheSocket(inet: Inet, so: TcpSock, e: SynEntry): TcpCb {
  const k = inet.k;
  const t = e.tuple;
  const tp = tcpNewConn(inet, so, t);
  k.wr(inet.tcp.ports.obj);
  inet.tcp.ports.hold(t.lport);
  k.wr(so.obj);
  so.lport = t.lport;
  tp.tFlags = 0;
  if (e.peerWscale !== null) {
    tp.tFlags |= TF_REQ_SCALE | TF_RCVD_SCALE;
    tp.sndScale = e.peerWscale;
    tp.requestRScale = e.requestRScale;
  }
  const ticks = tcpTicks(inet);
  if (e.tsOk) {
    tp.tFlags |= TF_REQ_TSTMP | TF_RCVD_TSTMP;
    tp.tsRecent = e.tsRecent;
    tp.tsRecentAge = ticks;
  }
  if (e.sackOk) tp.tFlags |= TF_SACK_PERMITTED;
  tcpSetState(inet, tp, TCPS_SYN_RECEIVED);
  tp.iss = e.iss;
  tp.irs = e.irs;
  tp.rcvNxt = (e.irs + 1) >>> 0;
  tp.rcvAdv = tp.rcvNxt;
  tp.sndUna = tp.sndNxt = tp.sndMax = tp.sndUp = tp.sndRecover = e.iss;
  tp.sndWl1 = e.irs;
  tp.rcvUp = tp.rcvNxt;
  tp.rcvWnd = e.wnd;
  tp.rcvAdv = (tp.rcvAdv + tp.rcvWnd) >>> 0;
  tp.tRxtsyn = e.rxtused;
  tp.tRcvtime = ticks;
  tp.sndLast = ticks;
  tcpMss(inet, tp, e.peerMss);
  tcpTimerArm(inet, tp, TT_KEEP, inet.tcp.times.keepinit);
  // What tcp_output would have done when the SYN|ACK was sent (`tcp_input` after expand).
  tp.sndUp = tp.sndUna;
  tp.sndMax = tp.sndNxt = (e.iss + 1) >>> 0;
  tp.lastAckSent = tp.rcvNxt;
  return tp;
}
