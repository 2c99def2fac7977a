/**
 * Two model TCP endpoints wired by a tiny in-test relay: a discrete-event loop over segment
 * deliveries (one-way delay, scripted losses, reordering by delay), due timers (tcpPollAt) and
 * one rollup after each segment (TP-30, a batch of one). Every segment crosses the wire through
 * the real codec (encode, then decode), so what the tests see is what a peer would receive.
 * No simulator is involved: the tests drive the pure API directly.
 */
import type { Endpoint, IpAddr } from '../../../src/core/addr';
import { EPHEMERAL_FIRST, hostAddr, port } from '../../../src/core/addr';
import { decodePacket, encodePacket } from '../../../src/core/codec';
import { stableHash } from '../../../src/core/hash';
import type { HostConfig, TcpConfig } from '../../../src/core/config';
import { TCP_DEFAULTS, UDP_DEFAULTS } from '../../../src/core/config';
import type { CallId, CpuId, Fd } from '../../../src/core/ids';
import { callId, cpuId, fd as mkFd } from '../../../src/core/ids';
import type { Packet, TcpSegment } from '../../../src/core/packet';
import { tcpFlagsToString } from '../../../src/core/packet';
import type { CallRequest, CallResult } from '../../../src/core/socket';
import type { Instant } from '../../../src/core/time';
import { instant } from '../../../src/core/time';
import { tcpFlowCpu } from '../../../src/core/toeplitz';
import type { TcpCtx, TcpHostState, TcpStep, Tcb } from '../../../src/model/tcp';
import {
  tcpInitial, tcpPollAt, tcpRollup, tcpSegmentArrives, tcpTimerFires, tcpUserCall,
} from '../../../src/model/tcp';

export type Side = 'a' | 'b';
export const other = (s: Side): Side => (s === 'a' ? 'b' : 'a');

export interface WireRecord {
  readonly t: Instant;
  readonly from: Side;
  readonly seg: TcpSegment;
  readonly dropped: boolean;
}

export function tcpHostConfig(tcp: Partial<TcpConfig> = {}, ncpus = 1): HostConfig {
  return { stack: 'model', ncpus, hz: 100, tcp: { ...TCP_DEFAULTS, ...tcp }, udp: UDP_DEFAULTS };
}

export class Endpt {
  state: TcpHostState;
  ctx: TcpCtx = { nextFd: mkFd(3), portCursor: EPHEMERAL_FIRST };
  constructor(readonly side: Side, readonly addr: IpAddr, config: HostConfig, seed: number) {
    this.state = tcpInitial(config, addr, seed);
  }
}

type DropRule = (seg: TcpSegment, from: Side, index: number) => boolean;

/** Two endpoints, a (10.0.0.1) and b (10.0.0.2), and the wire between them. */
export class Relay {
  readonly a: Endpt;
  readonly b: Endpt;
  now: Instant = instant(0);
  readonly wire: WireRecord[] = [];
  readonly results = new Map<CallId, CallResult>();
  /** Per direction: how many segments were sent so far (the index a drop rule sees). */
  private readonly sent: Record<Side, number> = { a: 0, b: 0 };
  private inflight: { at: number; to: Side; bytes: Uint8Array; order: number }[] = [];
  private order = 0;
  private nextCall = 1;
  private readonly dropRules: DropRule[] = [];
  delayUs = 5_000;
  /** When true, segments due at the same instant form one netisr batch: one rollup after all (TP-22). */
  batch = false;
  /** Extra delay per segment (for reordering), by direction and index. */
  readonly extraDelay = new Map<string, number>();

  constructor(opts: { a?: Partial<TcpConfig>; b?: Partial<TcpConfig>; ncpus?: number; delayUs?: number } = {}) {
    this.a = new Endpt('a', hostAddr(0), tcpHostConfig(opts.a, opts.ncpus ?? 1), 11);
    this.b = new Endpt('b', hostAddr(1), tcpHostConfig(opts.b, opts.ncpus ?? 1), 22);
    if (opts.delayUs !== undefined) this.delayUs = opts.delayUs;
  }

  host(s: Side): Endpt {
    return s === 'a' ? this.a : this.b;
  }

  ep(s: Side, p: number): Endpoint {
    return { addr: this.host(s).addr, port: port(p) };
  }

  /** Drop segments from `from` matching `pred` (index = 0-based count in that direction). */
  drop(pred: DropRule): void {
    this.dropRules.push(pred);
  }

  /** Drop the `index`-th segment sent by `from` (0-based). */
  dropIndex(from: Side, ...indices: number[]): void {
    this.drop((_s, f, i) => f === from && indices.includes(i));
  }

