import type { TcpConfig } from '../../core/config';
import type { TcpSegment } from '../../core/packet';
import { TH_ACK, TH_FIN, TH_RST, TH_SYN, TH_URG, segLen } from '../../core/packet';
import type { SeqNum } from '../../core/seq';
import { seqAdd, seqDiff, seqGeq, seqGt, seqLeq, seqLt, seqMax } from '../../core/seq';
import { ticksAt } from '../../core/time';
import { continuesSend } from './answer';
import { causeAt, isTimer } from './causes';
import type { Handshake } from './handshake';
import { RecvState } from './recvstate';
import type { Range } from './scoreboard';
export type { InStep, OutStep, Step, Undo } from './steps';
import { updateScoreboard } from './scoreboard';
import type { InStep, OutStep, Step, Undo } from './steps';
import type { Cause, ConnTrace, Side } from './types';
import { configOf, hzOf, otherSide } from './types';

/**
 * A shadow of one side's sender, driven by the wire: what it sent (`out` events) and the ACKs it
 * processed (`in` events, in processing order). Everything here is observable or follows from
 * DragonFly's rules without guessing: snd_una, snd_max, the send window (B.4's update test),
 * duplicate ACKs counted exactly as A.3 counts them, snd_recover (A.2/A.4), the SACK scoreboard
 * (A.5), when fast recovery starts (a retransmission of snd_una answering an ACK that did not
 * advance it) and ends (A.4), timeouts (retransmissions by the rexmt timer), and Eifel detection
 * with timestamps (A.10). Where the wire cannot decide — a PAWS drop of a data segment, a zero
 * window (persist replaces the rexmt timer), an undo without timestamps, an ACK above snd_max —
 * the shadow marks itself `unsure` until the sender is provably quiet again (nothing outstanding,
 * not in recovery), and oracles skip exact checks meanwhile. cwnd is not shadowed here: it is
 * not observable (see cwnd.ts for bounds on it).
 */

interface Saved {
  readonly kind: 'rto' | 'fr';
  readonly tsval: number | null;
  readonly wasRecovery: boolean;
  readonly recoverPrev: SeqNum;
  readonly certain: boolean;
}

const u32 = (n: number): number => n >>> 0;
const tsLt = (a: number, b: number): boolean => ((a - b) | 0) < 0;

export class SenderShadow {
  readonly peer: Side;
  readonly cfg: TcpConfig;
  readonly mss: number;
  established = false;
  dead = false;
  unsure = false;
  una: SeqNum;
  max: SeqNum;
  wnd = 0;
  maxWnd = 0;
  /** Highest right edge (ack + window) any processed ACK advertised. */
  rightEdge: SeqNum;
  dupacks = 0;
  limited = 0;
  inRecovery = false;
  recover: SeqNum;
  sacked: readonly Range[] = [];
  sackOverflow = false;
  rexmtHigh: SeqNum;
  /** t_rxtshift when known: timeouts since the last RTT sample (null: unknown). */
  shift: number | null = null;
  /** ACKs above this may carry a non-timestamp RTT sample (Karn, A.9). */
  timedFrom: SeqNum;
  lossEvents = 0;
  /**
   * An upper bound on cwnd before the segment being processed, when known (cwnd.ts sets it):
   * header prediction takes an ACK only if cwnd ≥ snd_wnd (A.12).
   */
  cwndUpper: (() => number) | null = null;
  private saved: Saved | null = null;
  private wl1: SeqNum;
  private wl2: SeqNum;
  private lastAckSent: SeqNum | null = null;
  private tsRecent: number | null = null;
  private sawFin = false;
  private ltPending: { index: number; bytes: number } | null = null;
  /** The tick of the event being applied. */
  private tick = 0;
  /** The last tick the rexmt timer was certainly (re)started, if known. */
  private lastArm: number | null = null;
  /** Until this tick an ACK may be taken for proof of a spurious timeout by srtt/2 (A.10). */
  private badRxtUntil: number | null = null;
  private readonly steps: (Step | null)[] = [];
  /** What this end has received (header prediction depends on it). */
  private readonly recv: RecvState;
  private sentFin = false;
  /** snd_nxt: where the next output starts (behind snd_max during go-back-N). */
  private sndNxt: SeqNum;

