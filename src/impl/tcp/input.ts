import { assert } from '../../core/assert';
import type { Packet, TcpSegment } from '../../core/packet';
import { TH_ACK, TH_FIN, TH_RST, TH_SYN } from '../../core/packet';
import { tcpFlowCpu } from '../corelib';
import type { Co } from '../kern/thread';
import { getToken, relToken } from '../kern/token';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import type { NetMsg } from '../net/netmsg';
import type { PacketArg } from '../net/protosw';
import type { TcpCb } from './tcpcb';
import {
  TCPS_CLOSE_WAIT, TCPS_SYN_RECEIVED, TCPS_SYN_SENT, TF_ACKNOW, TF_NEEDSYN, TF_RCVD_SCALE,
  TF_RCVD_TSTMP, TF_REQ_SCALE, TF_SACK_PERMITTED, TOF_MSS, TOF_SACK_PERMITTED, TOF_SCALE, TOF_TS,
  haveEstablished, seqGt, seqLeq, seqLt,
} from './const';
import { tcpTicks, tsClock } from './globals';
import { ackArrives, processAck } from './inack';
import type { InCtx } from './inctx';
import { parseOptions } from './inctx';
import { step6 } from './indata';
import type { Next } from './inslow';
import { computeRcvWnd, paws, rstArrives, synSent, trimHead, trimTail } from './inslow';
import { tcpOutput } from './output';
import { tcpRespondRst } from './outseg';
import { tcpHeaderPredict } from './predict';
import { sackReportCleanup } from './sackreport';
import { tcpEndStep, tcpQueuedCheck } from './step';
import { tcpClose, tcpDrop, tcpMss } from './subr';
import { tcpListenInput } from './synlisten';

/**
 * Read before editing: dragonfly.md B.4 (the slow path, in order), B.2 (SYN-SENT), B.3 (LISTEN
 * → syncache), D.1/D.3 (input on the flow CPU's netisr), D.8 (lookup); TP-17, TP-22, TP-23.
 *
 * `tcp_input` on the segment's flow CPU, which linearizes it. Demux: the exact 4-tuple in this
 * CPU's connection table (no token — the established data path), else a listener on the port
 * (wildcard table, under its token), else no socket (RST, TP-17). A connection's segment tries
 * header prediction first (predict.ts), then the slow path in B.4's order.
 */
export function* tcpInput(inet: Inet, msg: NetMsg<PacketArg>, p: Packet): Co {
  void msg;
  assert(p.body.proto === 'tcp', 'tcpInput: not a TCP segment');
  const th = p.body.tcp;
  const cpu = mycpu(inet);
  assert(cpu === tcpFlowCpu(p.ip.src, th.srcPort, p.ip.dst, th.dstPort, inet.ncpus),
    `tcpInput: segment on cpu ${cpu}, not its flow CPU (UP-13)`);
  inet.k.linearize();
  inet.stats.inc(cpu, 'tcp.rcvtotal');
  yield* demux(inet, p, th, false);
  yield* tcpEndStep(inet);
}

function* demux(inet: Inet, p: Packet, th: TcpSegment, recycled: boolean): Co {
  const k = inet.k;
  const table = inet.tcp.tables[mycpu(inet)]!;
  k.rd(table.connObj);
  const tp = table.lookupConn(th.dstPort, p.ip.src, th.srcPort);
  if (tp !== null) {
    if (!(yield* tcpQueuedCheck(inet, tp))) {
      tcpRespondRst(inet, p);
      return;
    }
    if (tcpInputConn(inet, tp, p) === 'recycle' && !recycled) yield* demux(inet, p, th, true);
    return;
  }
  yield* getToken(k, table.wildToken, 'tcp.listen');
  k.rd(table.wildObj);
  const lso = table.lookupWild(th.dstPort);
  relToken(k, table.wildToken);
  if (lso === null) {
    inet.stats.inc(mycpu(inet), 'tcp.dropped');
    tcpRespondRst(inet, p);
    return;
  }
  yield* tcpListenInput(inet, lso, p);
}

/** `tcp_input` from `after_listen:` for an existing connection (synchronous, no token). */
export function tcpInputConn(inet: Inet, tp: TcpCb, p: Packet): Next | null {
  const k = inet.k;
  k.wr(tp.obj);
  k.wr(tp.so.obj);
  assert(p.body.proto === 'tcp', 'tcpInputConn: not TCP');
  const th = p.body.tcp;
  const ticks = tcpTicks(inet);
  const c: InCtx = {
    inet, tp, p, th, ticks, to: parseOptions(th, tsClock(inet)), seq: th.seq, ack: th.ack,
    thflags: th.flags, tiwin: 0, data: th.payload, needoutput: false, delayedDupack: false,
    dupackFlags: 0, ourfinisacked: false,
  };
  c.tiwin = (th.flags & TH_SYN) !== 0 ? th.window : th.window * 2 ** tp.sndScale;
  if (ticks - tp.tRcvtime > inet.cfg.hz && haveEstablished(tp.state) &&
      (th.flags & (TH_SYN | TH_ACK)) !== TH_SYN) {
    tp.tRcvtime = ticks;
  }
  if (tp.state === TCPS_SYN_SENT && (th.flags & TH_SYN) !== 0) synOptions(c);
  if (tcpHeaderPredict(c)) return null;
  return slowPath(c);
}

