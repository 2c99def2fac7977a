import type { TcpConfig } from '../../core/config';
import { TH_ACK, TH_SYN } from '../../core/packet';
import { ticksAt } from '../../core/time';
import type { Interval, TimerParams } from './backoff';
import { DATA_BACKOFF, MAX_SHIFT, REXMT_MAX_S, SYN_BACKOFF, SYN_BACKOFF_LOW, runFits } from './backoff';
import { causeAt, isTimer } from './causes';
import type { Handshake } from './handshake';
import { handshakeOf } from './handshake';
import type { Step } from './sender';
import { CwndBound } from './cwnd';
import type { SenderShadow } from './sender';
import type { ConnTrace, RuleViolation, Side } from './types';
import { configOf, hzOf } from './types';

/**
 * RTO-*: retransmission-timer values as DragonFly computes them (A.9, F.2), measured from the wire
 * timing of timer retransmissions (outs whose cause is the rexmt timer) in ticks.
 *
 *  - RTO-5 (floor, exact in ticks): a timeout fires at least t_rttmin + slop ticks after the last
 *    moment the timer was certainly (re)started — an ACK of new data, a fast/partial-ACK
 *    retransmission of snd_una, the previous timeout, new data sent with nothing outstanding.
 *    The timer can only have been started later, so a shorter gap is a violation.
 *  - RTO-6 (cap, exact in ticks): a timeout fires at most 64 s after the sender's last activity.
 *  - RTO-10 (backoff, exact modulo the unknowns of backoff.ts): consecutive intervals between
 *    certain (re)starts fit one REXMTVAL doubled by the backoff table, saturating at 64×, capped.
 *  - RTO-7 (Karn): without timestamps an ACK of retransmitted data gives no RTT sample, so the
 *    backoff continues across it; a run that fits until such an ACK and breaks after it took a
 *    sample it must not take.
 *  - RTO-2: the first SYN retransmission waits the initial RTO (1 s, or 3 s without low_rtobase),
 *    accepted up to one slop above it. SYN retransmissions then follow the SYN backoff table;
 *    a syncache's SYN|ACK waits 1, 1, 2, 4, 8 × the same base (TP-14).
 *  - TW-4: a connection is dropped at the 13th timeout of a series (TP-25).
 * A run is cut wherever the wire cannot tell the timer's state (persist, an unsure shadow, a
 * possible RTT sample without timestamps, a possible Eifel undo) and restarts with unknown shift.
 */
export function checkRetransmitTimer(conn: ConnTrace): RuleViolation[] {
  const hs = handshakeOf(conn);
  if (hs === null) return [];
  return [
    ...checkSyn(conn, hs, 'a'), ...checkSynAck(conn, hs),
    ...checkData(conn, hs, 'a'), ...checkData(conn, hs, 'b'),
  ];
}

const rtoBaseTicks = (cfg: TcpConfig, hz: number): number => (cfg.lowRtobase ? 1 : 3) * hz;

function params(cfg: TcpConfig, hz: number, table: readonly number[], foldsAtFour: boolean): TimerParams {
  return {
    table, slop: cfg.rexmitSlopTicks, rttmin: cfg.rexmitMinTicks, cap: REXMT_MAX_S * hz, foldsAtFour,
  };
}

/**
 * Times (ticks) of a side's SYN (or SYN|ACK) transmissions while they are timer-driven: the first
 * one, then timer retransmissions up to the first one with another cause (a SYN|ACK resent for a
 * duplicate SYN may or may not restart the timer, so the run stops there).
 */
function synTimes(conn: ConnTrace, side: Side, withAck: boolean, timer: string): { i: number; tick: number }[] {
  const hz = hzOf(conn);
  const out: { i: number; tick: number }[] = [];
  let stopped = false;
  conn.events.forEach((e, i) => {
    if (stopped || e.dir !== 'out' || e.side !== side || (e.seg.flags & TH_SYN) === 0) return;
    if (((e.seg.flags & TH_ACK) !== 0) !== withAck) return;
    if (out.length > 0 && !isTimer(causeAt(conn, i), timer)) {
      stopped = true;
      return;
    }
    out.push({ i, tick: ticksAt(e.t, hz) });
  });
  return out;
}

