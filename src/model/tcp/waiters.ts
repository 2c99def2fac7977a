/**
 * Read before editing: docs/TCP-PROFILE.md TP-9 … TP-13; dragonfly.md D.6 (predicate messages).
 *
 * Blocked calls, served at the end of every step in the order they blocked: a waiter completes
 * in the step whose input made the difference, as a predicate message would be replied by the
 * protocol thread. A call whose descriptor was closed completes EBADF (as UP-10).
 */
import type { Draft } from 'immer';
import { assertNever } from '../../core/assert';
import { err, ok } from '../../core/result';
import type { CallResult } from '../../core/socket';
import type { Env } from './env';
import type { TcpSocket, Waiter } from './state';
import { acceptNow, recvNow, sendAppend, sendCheck } from './user';

type Served = { readonly result: CallResult } | { readonly keep: Waiter };

function connectWaiter(so: Draft<TcpSocket>, w: Waiter): Served {
  if (so.connected) return { result: ok({ kind: 'none' }) };
  if (so.error !== null) {
    const e = so.error;
    so.error = null;
    return { result: err(e) };
  }
  if (so.tcb === null) return { result: err('ECONNABORTED') };
  return { keep: w };
}

function sendWaiter(env: Env, so: Draft<TcpSocket>, w: Extract<Waiter, { kind: 'send' }>): Served {
  const refused = sendCheck(so);
  if (refused !== null) {
    // A send that was accepted once cannot become "not connected": the connection is gone.
    if (refused.ok) return { result: refused };
    return { result: err(refused.error === 'ENOTCONN' ? 'EPIPE' : refused.error) };
  }
  const n = sendAppend(env, so, w.rest);
  if (n === w.rest.length) return { result: ok({ kind: 'sent', bytes: w.total }) };
  return { keep: n === 0 ? w : { ...w, rest: w.rest.slice(n) } };
}

function serve(env: Env, w: Waiter): Served {
  const so = env.d.sockets.find((s) => s.sid === w.sid);
  if (so === undefined || so.fd === null) return { result: err('EBADF') };
  switch (w.kind) {
    case 'connect':
      return connectWaiter(so, w);
    case 'accept': {
      const r = acceptNow(env, so);
      return r === null ? { keep: w } : { result: r };
    }
    case 'recv': {
      const r = recvNow(env, so, w.maxBytes);
      return r === null ? { keep: w } : { result: r };
    }
    case 'send':
      return sendWaiter(env, so, w);
    default:
      return assertNever(w, 'waiter');
  }
}

/** Serve every waiter the step made ready, oldest first; the rest keep waiting. */
export function settleWaiters(env: Env): void {
  if (env.d.waiters.length === 0) return;
  const still: Waiter[] = [];
  for (const w of env.d.waiters) {
    const r = serve(env, w);
    if ('result' in r) env.out.completions.push({ call: w.call, result: r.result });
    else still.push(r.keep);
  }
  env.d.waiters = still as Draft<Waiter>[];
}
