/**
 * Hand-written traces for the checker tests. `TraceBuilder` stamps events with time and sequence
 * numbers and hands out frame, delivery, call, message and transaction ids as the simulator and
 * the impl would; `PerfectImpl` drives one impl host through it the way a correct implementation
 * would behave — every input as a port message on the CPU the netisr model names, one
 * linearizing commit, the model's frames and results — so each test starts from a trace every
 * checker accepts and breaks exactly one thing.
 */
import type { Endpoint } from '../../src/core/addr';
import { hostAddr, port } from '../../src/core/addr';
import { encodePacket } from '../../src/core/codec';
import type { HostConfig, UdpConfig } from '../../src/core/config';
import { TCP_DEFAULTS, UDP_DEFAULTS } from '../../src/core/config';
import type { CallId, CpuId, DeliveryId, FrameId, HostId, ThreadId } from '../../src/core/ids';
import { callId, cpuId, deliveryId, frameId, hostId, threadId } from '../../src/core/ids';
import type { RunOutcome, RunRecord } from '../../src/core/run';
import type { AppCall, CallRequest, CallResult } from '../../src/core/socket';
import { instant } from '../../src/core/time';
import type {
  CommitInput,
  Discipline,
  FrameFate,
  TraceBody,
  TraceEvent,
} from '../../src/core/trace';
import type { ModelHostState, ModelInput } from '../../src/model/host';
import { initialModelHost, modelStep, ownerCpu } from '../../src/model/host';

export interface HostShape {
  readonly stack?: 'impl' | 'model';
  readonly ncpus?: number;
  readonly udp?: Partial<UdpConfig>;
}

export const configOf = (h: HostShape): HostConfig => ({
  stack: h.stack ?? 'impl',
  ncpus: h.ncpus ?? 2,
  hz: 100,
  tcp: TCP_DEFAULTS,
  udp: { ...UDP_DEFAULTS, ...h.udp },
});

export const ep = (host: number, p: number): Endpoint => ({ addr: hostAddr(host), port: port(p) });

/** A UDP datagram as both stacks build it (UP-1, UP-8). */
export function udpFrame(from: Endpoint, to: Endpoint, payload: Uint8Array): Uint8Array {
  return encodePacket({
    ip: { src: from.addr, dst: to.addr, ttl: 64, id: 0, tos: 0, dontFragment: true },
    body: { proto: 'udp', udp: { srcPort: from.port, dstPort: to.port, payload } },
  });
}

export const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
/** n bytes counting up from `start`: distinct payloads for distinct datagrams. */
export const seqBytes = (n: number, start = 0): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);

export interface CommitSpec {
  readonly cpu: number;
  readonly thread: number;
  readonly input: CommitInput;
  readonly linearizes: boolean;
  readonly txn?: number;
  readonly msg?: number;
  readonly frames?: readonly FrameId[];
  readonly completions?: readonly CallId[];
}

export class TraceBuilder {
  readonly events: TraceEvent[] = [];
  readonly hosts: readonly HostConfig[];
  now = 0;
  private frames = 0;
  private deliveries = 0;
  private calls = 1;
  private msgs = 1;
  private txns = 1;

  constructor(hosts: readonly HostShape[]) {
    this.hosts = hosts.map(configOf);
  }

  at(t: number): this {
    this.now = t;
    return this;
  }

  emit<B extends TraceBody>(body: B): B & { seq: number; t: ReturnType<typeof instant> } {
    const ev = { ...body, seq: this.events.length, t: instant(this.now) };
    this.events.push(ev as TraceEvent);
    return ev;
  }

  frameSent(host: number, b: Uint8Array): FrameId {
    const frame = frameId(this.frames++);
    this.emit({ kind: 'frame-sent', host: hostId(host), frame, bytes: b });
    return frame;
  }

  fate(frame: FrameId, fate: FrameFate, delayUs = 0): void {
    this.emit({ kind: 'frame-fate', frame, fate, delayUs });
  }

  deliver(host: number, frame: FrameId): DeliveryId {
    const delivery = deliveryId(this.deliveries++);
    this.emit({ kind: 'frame-delivered', host: hostId(host), frame, delivery });
    return delivery;
  }