function checkSyn(conn: ConnTrace, hs: Handshake, side: Side): RuleViolation[] {
  const cfg = configOf(conn, side);
  const hz = hzOf(conn);
  const times = synTimes(conn, side, false, 'rexmt');
  if (times.length < 2 || times[0]!.i !== hs.synAt[side]) return [];
  const found: RuleViolation[] = [];
  const base = rtoBaseTicks(cfg, hz);
  const d0 = times[1]!.tick - times[0]!.tick;
  if (d0 < base || d0 > base + cfg.rexmitSlopTicks) {
    found.push({ rule: 'RTO-2', at: times[1]!.i,
      message: `${side}'s first SYN retransmission after ${d0} ticks, not the initial RTO of ${base} ticks` });
  }
  const p = params(cfg, hz, cfg.lowRtobase ? SYN_BACKOFF_LOW : SYN_BACKOFF, false);
  const run: Interval[] = [];
  for (let k = 1; k < times.length; k++) {
    run.push({ j: k - 1, ticks: times[k]!.tick - times[k - 1]!.tick });
    if (runFits(run, 0, p)) continue;
    found.push({ rule: 'RTO-10', at: times[k]!.i,
      message: `${side}'s SYN retransmission intervals ${run.map((r) => r.ticks).join(', ')} ticks ` +
        `do not follow the SYN backoff table (A.9)` });
    break;
  }
  return found;
}

/** TP-14: a syncache entry's SYN|ACK waits 1, 1, 2, 4, 8 × base and is resent at most rexmtlimit times. */
function checkSynAck(conn: ConnTrace, hs: Handshake): RuleViolation[] {
  const cfg = configOf(conn, 'b');
  const times = synTimes(conn, 'b', true, 'synack');
  if (times.length < 2 || times[0]!.i !== hs.synAt.b) return [];
  const slots = [1, 1, 2, 4, 8];
  const hz = hzOf(conn);
  const base = times[1]!.tick - times[0]!.tick;
  if (base !== hz && base !== 3 * hz) {
    return [{ rule: 'TP-14', at: times[1]!.i,
      message: `b's first SYN|ACK retransmission after ${base} ticks, not TCPTV_RTOBASE (1 s or 3 s)` }];
  }
  for (let k = 1; k < times.length; k++) {
    const d = times[k]!.tick - times[k - 1]!.tick;
    if (k - 1 >= cfg.syncacheRexmtLimit || k - 1 >= slots.length) {
      return [{ rule: 'TP-14', at: times[k]!.i,
        message: `b resends its SYN|ACK a ${k}th time; the syncache stops after ${cfg.syncacheRexmtLimit}` }];
    }
    if (d !== base * slots[k - 1]!) {
      return [{ rule: 'RTO-10', at: times[k]!.i,
        message: `b's SYN|ACK retransmission intervals are not 1, 1, 2, 4, 8 × ${base} ticks (TP-14): ` +
          `interval ${k} is ${d} ticks` }];
    }
  }
  return [];
}

/** The state of the rexmt timer as far as the wire shows it. */
interface TimerRun {
  /** Tick of the last certain (re)start, or null if unknown. */
  arm: number | null;
  /** Was the last (re)start an ACK restart that kept the backoff (no sample possible)? */
  viaAck: boolean;
  /** Shift when the run started (null: unknown). */
  k0: number | null;
  intervals: Interval[];
  /** Timeouts so far in this run. */
  timeouts: number;
}

const freshRun = (arm: number | null, k0: number | null): TimerRun =>
  ({ arm, viaAck: false, k0, intervals: [], timeouts: 0 });

function checkData(conn: ConnTrace, hs: Handshake, side: Side): RuleViolation[] {
  const cfg = configOf(conn, side);
  const hz = hzOf(conn);
  const p = params(cfg, hz, DATA_BACKOFF, true);
  const floor = cfg.rexmitMinTicks + cfg.rexmitSlopTicks;
  const bound = new CwndBound(conn, side, hs);
  const sh = bound.sh;
  const found: RuleViolation[] = [];
  let run = freshRun(null, null);
  let lastActivity: number | null = null;
  for (let i = 0; i < conn.events.length; i++) {
    const tick = ticksAt(conn.events[i]!.t, hz);
    const timedFrom = sh.timedFrom;
    const step = bound.apply(i);
    if (step === null) continue;
    if (sh.unsure || !sh.established) run = freshRun(null, null);
    else if (step.kind === 'in' && step.establishing) run = freshRun(null, sh.shift);
    else if (step.kind === 'out' && step.rto) {
      const r = onTimeout({ run, step, tick, lastActivity, floor, p, sh, side });
      found.push(...r.found);
      if (r.broke) run = { ...freshRun(tick, null), timeouts: 0 };
    } else run = restart(run, { sh, step, tick, timedFrom, ts: hs.ts });
    lastActivity = tick;
  }
  return found;
}

