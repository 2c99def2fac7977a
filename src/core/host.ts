import type { HostConfig } from './config';
import type { IpAddr } from './addr';
import type { AppCall, CallCompletion } from './socket';
import type { CpuId, DeliveryId, FrameId, HostId, ThreadId } from './ids';
import type { Instant } from './time';
import type { TraceSink } from './trace';

/**
 * The Host seam (ARCHITECTURE §5): the simulator knows a stack only through this interface, and
 * both `impl/host.ts` and `model/host.ts` implement it. Inputs are frame arrivals, application
 * calls and the passage of time; outputs go out through the environment the world provides.
 */

export interface HostEnv {
  readonly id: HostId;
  readonly addr: IpAddr;
  readonly config: HostConfig;
  /** Virtual time; hosts never read any other clock. */
  now(): Instant;
  /** Hand a frame to the link; returns the id the trace knows it by. */
  transmit(bytes: Uint8Array): FrameId;
  /** An application call finished with this result. */
  complete(completion: CallCompletion): void;
  readonly trace: TraceSink;
}

/** A thread the scheduler may run now. `key` is stable for the thread's life. */
export interface RunnableThread {
  readonly host: HostId;
  readonly thread: ThreadId;
  readonly cpu: CpuId;
  readonly name: string;
}

/** A connection or socket as reports and liveness see it, in stack-independent terms. */
export interface SocketStatus {
  readonly key: string;
  readonly proto: 'tcp' | 'udp';
  readonly state: string;
}

export interface Host {
  readonly env: HostEnv;
  /** A frame reaches the NIC (the NIC's RSS hash decides the netisr). */
  frameArrives(delivery: DeliveryId, frame: FrameId, bytes: Uint8Array): void;
  /** An application issues a call; it completes later through `env.complete`. */
  callIssued(call: AppCall): void;
  /** The clock moved to `env.now()`: timers that are due become runnable work. */
  timeAdvanced(): void;
  /** The next instant at which this host wants `timeAdvanced`, or null if none. */
  nextDeadline(): Instant | null;
  /** Threads that have work now; the scheduler picks one when several do. */
  runnable(): readonly RunnableThread[];
  /** Run one transaction of `thread` (until it next yields). */
  run(thread: ThreadId): void;
  status(): readonly SocketStatus[];
}

export type HostFactory = (env: HostEnv) => Host;
