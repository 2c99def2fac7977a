import { hostAddr, ipAddr } from '../../src/core/addr';
import type { Endpoint, IpAddr } from '../../src/core/addr';
import type { Host, HostEnv, RunnableThread, SocketStatus } from '../../src/core/host';
import { cpuId, fd, threadId } from '../../src/core/ids';
import type { DeliveryId, Fd, FrameId, ThreadId } from '../../src/core/ids';
import { err, ok } from '../../src/core/result';
import type { AppCall, CallRequest, CallResult, SocketError } from '../../src/core/socket';
import type { Instant } from '../../src/core/time';
import type { TraceEvent } from '../../src/core/trace';
import type { AppSpec, HostSpec, LinkSpec, Scenario } from '../../src/scenario/types';
import { runScenario } from '../../src/sim';

/**
 * Fakes for the simulator's tests: a small UDP-like host that speaks through the Host seam only.
 * Frames are real IPv4/UDP packets (UDP checksum 0) whose payload is one kind byte (1 = request,
 * 2 = reply) and the data; the first data byte picks the receiving CPU, the second the thread on
 * it. Each CPU has `threadsPerCpu` threads, each with a FIFO of work, one item per `run`.
 */

export const KIND_REQUEST = 1;
export const KIND_REPLY = 2;

/** An IPv4 + UDP frame from `src` to `dst` carrying [kind, ...data]. */
export function fakeFrame(src: IpAddr, dst: IpAddr, kind: number, data: Uint8Array): Uint8Array {
  const total = 20 + 8 + 1 + data.length;
  const b = new Uint8Array(total);
  b[0] = 0x45;
  b[2] = total >> 8;
  b[3] = total & 0xff;
  b[8] = 64;
  b[9] = 17;
  for (let i = 0; i < 4; i++) {
    b[12 + i] = (src >>> (24 - 8 * i)) & 0xff;
    b[16 + i] = (dst >>> (24 - 8 * i)) & 0xff;
  }
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const check = ~sum & 0xffff;
  b[10] = check >> 8;
  b[11] = check & 0xff;
  b[20] = 0x30; // source port 12345
  b[21] = 0x39;
  b[22] = 0x30;
  b[23] = 0x39;
  b[24] = (8 + 1 + data.length) >> 8;
  b[25] = (8 + 1 + data.length) & 0xff;
  b[28] = kind;
  b.set(data, 29);
  return b;
}

export interface ParsedFrame {
  readonly src: IpAddr;
  readonly kind: number;
  readonly data: Uint8Array;
}

export function parseFakeFrame(b: Uint8Array): ParsedFrame | null {
  if (b.length < 29 || b[0] !== 0x45 || b[9] !== 17) return null;
  const src = ipAddr((b[12]! << 24) | (b[13]! << 16) | (b[14]! << 8) | b[15]!);
  return { src, kind: b[28]!, data: b.subarray(29) };
}

export interface FakeHostOptions {
  /** Calls complete this many µs after being issued, via a host timer; 0 = on the next run. */
  readonly callDelayUs?: number;
  /** Answer every request frame with a reply frame carrying the same data. */
  readonly echo?: boolean;
  readonly threadsPerCpu?: number;
  /** A thread on CPU 0 that is always runnable: a livelock. */
  readonly spin?: boolean;
  /** Throw from `run` on this host's n-th run (1-based). */
  readonly crashAtRun?: number;
  /** Fail matching calls with this error. */
  readonly fail?: (req: CallRequest) => SocketError | null;
  /** A host timer at this instant whose expiry does nothing (e.g. TIME_WAIT). */
  readonly idleTimerUs?: number;
  /** A buggy host: reports this deadline forever, whatever timeAdvanced does. */
  readonly stuckDeadlineUs?: number;
  /** Complete calls synchronously inside `callIssued` (as a model host may). */
  readonly completeInline?: boolean;
  /** With callDelayUs: complete a call inside `timeAdvanced` instead of queueing it for a thread. */
  readonly completeOnTimer?: boolean;
}

type Work =
  | { readonly kind: 'frame'; readonly frame: ParsedFrame }
  | { readonly kind: 'call'; readonly call: AppCall }
  | { readonly kind: 'spin' };

interface Sock {
  remote: Endpoint | null;
}

