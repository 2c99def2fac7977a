/**
 * Read before editing: RFC 9293 §3.10.7 "SEGMENT ARRIVES" (SM-4 … SM-31, ACC-1 … ACC-5,
 * RST-1 … RST-4), RFC 7323 §5 (PAWS-1 … PAWS-5, TS-6); dragonfly.md B.4 (order of checks), A.13;
 * docs/TCP-PROFILE.md TP-17, TP-23, TP-24.
 *
 * A segment for this host, in RFC 9293's event-processing order as DragonFly runs it:
 * demultiplex (TP-17) → listener (syncache.ts) or connection: SYN-SENT, then for the other states
 * 1 sequence check (RST, PAWS, trimming), 2 RST, 4 SYN, 5 ACK, 6 URG (ignored), 7 text, 8 FIN.
 * DEVIATION(RFC 9293 §3.10.7.4 / RFC 5961, RST-6 … RST-10): a RST is valid anywhere in
 * [last_ack_sent, last_ack_sent + rcv_wnd] and an in-window SYN resets the connection; there are
 * no challenge ACKs (dragonfly.md F.11).
 */
import type { Draft } from 'immer';
import type { Endpoint } from '../../core/addr';
import { assertNever } from '../../core/assert';
import type { Packet, TcpSegment } from '../../core/packet';
import { TH_ACK, TH_FIN, TH_PSH, TH_RST, TH_SYN, TH_URG } from '../../core/packet';
import { seqAdd, seqDiff, seqGt, seqLeq, seqLt } from '../../core/seq';
import type { Conn, Env } from './env';
import { connOf } from './env';
import { ackStep, processAck } from './input-ack';
import { step6 } from './input-data';
import { headerPrediction } from './input-predict';
import { synSentInput, synSentOptions } from './input-synsent';
import type { Flow, InSeg, Outcome } from './input-types';
import { tcpClose, tcpDrop } from './lifecycle';
import { parseOptions } from './options';
import { tcpOutput } from './output';
import { doSack, blkEnd, reportCleanup } from './sack';
import type { ResetCause } from './segment';
import { respondWithReset } from './segment';
import type { TcpSocket } from './state';
import { haveEstablished, stateOrder } from './state';
import { listenInput } from './syncache';
import { pawsIdleTicks } from './constants';
import { inputRcvWnd } from './window';

/** The segment as a RST would answer it (dropwithreset uses the trimmed values). */
const resetOf = (s: InSeg): ResetCause =>
  ({ seq: s.seq, ack: s.ack, flags: s.flags, dataLen: s.data.length });

/** TP-17: the socket a segment is for: the exact 4-tuple first, then a listener on the port. */
function lookup(env: Env, local: Endpoint, remote: Endpoint): Draft<TcpSocket> | null {
  const exact = env.d.sockets.find((s) => s.tcb !== null && s.tcb.state !== 'CLOSED' &&
    s.tcb.local.port === local.port && s.tcb.remote.addr === remote.addr &&
    s.tcb.remote.port === remote.port);
  if (exact !== undefined) return exact;
  return env.d.sockets.find((s) => s.listen !== null && s.lport === local.port) ?? null;
}

/** tcp_input: one segment addressed to this host. */
export function segmentArrives(env: Env, p: Packet, tcp: TcpSegment): void {
  const local: Endpoint = { addr: p.ip.dst, port: tcp.dstPort };
  const remote: Endpoint = { addr: p.ip.src, port: tcp.srcPort };
  for (let round = 0; round < 2; round++) {
    const so = lookup(env, local, remote);
    const s: InSeg = {
      seq: tcp.seq, ack: tcp.ack, flags: tcp.flags, win: tcp.window, data: tcp.payload,
      opts: parseOptions(env, tcp.options, (tcp.flags & TH_SYN) !== 0, tcp.ack),
    };
    if (so === null) {
      respondWithReset(env, local, remote, resetOf(s));
      return;
    }
    if (so.listen !== null) {
      // After the third ACK makes a connection, tcp_input goes on with it (`after_listen`).
      listenInput(env, so, local, remote, s,
        (c, seg) => finish(env, c, seg, connInput(env, c, seg), local, remote));
      return;
    }
    const c = connOf(so);
    const outcome = connInput(env, c, s);
    if (outcome !== 'findpcb') {
      finish(env, c, s, outcome, local, remote);
      return;
    }
  }
}