  constructor(readonly conn: ConnTrace, readonly side: Side, readonly hs: Handshake) {
    this.peer = otherSide(side);
    this.cfg = configOf(conn, side);
    this.mss = hs.mss[side];
    const iss = hs.iss[side];
    this.una = iss;
    this.max = iss;
    this.rightEdge = iss;
    this.recover = iss;
    this.rexmtHigh = iss;
    this.timedFrom = iss;
    this.wl1 = hs.iss[this.peer];
    this.wl2 = iss;
    this.recv = new RecvState(hs.iss[this.peer]);
    this.sndNxt = iss;
  }

  /** Bytes outstanding (snd_max − snd_una). */
  get flight(): number {
    return seqDiff(this.max, this.una);
  }

  /** The step recorded for event `i` (it must have been applied). */
  stepAt(i: number): Step | null {
    return this.steps[i] ?? null;
  }

  /** Apply event `i`; returns the step for this sender, or null if the event is not its own. */
  apply(i: number): Step | null {
    const e = this.conn.events[i]!;
    this.tick = ticksAt(e.t, hzOf(this.conn));
    let step: Step | null = null;
    if (!this.dead) {
      if (e.dir === 'out' && e.side === this.side) step = this.applyOut(i, e.seg);
      else if (e.dir === 'in' && e.side === this.side) step = this.applyIn(i, e.seg);
    }
    this.steps[i] = step;
    return step;
  }

  // -------------------------------------------------------------------------------------------
  // Segments this side processed.

  private ignoredIn(i: number): InStep {
    return {
      kind: 'in', index: i, ignored: true, establishing: false, acked: 0, dup: false,
      dupCount: this.dupacks, limited: this.limited, blockedByRecover: false,
      wasInRecovery: this.inRecovery, partial: false, exit: false, undo: 'none', newSack: false,
      tsSample: false, carries: false,
    };
  }

  private applyIn(i: number, seg: TcpSegment): InStep {
    this.settleLimitedTransmit();
    if ((seg.flags & TH_RST) !== 0) {
      this.dead = true;
      return this.ignoredIn(i);
    }
    if ((seg.flags & TH_ACK) === 0) {
      if ((seg.flags & TH_SYN) !== 0 && !this.established) this.wl1 = seg.seq;
      return this.ignoredIn(i);
    }
    const tiwin = (seg.flags & TH_SYN) !== 0 ? seg.window : seg.window * 2 ** this.hs.shift[this.peer];
    this.rightEdge = seqMax(this.rightEdge, seqAdd(seg.ack, Math.min(tiwin, 2 ** 30)));
    if (!this.established) return this.establish(i, seg, tiwin);
    if ((seg.flags & TH_SYN) !== 0 && !seqLt(seg.seq, this.recv.nxt)) {
      // A SYN inside the window resets the connection (B.4 step 9).
      this.dead = true;
      return this.ignoredIn(i);
    }
    // An old SYN (a repeated SYN|ACK) is trimmed to a plain ACK and processed as one (B.4 step 5):
    // it can be a duplicate ACK.
    if (this.pawsDrops(seg)) return this.ignoredIn(i);
    this.noteTsRecent(seg);
    if (seqGt(seg.ack, this.max)) {
      // Optimistic-ACK defence (A.2): dropped, cwnd cut; nothing certain follows.
      this.unsure = true;
      return this.ignoredIn(i);
    }
    const step = { ...this.processAck(i, seg, tiwin), carries: seg.payload.length > 0 || (seg.flags & TH_FIN) !== 0 };
    this.recv.received(seg);
    if ((seg.flags & TH_FIN) !== 0) this.sawFin = true;
    if (this.wnd === 0 && seqLt(this.una, this.max)) this.unsure = true;
    if (this.una === this.max && !this.inRecovery && this.wnd > 0) this.unsure = false;
    return step;
  }