export class FakeHost implements Host {
  /** Every frame handed up, in arrival order. */
  readonly arrivals: { delivery: DeliveryId; frame: FrameId; bytes: Uint8Array; t: Instant }[] = [];
  /** Every `run`, in order: which thread ran at which time. */
  readonly ran: { thread: ThreadId; t: Instant }[] = [];
  readonly advancedAt: Instant[] = [];
  private readonly queues: Work[][];
  private readonly threads: RunnableThread[];
  private readonly timers: { at: number; call: AppCall | null }[] = [];
  private readonly sockets = new Map<number, Sock>();
  private readonly inbox: ParsedFrame[] = [];
  private readonly waiters: AppCall[] = [];
  private nextFd = 3;
  private readonly perCpu: number;

  constructor(readonly env: HostEnv, private readonly o: FakeHostOptions = {}) {
    this.perCpu = o.threadsPerCpu ?? 1;
    const n = env.config.ncpus * this.perCpu;
    this.queues = Array.from({ length: n }, () => []);
    this.threads = Array.from({ length: n }, (_x, i) => ({
      host: env.id,
      cpu: cpuId(Math.floor(i / this.perCpu)),
      thread: threadId(i),
      name: `cpu${Math.floor(i / this.perCpu)}.t${i % this.perCpu}`,
    }));
    if (o.spin) this.queues[0]!.push({ kind: 'spin' });
    if (o.idleTimerUs !== undefined) this.timers.push({ at: o.idleTimerUs, call: null });
  }

  frameArrives(delivery: DeliveryId, frame: FrameId, bytes: Uint8Array): void {
    this.arrivals.push({ delivery, frame, bytes, t: this.env.now() });
    const parsed = parseFakeFrame(bytes);
    if (parsed === null) return;
    const cpu = (parsed.data[0] ?? 0) % this.env.config.ncpus;
    const k = (parsed.data[1] ?? 0) % this.perCpu;
    this.queues[cpu * this.perCpu + k]!.push({ kind: 'frame', frame: parsed });
  }

  callIssued(call: AppCall): void {
    if (this.o.completeInline) return this.execute(call);
    const delay = this.o.callDelayUs ?? 0;
    if (delay > 0) this.timers.push({ at: this.env.now() + delay, call });
    else this.queues[call.cpu * this.perCpu]!.push({ kind: 'call', call });
  }

  timeAdvanced(): void {
    const now = this.env.now();
    this.advancedAt.push(now);
    for (let i = 0; i < this.timers.length; ) {
      const t = this.timers[i]!;
      if (t.at > now) { i++; continue; }
      this.timers.splice(i, 1);
      if (t.call === null) continue;
      if (this.o.completeOnTimer) this.execute(t.call);
      else this.queues[t.call.cpu * this.perCpu]!.push({ kind: 'call', call: t.call });
    }
  }

  nextDeadline(): Instant | null {
    if (this.o.stuckDeadlineUs !== undefined) return this.o.stuckDeadlineUs as Instant;
    let next: number | null = null;
    for (const t of this.timers) if (next === null || t.at < next) next = t.at;
    return next as Instant | null;
  }

  runnable(): readonly RunnableThread[] {
    return this.threads.filter((_t, i) => this.queues[i]!.length > 0);
  }

  run(thread: ThreadId): void {
    this.ran.push({ thread, t: this.env.now() });
    if (this.o.crashAtRun === this.ran.length) throw new Error(`fake host ${this.env.id} crashed`);
    const work = this.queues[thread]!.shift();
    if (work === undefined) throw new Error(`thread ${thread} ran with no work`);
    switch (work.kind) {
      case 'spin': this.queues[thread]!.push(work); return;
      case 'call': return this.execute(work.call);
      case 'frame': return this.input(work.frame);
    }
  }

  status(): readonly SocketStatus[] {
    return [...this.sockets.keys()].map((k) => ({ key: `fd ${k}`, proto: 'udp', state: 'open' }));
  }

  private input(frame: ParsedFrame): void {
    if (this.o.echo && frame.kind === KIND_REQUEST) {
      this.env.transmit(fakeFrame(this.env.addr, frame.src, KIND_REPLY, frame.data));
    }
    const waiter = this.waiters.shift();
    if (waiter === undefined) this.inbox.push(frame);
    else this.env.complete({ call: waiter.id, result: ok({ kind: 'data', data: frame.data }) });
  }

