/**
 * One model host: pure state plus a step function (ARCHITECTURE §4, docs/CONTRACTS.md "model").
 *
 *   initialModelHost(config, addr, seed) → state            deep-frozen
 *   modelStep(state, input, now)         → { state, outputs } pure; one input, applied atomically
 *   ownerCpu(state, input)               → CpuId | null      the netisr model (UP-13 … UP-15)
 *   createModelHost(env)                 → Host              the model as a simulated peer
 *
 * The refinement checker replays an implementation's linearizing commits through `modelStep` and
 * compares frames and call results byte for byte; the netisr-conformance checker asks `ownerCpu`.
 * Both are written against docs/UDP-PROFILE.md, which is binding for everything observable.
 * The TCP model (`src/model/tcp`) sits behind the same API: the `tcp` part of the state, frames
 * with protocol 6 and ICMP errors, calls on TCP descriptors, timer inputs, rollups and
 * `modelPollAt` (socket/tcp.ts lends it the host-wide counters).
 */
import { freeze, produce } from 'immer';
import type { Draft } from 'immer';
import type { IpAddr, Port } from '../core/addr';
import { EPHEMERAL_FIRST, formatEndpoint } from '../core/addr';
import { assert, assertNever, unreachable } from '../core/assert';
import type { HostConfig } from '../core/config';
import { MAX_CPUS } from '../core/config';
import type { CallId, CpuId, Fd, FrameId } from '../core/ids';
import { cpuId, threadId } from '../core/ids';
import type { Host, HostEnv, SocketStatus } from '../core/host';
import type { AppCall, CallCompletion } from '../core/socket';
import type { Instant } from '../core/time';
import type { CommitInput } from '../core/trace';
import { decodePacket } from '../core/codec';
import { ownerCpu } from './netisr/owner';
import { callArrives } from './socket/calls';
import type { DescriptorTable } from './socket/descriptors';
import { emptyDescriptorTable, lookupFd } from './socket/descriptors';
import { settlePending } from './socket/pending';
import { tcpCallArrives, withTcp } from './socket/tcp';
import type { TcpHostState } from './tcp';
import {
  tcpIcmpArrives, tcpInitial, tcpPollAt, tcpRollup, tcpSegmentArrives, tcpStatus, tcpTimerFires,
} from './tcp';
import { udpCtlInput } from './udp/icmp';
import { udpInput } from './udp/input';
import type { UdpState } from './udp/state';
import { initialUdpState } from './udp/state';

export { ownerCpu };

/**
 * Which half of a call an input applies. Absent: the whole call, atomically (the contract
 * today). Only `send` has two halves: 'user' decides its result, 'proto' binds and transmits
 * (see udp/user.ts `udpSendUser` / `udpSendProto`); other calls are atomic whatever the phase.
 */
export type CallPhase = 'user' | 'proto';

/** One external input of a host (replayed in the order the impl linearized its inputs). */
export type ModelInput =
  | { readonly kind: 'frame'; readonly bytes: Uint8Array }
  | { readonly kind: 'call'; readonly call: AppCall; readonly phase?: CallPhase }
  | { readonly kind: 'timer'; readonly conn: string; readonly timer: string }
  | { readonly kind: 'rollup'; readonly cpu: CpuId };

/** What one step makes observable: frames to transmit (in order) and calls that completed. */
export interface ModelOutputs {
  readonly frames: readonly Uint8Array[];
  readonly completions: readonly CallCompletion[];
}

/** A blocking `recv` that found nothing to return (UP-9): it completes at a later step. */
export interface PendingRecv {
  readonly call: CallId;
  readonly fd: Fd;
  readonly maxBytes: number;
}

/**
 * Everything a model host knows. Deep-frozen: made only by `initialModelHost` and `modelStep`
 * (immer), never mutated. Payload `Uint8Array`s inside cannot be frozen by the language; the
 * model copies them on the way in and never writes to them.
 */
export interface ModelHostState {
  readonly config: HostConfig;
  readonly addr: IpAddr;
  /** For the TCP model's own choices (ISNs); UDP draws nothing. */
  readonly seed: number;
  /** UP-2: descriptors, shared by every protocol. */
  readonly fds: DescriptorTable;
  /** UP-3: the host-wide ephemeral port cursor. */
  readonly portCursor: Port;
  /** UP-9: blocked receives, oldest first. */
  readonly pending: readonly PendingRecv[];
  readonly udp: UdpState;
  /** The TCP model's part (CONTRACTS "TCP model"), stepped only through socket/tcp.ts. */
  readonly tcp: TcpHostState;
}