  /**
   * The ACK part of `tcp_input`: header prediction first (dragonfly.md A.12, TP-22). Its data path
   * (in-order data, ACK at snd_una, same window) leaves t_dupacks and the scoreboard alone; its
   * ACK path differs from the slow path only where the wire cannot tell which was taken (cwnd ≥
   * wnd decides) — a SACK option that would change the scoreboard, or a window update that is not
   * acceptable — and there the shadow becomes unsure.
   */
  private processAck(i: number, seg: TcpSegment, tiwin: number): InStep {
    const fast = this.fastPath(seg, tiwin);
    if (fast === 'data') return { ...this.ignoredIn(i), ignored: false };
    const dupBefore = this.dupacks;
    const acceptable = this.acceptableWindow(seg, tiwin);
    const step = seqLeq(seg.ack, this.una) ? this.oldAck(i, seg, tiwin) : this.newAck(i, seg);
    if (fast === 'data?' && (this.dupacks !== dupBefore || step.newSack)) this.unsure = true;
    if (fast === 'ack?' && (step.newSack || !acceptable)) this.unsure = true;
    this.windowUpdate(seg, tiwin);
    return step;
  }

  /** Which header-prediction path `seg` may take (A.12); '?' when it depends on hidden state. */
  private fastPath(seg: TcpSegment, tiwin: number): 'data' | 'data?' | 'ack?' | null {
    const estab = !this.sentFin && !this.recv.finIn;
    const plain = (seg.flags & (TH_SYN | TH_FIN | TH_RST | TH_URG | TH_ACK)) === TH_ACK;
    if (!estab || !plain || seg.seq !== this.recv.nxt || this.sndNxt !== this.max) return null;
    if (seg.payload.length === 0) {
      const advances = seqGt(seg.ack, this.una) && seqLeq(seg.ack, this.max);
      const cwndSmall = this.cwndUpper !== null && this.cwndUpper() < this.wnd;
      return advances && !this.inRecovery && !cwndSmall ? 'ack?' : null;
    }
    const sameWnd = tiwin === this.wnd;
    if ((!sameWnd && tiwin !== this.wndUnshrunk) || seg.ack !== this.una || !this.recv.oooEmpty) return null;
    // Room in the receive buffer is at least the window still advertised (recvstate.ts).
    const sure = sameWnd && tiwin === this.wndUnshrunk && seg.payload.length <= this.recv.openWindow;
    return sure ? 'data' : 'data?';
  }

  private establish(i: number, seg: TcpSegment, tiwin: number): InStep {
    const step = this.ignoredIn(i);
    const synAcked = seg.ack === seqAdd(this.hs.iss[this.side], 1) && seqGt(this.max, this.una);
    if (!synAcked) return step;
    this.established = true;
    this.una = seg.ack;
    this.wnd = tiwin;
    this.wndUnshrunk = tiwin;
    this.maxWnd = tiwin;
    this.wl1 = seg.seq;
    this.wl2 = seg.ack;
    this.timedFrom = seg.ack;
    this.noteTsRecent(seg);
    this.recv.received(seg); // data riding on the handshake's ACK is accepted with it
    // The passive side's tcpcb is born at the third ACK (B.3): no backoff yet. The active side's
    // SYN|ACK is an RTT sample with timestamps, or without when the SYN was not retransmitted.
    const ecr = seg.options.timestamp?.ecr ?? 0;
    const synResent = this.hs.synSpanTicks[this.side] > 0;
    this.shift = this.side === 'b' || (this.hs.ts && ecr !== 0) || !synResent ? 0 : null;
    return { ...step, ignored: false, establishing: true };
  }

  /** A.13: a pure ACK with an older TSval is dropped before ACK processing; data may be kept. */
  private pawsDrops(seg: TcpSegment): boolean {
    const ts = seg.options.timestamp;
    if (!this.hs.ts || ts === undefined || this.tsRecent === null || !tsLt(ts.val, this.tsRecent)) return false;
    if (segLen(seg) > 0) this.unsure = true;
    return true;
  }

  private noteTsRecent(seg: TcpSegment): void {
    const ts = seg.options.timestamp;
    const las = this.lastAckSent;
    if (ts === undefined) return;
    if (las === null || (seqLeq(seg.seq, las) && seqLeq(las, seqAdd(seg.seq, segLen(seg))))) {
      this.tsRecent = ts.val;
    }
  }