  call(host: number, req: CallRequest, opts: { app?: number; cpu?: number } = {}): AppCall {
    const call: AppCall = {
      id: callId(this.calls++),
      app: opts.app ?? 0,
      cpu: cpuId(opts.cpu ?? 0),
      req,
    };
    this.emit({ kind: 'call-issued', host: hostId(host), call });
    return call;
  }

  complete(host: number, call: CallId, result: CallResult): void {
    this.emit({ kind: 'call-completed', host: hostId(host), call, result });
  }

  newMsg(): number {
    return this.msgs++;
  }

  msgSent(host: number, msg: number, port: number, sender: number, input: CommitInput): void {
    this.emit({
      kind: 'msg-sent',
      host: hostId(host),
      msg,
      port: cpuId(port),
      sender: threadId(sender),
      input,
    });
  }

  newTxn(): number {
    return this.txns++;
  }

  commit(host: number, s: CommitSpec): number {
    const txn = s.txn ?? this.newTxn();
    this.emit({
      kind: 'commit',
      host: hostId(host),
      cpu: cpuId(s.cpu),
      thread: threadId(s.thread),
      txn,
      input: s.input,
      linearizes: s.linearizes,
      ...(s.msg !== undefined ? { msg: s.msg } : {}),
      frames: s.frames ?? [],
      completions: s.completions ?? [],
    });
    return txn;
  }

  object(host: number, object: string, discipline: Discipline): void {
    this.emit({ kind: 'object', host: hostId(host), object, discipline });
  }

  access(
    host: number,
    a: {
      cpu: number;
      thread: number;
      txn: number;
      object: string;
      mode: 'r' | 'w';
      tokens?: string[];
    },
  ): void {
    this.emit({
      kind: 'access',
      host: hostId(host),
      cpu: cpuId(a.cpu),
      thread: threadId(a.thread),
      txn: a.txn,
      object: a.object,
      mode: a.mode,
      tokens: a.tokens ?? [],
    });
  }

  token(
    host: number,
    t: { cpu: number; thread: number; token: string; op: 'acquire' | 'release'; path: string },
  ): void {
    this.emit({
      kind: 'token',
      host: hostId(host),
      cpu: cpuId(t.cpu),
      thread: threadId(t.thread),
      token: t.token,
      op: t.op,
      path: t.path,
    });
  }

  run(outcome: RunOutcome = { kind: 'quiescent' }): RunRecord {
    return {
      hosts: this.hosts.map((config, index) => ({ index, addr: hostAddr(index), config })),
      // A snapshot: checkers index a run's trace once, so a recorded trace must never change.
      trace: [...this.events],
      outcome,
      apps: [],
      choicesMade: [],
      safetyEndUs: 0,
      stats: { steps: 0, decisions: 0, events: this.events.length, endUs: this.now },
    };
  }
}

/** Thread numbering of a PerfectImpl host: netisr c is thread c; user threads from 100; NIC 99. */
export const netisrThread = (cpu: number): number => cpu;
export const userThread = (app: number, cpu: number): number => 100 + app * 16 + cpu;
export const NIC_THREAD = 99;

export interface InputOptions {
  /** Linearize on this CPU instead of the one the netisr model names. */
  readonly cpu?: number;
}

/**
 * One impl host that behaves exactly as the model says: the reference trace for the checkers.
 * Every input the model assigns to a CPU is queued as a message on that CPU's port and handled
 * there in one linearizing commit; user-side inputs commit on the caller's user thread.
 */
export class PerfectImpl {
  state: ModelHostState;

  constructor(
    readonly b: TraceBuilder,
    readonly host: number,
  ) {
    this.state = initialModelHost(b.hosts[host]!, hostAddr(host), host);
  }

  /** Frames the most recent input made this host transmit. */
  lastFrames: FrameId[] = [];

  /** A frame arrives from the wire: it was sent by `from` (another host) and delivered here. */
  receive(from: number, frame: Uint8Array, opts: InputOptions = {}): DeliveryId {
    const f = this.b.frameSent(from, frame);
    this.b.fate(f, 'deliver', 100);
    return this.deliver(f, opts);
  }

