import type { Endpoint } from '../../src/core/addr';
import { hostAddr } from '../../src/core/addr';
import type { HostConfig, UdpConfig } from '../../src/core/config';
import { TCP_DEFAULTS, UDP_DEFAULTS } from '../../src/core/config';
import type { Host, HostEnv, RunnableThread } from '../../src/core/host';
import type { CallId, CpuId, DeliveryId, FrameId } from '../../src/core/ids';
import { callId, cpuId, deliveryId, fd, frameId, hostId } from '../../src/core/ids';
import type { CallRequest, CallResult } from '../../src/core/socket';
import { EPOCH } from '../../src/core/time';
import type { Instant } from '../../src/core/time';
import type { TraceBody, TraceEvent } from '../../src/core/trace';
import { createImplHost } from '../../src/impl';

/**
 * A tiny in-test world for impl hosts: hosts wired back to back, a trace sink that stamps
 * events, frames queued on transmit and delivered between scheduling steps, and a pluggable
 * choice of which runnable thread runs next. No simulator involved — the driver calls the Host
 * methods directly, which is exactly what the tests want to pin down.
 */

export interface DriverOptions {
  readonly ncpus: readonly number[];
  readonly checkMode?: boolean;
  readonly udp?: Partial<UdpConfig>;
  /** Which runnable thread runs next (index into the canonical list). Default: the first. */
  readonly pick?: (runnable: readonly RunnableThread[], step: number) => number;
  /** Whether a transmitted frame reaches its destination. Default: always. */
  readonly deliver?: (frame: Sent) => boolean;
}

export interface Sent {
  readonly from: number;
  readonly frame: FrameId;
  readonly bytes: Uint8Array;
}

export class Driver {
  readonly hosts: Host[] = [];
  readonly trace: TraceEvent[] = [];
  readonly sent: Sent[] = [];
  readonly results = new Map<CallId, CallResult>();
  readonly issued = new Map<CallId, { host: number; req: CallRequest }>();
  /** The bytes of every delivery, by delivery id. */
  readonly delivered = new Map<DeliveryId, Uint8Array>();
  /** The bytes of every transmitted frame, by frame id. */
  readonly frames = new Map<FrameId, Uint8Array>();
  private readonly queue: Sent[] = [];
  private nextCall = 1;
  private nextFrame = 0;
  private nextDelivery = 0;
  now: Instant = EPOCH;
  steps = 0;

  constructor(readonly opts: DriverOptions) {
    opts.ncpus.forEach((n, i) => this.hosts.push(createImplHost(this.env(i, n))));
  }

  private env(i: number, ncpus: number): HostEnv {
    const config: HostConfig = {
      stack: 'impl',
      ncpus,
      hz: 100,
      tcp: TCP_DEFAULTS,
      udp: { ...UDP_DEFAULTS, ...this.opts.udp },
    };
    const emit = (body: TraceBody): void => {
      this.trace.push({ ...body, seq: this.trace.length, t: this.now } as TraceEvent);
    };
    return {
      id: hostId(i),
      addr: hostAddr(i),
      config,
      now: () => this.now,
      transmit: (bytes) => {
        const s: Sent = { from: i, frame: frameId(this.nextFrame++), bytes: bytes.slice() };
        emit({ kind: 'frame-sent', host: hostId(i), frame: s.frame, bytes: s.bytes });
        this.sent.push(s);
        this.frames.set(s.frame, s.bytes);
        if (this.opts.deliver?.(s) ?? true) this.queue.push(s);
        return s.frame;
      },
      complete: (c) => {
        if (this.results.has(c.call)) throw new Error(`call ${c.call} completed twice`);
        this.results.set(c.call, c.result);
        emit({ kind: 'call-completed', host: hostId(i), call: c.call, result: c.result });
      },
      trace: { emit, checkMode: this.opts.checkMode ?? true },
    };
  }

