import type { SeqNum } from '../../core/seq';
import { seqAdd, seqDiff, seqGt, seqLt } from '../../core/seq';
import type { Instant } from '../../core/time';
import { ticksAt } from '../../core/time';
import { isTimer } from './causes';
import { firstDataSeq, handshakeOf } from './handshake';
import type { Handshake } from './handshake';
import { answerTo } from './answer';
import type { InStep, OutStep } from './sender';
import { CwndBound } from './cwnd';
import type { SenderShadow } from './sender';
import type { ConnTrace, RuleViolation, Side, SupplyPoint } from './types';
import { configOf, hzOf } from './types';

/**
 * Eifel detection and response as DragonFly does them (dragonfly.md A.10, F.10): with timestamps,
 * the first ACK advancing snd_una after a timeout (the first of a series) or a fast/early
 * retransmit, whose echo is older than the retransmission's TSval, proves the retransmission
 * spurious; DragonFly then restores cwnd, ssthresh and snd_recover and resumes with new data
 * (snd_nxt = snd_max). The shadow (sender.ts) detects this exactly from the wire, leaving a
 * one-tick band around the TSval to 'maybe'. Checks:
 *  - EIR-5 (exact): the ACK that undoes a timeout is not answered with go-back-N
 *    retransmissions. A stack that fails to detect the spurious timeout shows here too.
 *  - EIR-6 (lower bound): sending resumes at the pre-retransmit rate. DragonFly restores cwnd and
 *    ssthresh (unlike RFC 4015's cwnd = FlightSize + IW), so after the undo of a first loss (the
 *    restored ssthresh is the initial, unlimited one) the sender is in slow start again. The oracle
 *    carries a *lower* bound on cwnd — the largest flight the sender used since its last reduction
 *    before the retransmission (cwnd never shrinks in between), then + min(acked, MSS) per ACK of
 *    new data, or the peer window if that is smaller (the header-prediction path grows nothing but
 *    runs only when cwnd ≥ the window, TP-27) — and, where the application's writes are known
 *    (`supply`), requires that by the end of every instant the sender has sent all the data it had
 *    up to snd_una + min(cwnd, wnd), less one MSS (Nagle/SWS may hold a partial segment). Tracking
 *    stops at the next duplicate ACK, retransmission, timer event, idle period or unsure shadow.
 *    Restoring cwnd but not ssthresh leaves the sender in congestion avoidance; its flight then
 *    falls behind this bound.
 */
export function checkEifel(conn: ConnTrace): RuleViolation[] {
  const hs = handshakeOf(conn);
  if (hs === null || !hs.ts) return [];
  const found: RuleViolation[] = [];
  for (const side of ['a', 'b'] as const) {
    if (configOf(conn, side).eifel) found.push(...checkSide(conn, hs, side));
  }
  return found;
}

interface Saved {
  readonly cwndLo: number;
  readonly firstLoss: boolean;
}

/** The lower-bound tracking after an undo. */
interface Resume {
  cwndLo: number;
  readonly from: number;
}

class EifelSide {
  readonly sh: SenderShadow;
  private readonly bound: CwndBound;
  readonly found: RuleViolation[] = [];
  private flightMax = 0;
  private losses = 0;
  private saved: Saved | null = null;
  private resume: Resume | null = null;
  private lastOutTick: number | null = null;
  /** The highest payload end sent so far. */
  private sentTop: SeqNum | null = null;

  constructor(readonly conn: ConnTrace, readonly hs: Handshake, readonly side: Side,
    readonly supply: readonly SupplyPoint[] | undefined) {
    this.bound = new CwndBound(conn, side, hs);
    this.sh = this.bound.sh;
  }

  run(): RuleViolation[] {
    const events = this.conn.events;
    for (let i = 0; i < events.length; i++) {
      const wndBefore = this.sh.wnd;
      const inRecoveryBefore = this.sh.inRecovery;
      const step = this.bound.apply(i);
      if (step !== null && step.kind === 'out') this.onOut(step, inRecoveryBefore);
      if (step !== null && step.kind === 'in') this.onIn(step, wndBefore);
      if (this.sh.unsure || this.sh.dead) this.resume = null;
      const next = events[i + 1];
      if (this.resume !== null && (next === undefined || next.t !== events[i]!.t)) this.endOfInstant(i);
    }
    return this.found;
  }

