import { seqDiff } from '../../core/seq';
import { ticksAt } from '../../core/time';
import { isTimer } from './causes';
import type { Handshake } from './handshake';
import { initialWindowBound } from './iw';
import type { InStep, OutStep, Step } from './sender';
import { SenderShadow } from './sender';
import type { ConnTrace, Side } from './types';
import { hzOf } from './types';

/**
 * Upper bounds on a sender's cwnd and ssthresh, carried along the shadow (sender.ts). cwnd is not
 * on the wire, but every change DragonFly makes to it is triggered by something that is (A.2,
 * A.4, A.9, F.1, F.4), and each rule is monotone in the old value, so applying the rule to an upper
 * bound gives an upper bound:
 *  - start at the largest IW DragonFly can have chosen (iw.ts);
 *  - an ACK of new data outside recovery: slow start adds at most min(acked, 2·MSS) (ABC with
 *    L = 2·MSS, or MSS per ACK without ABC) and only while cwnd ≤ ssthresh; congestion avoidance
 *    adds one MSS each time the acked bytes since the last loss reach cwnd, and cwnd > ssthresh ≥
 *    2·MSS there, and cwnd is at least the largest flight it allowed since the last reduction
 *    (cwnd never shrinks in between) — so at most one MSS per max(2·MSS, that flight) acked. The
 *    header-prediction path adds nothing (TP-27), which the bound allows;
 *  - fast retransmit: ssthresh = max(2, ⌊min(wnd, cwnd)/2/MSS⌋)·MSS (F.1), NewReno cwnd =
 *    ssthresh + 3·MSS at most, + MSS per further duplicate ACK, partial deflation cwnd − acked + MSS
 *    (F.5), SACK cwnd = ssthresh;
 *  - recovery exit: cwnd = ssthresh (NewReno), then at most flight + 2·MSS (A.4);
 *  - timeout: ssthresh from min(wnd, cwnd), cwnd = 1·MSS (A.9 step 8);
 *  - an Eifel undo, certain or possible, restores at most the saved bounds (A.10).
 */
export const ssthreshOf = (x: number, mss: number): number => Math.max(2, Math.floor(x / 2 / mss)) * mss;

interface SavedBound {
  readonly cwnd: number;
  readonly ss: number;
  readonly wacked: number;
}

export class CwndBound {
  readonly sh: SenderShadow;
  cwndUp = 0;
  ssUp = Number.POSITIVE_INFINITY;
  lossSeen = false;
  /** A lower bound on cwnd: the largest flight sent under it since its last reduction. */
  cwndLo = 0;
  private waUp = 0;
  private saved: SavedBound | null = null;
  private lastSendTick: number | null = null;

  constructor(readonly conn: ConnTrace, readonly side: Side, readonly hs: Handshake) {
    this.sh = new SenderShadow(conn, side, hs);
    this.sh.cwndUpper = () => this.cwndUp;
  }

  get mss(): number {
    return this.sh.mss;
  }

  /** Apply event `i` to the shadow and the bounds; returns the shadow's step. */
  apply(i: number): Step | null {
    // snd_wnd as DragonFly holds it can lag the shadow's after reordered updates; max_sndwnd
    // bounds it from above, which keeps the ssthresh bound sound.
    const wndBefore = Math.max(this.sh.wnd, this.sh.maxWnd);
    const inRecoveryBefore = this.sh.inRecovery;
    const dupacksBefore = this.sh.dupacks;
    const step = this.sh.apply(i);
    if (step === null) return null;
    if (step.kind === 'in') this.onIn(step, inRecoveryBefore);
    else this.onOut(step, wndBefore, dupacksBefore);
    return step;
  }

