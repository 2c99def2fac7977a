/**
 * Blocking receives, UP-9 and UP-10 (docs/UDP-PROFILE.md): what an application waiting in
 * `recv` observes, and when.
 *
 * A blocking recv that finds nothing to return waits; it completes in the first later step that
 * gives it something — a datagram (the oldest queued), an asynchronous error (reported once, then
 * cleared), or the close of its descriptor (EBADF). Waiters on one descriptor are served oldest
 * first. `settlePending` runs at the end of every step, so "the step that satisfies it" is exactly
 * the step whose input made the difference.
 */
import type { Draft } from 'immer';
import { assert } from '../../core/assert';
import type { CallId, Fd } from '../../core/ids';
import { err } from '../../core/result';
import type { Emitted, ModelHostState } from '../host';
import { udpTryRecv } from '../udp/user';
import { lookupFd } from './descriptors';

/** UP-9: park a blocking recv that found nothing. */
export function parkRecv(d: Draft<ModelHostState>, call: CallId, fd: Fd, maxBytes: number): void {
  d.pending.push({ call, fd, maxBytes });
}

/** Complete every waiter the step's input satisfied, oldest first; keep the rest waiting. */
export function settlePending(d: Draft<ModelHostState>, out: Emitted): void {
  const still: typeof d.pending = [];
  for (const w of d.pending) {
    const desc = lookupFd(d.fds, w.fd);
    if (desc === null) {
      // UP-10: the descriptor was closed under the waiter.
      out.completions.push({ call: w.call, result: err('EBADF') });
      continue;
    }
    assert(desc.proto === 'udp', 'UP-9: only UDP receives wait in the socket layer');
    const result = udpTryRecv(d, w.fd, w.maxBytes);
    if (result === null) still.push(w);
    else out.completions.push({ call: w.call, result });
  }
  if (still.length !== d.pending.length) d.pending = still;
}

/** Whether a call is still waiting (for the simulator's status and tests). */
export const isPending = (s: ModelHostState, call: CallId): boolean =>
  s.pending.some((w) => w.call === call);
