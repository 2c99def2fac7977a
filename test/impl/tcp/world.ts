import type { Endpoint } from '../../../src/core/addr';
import { hostAddr, port } from '../../../src/core/addr';
import type { HostConfig, TcpConfig } from '../../../src/core/config';
import { TCP_DEFAULTS, UDP_DEFAULTS } from '../../../src/core/config';
import type { Host, HostEnv, RunnableThread } from '../../../src/core/host';
import type { CallId, DeliveryId, FrameId } from '../../../src/core/ids';
import { callId, cpuId, deliveryId, fd, frameId, hostId } from '../../../src/core/ids';
import type { CallRequest, CallResult } from '../../../src/core/socket';
import type { Instant } from '../../../src/core/time';
import type { TraceBody, TraceEvent } from '../../../src/core/trace';
import { createImplHost } from '../../../src/impl';

/**
 * A small two-host world with time, for the TCP tests: frames cross a link after `delayUs`,
 * may be dropped by a test-supplied rule, and hosts' timers fire when the clock reaches their
 * deadlines. The scheduler runs the first runnable thread unless `pick` says otherwise. Unlike
 * the simulator it lets a test step, inspect and inject at any point.
 */

export interface WorldOptions {
  readonly ncpus: readonly number[];
  readonly tcp?: Partial<TcpConfig> | readonly Partial<TcpConfig>[];
  readonly delayUs?: number;
  readonly checkMode?: boolean;
  readonly pick?: (runnable: readonly RunnableThread[], step: number) => number;
  /**
   * The fate of a frame (the `index`-th sent by host `from`): delivered after the link delay
   * (true), dropped (false), or delivered after that many extra µs (a number, reordering).
   */
  readonly deliver?: (f: SentFrame) => boolean | number;
  /** Deliver a second copy of the frame, this many µs after the first (duplication). */
  readonly duplicate?: (f: SentFrame) => number | null;
  /** Host factories per index (tests may put another stack on one end). */
  readonly factory?: (index: number, env: HostEnv) => Host;
}

export interface SentFrame {
  readonly from: number;
  readonly index: number;
  readonly frame: FrameId;
  readonly bytes: Uint8Array;
  readonly at: number;
}

interface Arrival {
  readonly at: number;
  readonly to: number;
  readonly f: SentFrame;
}

export class World {
  readonly hosts: Host[] = [];
  readonly trace: TraceEvent[] = [];
  readonly sent: SentFrame[] = [];
  readonly results = new Map<CallId, CallResult>();
  readonly delayUs: number;
  now = 0;
  steps = 0;
  private readonly arrivals: Arrival[] = [];
  private readonly perHost: number[] = [];
  private nextCall = 1;
  private nextFrame = 0;
  private nextDelivery = 0;

  constructor(readonly opts: WorldOptions) {
    this.delayUs = opts.delayUs ?? 1000;
    opts.ncpus.forEach((n, i) => {
      this.perHost.push(0);
      const env = this.env(i, n);
      this.hosts.push(opts.factory?.(i, env) ?? createImplHost(env));
    });
  }

  private tcpOf(i: number): TcpConfig {
    const t = this.opts.tcp;
    const o = Array.isArray(t) ? (t as Partial<TcpConfig>[])[i] ?? {} :
        (t as Partial<TcpConfig> | undefined) ?? {};
    return { ...TCP_DEFAULTS, ...o };
  }

  private env(i: number, ncpus: number): HostEnv {
    const config: HostConfig = { stack: 'impl', ncpus, hz: 100, tcp: this.tcpOf(i), udp:
        UDP_DEFAULTS };
    const emit = (body: TraceBody): void => {
      this.trace.push({ ...body, seq: this.trace.length, t: this.now as Instant } as TraceEvent);
    };
    return {
      id: hostId(i), addr: hostAddr(i), config, now: () => this.now as Instant,
      transmit: (bytes) => {
        const f: SentFrame = { from: i, index: this.perHost[i]!++, frame:
            frameId(this.nextFrame++), bytes: bytes.slice(), at: this.now };
        emit({ kind: 'frame-sent', host: hostId(i), frame: f.frame, bytes: f.bytes });
        this.sent.push(f);
        const fate = this.opts.deliver?.(f) ?? true;
        if (fate !== false) {
          const extra = fate === true ? 0 : fate;
          this.arrivals.push({ at: this.now + this.delayUs + extra, to: 1 - i, f });
          const dup = this.opts.duplicate?.(f) ?? null;
          if (dup !== null) this.arrivals.push({ at: this.now + this.delayUs + extra + dup, to:
              1 - i, f });
        }
        return f.frame;
      },
      complete: (c) => {
        if (this.results.has(c.call)) throw new Error(`call ${c.call} completed twice`);
        this.results.set(c.call, c.result);
        emit({ kind: 'call-completed', host: hostId(i), call: c.call, result: c.result });
      },
      trace: { emit, checkMode: this.opts.checkMode ?? true },
    };
  }

