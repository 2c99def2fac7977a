/**
 * Hand-built connection traces for the rule-oracle tests. A `ConnBuilder` plays both ends of one
 * TCP connection on a virtual clock: each segment a side sends is an `out` event now and, unless
 * lost, an `in` event at its peer one link delay later (appended when the clock reaches it, so
 * events stay in processing order). Sequence numbers are written relative to each side's first
 * data byte (`off`), ACK fields default to what the sender has received in order, TSvals to
 * ticks + 1 (TP-4) and echoes to the last TSval received, so a test states only what matters.
 * The handshake gives a MSS of exactly 1000 bytes (t_maxseg) with or without timestamps.
 */
import type { TcpConfig } from '../../../src/core/config';
import { TCP_DEFAULTS } from '../../../src/core/config';
import type { SackBlock, TcpOptions, TcpSegment } from '../../../src/core/packet';
import { TH_ACK, TH_FIN, TH_PSH, TH_SYN, segLen } from '../../../src/core/packet';
import { port } from '../../../src/core/addr';
import type { SeqNum } from '../../../src/core/seq';
import { seq, seqAdd, seqGt } from '../../../src/core/seq';
import type { Instant } from '../../../src/core/time';
import { instant, ticksAt } from '../../../src/core/time';
import type { Cause, ConnEvent, ConnTrace, Side, SupplyPoint } from '../../../src/check/rules/types';

export const MSS = 1000;
export const ISS: Record<Side, number> = { a: 1000, b: 500_000 };
const HZ = 100;

export interface BuilderOptions {
  readonly config?: Partial<TcpConfig>;
  readonly ts?: boolean;
  readonly sack?: boolean;
  /** One-way delay in ms. */
  readonly delayMs?: number;
  /** The window field of every segment unless a segment says otherwise (default 65535). */
  readonly win?: number;
}

export interface SegOptions {
  readonly flags?: number;
  readonly ack?: number;
  readonly win?: number;
  readonly tsval?: number;
  readonly tsecr?: number;
  readonly sack?: readonly SackBlock[];
  readonly cause?: Cause;
  readonly lose?: boolean;
  readonly delayMs?: number;
}

interface Pending {
  readonly at: number;
  readonly order: number;
  readonly ev: ConnEvent;
}

export class ConnBuilder {
  readonly events: ConnEvent[] = [];
  readonly config: TcpConfig;
  readonly ts: boolean;
  readonly sack: boolean;
  readonly delayMs: number;
  readonly win: number;
  nowUs = 0;
  private pending: Pending[] = [];
  private order = 0;
  private readonly rcvNxt: Record<Side, SeqNum | null> = { a: null, b: null };
  private readonly lastTs: Record<Side, number> = { a: 0, b: 0 };
  private readonly sndNxt: Record<Side, SeqNum | null> = { a: null, b: null };
  readonly supply: Record<Side, SupplyPoint[]> = { a: [], b: [] };

  constructor(o: BuilderOptions = {}) {
    this.config = { ...TCP_DEFAULTS, ...o.config };
    this.ts = o.ts ?? true;
    this.sack = o.sack ?? false;
    this.delayMs = o.delayMs ?? 50;
    this.win = o.win ?? 65535;
  }

  /** Move the clock to `ms` and hand over every segment due by then. */
  at(ms: number): this {
    this.nowUs = Math.round(ms * 1000);
    this.deliver();
    return this;
  }

  get now(): Instant {
    return instant(this.nowUs);
  }

  /** Hand over only the next segment in flight (moving the clock to it); returns its index. */
  step(): number | null {
    const next = [...this.pending].sort((x, y) => x.at - y.at || x.order - y.order)[0];
    if (next === undefined) return null;
    this.nowUs = Math.max(this.nowUs, next.at);
    this.deliver(next);
    return this.events.length - 1;
  }

  private deliver(only?: Pending): void {
    const due = only !== undefined ? [only] :
      this.pending.filter((p) => p.at <= this.nowUs).sort((x, y) => x.at - y.at || x.order - y.order);
    this.pending = this.pending.filter((p) => !due.includes(p));
    for (const p of due) {
      const seg = p.ev.seg;
      const side = p.ev.side;
      const end = seqAdd(seg.seq, segLen(seg));
      const nxt = this.rcvNxt[side];
      if ((seg.flags & TH_SYN) !== 0 && nxt === null) this.rcvNxt[side] = end;
      else if (nxt !== null && seg.seq === nxt && seqGt(end, nxt)) this.rcvNxt[side] = end;
      if (seg.options.timestamp !== undefined) this.lastTs[side] = seg.options.timestamp.val;
      this.events.push(p.ev);
    }
  }

  /** The absolute sequence number of `side`'s data byte `off` (0 = ISS + 1). */
  seqOf(side: Side, off: number): SeqNum {
    return seq(ISS[side] + 1 + off);
  }

  /** Index of the last event. */
  get last(): number {
    return this.events.length - 1;
  }

