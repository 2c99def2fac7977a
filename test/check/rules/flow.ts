/**
 * A scripted bulk transfer for the oracle tests: side a sends `total` bytes to side b over a
 * ConnBuilder, following DragonFly's documented sender rules (dragonfly.md A.2–A.10: IW 4·MSS,
 * slow start with ABC L = 2·MSS, byte-counting congestion avoidance, F.1 ssthresh, fast
 * retransmit on the 3rd duplicate ACK, NewReno partial ACKs with the timer restarted, Limited
 * Transmit, timeouts with REXMTVAL·backoff + slop, Eifel undo with timestamps) and b acknowledging
 * every second segment or after 100 ms, out-of-order data at once. It is a test fixture, not a
 * model: REXMTVAL is a constant instead of an RTT estimator. `breaks` switch single rules off, to
 * produce the traces an oracle must reject.
 */
import { instantOfTick, ticksAt } from '../../../src/core/time';
import type { Ticks } from '../../../src/core/time';
import type { Cause, ConnTrace } from '../../../src/check/rules/types';
import type { BuilderOptions } from './conn';
import { ConnBuilder, MSS } from './conn';

export interface Breaks {
  /** Limited Transmit also sends a new segment on the third duplicate ACK. */
  readonly ltOnThird?: boolean;
  /** A NewReno partial ACK does not restart the retransmit timer. */
  readonly noPartialRestart?: boolean;
  /** The Eifel undo restores cwnd but leaves ssthresh at its post-timeout value. */
  readonly undoKeepsSsthresh?: boolean;
  /** No Eifel detection at all: a spurious timeout is followed by go-back-N. */
  readonly noUndo?: boolean;
  /** Fast retransmit leaves ssthresh alone: recovery ends in slow start at the old rate. */
  readonly noSsthreshCut?: boolean;
  /** Congestion avoidance adds one MSS per ACK instead of one per cwnd of acked data. */
  readonly fastAvoidance?: boolean;
}

export interface FlowOptions extends BuilderOptions {
  readonly total: number;
  /** REXMTVAL in ticks (constant here). */
  readonly rexmtVal?: number;
  /** Data offsets to lose, one transmission per listing (list one twice to lose its resend too). */
  readonly lose?: readonly number[];
  /** One-way delay of b's ACK of data offset `ack` sent at time t (ms), e.g. to make a timeout spurious. */
  readonly ackDelayMs?: (tMs: number, ack: number) => number;
  readonly breaks?: Breaks;
  readonly untilMs?: number;
}

const BACKOFF = [1, 2, 4, 8, 16, 32, 64, 64, 64, 64, 64, 64, 64];
const HZ = 100;

class Sender {
  una = 0;
  nxt = 0;
  max = 0;
  cwnd = 4 * MSS;
  ss = Number.POSITIVE_INFINITY;
  wacked = 0;
  dupacks = 0;
  limited = 0;
  inRec = false;
  recover = -1;
  shift = 0;
  rxtcur: number;
  timerDue: number | null = null;
  saved: { kind: 'rto' | 'fr'; ts: number; cwnd: number; ss: number; recover: number; wasRec: boolean } | null = null;
  /** How many more transmissions of each offset the link drops. */
  private readonly lost = new Map<number, number>();

  constructor(readonly b: ConnBuilder, readonly o: FlowOptions, readonly wnd = 65535) {
    this.rxtcur = this.v + this.b.config.rexmitSlopTicks;
    for (const off of o.lose ?? []) this.lost.set(off, (this.lost.get(off) ?? 0) + 1);
  }

  get v(): number {
    return this.o.rexmtVal ?? 100;
  }

  private arm(): void {
    const t = ticksAt(this.b.now, HZ);
    this.timerDue = instantOfTick((t + this.rxtcur) as Ticks, HZ);
  }

  send(off: number, len: number, cause?: Cause): void {
    const left = this.lost.get(off) ?? 0;
    if (left > 0) this.lost.set(off, left - 1);
    this.b.data('a', off, len, { lose: left > 0, ...(cause !== undefined ? { cause } : {}) });
    this.max = Math.max(this.max, off + len);
    if (this.timerDue === null) this.arm();
  }