  /** A frame already in the trace (sent by another host) is delivered here. */
  deliver(frame: FrameId, opts: InputOptions = {}): DeliveryId {
    const sent = this.b.events.find((e) => e.kind === 'frame-sent' && e.frame === frame);
    if (sent === undefined || sent.kind !== 'frame-sent') throw new Error(`no frame ${frame}`);
    const d = this.b.deliver(this.host, frame);
    const input: CommitInput = { kind: 'frame', delivery: d };
    this.apply({ kind: 'frame', bytes: sent.bytes }, input, NIC_THREAD, null, opts);
    return d;
  }

  /** An application call; returns the call (its completion is emitted when the model gives it). */
  call(req: CallRequest, opts: InputOptions & { app?: number; cpu?: number } = {}): AppCall {
    const call = this.b.call(this.host, req, { app: opts.app ?? 0, cpu: opts.cpu ?? 0 });
    const user = userThread(call.app, call.cpu);
    const owner = ownerCpu(this.state, { kind: 'call', call });
    const phase = owner === null ? 'user' : 'proto';
    this.apply({ kind: 'call', call }, { kind: 'call', call: call.id, phase }, user, call, opts);
    return call;
  }

  private apply(
    input: ModelInput,
    commitInput: CommitInput,
    sender: number,
    call: AppCall | null,
    opts: InputOptions,
  ): void {
    const owner = ownerCpu(this.state, input);
    const cpu = opts.cpu ?? owner ?? call!.cpu;
    const msg = owner !== null ? this.b.newMsg() : undefined;
    if (msg !== undefined) this.b.msgSent(this.host, msg, cpu, sender, commitInput);
    const step = modelStep(this.state, input, instant(this.b.now));
    this.state = step.state;
    const frames = step.outputs.frames.map((bytes) => this.b.frameSent(this.host, bytes));
    this.lastFrames = frames;
    const completions = step.outputs.completions.map((c) => c.call);
    for (const c of step.outputs.completions) this.b.complete(this.host, c.call, c.result);
    const thread = msg !== undefined ? netisrThread(cpu) : userThread(call!.app, cpu);
    this.b.commit(this.host, {
      cpu,
      thread,
      input: commitInput,
      linearizes: true,
      frames,
      completions,
      ...(msg !== undefined ? { msg } : {}),
    });
  }
}

export const cpuOf = (n: number): CpuId => cpuId(n);
export const hostOf = (n: number): HostId => hostId(n);
export const threadOf = (n: number): ThreadId => threadId(n);
export const deliveryOf = (n: number): DeliveryId => deliveryId(n);

/** `run` with its trace replaced (a new array, so no cached index of the old one is reused). */
export const withTrace = (run: RunRecord, trace: readonly TraceEvent[]): RunRecord => ({
  ...run,
  trace,
});

/** `run` with every event matching `pred` replaced by `change(event)`; asserts one matched. */
export function changeEvents(
  run: RunRecord,
  pred: (e: TraceEvent) => boolean,
  change: (e: TraceEvent) => TraceEvent,
): RunRecord {
  let n = 0;
  const trace = run.trace.map((e) => (pred(e) ? (n++, change(e)) : e));
  if (n === 0) throw new Error('changeEvents: no event matched');
  return withTrace(run, trace);
}

/** `run` without the events matching `pred`; asserts one matched. */
export function dropEvents(run: RunRecord, pred: (e: TraceEvent) => boolean): RunRecord {
  const trace = run.trace.filter((e) => !pred(e));
  if (trace.length === run.trace.length) throw new Error('dropEvents: no event matched');
  return withTrace(run, trace);
}

/** `run` with `extra` events inserted after the event with sequence number `afterSeq`. */
export function insertAfter(
  run: RunRecord,
  afterSeq: number,
  extra: readonly TraceBody[],
): RunRecord {
  const i = run.trace.findIndex((e) => e.seq === afterSeq);
  if (i < 0) throw new Error(`insertAfter: no event @${afterSeq}`);
  const base = run.trace[i]!;
  const added = extra.map((body, k) => ({
    ...body,
    seq: base.seq + (k + 1) / (extra.length + 1),
    t: base.t,
  }));
  return withTrace(run, [
    ...run.trace.slice(0, i + 1),
    ...(added as TraceEvent[]),
    ...run.trace.slice(i + 1),
  ]);
}
