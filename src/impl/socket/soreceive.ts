import { assert } from '../../core/assert';
import { err, ok } from '../../core/result';
import type { CallRequest, CallResult, SocketError } from '../../core/socket';
import { preempt } from '../kern/block';
import { tsleep } from '../kern/sleep';
import type { Co } from '../kern/thread';
import { getToken, relToken } from '../kern/token';
import type { Inet } from '../net/inet';
import { sbDropRecord, sbPeek } from './sockbuf';
import type { Socket } from './socket';

/**
 * Read before editing: UP-9, UP-10, UP-12, dragonfly.md D.7 (receive under `ssb_token`).
 *
 * The user side of a datagram recv, entirely under `so_rcv.ssb_token`: the oldest record
 * (truncated to `max`, the rest discarded), else a pending error (cleared), else EWOULDBLOCK or
 * sleep until a datagram, an error or close wakes us. Between reading the record and unlinking it
 * there is a preemption point: other threads may run there, but the token keeps every appender
 * and reader of this buffer out, so the record read is still the one unlinked. The transaction
 * that returns a result linearizes the recv (a sleep ends a non-linearizing one, kern/block.ts).
 */
export function* soreceive(
  inet: Inet, so: Socket, req: Extract<CallRequest, { op: 'recv' }>,
): Co<CallResult> {
  const k = inet.k;
  yield* getToken(k, so.rcv.token, 'so.recv');
  let result: CallResult | null = null;
  while (result === null) {
    k.rd(so.stateObj);
    const rec = so.st.dead ? null : sbPeek(k, so.rcv);
    if (so.st.dead) {
      result = err('EBADF');
    } else if (rec !== null) {
      yield* preempt(k);
      const unlinked = sbDropRecord(k, so.rcv);
      assert(unlinked === rec, `soreceive: ${so.name}'s head record changed under its token`);
      result = ok({ kind: 'data', data: rec.data.slice(0, req.maxBytes), from: rec.from });
    } else if (so.st.error !== null) {
      const e: SocketError = so.st.error;
      k.wr(so.stateObj);
      so.st.error = null;
      result = err(e);
    } else if (req.nonblocking) {
      result = err('EWOULDBLOCK');
    } else {
      yield* tsleep(k, so.rcv.wait);
    }
  }
  relToken(k, so.rcv.token);
  k.linearize();
  return result;
}