  private execute(call: AppCall): void {
    const result = this.result(call);
    if (result !== null) this.env.complete({ call: call.id, result });
  }

  /** The call's result, or null when it blocks (recv with nothing to read). */
  private result(call: AppCall): CallResult | null {
    const req = call.req;
    const failure = this.o.fail?.(req) ?? null;
    if (failure !== null) return err(failure);
    if (req.op === 'socket') {
      const f = this.nextFd++;
      this.sockets.set(f, { remote: null });
      return ok({ kind: 'fd', fd: fd(f) });
    }
    const sock = this.sockets.get(req.fd);
    if (sock === undefined) return err('EBADF');
    switch (req.op) {
      case 'connect': sock.remote = req.remote; return ok({ kind: 'none' });
      case 'accept': {
        const f: Fd = fd(this.nextFd++);
        this.sockets.set(f, { remote: null });
        return ok({ kind: 'accepted', fd: f, remote: { addr: hostAddr(0), port: 1 } as Endpoint });
      }
      case 'send': {
        const to = req.to ?? sock.remote;
        if (to === null) return err('EDESTADDRREQ');
        this.env.transmit(fakeFrame(this.env.addr, to.addr, KIND_REQUEST, req.data));
        return ok({ kind: 'sent', bytes: req.data.length });
      }
      case 'recv': {
        const frame = this.inbox.shift();
        if (frame !== undefined) return ok({ kind: 'data', data: frame.data });
        if (req.nonblocking) return err('EWOULDBLOCK');
        this.waiters.push(call);
        return null;
      }
      case 'close': case 'abort': this.sockets.delete(req.fd); return ok({ kind: 'none' });
      case 'bind': case 'listen': case 'shutdown': return ok({ kind: 'none' });
    }
  }
}

/** A host factory for runScenario giving every host the same fake options. */
export const fakeFactory = (o: FakeHostOptions = {}, made: FakeHost[] = []) =>
  (_i: number, _spec: HostSpec, env: HostEnv): Host => {
    const h = new FakeHost(env, o);
    made.push(h);
    return h;
  };

export const host = (ncpus = 1): HostSpec => ({ stack: 'model', ncpus });

export const link = (a: number, b: number, over: Partial<LinkSpec> = {}): LinkSpec => ({
  a, b, delayUs: 100, jitterUs: 0, capacity: 0, ...over,
});

/** A scenario with sensible defaults; override what the test is about. */
export function scenario(over: Partial<Scenario> = {}): Scenario {
  return {
    version: 1,
    seed: 42,
    hosts: [host(), host()],
    links: [link(0, 1)],
    faults: { frames: [], partitions: [] },
    apps: [],
    schedule: { choices: [], then: { kind: 'lowest' } },
    limits: { safetyUs: 1_000_000, livenessUs: 1_000_000, maxSteps: 100_000 },
    ...over,
  };
}

/** App 0 style: a UDP socket on `host` that sends `n` datagrams of `bytes` to `peer`. */
export function sender(hostIndex: number, peer: number, n: number, bytes = 10, cpu = 0): AppSpec {
  return {
    host: hostIndex,
    cpu,
    startUs: 0,
    steps: [
      { op: 'socket', proto: 'udp', name: 's' },
      ...Array.from({ length: n }, () => ({
        op: 'send', sock: 's', bytes, to: { host: peer, port: 7 },
      }) as const),
    ],
  };
}

/** The trace events of one kind, typed. */
export function ofKind<K extends TraceEvent['kind']>(
  trace: readonly TraceEvent[],
  kind: K,
): Extract<TraceEvent, { kind: K }>[] {
  return trace.filter((e): e is Extract<TraceEvent, { kind: K }> => e.kind === kind);
}

/** Fate of each frame, in frame order. */
export const fates = (trace: readonly TraceEvent[]): string[] =>
  ofKind(trace, 'frame-fate').map((e) => e.fate);

/** Run a scenario on fake hosts; returns the record and the hosts. */
export function runFake(s: Scenario, o: FakeHostOptions = {}, checkMode = true) {
  const hosts: FakeHost[] = [];
  const run = runScenario(s, { hostFactory: fakeFactory(o, hosts), checkMode });
  return { run, hosts };
}