/** B.2: the options of the peer's SYN (or SYN|ACK) arriving in SYN-SENT. */
function synOptions(c: InCtx): void {
  const { tp, to } = c;
  if ((to.flags & TOF_SCALE) !== 0 && (tp.tFlags & TF_REQ_SCALE) !== 0) {
    tp.tFlags |= TF_RCVD_SCALE;
    tp.sndScale = to.wscale;
  }
  tp.sndWnd = c.th.window;
  if ((to.flags & TOF_TS) !== 0) {
    tp.tFlags |= TF_RCVD_TSTMP;
    tp.tsRecent = to.tsval;
    tp.tsRecentAge = c.ticks;
  }
  tcpMss(c.inet, tp, (to.flags & TOF_MSS) !== 0 ? to.mss : undefined);
  if (tp.cfg.sack && (to.flags & TOF_SACK_PERMITTED) !== 0) tp.tFlags |= TF_SACK_PERMITTED;
}

function slowPath(c: InCtx): Next | null {
  const tp = c.tp;
  c.inet.stats.inc(tp.cpu, 'tcp.slowpath');
  computeRcvWnd(c);
  let next: Next = 'continue';
  if (tp.state === TCPS_SYN_RECEIVED) {
    if ((c.thflags & TH_ACK) !== 0 && (seqLeq(c.ack, tp.sndUna) || seqGt(c.ack, tp.sndMax))) {
      next = 'dropwithreset';
    }
  } else if (tp.state === TCPS_SYN_SENT) {
    next = synSent(c);
  }
  if (next === 'continue') next = acceptance(c);
  if (next === 'continue') next = ackArrives(c);
  if (next === 'processAck') next = processAck(c);
  if (next === 'step6') {
    step6(c);
    return null;
  }
  return finish(c, next);
}

/** B.4 steps 2 … 10: RST, PAWS, LAND, trimming, data after close, ts_recent, SYN, no ACK. */
function acceptance(c: InCtx): Next {
  const tp = c.tp;
  if ((c.thflags & TH_RST) !== 0) return rstArrives(c);
  const pw = paws(c);
  if (pw !== 'continue') return pw;
  if (tp.state === TCPS_SYN_RECEIVED && seqLt(c.seq, tp.irs)) return 'dropwithreset';
  trimHead(c);
  if (tp.so.noFdRef && tp.state > TCPS_CLOSE_WAIT && c.data.length !== 0) {
    tcpClose(c.inet, tp);
    return 'dropwithreset';
  }
  const tt = trimTail(c);
  if (tt !== 'continue') return tt;
  if ((c.to.flags & TOF_TS) !== 0 && seqLeq(c.seq, tp.lastAckSent)) {
    const end = (c.seq + c.data.length + ((c.thflags & TH_SYN) !== 0 ? 1 : 0) +
      ((c.thflags & TH_FIN) !== 0 ? 1 : 0)) >>> 0;
    if (seqLeq(tp.lastAckSent, end)) {
      tp.tsRecentAge = c.ticks;
      tp.tsRecent = c.to.tsval;
    }
  }
  if ((c.thflags & TH_SYN) !== 0) {
    tcpDrop(c.inet, tp, 'ECONNRESET');
    return 'dropwithreset';
  }
  if ((c.thflags & TH_ACK) === 0) {
    return tp.state === TCPS_SYN_RECEIVED || (tp.tFlags & TF_NEEDSYN) !== 0 ? 'step6' : 'drop';
  }
  return 'continue';
}

/** `drop:`, `dropafterack:`, `dropwithreset:`. */
function finish(c: InCtx, next: Next): Next | null {
  const { tp, inet } = c;
  switch (next) {
    case 'dropafterack':
      if (tp.state === TCPS_SYN_RECEIVED && (c.thflags & TH_ACK) !== 0 &&
          (seqGt(tp.sndUna, c.ack) || seqGt(c.ack, tp.sndMax))) {
        tcpRespondRst(inet, c.p);
        break;
      }
      tp.tFlags |= TF_ACKNOW;
      tcpOutput(inet, tp);
      break;
    case 'dropwithreset':
      tcpRespondRst(inet, c.p);
      break;
    case 'recycle':
      return 'recycle';
    default:
      break;
  }
  sackReportCleanup(tp);
  return null;
}