  private onOut(step: OutStep, inRecoveryBefore: boolean): void {
    const tick = ticksAt(this.conn.events[step.index]!.t, hzOf(this.conn));
    if (step.frEntry || (step.rto && (this.sh.shift === null || this.sh.shift <= 1))) {
      this.saved = { cwndLo: this.flightMax, firstLoss: this.losses === 0 };
    }
    if (step.frEntry || step.rto) {
      this.losses++;
      this.flightMax = 0;
    }
    if (step.rexmt || isTimer(step.cause, 'persist')) this.resume = null;
    if (step.newBytes > 0 && !step.rexmt) this.noteFlight(step, tick, inRecoveryBefore);
    if (step.payload > 0 && (this.sentTop === null || seqGt(step.payloadEnd, this.sentTop))) {
      this.sentTop = step.payloadEnd;
    }
    this.lastOutTick = tick;
  }

  private noteFlight(step: OutStep, tick: number, inRecovery: boolean): void {
    const idleFloor = this.sh.cfg.rexmitMinTicks + this.sh.cfg.rexmitSlopTicks;
    if (step.unaBefore === step.maxBefore && this.lastOutTick !== null && tick - this.lastOutTick >= idleFloor) {
      this.flightMax = 0; // idle restart may have cut cwnd (A.2)
    }
    const lt = step.cause.kind === 'in' && this.sh.dupacks > 0;
    if (inRecovery || lt || isTimer(step.cause, 'persist') || this.sh.sacked.length > 0) return;
    this.flightMax = Math.max(this.flightMax, seqDiff(step.payloadEnd, step.unaBefore));
  }

  private onIn(step: InStep, wndBefore: number): void {
    if (step.ignored) return;
    if (step.exit) this.flightMax = 0;
    if (step.dup) this.resume = null;
    if (step.undo === 'rto' || step.undo === 'fr') this.onUndo(step);
    else if (this.resume !== null && step.acked > 0 && !this.sh.inRecovery) {
      const r = this.resume;
      const wnd = Math.min(wndBefore, this.sh.wnd);
      r.cwndLo = Math.max(r.cwndLo, Math.min(r.cwndLo + Math.min(step.acked, this.sh.mss), wnd));
    }
  }

  private onUndo(step: InStep): void {
    const s = this.saved;
    this.saved = null;
    if (step.undo === 'rto' && !step.wasInRecovery) {
      const a = answerTo(this.conn, step.index, this.sh.una, this.sh.max, this.sh.mss);
      if (a.resent.length > 0) {
        this.found.push({ rule: 'EIR-5', at: a.resent[0]!.first,
          message: `${this.side} goes back N after an ACK that proves its timeout spurious (echo below the ` +
            `retransmission's TSval); DragonFly resumes with new data, snd_nxt = snd_max (A.10)` });
      }
    }
    this.flightMax = 0;
    if (s === null || !s.firstLoss || this.supply === undefined || this.sh.inRecovery) return;
    const flightCap = this.sh.flight + 2 * this.sh.mss;
    const cwndLo = step.undo === 'rto' ? s.cwndLo : this.hs.sack ? Math.min(s.cwndLo, flightCap) : flightCap;
    this.resume = { cwndLo, from: step.index };
  }

  private endOfInstant(i: number): void {
    const r = this.resume!;
    const sh = this.sh;
    const t = this.conn.events[i]!.t;
    if (sh.una === sh.max) {
      this.resume = null; // idle: a restart may cut cwnd (A.2)
      return;
    }
    const avail = supplied(this.supply!, t);
    const availEnd = seqAdd(firstDataSeq(this.hs, this.side), avail);
    const allowedEnd = seqAdd(sh.una, Math.min(r.cwndLo, sh.wnd));
    const target = seqLt(availEnd, allowedEnd) ? availEnd : allowedEnd;
    const sent = this.sentTop;
    if (sent === null || !seqGt(seqAdd(target, -(sh.mss - 1)), sent)) return;
    this.found.push({ rule: 'EIR-6', at: i,
      message: `${this.side} has sent only up to ${sent} after undoing a spurious retransmission, short of ` +
        `${target} (snd_una ${sh.una} + min(cwnd ≥ ${r.cwndLo}, wnd ${sh.wnd}), data written up to ` +
        `${availEnd}): DragonFly restores cwnd and ssthresh, so sending resumes in slow start (A.10)` });
    this.resume = null;
  }
}

function checkSide(conn: ConnTrace, hs: Handshake, side: Side): RuleViolation[] {
  return new EifelSide(conn, hs, side, conn.supply?.[side]).run();
}

/** Bytes the application had written by `t` (points are cumulative lower bounds). */
function supplied(points: readonly SupplyPoint[], t: Instant): number {
  let n = 0;
  for (const p of points) if (p.t <= t) n = Math.max(n, p.bytes);
  return n;
}
