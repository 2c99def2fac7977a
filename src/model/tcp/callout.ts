/**
 * Read before editing: docs/TCP-PROFILE.md TP-3; dragonfly.md D.10 (timers as messages).
 *
 * A TCB's callouts as absolute due instants. `active` means armed (including expired but not yet
 * fired: the expiry is "pending in the message", D.10); `pending` means armed and not yet due
 * (`callout_pending`, which DELAY_ACK tests). Stopping or re-arming a timer after it fell due but
 * before its input was applied cancels that firing (D.10's exactly-once rule).
 */
import type { Draft } from 'immer';
import type { Env } from './env';
import { dueIn } from './env';
import type { Tcb, TcbTimerName } from './state';

export function calloutReset(env: Env, tp: Draft<Tcb>, name: TcbTimerName, nTicks: number): void {
  tp.timers[name] = dueIn(env, nTicks);
}

export function calloutStop(tp: Draft<Tcb>, name: TcbTimerName): void {
  tp.timers[name] = null;
}

export const calloutActive = (tp: Tcb, name: TcbTimerName): boolean => tp.timers[name] !== null;

export const calloutPending = (env: Env, tp: Tcb, name: TcbTimerName): boolean => {
  const due = tp.timers[name];
  return due !== null && due > env.now;
};

/** tcp_canceltimers: everything but delack (and the sndmore continuation). */
export function cancelTimers(tp: Draft<Tcb>): void {
  tp.timers['2msl'] = null;
  tp.timers.persist = null;
  tp.timers.keep = null;
  tp.timers.rexmt = null;
}