/** The step's outputs while they are collected (local to one step, never part of the state). */
export interface Emitted {
  readonly frames: Uint8Array[];
  readonly completions: CallCompletion[];
}

export function initialModelHost(config: HostConfig, addr: IpAddr, seed: number): ModelHostState {
  const { ncpus, udp } = config;
  assert(Number.isInteger(ncpus) && ncpus >= 1 && ncpus <= MAX_CPUS, `ncpus ${ncpus}`);
  assert(udp.maxdgram >= 0 && udp.recvspace >= 0, 'udp buffer sizes are non-negative');
  return freeze({
    config, addr, seed,
    fds: emptyDescriptorTable(),
    portCursor: EPHEMERAL_FIRST,
    pending: [],
    udp: initialUdpState(),
    tcp: tcpInitial(config, addr, seed),
  }, true);
}

/** Apply one input atomically. Pure: `s` is left as it was, the new state is deep-frozen. */
export function modelStep(
  s: ModelHostState, input: ModelInput, now: Instant,
): { state: ModelHostState; outputs: ModelOutputs } {
  assert(Number.isSafeInteger(now) && now >= 0, `modelStep: bad instant ${now}`);
  const out: Emitted = { frames: [], completions: [] };
  const state = produce(s, (d) => {
    switch (input.kind) {
      case 'frame':
        frameArrives(d, s.tcp, input.bytes, now, out);
        break;
      case 'call':
        if (isTcpCall(s, input.call)) tcpCallArrives(d, s.tcp, input.call, now, out);
        else callArrives(d, input.call, input.phase, out);
        break;
      case 'timer':
        // Only TCP has timers (TP-2); one no longer armed or not yet due is a no-op (TP-3).
        withTcp(d, s.tcp, out, (t, ctx) => tcpTimerFires(t, ctx, input.conn, input.timer, now));
        break;
      case 'rollup':
        // TP-22: ACK aggregation. UDP has no end-of-batch work.
        withTcp(d, s.tcp, out, (t, ctx) => tcpRollup(t, ctx, input.cpu, now));
        break;
      default:
        assertNever(input, 'model input');
    }
    settlePending(d, out);
  });
  return { state, outputs: freeze({ frames: out.frames, completions: out.completions }) };
}

/**
 * IP input: a frame that does not decode (truncated, bad checksum at any layer, bad lengths,
 * fragments, unknown protocols) or is not addressed to this host is dropped silently (UP-11).
 * DEVIATION: no forwarding and no broadcast/multicast reception — a host receives only what is
 * addressed to its one address (UP-1), so UDP-9's destination clause holds trivially.
 */
function frameArrives(
  d: Draft<ModelHostState>, tcp: TcpHostState, bytes: Uint8Array, now: Instant, out: Emitted,
): void {
  const decoded = decodePacket(bytes);
  if (!decoded.ok) {
    const e = decoded.error;
    if (e.kind === 'bad-checksum' && e.layer === 'udp') d.udp.stats.badsum += 1;
    if (e.kind === 'bad-length' && e.layer === 'udp') d.udp.stats.badlen += 1;
    return;
  }
  const { ip, body } = decoded.value;
  if (ip.dst !== d.addr) return;
  switch (body.proto) {
    case 'udp':
      udpInput(d, ip, body.udp, bytes, out);
      return;
    case 'icmp':
      // Each protocol's ctlinput looks only at errors quoting its own segments (UP-12, B.7).
      udpCtlInput(d, body.icmp);
      withTcp(d, tcp, out, (t, ctx) => tcpIcmpArrives(t, ctx, decoded.value, now));
      return;
    case 'tcp':
      withTcp(d, tcp, out, (t, ctx) => tcpSegmentArrives(t, ctx, decoded.value, now));
      return;
    default:
      assertNever(body, 'transport');
  }
}

/** The earliest armed protocol timer (TCP only), or null. */
export interface ModelDeadline {
  readonly at: Instant;
  readonly conn: string;
  readonly timer: string;
}

export function modelPollAt(s: ModelHostState): ModelDeadline | null {
  return tcpPollAt(s.tcp);
}

/** `socket(tcp)` or a call on an open TCP descriptor: the TCP model's (EBADF stays here, UP-4). */
export function isTcpCall(s: ModelHostState, call: AppCall): boolean {
  const req = call.req;
  if (req.op === 'socket') return req.proto === 'tcp';
  return lookupFd(s.fds, req.fd)?.proto === 'tcp';
}

