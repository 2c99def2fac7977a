import type { TcpSegment } from '../../core/packet';
import { TH_ACK, TH_FIN, TH_SYN } from '../../core/packet';
import type { SeqNum } from '../../core/seq';
import { seqAdd, seqDiff, seqGeq, seqGt, seqLeq, seqMax } from '../../core/seq';

/**
 * The receive side of one end, as far as its sender's behaviour depends on it: RCV.NXT, whether
 * out-of-order data is queued, the right edge it advertised, and whether the peer's FIN arrived in
 * order. DragonFly's header prediction (dragonfly.md A.12/TP-22: the fast path of `tcp_input`)
 * consults exactly these, and a segment taken on the fast path skips duplicate-ACK counting and the
 * SACK scoreboard altogether — so the sender shadow needs them to count duplicate ACKs as DragonFly
 * does. Every in-window byte is taken as accepted (DragonFly accepts at least up to the right edge
 * it advertised, A.12).
 */
export class RecvState {
  nxt: SeqNum;
  /** The highest right edge (ACK + window) this end advertised. */
  adv: SeqNum;
  /** The sequence number just after the peer's FIN, once seen. */
  private finEnd: SeqNum | null = null;
  private ooo: { start: SeqNum; end: SeqNum }[] = [];

  constructor(peerIss: SeqNum) {
    this.nxt = seqAdd(peerIss, 1);
    this.adv = this.nxt;
  }

  /** The peer's FIN was received in order (the end is past ESTABLISHED). */
  get finIn(): boolean {
    return this.finEnd !== null && seqGeq(this.nxt, this.finEnd);
  }

  get oooEmpty(): boolean {
    return this.ooo.length === 0;
  }

  /** The window still open to the peer: what DragonFly's receive buffer certainly has room for. */
  get openWindow(): number {
    return Math.max(0, seqDiff(this.adv, this.nxt));
  }

  /**
   * What is left of `seg` after `tcp_input` trims data this end already has (B.4 step 5: leading
   * duplicate data is dropped before the ACK is looked at): payload bytes and whether the FIN
   * survives.
   */
  trimmed(seg: TcpSegment): { len: number; fin: boolean } {
    const todrop = seqDiff(this.nxt, seg.seq);
    const fin = (seg.flags & TH_FIN) !== 0;
    if (todrop <= 0) return { len: seg.payload.length, fin };
    const len = seg.payload.length;
    if (todrop > len || (todrop === len && !fin)) return { len: 0, fin: false };
    return { len: len - todrop, fin };
  }

  /** This end sent `seg` (with its own window `shift`). */
  sent(seg: TcpSegment, shift: number): void {
    if ((seg.flags & TH_ACK) === 0) return;
    const win = (seg.flags & TH_SYN) !== 0 ? seg.window : seg.window * 2 ** shift;
    this.adv = seqMax(this.adv, seqAdd(seg.ack, Math.min(win, 2 ** 30)));
  }

  /** This end processed `seg` from its peer. */
  received(seg: TcpSegment): void {
    if ((seg.flags & TH_SYN) !== 0) return;
    const fin = (seg.flags & TH_FIN) !== 0 ? 1 : 0;
    const len = seg.payload.length + fin;
    if (len === 0) return;
    const start = seg.seq;
    const end = seqAdd(start, len);
    if (fin === 1) this.finEnd = end;
    if (seqGt(start, this.nxt)) {
      this.ooo.push({ start, end });
      return;
    }
    if (!seqGt(end, this.nxt)) return;
    this.nxt = end;
    for (let moved = true; moved;) {
      moved = false;
      for (const r of this.ooo) {
        if (seqLeq(r.start, this.nxt) && seqGt(r.end, this.nxt)) {
          this.nxt = r.end;
          moved = true;
        }
      }
    }
    this.ooo = this.ooo.filter((r) => seqGt(r.end, this.nxt));
  }
}
