import { seqDiff } from '../../core/seq';
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
 *    2·MSS there — so at most one MSS per 2·MSS acked. The header-prediction path adds nothing
 *    (TP-27), which the bound allows;
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
  private waUp = 0;
  private saved: SavedBound | null = null;

  constructor(readonly conn: ConnTrace, readonly side: Side, readonly hs: Handshake) {
    this.sh = new SenderShadow(conn, side, hs);
  }

  get mss(): number {
    return this.sh.mss;
  }

  /** Apply event `i` to the shadow and the bounds; returns the shadow's step. */
  apply(i: number): Step | null {
    const wndBefore = this.sh.wnd;
    const inRecoveryBefore = this.sh.inRecovery;
    const step = this.sh.apply(i);
    if (step === null) return null;
    if (step.kind === 'in') this.onIn(step, inRecoveryBefore);
    else this.onOut(step, wndBefore);
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
      if (this.waUp >= 2 * mss) {
        this.waUp -= 2 * mss;
        avoidance += mss;
      }
    }
    this.cwndUp = Math.max(slowStart, avoidance);
  }

  private onOut(step: OutStep, wndBefore: number): void {
    const mss = this.mss;
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
  }
}
