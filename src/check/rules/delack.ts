import { TH_ACK, TH_RST, TH_SYN } from '../../core/packet';
import type { TcpSegment } from '../../core/packet';
import type { SeqNum } from '../../core/seq';
import { seqAdd, seqGt, seqLeq, seqMax, seqMin } from '../../core/seq';
import type { Instant } from '../../core/time';
import { instantOfTick, ticksAt } from '../../core/time';
import type { Handshake } from './handshake';
import { firstDataSeq, handshakeOf } from './handshake';
import type { ConnTrace, RuleViolation, Side } from './types';
import { configOf, endOf, hzOf, otherSide } from './types';

/**
 * ACK generation for in-order data (CC-16, CC-17; dragonfly.md A.12, TP-22), judged at the
 * receiver from the data it processed and the ACK fields it sent:
 *  - CC-16 (exact deadline): a byte received in order is acknowledged before the delayed-ACK
 *    timer can have expired — armed for ⌊delacktime·hz/1000⌋ ticks at the first unacknowledged
 *    segment at the latest, so by that tick after the segment arrived — and in any case less than
 *    500 ms after it (MUST-40). Without delayed ACKs, within the same instant (the rollup runs
 *    before the clock moves, TP-22).
 *  - CC-17 (exact at instant ends): no two full-sized in-order segments stay unacknowledged past
 *    the end of the instant they arrived in: DragonFly ACKs every second segment, at once or at
 *    the rollup that ends the netisr batch (A.12), both within the instant.
 * "In order" is tracked from the receiver's side: its RCV.NXT shadow advances over arriving data
 * (only up to the right edge it advertised, which it always accepts) and jumps to every ACK it
 * sends; data whose TSval fails PAWS (it may be dropped, A.13) is not counted. Nothing is required
 * of a receiver that never sends a segment other than SYN|ACK or RST (a full listen queue drops
 * the handshake's ACK silently, B.3), after either side sent a RST, or past the end of the run.
 */
export function checkDelayedAck(conn: ConnTrace): RuleViolation[] {
  const hs = handshakeOf(conn);
  if (hs === null) return [];
  return [...new Receiver(conn, hs, 'a').run(), ...new Receiver(conn, hs, 'b').run()];
}

interface Owed {
  readonly index: number;
  readonly need: SeqNum;
  readonly deadline: Instant;
  readonly full: boolean;
}

const HALF_SECOND_US = 500_000;
const FULL_SLACK = 40; // option space a full-sized segment may give up (SACK blocks, A.5)

class Receiver {
  private readonly from: Side;
  private rcvNxt: SeqNum;
  private rcvAdv: SeqNum | null = null;
  private acked: SeqNum | null = null;
  private dead = false;
  private tsRecent: number | null = null;
  private owed: Owed[] = [];
  private ooo: { start: SeqNum; end: SeqNum }[] = [];
  private readonly found: RuleViolation[] = [];

  constructor(readonly conn: ConnTrace, readonly hs: Handshake, readonly side: Side) {
    this.from = otherSide(side);
    this.rcvNxt = firstDataSeq(hs, this.from);
  }

  run(): RuleViolation[] {
    const events = this.conn.events;
    // A receiver that never sends anything but SYN|ACKs or RSTs never had a connection to ACK
    // from (a full listen queue drops the third ACK silently, B.3): nothing is owed.
    const alive = events.some((e) => e.dir === 'out' && e.side === this.side && (e.seg.flags & (TH_SYN | TH_RST)) === 0);
    if (!alive) return [];
    for (let i = 0; i < events.length && !this.dead; i++) {
      const e = events[i]!;
      this.expire(e.t);
      if ((e.seg.flags & TH_RST) !== 0) {
        this.dead = true;
        break;
      }
      if (e.dir === 'out' && e.side === this.side) this.sent(e.seg);
      if (e.dir === 'in' && e.side === this.side) this.received(i, e.t, e.seg);
      const next = events[i + 1];
      if (next !== undefined && next.t !== e.t) this.instantEnds();
    }
    if (!this.dead) this.expire((endOf(this.conn) + 1) as Instant, true);
    return this.found;
  }