  private sackUpdate(seg: TcpSegment, una: SeqNum): { changed: boolean; dsack: boolean } {
    if (!this.hs.sack) return { changed: false, dsack: false };
    const u = updateScoreboard(this.sacked, seg.options.sack, una, this.max);
    this.sacked = u.blocks;
    this.sackOverflow ||= u.overflowed;
    return { changed: u.changed && seg.options.sack !== undefined, dsack: u.dsack };
  }

  /** A.3: an ACK at or below snd_una. */
  private oldAck(i: number, seg: TcpSegment, tiwin: number): InStep {
    const base = { ...this.ignoredIn(i), ignored: false };
    const sack = this.sackUpdate(seg, this.una);
    // Duplicate data is trimmed before the ACK is examined, so an old segment can be a duplicate ACK.
    const rest = this.recv.trimmed(seg);
    const newFin = rest.fin && !this.sawFin;
    const maynotdup = rest.len > 0 || tiwin !== this.wnd || newFin;
    // DragonFly's process_ACK also shrinks snd_wnd by the bytes acked before the window update,
    // a step dragonfly.md does not document; when a rejected update leaves the two readings apart
    // and they disagree on this ACK, the duplicate count is not pinned down.
    if ((tiwin === this.wnd) !== (tiwin === this.wndUnshrunk) && rest.len === 0 && !newFin) this.unsure = true;
    const timerRunning = seqLt(this.una, this.max) && this.wnd > 0;
    if (!timerRunning || seg.ack !== this.una) {
      this.dupacks = 0;
      return { ...base, dupCount: 0, newSack: sack.changed };
    }
    if (maynotdup && !(this.cfg.rfc6675 && sack.changed)) {
      this.dupacks = 0;
      return { ...base, dupCount: 0, newSack: sack.changed };
    }
    if (this.inRecovery) return { ...base, dup: true, newSack: sack.changed };
    if (seqLt(seg.ack, this.recover)) {
      this.dupacks = 0;
      return { ...base, dupCount: 0, blockedByRecover: true, newSack: sack.changed };
    }
    if (this.hs.sack && this.cfg.ignoreRedunDsack && sack.dsack && !sack.changed) {
      return { ...base, newSack: false };
    }
    this.dupacks++;
    if (this.dupacks === 1) this.limited = 0;
    if (this.dupacks <= 2) this.ltPending = { index: i, bytes: 0 };
    return { ...base, dup: true, dupCount: this.dupacks, limited: this.limited, newSack: sack.changed };
  }

  /** An ACK advancing snd_una: Eifel detection, recovery exit or partial ACK, snd_recover. */
  private newAck(i: number, seg: TcpSegment): InStep {
    const acked = seqDiff(seg.ack, this.una);
    const undo = this.detectSpurious(seg);
    const ecr = seg.options.timestamp?.ecr ?? 0;
    const tsSample = this.hs.ts && ecr !== 0;
    if (undo === 'rto' || undo === 'fr') {
      this.recover = this.saved!.recoverPrev;
      if (undo === 'rto') {
        this.inRecovery = this.saved!.wasRecovery;
        this.sndNxt = this.max;
      }
    }
    if (undo === 'maybe') this.unsure = true;
    this.saved = null;
    const wasInRecovery = this.inRecovery;
    let partial = false;
    let exit = false;
    if (this.inRecovery) {
      if (seqGeq(seg.ack, this.recover)) {
        exit = true;
        this.inRecovery = false;
      } else partial = true;
    } else this.recover = seqAdd(seg.ack, -1);
    const sack = this.sackUpdate(seg, seg.ack);
    this.una = seg.ack;
    if (seqLt(this.sndNxt, this.una)) this.sndNxt = this.una;
    this.dupacks = 0;
    // process_ACK shrinks snd_wnd by the bytes acked before the window update (which may not be
    // acceptable for a reordered segment), so a later duplicate compares against the smaller one.
    this.wnd = Math.max(0, this.wnd - acked);
    if (seqGt(this.una, this.rexmtHigh)) this.rexmtHigh = this.una;
    if (tsSample || undo === 'rto' || undo === 'fr') this.shift = 0;
    else if (!this.hs.ts && seqGt(seg.ack, this.timedFrom)) this.shift = null;
    if (this.shift === 0) this.badRxtUntil = null;
    this.lastArm = this.una === this.max ? null : this.tick;
    return {
      kind: 'in', index: i, ignored: false, establishing: false, acked, dup: false, dupCount: 0,
      limited: this.limited, blockedByRecover: false, wasInRecovery, partial, exit, undo,
      newSack: sack.changed, tsSample, carries: false,
    };
  }

