import type { CpuId } from '../../core/ids';
import type { Instant } from '../../core/time';

/**
 * Read before editing: dragonfly.md D.10 (callouts on the owner CPU).
 *
 * Per-CPU callouts. A callout never runs protocol code: when it is due, its function runs in the
 * CPU's softclock context and (for protocol timers) only posts the owner's timer message — the
 * protocol work happens later in the owner netisr, in order with packets (timermsg.ts). Due
 * callouts run in (deadline, arming order) order, so firing is deterministic.
 */
export class Callout {
  at: Instant | null = null;
  /** Arming order, to break ties between equal deadlines. */
  seq = 0;

  constructor(
    readonly cpu: CpuId,
    readonly name: string,
    readonly fn: () => void,
  ) {}

  get active(): boolean {
    return this.at !== null;
  }
}

export class CalloutWheel {
  private readonly armed = new Set<Callout>();
  private nextSeq = 0;

  /** `callout_reset`: (re-)arm to fire at `at`. */
  reset(c: Callout, at: Instant): void {
    c.at = at;
    c.seq = this.nextSeq++;
    this.armed.add(c);
  }

  /** `callout_stop`: disarm; a no-op if not armed. */
  stop(c: Callout): void {
    c.at = null;
    this.armed.delete(c);
  }

  /** The earliest deadline, or null when nothing is armed. */
  next(): Instant | null {
    let best: Instant | null = null;
    for (const c of this.armed) if (best === null || c.at! < best) best = c.at;
    return best;
  }

  /**
   * Fire every callout due at `now`, in deadline then arming order. `onCpu` wraps each call in its
   * CPU's softclock context. A callout re-armed by its own function is not fired again unless due.
   */
  fireDue(now: Instant, onCpu: (cpu: CpuId, fn: () => void) => void): number {
    const due = [...this.armed].filter((c) => c.at! <= now);
    due.sort((a, b) => a.at! - b.at! || a.seq - b.seq);
    for (const c of due) {
      // An earlier callout's function may have stopped or re-armed this one.
      if (!this.armed.has(c) || c.at === null || c.at > now) continue;
      this.armed.delete(c);
      c.at = null;
      onCpu(c.cpu, c.fn);
    }
    return due.length;
  }
}