  output(): void {
    while (this.nxt < this.o.total && this.nxt + Math.min(MSS, this.o.total - this.nxt) <= this.una + Math.min(this.cwnd, this.wnd)) {
      const len = Math.min(MSS, this.o.total - this.nxt);
      this.send(this.nxt, len);
      this.nxt += len;
    }
  }

  onAck(ack: number, ecr: number): void {
    if (ack > this.una) return this.newAck(ack, ecr);
    if (ack === this.una && this.una < this.max) this.dupAck();
  }

  private newAck(ack: number, ecr: number): void {
    const acked = ack - this.una;
    const s = this.saved;
    if (s !== null && ecr !== 0 && ecr < s.ts - 1 && !this.o.breaks?.noUndo) {
      this.cwnd = s.cwnd;
      if (!this.o.breaks?.undoKeepsSsthresh) this.ss = s.ss;
      this.recover = s.recover;
      this.inRec = s.wasRec && s.kind === 'rto' ? true : this.inRec;
      if (s.kind === 'rto') this.nxt = this.max;
    }
    this.saved = null;
    if (ecr !== 0) {
      this.shift = 0;
      this.rxtcur = this.v + this.b.config.rexmitSlopTicks;
    }
    this.dupacks = 0;
    if (this.inRec && ack < this.recover) return this.partialAck(ack, acked);
    if (this.inRec) {
      this.inRec = false;
      this.cwnd = this.ss;
      if (ack + this.cwnd > this.max + 2 * MSS) this.cwnd = this.max - ack + 2 * MSS;
      this.wacked = 0;
    } else {
      this.recover = ack - 1;
      if (this.cwnd <= this.ss) this.cwnd += Math.min(acked, 2 * MSS);
      else if (this.o.breaks?.fastAvoidance) this.cwnd += MSS;
      else if ((this.wacked += acked) >= this.cwnd) {
        this.wacked -= this.cwnd;
        this.cwnd += MSS;
      }
    }
    this.una = ack;
    this.nxt = Math.max(this.nxt, ack);
    if (this.una === this.max) this.timerDue = null;
    else this.arm();
    this.output();
  }

  /** A.4: one retransmission of the next hole; the timer restarts with it (F.5). */
  private partialAck(ack: number, acked: number): void {
    this.una = ack;
    const running = this.timerDue;
    this.timerDue = null;
    this.send(ack, Math.min(MSS, this.max - ack));
    if (this.o.breaks?.noPartialRestart) this.timerDue = running;
    this.cwnd = this.cwnd > acked ? this.cwnd - acked + MSS : MSS;
    this.nxt = Math.max(this.nxt, ack);
  }

  private dupAck(): void {
    if (this.inRec) {
      this.cwnd += MSS;
      return this.output();
    }
    if (this.una < this.recover) {
      this.dupacks = 0;
      return;
    }
    this.dupacks++;
    if (this.dupacks === 3) return this.fastRetransmit();
    if (this.dupacks > 2 || !this.b.config.limitedTransmit) return;
    if (this.dupacks === 1) this.limited = 0;
    const room = (this.dupacks - this.limited) * MSS;
    const start = this.max;
    for (let off = this.max; off < this.o.total && off + MSS <= start + room; off += MSS) this.send(off, Math.min(MSS, this.o.total - off));
    const sent = this.max - start;
    this.nxt = Math.max(this.nxt, this.max);
    if (sent > MSS) this.limited = 2;
    else if (sent > 0) this.limited++;
  }

  private fastRetransmit(): void {
    this.saved = { kind: 'fr', ts: ticksAt(this.b.now, HZ) + 1, cwnd: this.cwnd, ss: this.ss, recover: this.recover, wasRec: false };
    if (!this.o.breaks?.noSsthreshCut) this.ss = Math.max(2, Math.floor(Math.min(this.wnd, this.cwnd) / 2 / MSS)) * MSS;
    else this.ss = this.cwnd;
    this.inRec = true;
    this.recover = this.max;
    this.timerDue = null;
    this.send(this.una, Math.min(MSS, this.max - this.una));
    this.cwnd = this.ss + MSS * (this.dupacks - this.limited);
    if (this.o.breaks?.ltOnThird && this.max < this.o.total) {
      this.send(this.max, Math.min(MSS, this.o.total - this.max));
      this.nxt = this.max;
    }
  }

