import type { TcpSegment } from '../../core/packet';
import { TH_FIN, TH_PSH, TH_RST, TH_SYN } from '../../core/packet';
import { assertNever } from '../../core/assert';
import { seqAdd } from '../../core/seq';
import { causeAt } from './causes';
import type { Cause, ConnEvent, ConnTrace, RuleViolation } from './types';

/**
 * TSO-4: FIN and PSH appear only on the last piece of a split super-segment (rule book §12;
 * dragonfly.md C: "if FIN or PUSH is set on the large segment it must appear only on the last
 * generated segment").
 *
 * A burst is a run of one side's consecutive data segments sent at one instant for one cause,
 * carrying the same ACK and the same TSval, each starting where the previous one ended — the shape
 * of one TSO unit on the wire. The check is exact for such runs and holds for ordinary output too:
 * one `tcp_output` sets PUSH only on the segment that reaches the end of the send buffer and FIN
 * only on the one carrying the last byte (A.12), so nothing contiguous follows either within the
 * same output.
 */
export function checkTso(conn: ConnTrace): RuleViolation[] {
  const found: RuleViolation[] = [];
  for (const side of ['a', 'b'] as const) {
    let prev: { i: number; e: ConnEvent } | null = null;
    conn.events.forEach((e, i) => {
      if (e.dir !== 'out' || e.side !== side) return;
      if (prev !== null && samePiece(conn, prev, { i, e })) {
        const flags = prev.e.seg.flags & (TH_FIN | TH_PSH);
        if (flags !== 0) {
          found.push({ rule: 'TSO-4', at: prev.i,
            message: `${side}'s segment at ${prev.e.seg.seq} carries ${flags & TH_FIN ? 'FIN' : 'PSH'} but is ` +
              `followed by another piece of the same burst (seq ${e.seg.seq}, same ACK and TSval)` });
        }
      }
      prev = isData(e.seg) ? { i, e } : null;
    });
  }
  return found;
}

/**
 * Is the `out` at i a later piece of the burst its side's previous `out` started — one output of
 * several contiguous segments (a TSO unit, or one `tcp_output` loop)?
 */
export function continuesBurst(conn: ConnTrace, i: number): boolean {
  const e = conn.events[i]!;
  for (let j = i - 1; j >= 0; j--) {
    const p = conn.events[j]!;
    if (p.dir !== 'out' || p.side !== e.side) continue;
    return isData(p.seg) && samePiece(conn, { i: j, e: p }, { i, e });
  }
  return false;
}

const isData = (s: TcpSegment): boolean => s.payload.length > 0 && (s.flags & (TH_SYN | TH_RST)) === 0;

/** One output: the same input, timer run or call — a call only when its id is known. */
function sameCause(a: Cause | null, b: Cause | null): boolean {
  if (a === null || b === null || a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'in':
      return b.kind === 'in' && a.index === b.index;
    case 'timer':
      return b.kind === 'timer' && a.timer === b.timer;
    case 'call':
      return b.kind === 'call' && a.call !== undefined && a.call === b.call;
    case 'rollup':
    case 'other':
      return true;
    default:
      return assertNever(a, 'cause');
  }
}

function samePiece(conn: ConnTrace, p: { i: number; e: ConnEvent }, q: { i: number; e: ConnEvent }): boolean {
  const a = p.e.seg;
  const b = q.e.seg;
  return isData(b) && p.e.t === q.e.t && a.ack === b.ack &&
    a.options.timestamp?.val === b.options.timestamp?.val &&
    seqAdd(a.seq, a.payload.length) === b.seq && sameCause(causeAt(conn, p.i), causeAt(conn, q.i));
}
