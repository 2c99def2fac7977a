import type { TcpConfig } from '../../core/config';
import type { TcpSegment } from '../../core/packet';
import type { Instant } from '../../core/time';

/**
 * The rule oracles' vocabulary (ARCHITECTURE §6.4). An oracle reads one TCP connection's wire
 * trace — what each side sent, and what each side was handed and processed, with virtual times —
 * and answers with the rules of `shared/spec/tcp-rules.md` (as DragonFly applies them,
 * `dragonfly.md` A/F/G and docs/TCP-PROFILE.md) that the trace breaks. Oracles are written from
 * the rule book alone: they never look at either stack's code or state, only at segments.
 *
 * A `ConnTrace` is plain data so that tests can write one by hand; `trace.ts` extracts them from a
 * RunRecord.
 */

/** 'a' is the side that sent the first SYN (the active opener), 'b' the other. */
export type Side = 'a' | 'b';

export const otherSide = (s: Side): Side => (s === 'a' ? 'b' : 'a');

/**
 * Why a side transmitted a segment (from the commit that sent the frame, CONTRACTS.md).
 * `in` names the `ConnTrace.events` index of the segment whose processing sent it.
 */
export type Cause =
  | { readonly kind: 'in'; readonly index: number }
  | { readonly kind: 'timer'; readonly timer: string }
  /** An application call (its CallId when known). */
  | { readonly kind: 'call'; readonly call?: number }
  | { readonly kind: 'rollup' }
  | { readonly kind: 'other' };

/**
 * One segment on the wire, seen from one side. `out`: `side` transmitted it at `t`, and
 * `delivered` says whether the link handed it to the peer at least once. `in`: the segment was
 * handed to `side` at `t` and is placed where that side processed it (so events are in causal
 * order: an `out` follows every `in` its sender had processed when it sent it); `delivered` is
 * true. `cause` (outs only) is exact in extracted traces; hand-written traces may omit it and get
 * the defaults of `resolveCauses`.
 */
export interface ConnEvent {
  readonly t: Instant;
  readonly dir: 'out' | 'in';
  readonly side: Side;
  readonly seg: TcpSegment;
  readonly delivered: boolean;
  readonly cause?: Cause;
  /** The trace event this comes from (its `seq`), for verdicts; absent in hand-built traces. */
  readonly traceSeq?: number;
}

/** Bytes the application had handed to one side's socket by `t` (a lower bound, cumulative). */
export interface SupplyPoint {
  readonly t: Instant;
  readonly bytes: number;
}

export interface ConnTrace {
  /** Configuration of both sides, unless `configs` gives one per side. */
  readonly config: TcpConfig;
  readonly configs?: { readonly a: TcpConfig; readonly b: TcpConfig };
  /** Ticks per second of both hosts (dragonfly.md §0); default 100. */
  readonly hz?: number;
  /** A readable name for messages, e.g. the connection key. */
  readonly name?: string;
  readonly events: readonly ConnEvent[];
  /** What each side's application had written, when known (used by work-conserving checks). */
  readonly supply?: { readonly a?: readonly SupplyPoint[]; readonly b?: readonly SupplyPoint[] };
  /** When the run ended (deadline checks stop there); default: the last event's time. */
  readonly endT?: Instant;
}

/** One broken rule: `rule` is a rule ID of the rule book (or of TCP-PROFILE), `at` an event index. */
export interface RuleViolation {
  readonly rule: string;
  readonly at: number;
  readonly message: string;
}

export type RuleOracle = (conn: ConnTrace) => RuleViolation[];

export const configOf = (conn: ConnTrace, side: Side): TcpConfig =>
  conn.configs === undefined ? conn.config : conn.configs[side];

export const hzOf = (conn: ConnTrace): number => conn.hz ?? 100;

export const endOf = (conn: ConnTrace): Instant => {
  if (conn.endT !== undefined) return conn.endT;
  const last = conn.events[conn.events.length - 1];
  return (last?.t ?? 0) as Instant;
};
