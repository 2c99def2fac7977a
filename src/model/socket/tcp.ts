/**
 * The seam between the model host and the pure TCP model (docs/CONTRACTS.md "TCP model").
 *
 * The TCP model owns its own state (`ModelHostState.tcp`) and borrows the two host-wide counters,
 * the next descriptor (UP-2) and the ephemeral port cursor (UP-3), for the length of one step.
 * This file lends them, writes them back, records the descriptors the step created
 * ([ctx.nextFd, step.ctx.nextFd), TCP ones) and turns its packets into frames. Every TCP input
 * is one TCP step, so the step always starts from the TCP state the host step was given.
 */
import type { Draft } from 'immer';
import { castDraft } from 'immer';
import { assert } from '../../core/assert';
import { encodePacket } from '../../core/codec';
import { fd as mkFd } from '../../core/ids';
import type { AppCall } from '../../core/socket';
import type { Instant } from '../../core/time';
import type { TcpCtx, TcpHostState, TcpStep } from '../tcp';
import { tcpUserCall } from '../tcp';
import type { Emitted, ModelHostState } from '../host';
import { releaseFd } from './descriptors';

/** Run one TCP step against the host's counters and fold its results into the host step. */
export function withTcp(
  d: Draft<ModelHostState>, tcp: TcpHostState, out: Emitted,
  step: (tcp: TcpHostState, ctx: TcpCtx) => TcpStep,
): void {
  const ctx: TcpCtx = { nextFd: d.fds.next, portCursor: d.portCursor };
  const st = step(tcp, ctx);
  assert(st.ctx.nextFd >= ctx.nextFd, 'UP-2: descriptor numbers never go back');
  for (let n: number = ctx.nextFd; n < st.ctx.nextFd; n++) {
    d.fds.open.push({ fd: mkFd(n), proto: 'tcp' });
  }
  d.fds.next = st.ctx.nextFd;
  d.portCursor = st.ctx.portCursor;
  d.tcp = castDraft(st.state);
  for (const p of st.outputs.packets) out.frames.push(encodePacket(p));
  for (const c of st.outputs.completions) out.completions.push(c);
}

/**
 * A call on an open TCP descriptor (or `socket(tcp)`). TCP calls are atomic whatever the phase
 * the impl committed them in (TP-29: one linearization point each). `close` and `abort`
 * complete at once, and the descriptor number is then dead (UP-2): the host releases it.
 */
export function tcpCallArrives(
  d: Draft<ModelHostState>, tcp: TcpHostState, call: AppCall, now: Instant, out: Emitted,
): void {
  withTcp(d, tcp, out, (s, ctx) => tcpUserCall(s, ctx, call, now));
  const req = call.req;
  if (req.op === 'close' || req.op === 'abort') releaseFd(d.fds, req.fd);
}