  /** Index of the last `in` event of `side`. */
  lastIn(side: Side): number {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i]!;
      if (e.dir === 'in' && e.side === side) return i;
    }
    return -1;
  }

  /** Send a raw segment from `side` now; returns the index of its `out` event. */
  segment(side: Side, s: { seq: SeqNum; payload?: number; options?: TcpOptions } & SegOptions): number {
    const peer: Side = side === 'a' ? 'b' : 'a';
    const flags = s.flags ?? TH_ACK;
    const ack = s.ack !== undefined ? seq(s.ack) : (this.rcvNxt[side] ?? seq(0));
    const options: TcpOptions = {
      ...(s.options ?? {}),
      ...(this.ts ? { timestamp: { val: s.tsval ?? ticksAt(this.now, HZ) + 1, ecr: s.tsecr ?? this.lastTs[side] } } : {}),
      ...(s.sack !== undefined ? { sack: s.sack } : {}),
    };
    const seg: TcpSegment = {
      srcPort: port(side === 'a' ? 49152 : 80), dstPort: port(side === 'a' ? 80 : 49152), seq: s.seq,
      ack: (flags & TH_ACK) !== 0 ? ack : seq(0), flags, window: s.win ?? this.win, urgent: 0, options,
      payload: new Uint8Array(s.payload ?? 0),
    };
    const end = seqAdd(seg.seq, segLen(seg));
    const nxt = this.sndNxt[side];
    if (nxt === null || seqGt(end, nxt)) this.sndNxt[side] = end;
    const lose = s.lose ?? false;
    this.events.push({
      t: this.now, dir: 'out', side, seg, delivered: !lose, ...(s.cause !== undefined ? { cause: s.cause } : {}),
    });
    const index = this.events.length - 1;
    if (!lose) {
      const at = this.nowUs + Math.round((s.delayMs ?? this.delayMs) * 1000);
      this.pending.push({ at, order: this.order++, ev: { t: instant(at), dir: 'in', side: peer, seg, delivered: true } });
    }
    return index;
  }

  /** `len` data bytes of `side` starting at offset `off`. */
  data(side: Side, off: number, len: number, o: SegOptions = {}): number {
    return this.segment(side, { ...o, seq: this.seqOf(side, off), payload: len });
  }

  /** Consecutive full segments from `off`: returns their indices. */
  burst(side: Side, off: number, count: number, o: SegOptions = {}): number[] {
    return Array.from({ length: count }, (_, k) => this.data(side, off + k * MSS, MSS, o));
  }

  /** A pure ACK from `side` (ack defaults to what it has received in order). */
  ack(side: Side, o: SegOptions = {}): number {
    return this.segment(side, { ...o, seq: this.sndNxt[side] ?? this.seqOf(side, 0) });
  }

  /** An ACK from `side` acknowledging the peer's data up to offset `off`. */
  ackTo(side: Side, off: number, o: SegOptions = {}): number {
    const peer: Side = side === 'a' ? 'b' : 'a';
    return this.ack(side, { ...o, ack: this.seqOf(peer, off) });
  }

  /**
   * SYN, SYN|ACK, ACK. `synTimesMs` lists when a sends its SYN (relative to now); all but the last
   * are lost, and the retransmissions are the rexmt timer's.
   */
  handshake(o: { synTimesMs?: readonly number[]; wscale?: number } = {}): this {
    const opts: TcpOptions = {
      mss: MSS + (this.ts ? 12 : 0),
      ...(o.wscale !== undefined ? { wscale: o.wscale } : {}),
      ...(this.sack ? { sackPermitted: true } : {}),
    };
    const t0 = this.nowUs / 1000;
    const times = o.synTimesMs ?? [0];
    times.forEach((ms, k) => {
      this.at(t0 + ms);
      this.segment('a', { seq: seq(ISS.a), flags: TH_SYN, options: opts, tsecr: 0, lose: k < times.length - 1,
        ...(k > 0 ? { cause: { kind: 'timer', timer: 'rexmt' } as const } : {}) });
    });
    const tSyn = t0 + times[times.length - 1]!;
    this.at(tSyn + this.delayMs);
    this.segment('b', { seq: seq(ISS.b), flags: TH_SYN | TH_ACK, options: opts });
    this.at(tSyn + 2 * this.delayMs);
    this.ack('a');
    return this;
  }

  /** When the next segment in flight arrives (µs), or null. */
  nextArrivalUs(): number | null {
    return this.pending.length === 0 ? null : Math.min(...this.pending.map((p) => p.at));
  }

  /** Deliver everything still in flight. */
  flush(): this {
    const last = Math.max(this.nowUs, ...this.pending.map((p) => p.at));
    return this.at(last / 1000);
  }

  /** Record that `side`'s application had written `bytes` in all by now. */
  wrote(side: Side, bytes: number): this {
    this.supply[side].push({ t: this.now, bytes });
    return this;
  }

  conn(extra: Partial<ConnTrace> = {}): ConnTrace {
    return { config: this.config, hz: HZ, events: [...this.events], supply: this.supply, name: 'test', ...extra };
  }
}

export const PSH = TH_PSH;
export const FIN = TH_FIN;
export const ACK = TH_ACK;
