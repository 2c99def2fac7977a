import type { AppCall, CallResult } from './socket';
import type { CallId, CpuId, DeliveryId, FrameId, HostId, ThreadId } from './ids';
import type { Instant } from './time';

/**
 * The one global, ordered event log of a run (ARCHITECTURE §6). Checkers read only this; they never
 * call into a stack. Every event has a virtual time and a sequence number assigned by the world.
 */

/** What a committed transaction applied. Exactly one commit per external input `linearizes` it. */
export type CommitInput =
  /** A frame handed up by the NIC (one delivery of a frame). */
  | { readonly kind: 'frame'; readonly delivery: DeliveryId }
  /** An application call; `phase` says which half ran (user side or protocol thread). */
  | { readonly kind: 'call'; readonly call: CallId; readonly phase: 'user' | 'proto' }
  /** A protocol timer of one connection (`conn` is the stack-independent 4-tuple key). */
  | { readonly kind: 'timer'; readonly conn: string; readonly timer: string }
  /** The netisr's end-of-batch hooks (ACK aggregation, output kick). */
  | { readonly kind: 'rollup' }
  /** Internal work that applies no external input (e.g. a forwarded message hop). */
  | { readonly kind: 'internal'; readonly what: string };

/** How a mutable object of the implementation may be touched (ARCHITECTURE §5). */
export type Discipline =
  | { readonly kind: 'owned'; readonly cpu: CpuId }
  | { readonly kind: 'guarded'; readonly token: string }
  | { readonly kind: 'immutable' };

export type FrameFate = 'deliver' | 'drop' | 'duplicate' | 'delay' | 'partitioned' | 'overflow';

export type TraceBody =
  | { readonly kind: 'phase'; readonly phase: 'safety' | 'liveness' }
  | { readonly kind: 'frame-sent'; readonly host: HostId; readonly frame: FrameId; readonly bytes: Uint8Array }
  | { readonly kind: 'frame-fate'; readonly frame: FrameId; readonly fate: FrameFate; readonly delayUs: number }
  | { readonly kind: 'frame-delivered'; readonly host: HostId; readonly frame: FrameId; readonly delivery: DeliveryId }
  | { readonly kind: 'call-issued'; readonly host: HostId; readonly call: AppCall }
  | { readonly kind: 'call-completed'; readonly host: HostId; readonly call: CallId; readonly result: CallResult }
  /** A message was queued on a netisr port (`port` = its CPU). */
  | { readonly kind: 'msg-sent'; readonly host: HostId; readonly msg: number; readonly port: CpuId; readonly sender: ThreadId; readonly input: CommitInput }
  | {
      readonly kind: 'commit';
      readonly host: HostId;
      readonly cpu: CpuId;
      readonly thread: ThreadId;
      /** Logical transaction: a message handler run or a syscall, possibly spanning yields. */
      readonly txn: number;
      readonly input: CommitInput;
      readonly linearizes: boolean;
      /** The port message this transaction handled, if it handled one. */
      readonly msg?: number;
      readonly frames: readonly FrameId[];
      readonly completions: readonly CallId[];
    }
  | { readonly kind: 'object'; readonly host: HostId; readonly object: string; readonly discipline: Discipline }
  | {
      readonly kind: 'access';
      readonly host: HostId;
      readonly cpu: CpuId;
      readonly thread: ThreadId;
      readonly txn: number;
      readonly object: string;
      readonly mode: 'r' | 'w';
      readonly tokens: readonly string[];
    }
  | { readonly kind: 'token'; readonly host: HostId; readonly cpu: CpuId; readonly thread: ThreadId; readonly token: string; readonly op: 'acquire' | 'release'; readonly path: string }
  | { readonly kind: 'state'; readonly host: HostId; readonly conn: string; readonly from: string; readonly to: string }
  | { readonly kind: 'note'; readonly host: HostId; readonly text: string };

export type TraceEvent = TraceBody & { readonly seq: number; readonly t: Instant };

export type TraceKind = TraceBody['kind'];

/** Where a host writes its events; the world stamps them with time and sequence number. */
export interface TraceSink {
  emit(body: TraceBody): void;
  /** False in bench mode: hosts skip building access/object events entirely. */
  readonly checkMode: boolean;
}