interface TimeoutCtx {
  run: TimerRun;
  step: Step;
  tick: number;
  lastActivity: number | null;
  floor: number;
  p: TimerParams;
  sh: SenderShadow;
  side: Side;
}

function onTimeout(c: TimeoutCtx): { found: RuleViolation[]; broke: boolean } {
  const { run, tick, step, side } = c;
  let broke = false;
  const found: RuleViolation[] = [];
  if (c.lastActivity !== null && tick - c.lastActivity > c.p.cap) {
    found.push({ rule: 'RTO-6', at: step.index,
      message: `${side}'s timeout fires ${tick - c.lastActivity} ticks after its last activity, above the 64 s cap` });
  }
  if (c.sh.shift !== null && c.sh.shift > MAX_SHIFT) {
    found.push({ rule: 'TW-4', at: step.index,
      message: `${side} retransmits at the ${c.sh.shift}th timeout of a series; DragonFly drops the ` +
        `connection at the 13th (A.9)` });
  }
  if (run.arm !== null) {
    const d = tick - run.arm;
    if (d < c.floor) {
      found.push({ rule: 'RTO-5', at: step.index,
        message: `${side}'s timeout fires ${d} ticks after the timer was last certainly restarted, ` +
          `below the floor rexmit_min + slop = ${c.floor} ticks (F.2)` });
    }
    run.intervals.push({ j: run.timeouts, ticks: d });
    if (!runFits(run.intervals, run.k0, c.p)) {
      broke = true;
      found.push({ rule: run.viaAck ? 'RTO-7' : 'RTO-10', at: step.index,
        message: `${side}'s timer intervals ${run.intervals.map((x) => x.ticks).join(', ')} ticks ` +
          `(shift ${run.k0 ?? '?'}+) do not follow one REXMTVAL backed off ×2 up to 64 s` +
          (run.viaAck ? ' across an ACK of retransmitted data that must give no RTT sample (Karn)' : '') });
    }
  }
  run.timeouts++;
  run.arm = tick;
  run.viaAck = false;
  return { found, broke };
}

interface RestartCtx {
  sh: SenderShadow;
  step: Step;
  tick: number;
  timedFrom: number;
  ts: boolean;
}

/** How a non-timeout event changes what is known about the timer. */
function restart(run: TimerRun, c: RestartCtx): TimerRun {
  const { sh, step, tick } = c;
  if (step.kind === 'in') {
    if (step.ignored || step.acked === 0) return run;
    if (sh.una === sh.max) return freshRun(null, step.tsSample ? 0 : null);
    if (step.undo !== 'none') return freshRun(tick, null);
    if (step.tsSample) return freshRun(tick, 0);
    // Without timestamps an ACK of data first sent after the last timing cancel may be a sample.
    if (!c.ts && seqAbove(sh.una, c.timedFrom)) return freshRun(tick, null);
    return { ...run, arm: tick, viaAck: true };
  }
  if (isTimer(step.cause, 'persist')) return freshRun(null, null);
  // A fast or partial-ACK retransmission re-arms the timer; an ACK-clocked resend at the same tick
  // as the ACK that restarted it changes nothing.
  if (step.rexmt && step.atUna && step.cause.kind === 'in') {
    return { ...run, arm: tick, viaAck: run.arm === tick && run.viaAck };
  }
  if (step.maxBefore === step.unaBefore && (step.payload > 0 || step.end !== step.payloadEnd)) {
    return { ...run, arm: tick, viaAck: false };
  }
  return run;
}

const seqAbove = (a: number, b: number): boolean => ((a - b) | 0) > 0;
