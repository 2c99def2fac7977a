/**
 * The TCP model's public surface (docs/CONTRACTS.md "TCP model", docs/TCP-PROFILE.md).
 *
 * Every function is pure: it takes the TCP part of a model host, the host-wide counters TCP
 * borrows (`TcpCtx`: the next descriptor, UP-2, and the ephemeral port cursor, UP-3) and the
 * input's time, and returns the new state (deep-frozen), the new counters and what became
 * observable. Descriptors in [ctx.nextFd, step.ctx.nextFd) are new TCP descriptors (socket,
 * accept) the host must record; the host releases a TCP descriptor itself after close/abort.
 * At the end of every step, blocked calls the step made ready complete (waiters.ts).
 */
import { freeze, produce } from 'immer';
import type { IpAddr } from '../../core/addr';
import { assert } from '../../core/assert';
import type { HostConfig } from '../../core/config';
import { isTcpTimerName } from '../../core/conn';
import type { CpuId } from '../../core/ids';
import { cpuId } from '../../core/ids';
import type { Packet } from '../../core/packet';
import type { AppCall, CallCompletion } from '../../core/socket';
import type { SocketStatus } from '../../core/host';
import type { Instant } from '../../core/time';
import type { Emitted, Env, TcpCtx } from './env';
import { makeEnv } from './env';
import { icmpArrives } from './icmp';
import { segmentArrives } from './input';
import type { TcbTimerName, TcpHostState } from './state';
import { TCB_TIMER_ORDER } from './state';
import { rollup, timerFires } from './timers';
import { userCall } from './user';
import { settleWaiters } from './waiters';

export type { TcpCtx } from './env';
export type {
  ListenState, SynEntry, Tcb, TcbTimers, TcpHostState, TcpSocket, TcpStateName, Waiter,
} from './state';
export { checkConstants } from './constants';

export interface TcpOutputs {
  readonly packets: readonly Packet[];
  readonly completions: readonly CallCompletion[];
}

export interface TcpStep {
  readonly state: TcpHostState;
  readonly ctx: TcpCtx;
  readonly outputs: TcpOutputs;
}

export function tcpInitial(config: HostConfig, addr: IpAddr, seed: number): TcpHostState {
  return freeze({
    config, addr, seed, sockets: [], syncache: [], waiters: [], nextSid: 1, nextSerial: 1,
    ackq: Array.from({ length: config.ncpus }, () => []),
  }, true);
}

function step(s: TcpHostState, ctx: TcpCtx, now: Instant, apply: (env: Env) => void): TcpStep {
  assert(Number.isSafeInteger(now) && now >= 0, `TCP step at bad instant ${now}`);
  const out: Emitted = { packets: [], completions: [] };
  let next: TcpCtx = ctx;
  const state = produce(s, (d) => {
    const env = makeEnv(d, ctx, now, out);
    apply(env);
    settleWaiters(env);
    next = { nextFd: env.host.nextFd, portCursor: env.host.portCursor };
  });
  const outputs = freeze({ packets: out.packets, completions: out.completions });
  return { state, ctx: next, outputs };
}

/** A TCP segment addressed to this host (already decoded; checksums verified by the codec). */
export function tcpSegmentArrives(
  s: TcpHostState, ctx: TcpCtx, packet: Packet, now: Instant,
): TcpStep {
  return step(s, ctx, now, (env) => {
    if (packet.body.proto === 'tcp' && packet.ip.dst === s.addr) {
      segmentArrives(env, packet, packet.body.tcp);
    }
  });
}

/** An ICMP message for this host; only errors quoting our TCP segments matter (B.7). */
export function tcpIcmpArrives(
  s: TcpHostState, ctx: TcpCtx, packet: Packet, now: Instant,
): TcpStep {
  return step(s, ctx, now, (env) => {
    if (packet.body.proto === 'icmp') icmpArrives(env, packet.body.icmp);
  });
}

/** socket(tcp), or any call on an open TCP descriptor (TP-6 … TP-13). */
export function tcpUserCall(s: TcpHostState, ctx: TcpCtx, call: AppCall, now: Instant): TcpStep {
  return step(s, ctx, now, (env) => {
    const r = userCall(env, call);
    if (r !== 'blocked') env.out.completions.push({ call: call.id, result: r });
  });
}

/** A timer input (TP-2, TP-3): a no-op unless that timer is armed and due at `now`. */
export function tcpTimerFires(
  s: TcpHostState, ctx: TcpCtx, conn: string, timer: string, now: Instant,
): TcpStep {
  return step(s, ctx, now, (env) => {
    if (isTcpTimerName(timer)) timerFires(env, conn, timer);
  });
}

/** The end-of-batch rollup of `cpu` (TP-22). */
export function tcpRollup(s: TcpHostState, ctx: TcpCtx, cpu: CpuId, now: Instant): TcpStep {
  return step(s, ctx, now, (env) => rollup(env, cpu));
}

export interface TcpDue {
  readonly at: Instant;
  readonly conn: string;
  readonly timer: string;
}

/** TP-3: the earliest armed timer; ties by connection creation order, then D.10's timer order. */
export function tcpPollAt(s: TcpHostState): TcpDue | null {
  let best: (TcpDue & { serial: number; order: number }) | null = null;
  const consider = (
    at: Instant, serial: number, order: number, conn: string, timer: string,
  ): void => {
    if (best === null || at < best.at ||
        (at === best.at &&
        (serial < best.serial || (serial === best.serial && order < best.order)))) {
      best = { at, serial, order, conn, timer };
    }
  };
  for (const so of s.sockets) {
    const tp = so.tcb;
    if (tp === null) continue;
    TCB_TIMER_ORDER.forEach((name: TcbTimerName, order) => {
      const at = tp.timers[name];
      if (at !== null) consider(at, tp.serial, order, tp.key, name);
    });
  }
  for (const e of s.syncache) consider(e.due, e.serial, TCB_TIMER_ORDER.length, e.key, 'synack');
  if (best === null) return null;
  const b: TcpDue = best;
  return { at: b.at, conn: b.conn, timer: b.timer };
}

/** TP-29: where a TCP call linearizes; null = the user side. The descriptor must be TCP. */
export function tcpCallOwner(s: TcpHostState, call: AppCall): CpuId | null {
  const req = call.req;
  if (req.op === 'socket') return call.cpu;
  if (req.op === 'accept') return null;
  if (req.op === 'bind' || req.op === 'listen') return cpuId(0);
  const so = s.sockets.find((x) => x.fd === req.fd);
  return so === undefined ? null : so.owner;
}

/** TP-29: the CPU that owns a timer input's connection or syncache entry, or null if gone. */
export function tcpTimerOwner(s: TcpHostState, conn: string, timer: string): CpuId | null {
  if (timer === 'synack') return s.syncache.find((e) => e.key === conn)?.cpu ?? null;
  return s.sockets.find((x) => x.tcb !== null && x.tcb.key === conn)?.owner ?? null;
}

/** Every TCP socket and connection, for reports and liveness. */
export function tcpStatus(s: TcpHostState): readonly SocketStatus[] {
  return s.sockets.map((so) => ({
    key: so.tcb !== null ? `tcp ${so.tcb.key}` : `tcp fd ${so.fd ?? '-'} sid ${so.sid}`,
    proto: 'tcp' as const,
    state: so.listen !== null ? `LISTEN :${so.lport}`
      : so.tcb !== null ? so.tcb.state
        : so.hadConnection ? 'CLOSED'
          : so.lport !== null ? `BOUND :${so.lport}` : 'UNBOUND',
  }));
}
