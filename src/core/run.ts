import type { IpAddr } from './addr';
import type { HostConfig } from './config';
import type { TraceEvent } from './trace';

/**
 * What a finished run leaves for the checkers: the trace plus the static facts needed to read it.
 * It lives in core because `check` reads runs but must not import the simulator.
 */

export type RunOutcome =
  /** Nothing runnable, no timer pending, every app finished or blocked for good. */
  | { readonly kind: 'quiescent' }
  /** The liveness phase hit its time bound with work still pending. */
  | { readonly kind: 'time-bound'; readonly pending: readonly string[] }
  /** The scheduler-step bound was hit (a livelock, or a scenario too large for its limits). */
  | { readonly kind: 'step-bound'; readonly pending: readonly string[] }
  /** A stack or the simulator threw: an assertion failure is a crash-class finding. */
  | { readonly kind: 'crash'; readonly message: string; readonly stack: string };

export interface RunHostInfo {
  readonly index: number;
  readonly addr: IpAddr;
  readonly config: HostConfig;
}

export interface AppOutcome {
  readonly app: number;
  readonly host: number;
  readonly stepsDone: number;
  readonly stepsTotal: number;
  /** A call still outstanding at the end of the run, if any. */
  readonly blockedOn: string | null;
}

export interface RunRecord {
  readonly hosts: readonly RunHostInfo[];
  readonly trace: readonly TraceEvent[];
  readonly outcome: RunOutcome;
  readonly apps: readonly AppOutcome[];
  /** The scheduler choices actually made, in order: a replayable schedule. */
  readonly choicesMade: readonly number[];
  /** Instant at which the safety phase ended (faults stopped applying). */
  readonly safetyEndUs: number;
  readonly stats: { readonly steps: number; readonly decisions: number; readonly events: number; readonly endUs: number };
}

/** A checker's answer. `claim` names the ARCHITECTURE §1 claim or the rule IDs at stake. */
export type Verdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly checker: string;
      readonly claim: string;
      /** One line, e.g. "frame 17 from host 1 differs from the model: seq 1001 ≠ 1461". */
      readonly message: string;
      /** The trace event (its seq) where the violation shows, if one does. */
      readonly atSeq?: number;
      /** Further lines for the report (side-by-side fields, TCB variables …). */
      readonly details?: readonly string[];
      /** A short stable tag of the kind of violation, used in failure signatures. */
      readonly kind: string;
    };

export const PASS: Verdict = { ok: true };