  private sent(seg: TcpSegment): void {
    if ((seg.flags & TH_ACK) === 0) return;
    const shift = (seg.flags & TH_SYN) !== 0 ? 0 : this.hs.shift[this.side];
    const edge = seqAdd(seg.ack, Math.min(seg.window * 2 ** shift, 2 ** 30));
    this.rcvAdv = this.rcvAdv === null ? edge : seqMax(this.rcvAdv, edge);
    this.acked = this.acked === null ? seg.ack : seqMax(this.acked, seg.ack);
    this.rcvNxt = seqMax(this.rcvNxt, seg.ack);
    this.owed = this.owed.filter((o) => seqGt(o.need, this.acked!));
  }

  private pawsSuspect(seg: TcpSegment): boolean {
    const ts = seg.options.timestamp;
    if (ts === undefined) return false;
    if (this.tsRecent !== null && ((ts.val - this.tsRecent) | 0) < 0) return true;
    const las = this.acked;
    if (las === null || (seqLeq(seg.seq, las) && seqLeq(las, seqAdd(seg.seq, seg.payload.length + 1)))) {
      this.tsRecent = ts.val;
    }
    return false;
  }

  private received(i: number, t: Instant, seg: TcpSegment): void {
    if ((seg.flags & TH_SYN) !== 0 || this.pawsSuspect(seg) || seg.payload.length === 0) return;
    const start = seg.seq;
    const end = seqAdd(seg.seq, seg.payload.length);
    const cap = this.rcvAdv ?? end;
    if (seqGt(start, this.rcvNxt)) {
      this.ooo.push({ start, end });
      return;
    }
    if (!seqGt(end, this.rcvNxt)) return;
    const need = seqMin(end, cap);
    if (!seqGt(need, this.rcvNxt)) return;
    this.rcvNxt = need;
    this.drainReassembly(cap);
    const full = seg.payload.length >= this.hs.mss[this.from] - FULL_SLACK;
    this.owed.push({ index: i, need, deadline: this.deadline(t), full });
  }

  /** Queued out-of-order data that the new RCV.NXT reaches is delivered with it. */
  private drainReassembly(cap: SeqNum): void {
    for (let moved = true; moved;) {
      moved = false;
      for (const r of this.ooo) {
        const end = seqMin(r.end, cap);
        if (seqLeq(r.start, this.rcvNxt) && seqGt(end, this.rcvNxt)) {
          this.rcvNxt = end;
          moved = true;
        }
      }
    }
    this.ooo = this.ooo.filter((r) => seqGt(r.end, this.rcvNxt));
  }

  private deadline(t: Instant): Instant {
    const cfg = configOf(this.conn, this.side);
    if (!cfg.delayedAck) return t;
    const hz = hzOf(this.conn);
    const n = Math.max(1, Math.floor((cfg.delackTimeMs * hz) / 1000));
    const timer = instantOfTick((ticksAt(t, hz) + n) as ReturnType<typeof ticksAt>, hz);
    return Math.min(timer, t + HALF_SECOND_US - 1) as Instant;
  }

  /** CC-16: owed ACKs whose deadline passed before `now`. */
  private expire(now: Instant, atEnd = false): void {
    const late = this.owed.filter((o) => o.deadline < now && (!atEnd || o.deadline < endOf(this.conn)));
    for (const o of late) {
      this.found.push({ rule: 'CC-16', at: o.index,
        message: `${this.side} leaves in-order data up to ${o.need} unacknowledged past ${o.deadline} µs ` +
          `(delayed ACK ${configOf(this.conn, this.side).delackTimeMs} ms, always < 500 ms; TP-22)` });
    }
    this.owed = this.owed.filter((o) => !late.includes(o));
  }

  /** CC-17: at most one full-sized in-order segment unacknowledged when an instant ends. */
  private instantEnds(): void {
    const full = this.owed.filter((o) => o.full);
    if (full.length < 2) return;
    this.found.push({ rule: 'CC-17', at: full[1]!.index,
      message: `${this.side} has received ${full.length} full-sized in-order segments without sending an ` +
        `ACK by the end of the instant (DragonFly ACKs every second segment, at the latest at the rollup, A.12)` });
    // Reported once: the same debt is not reported again at later instants or deadlines.
    this.owed = this.owed.filter((o) => !o.full);
  }
}

