import { TH_FIN, TH_SYN, segLen } from '../../core/packet';
import { seqAdd, seqLt } from '../../core/seq';
import type { SeqNum } from '../../core/seq';
import type { Cause, ConnTrace } from './types';

/**
 * The cause of every `out` event. Extracted traces carry exact causes (the commit that sent each
 * frame names the input it applied). A hand-written trace may leave them out; then an `out` is
 * taken to answer the latest segment its side processed at the same instant, else — if it resends
 * sequence space already sent — to be the retransmission timer, else an application call. Tests
 * that need another cause (a persist probe, a segment answering an earlier arrival) say so.
 */
const cache = new WeakMap<ConnTrace, readonly (Cause | null)[]>();

export function causesOf(conn: ConnTrace): readonly (Cause | null)[] {
  let causes = cache.get(conn);
  if (causes === undefined) {
    causes = resolve(conn);
    cache.set(conn, causes);
  }
  return causes;
}

/** The cause of event `i` (null for `in` events). */
export const causeAt = (conn: ConnTrace, i: number): Cause | null => causesOf(conn)[i] ?? null;

/** Is event `i` an `out` sent while processing the `in` at `j`? */
export const causedBy = (conn: ConnTrace, i: number, j: number): boolean => {
  const c = causeAt(conn, i);
  return c !== null && c.kind === 'in' && c.index === j;
};

export const isTimer = (c: Cause | null, timer: string): boolean =>
  c !== null && c.kind === 'timer' && c.timer === timer;

function resolve(conn: ConnTrace): (Cause | null)[] {
  const sentTo: { a: SeqNum | null; b: SeqNum | null } = { a: null, b: null };
  const lastIn: { a: number; b: number } = { a: -1, b: -1 };
  return conn.events.map((e, i): Cause | null => {
    if (e.dir === 'in') {
      lastIn[e.side] = i;
      return null;
    }
    const seg = e.seg;
    const max = sentTo[e.side];
    const len = segLen(seg);
    const resends = max !== null && len > 0 && seqLt(seg.seq, max) && (seg.flags & TH_SYN) === 0;
    const resendsSyn = max !== null && (seg.flags & TH_SYN) !== 0;
    const end = seqAdd(seg.seq, len);
    if (len > 0 && (max === null || seqLt(max, end))) sentTo[e.side] = end;
    if (e.cause !== undefined) return e.cause;
    const j = lastIn[e.side];
    if (j >= 0 && conn.events[j]!.t === e.t) return { kind: 'in', index: j };
    if (resends || resendsSyn) return { kind: 'timer', timer: 'rexmt' };
    return { kind: 'call' };
  });
}

/** Sequence space a segment occupies beyond its payload (FIN, SEQ-3). */
export const finLen = (flags: number): number => ((flags & TH_FIN) !== 0 ? 1 : 0);