/** UP-14 and TCP's own: every socket's status as reports and liveness see it. */
export function modelStatus(s: ModelHostState): readonly SocketStatus[] {
  const udp = s.udp.sockets.map((sock) => ({
    key: `udp fd ${sock.fd}`,
    proto: 'udp' as const,
    state: sock.peer !== null
      ? `CONNECTED :${sock.lport} > ${formatEndpoint(sock.peer)}`
      : sock.lport !== null ? `BOUND :${sock.lport}` : 'UNBOUND',
  }));
  return [...udp, ...tcpStatus(s.tcp)];
}

/**
 * The model as a peer in the simulator: each input is applied atomically when it arrives, so the
 * model has no threads for the scheduler (`runnable()` is always empty). Each input leaves one
 * `commit` event, on the CPU the netisr model assigns (user-side inputs on the caller's CPU), so
 * the trace reads the same as an implementation host's. The model has no real threads; commits
 * name thread = CPU number. TP-30: every due timer fires before the next input (a `sndmore` is
 * due the instant it is armed), and a frame's CPU runs its rollup right after the frame — the
 * model's netisr batches are one frame long.
 * TODO(seed): HostEnv carries no seed, so the host id seeds the model's own choices (TCP ISNs).
 */
export function createModelHost(env: HostEnv): Host {
  let state = initialModelHost(env.config, env.addr, env.id);
  let txn = 0;
  const apply = (
    input: ModelInput, commitInput: (owner: CpuId | null) => CommitInput, cpuIfUser: CpuId,
  ): CpuId => {
    const owner = ownerCpu(state, input);
    const step = modelStep(state, input, env.now());
    state = step.state;
    // Frames first (the commit names them), then the commit, then the completions it names.
    const frames: FrameId[] = step.outputs.frames.map((bytes) => env.transmit(bytes));
    const cpu = owner ?? cpuIfUser;
    txn += 1;
    env.trace.emit({
      kind: 'commit', host: env.id, cpu, thread: threadId(cpu), txn, input: commitInput(owner),
      linearizes: true, frames, completions: step.outputs.completions.map((c) => c.call),
    });
    traceStates();
    for (const c of step.outputs.completions) env.complete(c);
    return cpu;
  };
  // The connection states, so reports and coverage read a model host as they read an impl host.
  let states = new Map<string, string>();
  const traceStates = (): void => {
    const now = new Map<string, string>();
    for (const so of state.tcp.sockets) if (so.tcb !== null) now.set(so.tcb.key, so.tcb.state);
    for (const [conn, to] of now) {
      const from = states.get(conn) ?? 'CLOSED';
      if (from !== to) env.trace.emit({ kind: 'state', host: env.id, conn, from, to });
    }
    for (const [conn, from] of states) {
      if (!now.has(conn)) env.trace.emit({ kind: 'state', host: env.id, conn, from, to: 'CLOSED' });
    }
    states = now;
  };
  const fireDue = (): void => {
    for (let d = modelPollAt(state); d !== null && d.at <= env.now(); d = modelPollAt(state)) {
      const { conn, timer } = d;
      // A timer's owner is its connection's CPU while the connection exists (TP-29).
      apply({ kind: 'timer', conn, timer }, () => ({ kind: 'timer', conn, timer }), cpuId(0));
    }
  };
  return {
    env,
    frameArrives(delivery, _frame, bytes) {
      fireDue();
      // A frame always has an owner CPU (UP-15), so the user-side CPU is never used.
      const cpu = apply({ kind: 'frame', bytes }, () => ({ kind: 'frame', delivery }), cpuId(0));
      // A rollup with nothing queued does nothing: leave it out of the trace.
      if (state.tcp.ackq[cpu]!.length > 0) {
        apply({ kind: 'rollup', cpu }, () => ({ kind: 'rollup' }), cpu);
      }
    },
    callIssued(call) {
      fireDue();
      const commitInput = (owner: CpuId | null): CommitInput =>
        ({ kind: 'call', call: call.id, phase: owner === null ? 'user' : 'proto' });
      apply({ kind: 'call', call }, commitInput, call.cpu);
    },
    timeAdvanced: fireDue,
    nextDeadline: () => modelPollAt(state)?.at ?? null,
    runnable: () => [],
    run(thread) {
      unreachable(`model host ${env.id}: run(${thread}) but it never has runnable threads`);
    },
    status: () => modelStatus(state),
  };
}