  /**
   * A.10: with Eifel on and timestamps, the first ACK advancing snd_una after a save point echoes
   * a TSval older than the retransmission's if it was sent for an original. The ±1 band is
   * 'maybe': TP-4's TSval is ticks + 1 while t_rexmtTS may hold ticks. Otherwise (no timestamps,
   * Eifel off, or a zero echo) DragonFly undoes a single timeout when an advancing ACK comes
   * within srtt/2 of it; srtt is not on the wire, but srtt ≤ REXMTVAL < the interval that timed
   * out, which bounds that window.
   */
  private detectSpurious(seg: TcpSegment): Undo {
    const s = this.saved;
    const ecr = seg.options.timestamp?.ecr ?? 0;
    if (s !== null && this.cfg.eifel && this.hs.ts && ecr !== 0 && s.tsval !== null) {
      if (u32(ecr) < u32(s.tsval) - 1) return s.certain ? s.kind : 'maybe';
      if (u32(ecr) < u32(s.tsval)) return 'maybe';
      return 'none';
    }
    const within = this.badRxtUntil !== null && this.tick < this.badRxtUntil;
    return within && (this.shift === null || this.shift === 1) ? 'maybe' : 'none';
  }

  /** B.4 `acceptable_window_update`. */
  /** snd_wnd without process_ACK's shrink by acked bytes (see oldAck). */
  private wndUnshrunk = 0;

  private acceptableWindow(seg: TcpSegment, tiwin: number): boolean {
    return seqLt(this.wl1, seg.seq) ||
      (this.wl1 === seg.seq && (seqLt(this.wl2, seg.ack) || (this.wl2 === seg.ack && tiwin > this.wnd)));
  }

  private windowUpdate(seg: TcpSegment, tiwin: number): void {
    if (!this.acceptableWindow(seg, tiwin)) return;
    this.wndUnshrunk = tiwin;
    this.wnd = tiwin;
    this.wl1 = seg.seq;
    this.wl2 = seg.ack;
    this.maxWnd = Math.max(this.maxWnd, tiwin);
  }

  /** A.6 bookkeeping of snd_limited once the outputs of a duplicate ACK are known. */
  private settleLimitedTransmit(): void {
    const p = this.ltPending;
    if (p === null) return;
    if (p.bytes > this.mss) this.limited = 2;
    else if (p.bytes > 0) this.limited++;
    this.ltPending = null;
  }

  // -------------------------------------------------------------------------------------------
  // Segments this side sent.

  private applyOut(i: number, seg: TcpSegment): OutStep | null {
    if ((seg.flags & TH_ACK) !== 0) this.lastAckSent = seg.ack;
    this.recv.sent(seg, this.hs.shift[this.side]);
    if ((seg.flags & TH_FIN) !== 0) this.sentFin = true;
    if ((seg.flags & TH_RST) !== 0) {
      this.dead = true;
      return null;
    }
    const cause = causeAt(this.conn, i) ?? { kind: 'other' };
    const syn = (seg.flags & TH_SYN) !== 0;
    const start = syn ? seqAdd(seg.seq, 1) : seg.seq;
    const payloadEnd = seqAdd(start, seg.payload.length);
    const end = seqAdd(payloadEnd, (seg.flags & TH_FIN) !== 0 ? 1 : 0);
    const unaBefore = this.una;
    const maxBefore = this.max;
    const occupies = segLen(seg) > 0;
    const rexmt = !syn && occupies && seqLt(seg.seq, maxBefore);
    const newBytes = Math.max(0, Math.min(seg.payload.length, seqDiff(payloadEnd, maxBefore)));
    const atUna = seg.seq === this.una;
    const step = {
      kind: 'out' as const, index: i, cause, syn, start, payloadEnd, end, payload: seg.payload.length,
      newBytes, rexmt, atUna, unaBefore, maxBefore,
    };
    if (syn) {
      this.max = seqMax(this.max, seqAdd(seg.seq, 1));
      this.sndNxt = this.max;
      return { ...step, frEntry: false, rto: false };
    }
    const frEntry = this.established && rexmt && atUna && this.answersNonAdvancing(cause);
    const rto = this.established && rexmt && isTimer(cause, 'rexmt') && !continuesSend(this.conn, i, this.mss);
    if (frEntry) this.enterRecovery(seg);
    if (rto) this.timeout(seg);
    if (isTimer(cause, 'persist')) this.lastArm = null;
    else if ((rexmt && atUna && cause.kind === 'in') || (occupies && maxBefore === unaBefore)) this.lastArm = this.tick;
    if (rexmt && atUna && cause.kind === 'in') this.timedFrom = seqMax(this.timedFrom, maxBefore);
    if (this.inRecovery && rexmt && !frEntry) this.rexmtHigh = seqMax(this.rexmtHigh, end);
    if (occupies && seqGt(end, this.max)) this.max = end;
    this.advanceSndNxt(seg.seq, end, occupies, rto, cause);
    if (this.ltPending !== null && cause.kind === 'in' && cause.index === this.ltPending.index) {
      this.ltPending.bytes += newBytes;
    }
    return { ...step, frEntry, rto };
  }