  call(host: number, req: CallRequest, opts: { app?: number; cpu?: number } = {}): CallId {
    const id = callId(this.nextCall++);
    const call = { id, app: opts.app ?? 0, cpu: cpuId(opts.cpu ?? 0), req };
    this.issued.set(id, { host, req });
    this.trace.push({
      kind: 'call-issued',
      host: hostId(host),
      call,
      seq: this.trace.length,
      t: this.now,
    } as TraceEvent);
    this.hosts[host]!.callIssued(call);
    return id;
  }

  /** Hand a raw frame to a host's NIC (garbage, forged ICMP …). */
  inject(host: number, bytes: Uint8Array): DeliveryId {
    const d = deliveryId(this.nextDelivery++);
    const f = frameId(this.nextFrame++);
    this.delivered.set(d, bytes);
    this.trace.push({
      kind: 'frame-delivered',
      host: hostId(host),
      frame: f,
      delivery: d,
      seq: this.trace.length,
      t: this.now,
    } as TraceEvent);
    this.hosts[host]!.frameArrives(d, f, bytes);
    return d;
  }

  /** Deliver every queued frame to the host its destination address names. */
  deliverAll(): void {
    while (this.queue.length > 0) {
      const s = this.queue.shift()!;
      const dst =
        ((s.bytes[16]! << 24) | (s.bytes[17]! << 16) | (s.bytes[18]! << 8) | s.bytes[19]!) >>> 0;
      const to = this.hosts.findIndex((h) => h.env.addr === dst);
      if (to < 0) continue;
      const d = deliveryId(this.nextDelivery++);
      this.delivered.set(d, s.bytes);
      this.trace.push({
        kind: 'frame-delivered',
        host: hostId(to),
        frame: s.frame,
        delivery: d,
        seq: this.trace.length,
        t: this.now,
      } as TraceEvent);
      this.hosts[to]!.frameArrives(d, s.frame, s.bytes);
    }
  }

  runnable(): RunnableThread[] {
    return this.hosts.flatMap((h) => h.runnable());
  }

  /** Deliver frames, then run one thread; false when nothing is runnable. */
  step(): boolean {
    this.deliverAll();
    const r = this.runnable();
    if (r.length === 0) return false;
    const i = this.opts.pick?.(r, this.steps) ?? 0;
    const t = r[((i % r.length) + r.length) % r.length]!;
    this.steps++;
    this.hosts[t.host]!.run(t.thread);
    return true;
  }

  /** Run the runnable thread of `host` whose name starts with `name` (e.g. 'netisr/2'). */
  runNamed(host: number, name: string): void {
    this.deliverAll();
    const t = this.hosts[host]!.runnable().find((r) => r.name.startsWith(name));
    if (t === undefined) throw new Error(`host ${host}: no runnable thread ${name}`);
    this.steps++;
    this.hosts[host]!.run(t.thread);
  }

  settle(maxSteps = 100_000): void {
    for (let n = 0; n < maxSteps; n++) if (!this.step()) return;
    throw new Error(`driver: not quiescent after ${maxSteps} steps`);
  }

  /** Issue a call, settle, and return its result (which must exist). */
  do(host: number, req: CallRequest, opts: { app?: number; cpu?: number } = {}): CallResult {
    const id = this.call(host, req, opts);
    this.settle();
    const r = this.results.get(id);
    if (r === undefined) throw new Error(`call ${id} (${req.op}) did not complete`);
    return r;
  }

  events<K extends TraceEvent['kind']>(kind: K): Extract<TraceEvent, { kind: K }>[] {
    return this.trace.filter((e): e is Extract<TraceEvent, { kind: K }> => e.kind === kind);
  }
}

export const addrOf = (i: number): Endpoint['addr'] => hostAddr(i);
export const ep = (host: number, p: number): Endpoint => ({
  addr: hostAddr(host),
  port: p as Endpoint['port'],
});
export const cpu = cpuId;
export const fdOf = (r: CallResult): ReturnType<typeof fd> => {
  if (!r.ok || r.value.kind !== 'fd') throw new Error(`not an fd result: ${JSON.stringify(r)}`);
  return r.value.fd;
};
export type { CpuId };