/** The labels at the end of tcp_input: drop, dropafterack, dropwithreset (B.4). */
function finish(
  env: Env, c: Conn, s: InSeg, outcome: Outcome, local: Endpoint, remote: Endpoint,
): void {
  const alive = c.so.tcb !== null;
  switch (outcome) {
    case 'done':
      return;
    case 'drop':
      if (alive) reportCleanup(c.tp);
      return;
    case 'dropafterack':
      if (alive && c.tp.state === 'SYN-RECEIVED' && (s.flags & TH_ACK) !== 0 &&
          (seqGt(c.tp.sndUna, s.ack) || seqGt(s.ack, c.tp.sndMax))) {
        finish(env, c, s, 'dropwithreset', local, remote);
        return;
      }
      if (!alive) return;
      c.tp.flags.ackNow = true;
      tcpOutput(env, c);
      reportCleanup(c.tp);
      return;
    case 'dropwithreset':
      respondWithReset(env, local, remote, resetOf(s));
      if (c.so.tcb !== null) reportCleanup(c.tp);
      return;
    case 'continue':
    case 'step6':
    case 'findpcb':
      return assertNever(outcome as never, 'final outcome');
    default:
      return assertNever(outcome, 'outcome');
  }
}

/** tcp_input from `after_listen`. */
export function connInput(env: Env, c: Conn, s: InSeg): Outcome {
  const { so, tp } = c;
  const f: Flow = {
    tiwin: (s.flags & TH_SYN) === 0 ? s.win * 2 ** tp.sndScale : s.win,
    needOutput: false, delayedDupack: null,
    sackInfo: { sack: s.opts.sack !== null, redundant: false, dsack: s.opts.dsack },
  };
  if (env.ticks - tp.rcvtime > env.hz && haveEstablished(tp.state) &&
      (s.flags & (TH_SYN | TH_ACK)) !== TH_SYN) {
    tp.rcvtime = env.ticks;
  }
  if (tp.state === 'SYN-SENT' && (s.flags & TH_SYN) !== 0) synSentOptions(env, c, s);
  if (headerPrediction(env, c, s, f)) return 'done';
  tp.rcvWnd = inputRcvWnd(env, so, tp);
  if (tp.state === 'SYN-RECEIVED' && (s.flags & TH_ACK) !== 0 &&
      (seqLeq(s.ack, tp.sndUna) || seqGt(s.ack, tp.sndMax))) return 'dropwithreset';
  if (tp.state === 'SYN-SENT') {
    const r = synSentInput(env, c, s);
    if (r === 'processAck') return after(env, c, s, f, processAck(env, c, s, f));
    if (r === 'step6') return step6(env, c, s, f);
    return r;
  }
  const checked = sequenceChecks(env, c, s);
  if (checked !== 'continue') return checked;
  if ((s.flags & TH_ACK) === 0) {
    return tp.state === 'SYN-RECEIVED' || tp.flags.needSyn ? step6(env, c, s, f) : 'drop';
  }
  return after(env, c, s, f, ackStep(env, c, s, f));
}

/** Continue after the ACK step unless it ended the segment. */
function after(env: Env, c: Conn, s: InSeg, f: Flow, r: Outcome): Outcome {
  if (r === 'continue' || r === 'step6') return step6(env, c, s, f);
  return r;
}

/** Step 2 (SM-15, RST-4, B.4 step 2, TP-23): a RST in [last_ack_sent, + rcv_wnd] is valid. */
function rstStep(env: Env, c: Conn, s: InSeg): Outcome {
  const { so, tp } = c;
  if (seqLt(s.seq, tp.lastAckSent) || seqGt(s.seq, seqAdd(tp.lastAckSent, tp.rcvWnd))) {
    return 'drop';
  }
  switch (tp.state) {
    case 'SYN-RECEIVED':
      so.error = 'ECONNREFUSED';
      tcpClose(env, so);
      break;
    case 'ESTABLISHED':
    case 'FIN-WAIT-1':
    case 'FIN-WAIT-2':
    case 'CLOSE-WAIT':
      so.error = 'ECONNRESET';
      tcpClose(env, so);
      break;
    case 'CLOSING':
    case 'LAST-ACK':
      tcpClose(env, so);
      break;
    default:
      // TIME-WAIT ignores RSTs (RFC 1337).
      break;
  }
  return 'drop';
}

/** PAWS (PAWS-1 R1, A.13), with the 24-day rule (PAWS-5) and DragonFly's tolerance. */
function paws(env: Env, c: Conn, s: InSeg, tiwin: number): Outcome {
  const { tp } = c;
  const ts = s.opts.ts;
  if (ts === undefined || tp.tsRecent === 0 || ((ts.val - tp.tsRecent) | 0) >= 0) return 'continue';
  if (env.ticks - tp.tsRecentAge > pawsIdleTicks(env.hz)) {
    tp.tsRecent = 0;
    return 'continue';
  }
  const tolerated = env.cfg.pawsTolerance > 0 && s.data.length !== 0 &&
    tp.state === 'ESTABLISHED' &&
    (s.flags & (TH_SYN | TH_FIN | TH_RST | TH_URG | TH_ACK)) === TH_ACK &&
    !tp.flags.needSyn && !tp.flags.needFin && s.ack === tp.sndUna && tiwin === tp.sndWnd &&
    ((ts.val + env.cfg.pawsTolerance - tp.tsRecent) | 0) >= 0 &&
    (s.seq === tp.rcvNxt || (seqGt(s.seq, tp.rcvNxt) && canReassLast(tp, s)));
  if (tolerated) return 'continue';
  return s.data.length !== 0 ? 'dropafterack' : 'drop';
}