  /**
   * Purity check (STYLE P7): when on, every step must leave the state it started from unchanged
   * (same stable hash before and after) and return a deep-frozen state.
   */
  checkPurity = false;
  steps = 0;

  private run(e: Endpt, f: (s: TcpHostState, c: TcpCtx) => TcpStep): void {
    const before = e.state;
    const h = this.checkPurity ? stableHash(before) : '';
    const r = f(before, e.ctx);
    this.steps += 1;
    if (this.checkPurity) {
      if (stableHash(before) !== h) throw new Error('purity: a step changed the state it was given');
      assertDeepFrozen(r.state, 'state');
    }
    this.apply(e, r);
  }

  private apply(e: Endpt, r: TcpStep): void {
    e.state = r.state;
    e.ctx = r.ctx;
    for (const c of r.outputs.completions) {
      if (this.results.has(c.call)) throw new Error(`call ${c.call} completed twice`);
      this.results.set(c.call, c.result);
    }
    for (const p of r.outputs.packets) this.transmit(e.side, p);
  }

  private transmit(from: Side, p: Packet): void {
    const bytes = encodePacket(p);
    const back = decodePacket(bytes);
    if (!back.ok || back.value.body.proto !== 'tcp') throw new Error(`model emitted an undecodable segment`);
    const seg = back.value.body.tcp;
    const index = this.sent[from]++;
    const dropped = this.dropRules.some((r) => r(seg, from, index));
    this.wire.push({ t: this.now, from, seg, dropped });
    if (dropped) return;
    const extra = this.extraDelay.get(`${from}:${index}`) ?? 0;
    this.inflight.push({ at: this.now + this.delayUs + extra, to: other(from), bytes, order: this.order++ });
  }

  /** Issue a call on `side` now; returns its result, or undefined while it blocks. */
  call(side: Side, req: CallRequest, cpu = 0): CallResult | undefined {
    return this.results.get(this.callAsync(side, req, cpu));
  }

  /** Issue a call and remember its id, for calls that block. */
  callAsync(side: Side, req: CallRequest, cpu = 0): CallId {
    const id = callId(this.nextCall++);
    const e = this.host(side);
    // The host's socket layer answers EBADF for a descriptor that is not open (UP-4).
    if (req.op !== 'socket' && !e.state.sockets.some((s) => s.fd === req.fd)) {
      this.results.set(id, { ok: false, error: 'EBADF' });
      return id;
    }
    this.run(e, (st, c) => tcpUserCall(st, c, { id, app: 0, cpu: cpuId(cpu), req }, this.now));
    return id;
  }

  /** The next event time: a delivery or a due timer; null when nothing is pending. */
  private nextEvent(): number | null {
    let t: number | null = null;
    for (const f of this.inflight) t = t === null ? f.at : Math.min(t, f.at);
    for (const e of [this.a, this.b]) {
      const due = tcpPollAt(e.state);
      if (due !== null) t = t === null ? due.at : Math.min(t, due.at);
    }
    return t;
  }

  /** Run the world until `until` (µs) or until nothing is pending. */
  runUntil(until: number): void {
    for (let guard = 0; guard < 200_000; guard++) {
      const t = this.nextEvent();
      if (t === null || t > until) {
        if (until > this.now && Number.isFinite(until)) this.now = instant(Math.max(this.now, until));
        return;
      }
      this.now = instant(Math.max(this.now, t));
      this.fireTimers();
      this.deliverDue();
    }
    throw new Error('relay: too many events');
  }

  /** Run until quiet, at most `maxUs` more. */
  settle(maxUs = 120_000_000): void {
    this.runUntil(this.now + maxUs);
  }

  private fireTimers(): void {
    for (const e of [this.a, this.b]) {
      for (let due = tcpPollAt(e.state); due !== null && due.at <= this.now; due = tcpPollAt(e.state)) {
        this.run(e, (st, c) => tcpTimerFires(st, c, due.conn, due.timer, this.now));
      }
    }
  }

