/**
 * DragonFly's retransmission-timer values (dragonfly.md A.9) as constraints a run of observed
 * timer intervals must satisfy. The timer armed at shift k (t_rxtshift, timeouts since the last
 * RTT sample) runs for
 *
 *     I_k = clamp(V_k · backoff[k] + slop, t_rttmin, 64 s)            (TCPT_RANGESET, F.2)
 *
 * ticks, where V_k = REXMTVAL is the same for every k ≤ 4 and changes once, to V', for k ≥ 5 (at
 * the fourth timeout `t_srtt` is folded into `t_rttvar`, A.9 step 6). V and V' are not on the
 * wire, and neither is k when the run starts after an ambiguous ACK, so a run of intervals is
 * accepted when *some* k0 and integers V, V' ≥ t_rttmin reproduce every interval exactly. I_0
 * (the value after a sample, built from the sample itself) is not constrained. Intervals are in
 * ticks, which the simulator's timers keep exactly (TP-3).
 */

/** tcp_backoff (A.9). */
export const DATA_BACKOFF = [1, 2, 4, 8, 16, 32, 64, 64, 64, 64, 64, 64, 64] as const;
/** tcp_syn_backoff_low (low_rtobase) and tcp_syn_backoff (A.9). */
export const SYN_BACKOFF_LOW = [1, 1, 2, 4, 8, 8, 16, 16, 32, 64, 64, 64, 64] as const;
export const SYN_BACKOFF = [1, 1, 1, 1, 1, 2, 4, 8, 16, 32, 64, 64, 64] as const;
/** TCP_MAXRXTSHIFT. */
export const MAX_SHIFT = 12;
/** TCPTV_REXMTMAX, in seconds. */
export const REXMT_MAX_S = 64;

export interface TimerParams {
  readonly table: readonly number[];
  readonly slop: number;
  readonly rttmin: number;
  /** The cap in ticks (64 s). */
  readonly cap: number;
  /** Whether V changes after the fourth timeout (data timers; SYN timers keep srtt = 0). */
  readonly foldsAtFour: boolean;
}

/** An observed interval: `j` timeouts after the run's first arming, `ticks` long. */
export interface Interval {
  readonly j: number;
  readonly ticks: number;
}

/** The integers V ≥ lo consistent so far: exactly `eq`, or any ≥ `lo`. */
interface VSet {
  eq: number | null;
  lo: number;
}

function constrain(v: VSet, ticks: number, b: number, p: TimerParams): boolean {
  if (ticks > p.cap) return false;
  if (ticks === p.cap) {
    v.lo = Math.max(v.lo, Math.ceil((p.cap - p.slop) / b));
  } else {
    const x = (ticks - p.slop) / b;
    if (!Number.isInteger(x)) return false;
    if (v.eq !== null && v.eq !== x) return false;
    v.eq = x;
  }
  return v.eq === null || v.eq >= v.lo;
}

function fitsFrom(k0: number, run: readonly Interval[], p: TimerParams): boolean {
  const before: VSet = { eq: null, lo: p.rttmin };
  const after: VSet = { eq: null, lo: p.rttmin };
  for (const iv of run) {
    const k = k0 + iv.j;
    if (k > MAX_SHIFT) return false;
    if (k === 0) continue;
    const v = p.foldsAtFour && k >= 5 ? after : before;
    if (!constrain(v, iv.ticks, p.table[k]!, p)) return false;
  }
  return true;
}

/** Can some shift k0 (the given one, or any if null) explain the whole run? */
export function runFits(run: readonly Interval[], k0: number | null, p: TimerParams): boolean {
  if (k0 !== null) return fitsFrom(k0, run, p);
  for (let k = 0; k <= MAX_SHIFT; k++) if (fitsFrom(k, run, p)) return true;
  return false;
}