/** tcp_paws_canreasslast: the segment would merge with the last queued entry. */
function canReassLast(tp: Conn['tp'], s: InSeg): boolean {
  const last = tp.reass[tp.reass.length - 1];
  if (last === undefined) return false;
  if (seqAdd(last.seq, last.data.length) === s.seq) return !last.fin;
  if (seqAdd(s.seq, s.data.length) !== last.seq) return false;
  const prev = tp.reass[tp.reass.length - 2];
  return prev === undefined || !seqLt(s.seq, seqAdd(prev.seq, prev.data.length));
}

/** Trim what lies before rcvNxt (ACC-5, B.4 step 5); a full duplicate forces an ACK. */
function trimLeft(env: Env, c: Conn, s: InSeg): void {
  const { tp } = c;
  let todrop = seqDiff(tp.rcvNxt, s.seq);
  if (todrop <= 0) return;
  if (doSack(env, tp)) {
    const end = blkEnd(seqAdd(s.seq, s.data.length), (s.flags & TH_FIN) !== 0);
    tp.sackRcv.reportblk = { start: s.seq, end: seqGt(end, tp.rcvNxt) ? tp.rcvNxt : end };
    tp.sackRcv.dupSeg = true;
    tp.sackRcv.sackLeft = true;
    tp.flags.ackNow = true;
  }
  if ((s.flags & TH_SYN) !== 0) {
    s.flags &= ~(TH_SYN | TH_URG);
    s.seq = seqAdd(s.seq, 1);
    todrop -= 1;
  }
  if (todrop > s.data.length || (todrop === s.data.length && (s.flags & TH_FIN) === 0)) {
    s.flags &= ~TH_FIN;
    tp.flags.ackNow = true;
    todrop = s.data.length;
  }
  s.seq = seqAdd(s.seq, todrop);
  s.data = s.data.subarray(todrop);
}

/** Trim what lies beyond the window (B.4 step 7), recycling TIME-WAIT for a new SYN (TP-24). */
function trimRight(c: Conn, s: InSeg): Outcome {
  const { tp } = c;
  const todrop = seqDiff(seqAdd(s.seq, s.data.length), seqAdd(tp.rcvNxt, tp.rcvWnd));
  if (todrop <= 0) return 'continue';
  if (todrop >= s.data.length) {
    if ((s.flags & TH_SYN) !== 0 && tp.state === 'TIME-WAIT' && seqGt(s.seq, tp.rcvNxt)) {
      return 'findpcb';
    }
    // ZWP-4: a probe at the edge of a closed window is ACKed; anything else is dropped with an ACK.
    if (tp.rcvWnd === 0 && s.seq === tp.rcvNxt) tp.flags.ackNow = true;
    else return 'dropafterack';
  }
  s.data = s.data.subarray(0, Math.max(0, s.data.length - todrop));
  s.flags &= ~(TH_PSH | TH_FIN);
  return 'continue';
}

/** Steps 1–4 (B.4 steps 2–9): RST, PAWS, LAND, trimming, data after close, ts_recent, SYN. */
function sequenceChecks(env: Env, c: Conn, s: InSeg): Outcome {
  const { so, tp } = c;
  if ((s.flags & TH_RST) !== 0) return rstStep(env, c, s);
  const tiwin = (s.flags & TH_SYN) === 0 ? s.win * 2 ** tp.sndScale : s.win;
  const pawsResult = paws(env, c, s, tiwin);
  if (pawsResult !== 'continue') return pawsResult;
  if (tp.state === 'SYN-RECEIVED' && seqLt(s.seq, tp.irs)) return 'dropwithreset';
  trimLeft(env, c, s);
  if (so.fd === null && stateOrder(tp.state) > stateOrder('CLOSE-WAIT') && s.data.length > 0) {
    tcpClose(env, so);
    return 'dropwithreset';
  }
  const right = trimRight(c, s);
  if (right === 'findpcb') {
    tcpClose(env, so);
    return 'findpcb';
  }
  if (right !== 'continue') return right;
  const ts = s.opts.ts;
  const ctl = ((s.flags & TH_SYN) !== 0 ? 1 : 0) + ((s.flags & TH_FIN) !== 0 ? 1 : 0);
  const segEnd = seqAdd(s.seq, s.data.length + ctl);
  if (ts !== undefined && seqLeq(s.seq, tp.lastAckSent) && seqLeq(tp.lastAckSent, segEnd)) {
    tp.tsRecentAge = env.ticks;
    tp.tsRecent = ts.val;
  }
  if ((s.flags & TH_SYN) !== 0) {
    tcpDrop(env, c, 'ECONNRESET');
    return 'dropwithreset';
  }
  return 'continue';
}
