/**
 * Read before editing: docs/TCP-PROFILE.md TP-3, TP-4.
 *
 * One step's environment: the draft being built, the time of the input, what the step emits,
 * and the host-wide counters TCP shares with the socket layer (UP-2 descriptors, UP-3 cursor).
 * Every model function takes it first; nothing outside a step ever sees it.
 */
import type { Draft } from 'immer';
import type { Port } from '../../core/addr';
import { assert } from '../../core/assert';
import type { TcpConfig } from '../../core/config';
import type { Fd } from '../../core/ids';
import type { Packet } from '../../core/packet';
import type { CallCompletion } from '../../core/socket';
import type { Instant } from '../../core/time';
import { instantOfTick, ticksAt, ticks as mkTicks } from '../../core/time';
import type { Tcb, TcpHostState, TcpSocket } from './state';

/** What TCP borrows from the host for one step (docs/CONTRACTS.md "TCP model"). */
export interface TcpCtx {
  /** UP-2: the number the next socket/accept gets. */
  readonly nextFd: Fd;
  /** UP-3: the host-wide ephemeral port cursor. */
  readonly portCursor: Port;
}

export interface Emitted {
  readonly packets: Packet[];
  readonly completions: CallCompletion[];
}

export interface Env {
  readonly d: Draft<TcpHostState>;
  readonly now: Instant;
  /** TP-3: the host's tick counter at `now`. */
  readonly ticks: number;
  /** TP-4: the timestamp clock, ticks + 1. */
  readonly tsClock: number;
  readonly hz: number;
  readonly cfg: TcpConfig;
  readonly out: Emitted;
  host: { nextFd: Fd; portCursor: Port };
}

export function makeEnv(d: Draft<TcpHostState>, ctx: TcpCtx, now: Instant, out: Emitted): Env {
  const hz = d.config.hz;
  const t = ticksAt(now, hz);
  return {
    d, now, ticks: t, tsClock: (t + 1) >>> 0, hz, cfg: d.config.tcp, out,
    host: { nextFd: ctx.nextFd, portCursor: ctx.portCursor },
  };
}

/** TP-3: a duration in ms as ticks, ⌊ms·hz/1000⌋, at least 1. */
export const msToTicks = (env: Env, ms: number): number =>
  Math.max(1, Math.floor((ms * env.hz) / 1000));

/** TP-3: the instant a timer armed now for n ticks is due (n < 1 counts as 1). */
export const dueIn = (env: Env, n: number): Instant =>
  instantOfTick(mkTicks(env.ticks + Math.max(1, Math.floor(n))), env.hz);

export function socketBySid(env: Env, sid: number): Draft<TcpSocket> {
  const so = env.d.sockets.find((s) => s.sid === sid);
  assert(so !== undefined, `TCP socket ${sid} does not exist`);
  return so;
}

export function socketBySidOrNull(env: Env, sid: number): Draft<TcpSocket> | null {
  return env.d.sockets.find((s) => s.sid === sid) ?? null;
}

export function socketByFd(env: Env, fd: Fd): Draft<TcpSocket> | null {
  return env.d.sockets.find((s) => s.fd === fd) ?? null;
}

/** The socket holding the live TCB named `key`, or null. */
export function socketByKey(env: Env, key: string): Draft<TcpSocket> | null {
  return env.d.sockets.find((s) => s.tcb !== null && s.tcb.key === key) ?? null;
}

/** A socket that has a TCB, with both as drafts. */
export interface Conn {
  readonly so: Draft<TcpSocket>;
  readonly tp: Draft<Tcb>;
}

export function connOf(so: Draft<TcpSocket>): Conn {
  assert(so.tcb !== null, `socket ${so.sid} has no TCB`);
  return { so, tp: so.tcb };
}