  /**
   * `tcp_output` sends from snd_nxt. A segment starting elsewhere was sent with snd_nxt moved for
   * one output (fast/partial/SACK retransmission, Limited Transmit) and put back after it; a
   * timeout restarts from snd_una (go-back-N); persist probes leave snd_nxt alone (A.4–A.12).
   */
  private advanceSndNxt(start: SeqNum, end: SeqNum, occupies: boolean, rto: boolean, cause: Cause): void {
    if (!occupies || isTimer(cause, 'persist')) return;
    if (rto) this.sndNxt = end;
    else if (start === this.sndNxt) this.sndNxt = seqMax(this.sndNxt, end);
  }

  private answersNonAdvancing(cause: Cause): boolean {
    if (cause.kind !== 'in' || this.inRecovery) return false;
    const s = this.steps[cause.index];
    if (s === null || s === undefined || s.kind !== 'in') return false;
    if (s.ignored) {
      this.unsure = true;
      return false;
    }
    return s.acked === 0;
  }

  private enterRecovery(seg: TcpSegment): void {
    if (this.cfg.eifel && this.hs.ts) {
      this.saved = {
        kind: 'fr', tsval: seg.options.timestamp?.val ?? null, wasRecovery: false,
        recoverPrev: this.recover, certain: true,
      };
    }
    this.inRecovery = true;
    this.recover = this.max;
    this.rexmtHigh = seqAdd(seg.seq, segLen(seg));
    this.timedFrom = this.max;
    this.lossEvents++;
  }

  /** A.9 steps 1–9 as far as the wire shows them. */
  private timeout(seg: TcpSegment): void {
    const first = this.shift === null || this.shift === 0;
    this.shift = this.shift === null ? null : this.shift + 1;
    // t_badrxtwin = ticks + srtt/2 on the first timeout of a series; srtt < the interval that
    // just expired (REXMTVAL + slop ≥ srtt + slop), which the last certain arming bounds.
    if (first) {
      const elapsed = this.lastArm === null ? null : this.tick - this.lastArm - this.cfg.rexmitSlopTicks;
      this.badRxtUntil = elapsed === null ? Number.POSITIVE_INFINITY : this.tick + Math.floor(Math.max(0, elapsed) / 2) + 1;
    }
    this.lastArm = this.tick;
    if (this.cfg.eifel && this.shift !== null && this.shift > 1) {
      // Not the first timeout of a series: t_rexmtTS and the saved state stay as they were.
    } else if (this.cfg.eifel) {
      this.saved = {
        kind: 'rto', tsval: seg.options.timestamp?.val ?? null, wasRecovery: this.inRecovery,
        recoverPrev: this.recover, certain: this.shift === 1,
      };
    }
    this.inRecovery = false;
    this.recover = this.max;
    this.dupacks = 0;
    this.sacked = [];
    this.rexmtHigh = this.una;
    this.timedFrom = this.max;
    this.lossEvents++;
  }
}