  private onIn(step: InStep, inRecoveryBefore: boolean): void {
    if (step.establishing) {
      this.cwndUp = initialWindowBound(this.hs, this.side, this.sh.cfg, hzOf(this.conn)).bytes;
      return;
    }
    if (step.ignored) return;
    const mss = this.mss;
    const newReno = !this.hs.sack;
    if (step.undo !== 'none' && this.saved !== null) {
      this.cwndUp = Math.max(this.cwndUp, this.saved.cwnd);
      this.ssUp = Math.max(this.ssUp, this.saved.ss);
      this.waUp = Math.max(this.waUp, this.saved.wacked);
    }
    if (step.dup && inRecoveryBefore && newReno) this.cwndUp += mss;
    if (step.acked === 0) return;
    if (step.partial) {
      if (newReno) this.cwndUp = this.cwndUp > step.acked ? this.cwndUp - step.acked + mss : mss;
    } else if (step.exit) {
      this.cwndLo = 0;
      if (newReno) this.cwndUp = this.ssUp;
      this.cwndUp = Math.min(this.cwndUp, seqDiff(this.sh.max, this.sh.una) + 2 * mss);
      this.waUp = 0;
    } else if (!step.wasInRecovery) this.grow(step.acked);
  }

  private grow(acked: number): void {
    const mss = this.mss;
    const cfg = this.sh.cfg;
    const inc = cfg.abc ? Math.min(acked, 2 * mss) : mss;
    const slowStart = Math.min(this.cwndUp, this.ssUp) + inc;
    let avoidance = this.cwndUp;
    if (Number.isFinite(this.ssUp)) {
      this.waUp += cfg.abc ? acked : mss;
      const per = Math.max(2 * mss, this.cwndLo);
      if (this.waUp >= per) {
        this.waUp -= per;
        avoidance += mss;
      }
    }
    this.cwndUp = Math.max(slowStart, avoidance);
  }

  private onOut(step: OutStep, wndBefore: number, dupacksBefore: number): void {
    const mss = this.mss;
    this.noteFlight(step, dupacksBefore);
    if (step.frEntry) {
      this.saved = { cwnd: this.cwndUp, ss: this.ssUp, wacked: this.waUp };
      this.ssUp = ssthreshOf(Math.min(wndBefore, this.cwndUp), mss);
      this.cwndUp = this.hs.sack ? this.ssUp : this.ssUp + 3 * mss;
      this.lossSeen = true;
    } else if (step.rto) {
      if (this.sh.shift === null || this.sh.shift <= 1) {
        this.saved = { cwnd: this.cwndUp, ss: this.ssUp, wacked: this.waUp };
      }
      this.ssUp = ssthreshOf(Math.min(wndBefore, this.cwndUp), mss);
      this.cwndUp = mss;
      this.waUp = 0;
      this.lossSeen = true;
    }
    if (step.frEntry || step.rto) this.cwndLo = 0;
  }

  /**
   * New data sent under cwnd alone (not Limited Transmit, recovery, persist, or SACK's extra
   * window after a timeout) lies within it; an idle restart (A.2) may cut cwnd, so a first send
   * after an idle gap of at least the RTO floor forgets the bound.
   */
  private noteFlight(step: OutStep, dupacksBefore: number): void {
    if (step.newBytes === 0 || step.rexmt || step.syn) return;
    const tick = ticksAt(this.conn.events[step.index]!.t, hzOf(this.conn));
    const floor = this.sh.cfg.rexmitMinTicks + this.sh.cfg.rexmitSlopTicks;
    if (step.unaBefore === step.maxBefore && (this.lastSendTick === null || tick - this.lastSendTick >= floor)) {
      this.cwndLo = 0;
      // idle_cwv raises ssthresh to at least 3/4 of cwnd when it decays cwnd (A.2).
      const cfg = this.sh.cfg;
      if (cfg.idleRestart && cfg.idleCwv) this.ssUp = Math.max(this.ssUp, Math.floor((3 * this.cwndUp) / 4));
    }
    this.lastSendTick = tick;
    const excluded = this.sh.inRecovery || dupacksBefore > 0 || this.sh.sacked.length > 0 || this.sh.unsure ||
      isTimer(step.cause, 'persist');
    if (!excluded) this.cwndLo = Math.max(this.cwndLo, seqDiff(step.payloadEnd, step.unaBefore));
  }
}