  call(host: number, req: CallRequest, o: { app?: number; cpu?: number } = {}): CallId {
    const id = callId(this.nextCall++);
    const call = { id, app: o.app ?? 0, cpu: cpuId(o.cpu ?? 0), req };
    this.trace.push({ kind: 'call-issued', host: hostId(host), call, seq: this.trace.length, t:
        this.now as Instant } as TraceEvent);
    this.hosts[host]!.callIssued(call);
    return id;
  }

  /** Deliver due frames, fire due timers, run one thread; false when nothing can run now. */
  private stepNow(): boolean {
    this.deliverDue();
    for (const h of this.hosts) {
      const d = h.nextDeadline();
      if (d !== null && d <= this.now) h.timeAdvanced();
    }
    const r = this.hosts.flatMap((h) => h.runnable());
    if (r.length === 0) return false;
    const i = this.opts.pick?.(r, this.steps) ?? 0;
    const t = r[((i % r.length) + r.length) % r.length]!;
    this.steps++;
    this.hosts[t.host]!.run(t.thread);
    return true;
  }

  private deliverDue(): void {
    this.arrivals.sort((a, b) => a.at - b.at || a.f.frame - b.f.frame);
    while (this.arrivals.length > 0 && this.arrivals[0]!.at <= this.now) {
      const a = this.arrivals.shift()!;
      this.inject(a.to, a.f.bytes, a.f.frame);
    }
  }

  /** Hand a frame to a host's NIC now. */
  inject(host: number, bytes: Uint8Array, frame?: FrameId): DeliveryId {
    const d = deliveryId(this.nextDelivery++);
    const f = frame ?? frameId(this.nextFrame++);
    if (frame === undefined) {
      this.trace.push({ kind: 'frame-sent', host: hostId(1 - host), frame: f, bytes, seq:
          this.trace.length, t: this.now as Instant } as TraceEvent);
    }
    this.trace.push({ kind: 'frame-delivered', host: hostId(host), frame: f, delivery: d, seq:
        this.trace.length, t: this.now as Instant } as TraceEvent);
    this.hosts[host]!.frameArrives(d, f, bytes);
    return d;
  }

  /** The next instant anything is due, or null. */
  private next(): number | null {
    let n: number | null = null;
    for (const a of this.arrivals) if (n === null || a.at < n) n = a.at;
    for (const h of this.hosts) {
      const d = h.nextDeadline();
      if (d !== null && (n === null || d < n)) n = d;
    }
    return n;
  }

  /** Run until quiescent, `untilUs`, or `done()`; returns whether `done` held. */
  run(o: { untilUs?: number; done?: () => boolean; maxSteps?: number } = {}): boolean {
    const until = o.untilUs ?? Number.MAX_SAFE_INTEGER;
    const maxSteps = o.maxSteps ?? 5_000_000;
    for (;;) {
      if (o.done?.()) return true;
      if (this.steps > maxSteps) throw new Error(`world: ${maxSteps} steps`);
      if (this.stepNow()) continue;
      const n = this.next();
      if (n === null || n > until) return o.done?.() ?? false;
      this.now = Math.max(this.now, n);
    }
  }

  /** Issue a call and run until it completes (at most `untilUs` more virtual µs). */
  do(
    host: number, req: CallRequest, o: { app?: number; cpu?: number; untilUs?: number } = {},
  ): CallResult {
    const id = this.call(host, req, o);
    const ok = this.run({ done: () => this.results.has(id), untilUs: this.now + (o.untilUs ??
        600_000_000) });
    if (!ok) throw new Error(`call ${id} (${req.op}) did not complete`);
    return this.results.get(id)!;
  }

  events<K extends TraceEvent['kind']>(kind: K): Extract<TraceEvent, { kind: K }>[] {
    return this.trace.filter((e): e is Extract<TraceEvent, { kind: K }> => e.kind === kind);
  }
}

export const ep = (host: number, p: number): Endpoint => ({ addr: hostAddr(host), port: port(p) });
export const fdOf = (r: CallResult): ReturnType<typeof fd> => {
  if (!r.ok || r.value.kind !== 'fd') throw new Error(`not an fd result: ${JSON.stringify(r)}`);
  return r.value.fd;
};
export const acceptedFd = (r: CallResult): ReturnType<typeof fd> => {
  if (!r.ok || r.value.kind !== 'accepted') throw new Error(`not an accept result: ${JSON.stringify(r)}`);
  return r.value.fd;
};