  private deliverDue(): void {
    this.inflight.sort((x, y) => x.at - y.at || x.order - y.order);
    const pending: [Endpt, CpuId][] = [];
    while (this.inflight.length > 0 && this.inflight[0]!.at <= this.now) {
      const f = this.inflight.shift()!;
      const e = this.host(f.to);
      const decoded = decodePacket(f.bytes);
      if (!decoded.ok) throw new Error('relay: undecodable frame');
      this.run(e, (st, c) => tcpSegmentArrives(st, c, decoded.value, this.now));
      const seg = decoded.value.body.proto === 'tcp' ? decoded.value.body.tcp : null;
      const cpu: CpuId = seg === null ? cpuId(0)
        : tcpFlowCpu(decoded.value.ip.src, seg.srcPort, decoded.value.ip.dst, seg.dstPort, e.state.config.ncpus);
      if (this.batch) {
        if (!pending.some(([pe, pc]) => pe === e && pc === cpu)) pending.push([e, cpu]);
        continue;
      }
      this.run(e, (st, c) => tcpRollup(st, c, cpu, this.now));
      this.fireTimers();
    }
    for (const [e, cpu] of pending) this.run(e, (st, c) => tcpRollup(st, c, cpu, this.now));
    if (pending.length > 0) this.fireTimers();
  }

  /**
   * Deliver a forged segment to `to` now, as if `other(to)` sent it from `fromPort` to `toPort`
   * (it goes through the codec, and a rollup follows as for any segment).
   */
  inject(to: Side, seg: { fromPort: number; toPort: number; seq: number; ack?: number; flags: number; window?: number; payload?: Uint8Array; options?: TcpSegment['options'] }): void {
    const e = this.host(to);
    const p: Packet = {
      ip: { src: this.host(other(to)).addr, dst: e.addr, ttl: 64, id: 0, tos: 0, dontFragment: true },
      body: { proto: 'tcp', tcp: {
        srcPort: port(seg.fromPort), dstPort: port(seg.toPort), seq: (seg.seq >>> 0) as TcpSegment['seq'],
        ack: ((seg.ack ?? 0) >>> 0) as TcpSegment['ack'], flags: seg.flags, window: seg.window ?? 1000, urgent: 0,
        options: seg.options ?? {}, payload: seg.payload ?? new Uint8Array(0),
      } },
    };
    const decoded = decodePacket(encodePacket(p));
    if (!decoded.ok) throw new Error('inject: undecodable');
    this.run(e, (st, c) => tcpSegmentArrives(st, c, decoded.value, this.now));
    this.run(e, (st, c) => tcpRollup(st, c, cpuId(0), this.now));
  }

  /** The TCB of `side`'s connection (the first one), for white-box assertions. */
  tcb(side: Side, index = 0): Tcb {
    const tcbs = this.host(side).state.sockets.filter((s) => s.tcb !== null).map((s) => s.tcb!);
    const t = tcbs[index];
    if (t === undefined) throw new Error(`${side} has no connection #${index}`);
    return t;
  }

  hasTcb(side: Side): boolean {
    return this.host(side).state.sockets.some((s) => s.tcb !== null);
  }

  /** Segments sent by `from` (delivered or not), optionally only those with data. */
  segs(from: Side, opts: { data?: boolean; since?: number } = {}): WireRecord[] {
    return this.wire.filter((w) => w.from === from && (opts.since === undefined || w.t >= opts.since) &&
      (opts.data !== true || w.seg.payload.length > 0));
  }

  /** A one-line-per-segment transcript, for debugging failing tests. */
  transcript(): string {
    return this.wire.map((w) => {
      const s = w.seg;
      const o = s.options;
      const opt = [o.mss !== undefined ? `mss ${o.mss}` : '', o.wscale !== undefined ? `ws ${o.wscale}` : '',
        o.sackPermitted ? 'sackOK' : '', o.timestamp ? `ts ${o.timestamp.val}/${o.timestamp.ecr}` : '',
        o.sack ? `sack ${o.sack.map((b) => `${b.start}-${b.end}`).join(',')}` : ''].filter((x) => x !== '').join(' ');
      return `${(w.t / 1000).toFixed(1).padStart(9)}ms ${w.from}→${other(w.from)} ${tcpFlagsToString(s.flags).padEnd(4)} ` +
        `seq ${s.seq} ack ${s.ack} win ${s.window} len ${s.payload.length}${opt ? ` <${opt}>` : ''}${w.dropped ? ' DROPPED' : ''}`;
    }).join('\n');
  }
}

/** Every plain object and array reachable from `v` is frozen (typed arrays cannot be). */
export function assertDeepFrozen(v: unknown, path: string): void {
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return;
  if (!Object.isFrozen(v)) throw new Error(`purity: ${path} is not frozen`);
  for (const [k, x] of Object.entries(v)) assertDeepFrozen(x, `${path}.${k}`);
}

/** Deterministic payload bytes for tests. */
export function bytes(n: number, salt = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + salt * 7 + 13) & 0xff;
  return out;
}

export type { Fd };