  onTimer(): void {
    this.timerDue = null;
    this.shift++;
    if (this.shift === 1) {
      this.saved = { kind: 'rto', ts: ticksAt(this.b.now, HZ) + 1, cwnd: this.cwnd, ss: this.ss, recover: this.recover, wasRec: this.inRec };
    }
    this.ss = Math.max(2, Math.floor(Math.min(this.wnd, this.cwnd) / 2 / MSS)) * MSS;
    this.cwnd = MSS;
    this.inRec = false;
    this.recover = this.max;
    this.dupacks = 0;
    this.nxt = this.una;
    this.rxtcur = Math.min(this.v * BACKOFF[this.shift]! + this.b.config.rexmitSlopTicks, 6400);
    const len = Math.min(MSS, this.max - this.una);
    this.send(this.una, len, { kind: 'timer', timer: 'rexmt' });
    this.nxt = this.una + len;
    if (this.timerDue === null) this.arm();
  }
}

class Receiver {
  rcvNxt = 0;
  tsRecent = 0;
  lastAckSent = 0;
  delackDue: number | null = null;
  ooo = new Map<number, number>();

  constructor(readonly b: ConnBuilder, readonly o: FlowOptions) {}

  ackNow(): void {
    const tMs = this.b.nowUs / 1000;
    this.b.ackTo('b', this.rcvNxt, { tsecr: this.tsRecent, delayMs: this.o.ackDelayMs?.(tMs, this.rcvNxt) ?? this.b.delayMs });
    this.lastAckSent = this.rcvNxt;
    this.delackDue = null;
  }

  onData(off: number, len: number, tsval: number): void {
    if (off <= this.lastAckSent && this.lastAckSent <= off + len) this.tsRecent = tsval;
    if (off > this.rcvNxt) {
      this.ooo.set(off, len);
      return this.ackNow();
    }
    if (off + len <= this.rcvNxt) return this.ackNow();
    const gap = this.ooo.size > 0;
    this.rcvNxt = off + len;
    for (let moved = true; moved;) {
      moved = false;
      for (const [o, l] of this.ooo) {
        if (o <= this.rcvNxt && o + l > this.rcvNxt) {
          this.rcvNxt = o + l;
          moved = true;
        }
      }
    }
    for (const [o, l] of [...this.ooo]) if (o + l <= this.rcvNxt) this.ooo.delete(o);
    if (gap || this.delackDue !== null) return this.ackNow();
    this.delackDue = instantOfTick((ticksAt(this.b.now, HZ) + 10) as Ticks, HZ);
  }
}

/** Run the transfer; returns the builder (with its trace) once nothing is left to happen. */
export function bulkFlow(o: FlowOptions): { b: ConnBuilder; conn: ConnTrace } {
  const b = new ConnBuilder(o);
  b.handshake();
  const s = new Sender(b, o);
  const r = new Receiver(b, o);
  b.wrote('a', o.total);
  s.output();
  const until = (o.untilMs ?? 300_000) * 1000;
  for (let guard = 0; guard < 100_000; guard++) {
    const times = [b.nextArrivalUs(), s.timerDue, r.delackDue].filter((x): x is number => x !== null);
    if (times.length === 0) break;
    const t = Math.min(...times);
    if (t > until) break;
    while ((b.nextArrivalUs() ?? Number.POSITIVE_INFINITY) <= t) {
      const e = b.events[b.step()!]!;
      const ts = e.seg.options.timestamp;
      if (e.side === 'b' && e.seg.payload.length > 0) r.onData(e.seg.seq - b.seqOf('a', 0), e.seg.payload.length, ts?.val ?? 0);
      if (e.side === 'a') s.onAck(e.seg.ack - b.seqOf('a', 0), ts?.ecr ?? 0);
    }
    b.at(t / 1000);
    if (r.delackDue !== null && r.delackDue <= t) r.ackNow();
    if (s.timerDue !== null && s.timerDue <= t) s.onTimer();
  }
  return { b, conn: b.conn() };
}
