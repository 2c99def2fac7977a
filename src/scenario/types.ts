import type { StackKind, TcpConfig, UdpConfig } from '../core/config';
import type { SocketProto } from '../core/socket';

/**
 * A Scenario is the one input of a run (ARCHITECTURE §7): every source of nondeterminism — hosts,
 * links, faults, workload and the scheduler's choices — is plain JSON data here, so a run replays
 * from this value alone and fast-check can shrink every part of it.
 */

export const SCENARIO_VERSION = 1;

export interface HostSpec {
  readonly stack: StackKind;
  /** 1 … 16 simulated CPUs. */
  readonly ncpus: number;
  /** Overrides of TCP_DEFAULTS / UDP_DEFAULTS; absent fields take the default. */
  readonly tcp?: Partial<TcpConfig>;
  readonly udp?: Partial<UdpConfig>;
}

/** A bidirectional link between two hosts (indices into `hosts`). */
export interface LinkSpec {
  readonly a: number;
  readonly b: number;
  /** One-way propagation delay in µs. */
  readonly delayUs: number;
  /** Extra delay drawn per frame from [0, jitterUs] with the link's own rng fork. */
  readonly jitterUs: number;
  /** Frames in flight per direction before the link drops (tail drop); 0 = unlimited. */
  readonly capacity: number;
}

export type LinkDir = 'ab' | 'ba';

/** The fate of the `index`-th frame (0-based) sent in one direction of one link. */
export interface FrameFault {
  readonly link: number;
  readonly dir: LinkDir;
  readonly index: number;
  readonly fate: 'drop' | 'duplicate' | 'delay';
  /** For 'delay' (reordering) and 'duplicate' (the copy's extra delay), in µs. */
  readonly delayUs?: number;
}

/** Both directions of a link lose every frame sent in [startUs, endUs). */
export interface Partition {
  readonly link: number;
  readonly startUs: number;
  readonly endUs: number;
}

export interface FaultPlan {
  readonly frames: readonly FrameFault[];
  readonly partitions: readonly Partition[];
}

/** A peer endpoint named by host index, so scripts do not depend on address assignment. */
export interface PeerRef {
  readonly host: number;
  readonly port: number;
}

/**
 * One step of an application script. Sockets are named within the script; the runtime maps names
 * to the descriptors the host returns. Payload bytes are derived from the scenario seed, the app
 * index and the step index, so a scenario never stores payloads.
 */
export type ScriptStep =
  | { readonly op: 'socket'; readonly proto: SocketProto; readonly name: string }
  | { readonly op: 'bind'; readonly sock: string; readonly port: number }
  | { readonly op: 'connect'; readonly sock: string; readonly peer: PeerRef; readonly nonblocking?: boolean }
  | { readonly op: 'listen'; readonly sock: string; readonly backlog: number }
  | { readonly op: 'accept'; readonly sock: string; readonly as: string; readonly nonblocking?: boolean }
  | { readonly op: 'send'; readonly sock: string; readonly bytes: number; readonly to?: PeerRef; readonly nonblocking?: boolean }
  | { readonly op: 'recv'; readonly sock: string; readonly maxBytes: number; readonly nonblocking?: boolean }
  | { readonly op: 'shutdown'; readonly sock: string }
  | { readonly op: 'close'; readonly sock: string }
  | { readonly op: 'abort'; readonly sock: string }
  | { readonly op: 'sleep'; readonly us: number };

export interface AppSpec {
  readonly host: number;
  /** The CPU the application's user thread runs on. */
  readonly cpu: number;
  readonly startUs: number;
  readonly steps: readonly ScriptStep[];
}

/** How the scheduler continues once the explicit choice list is used up. */
export type StrategySpec =
  | { readonly kind: 'lowest' }
  | { readonly kind: 'random'; readonly seed: number }
  | { readonly kind: 'pct'; readonly seed: number; readonly depth: number }
  | { readonly kind: 'urw'; readonly seed: number }
  | { readonly kind: 'round-robin' };

export interface ScheduleSpec {
  /**
   * Consumed one per decision whenever several threads are runnable at the same virtual time; the
   * value is taken modulo the number of runnable threads (canonical order: host, cpu, thread id).
   */
  readonly choices: readonly number[];
  /** Used after `choices` runs out. 'lowest' always picks index 0. */
  readonly then: StrategySpec;
}

export interface Limits {
  /** Faults apply to frames sent before this instant; the liveness phase starts here. */
  readonly safetyUs: number;
  /** The liveness phase lasts at most this long after the safety phase. */
  readonly livenessUs: number;
  /** A bound on scheduler steps: exceeding it is a liveness failure, not a hang. */
  readonly maxSteps: number;
}

export interface Scenario {
  readonly version: typeof SCENARIO_VERSION;
  /** Seeds payload bytes, link jitter and the stacks' own choices (ISNs, …). */
  readonly seed: number;
  readonly hosts: readonly HostSpec[];
  readonly links: readonly LinkSpec[];
  readonly faults: FaultPlan;
  readonly apps: readonly AppSpec[];
  readonly schedule: ScheduleSpec;
  readonly limits: Limits;
}
