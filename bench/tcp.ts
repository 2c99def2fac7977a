import { hostAddr, port } from '../src/core/addr';
import type { TcpConfig } from '../src/core/config';
import { TCP_DEFAULTS, UDP_DEFAULTS } from '../src/core/config';
import type { Host, HostFactory } from '../src/core/host';
import type { CallId, Fd } from '../src/core/ids';
import { callId, cpuId, deliveryId, frameId, hostId } from '../src/core/ids';
import type { CallRequest, CallResult } from '../src/core/socket';
import type { Instant } from '../src/core/time';
import { createImplHost } from '../src/impl';
import { createTcpModelHost } from './tcpmodelhost';

/**
 * The TCP bulk-transfer benchmark (issue 4): host 0 sends `bytes` to host 1 over a lossless
 * link with a fixed one-way delay, with blocking sends of 1 MiB and blocking receives of up to
 * 1 MiB, then both close. The same two-host driver runs impl↔impl (bench mode: no trace, no
 * ownership instrumentation; the first runnable thread runs) and model↔model (the pure TCP
 * model behind bench/tcpmodelhost.ts). Figures: simulated segments (frames on the wire, both
 * directions) per wall-clock second for each, and their ratio, with TSO on and off.
 *
 *   import { tcpBench } from './tcp';   tcpBench({ bytes: 64 << 20 }) → TcpBenchFigure[]
 */

export interface TcpBenchOptions {
  /** Bytes to transfer impl↔impl (default 64 MiB). */
  readonly bytes?: number;
  /** Bytes to transfer model↔model (default: the same); rates are per second either way. */
  readonly modelBytes?: number;
  readonly ncpus?: number;
  readonly delayUs?: number;
  /** The untimed warm-up transfer before each measured one (default 4 MiB). */
  readonly warmupBytes?: number;
  /** Skip the model runs (e.g. a quick impl-only figure). */
  readonly implOnly?: boolean;
}

export interface TcpRun {
  readonly frames: number;
  readonly seconds: number;
  readonly simulatedUs: number;
  readonly received: number;
}

export interface TcpBenchFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly note?: string;
}

const CHUNK = 1 << 20;
const WARMUP = 4 << 20;

/** One bulk transfer between two hosts made by `factory`; wall-clock seconds and frames. */
export function runTransfer(
  factory: HostFactory, bytes: number, tcp: Partial<TcpConfig>, ncpus = 2, delayUs = 100,
): TcpRun {
  let now = 0;
  let frames = 0;
  let nextCall = 1;
  let deliveries = 0;
  const arrivals: { at: number; to: number; frame: number; bytes: Uint8Array }[] = [];
  const results = new Map<CallId, CallResult>();
  const hosts: Host[] = [0, 1].map((i) => factory({
    id: hostId(i), addr: hostAddr(i),
    config: { stack: 'impl', ncpus, hz: 100, tcp: { ...TCP_DEFAULTS, ...tcp }, udp: UDP_DEFAULTS },
    now: () => now as Instant,
    transmit: (b) => {
      arrivals.push({ at: now + delayUs, to: 1 - i, frame: frames, bytes: b });
      return frameId(frames++);
    },
    complete: (c) => void results.set(c.call, c.result),
    trace: { emit: () => undefined, checkMode: false },
  }));
  const issue = (h: number, req: CallRequest, cpu = 0): CallId => {
    const id = callId(nextCall++);
    hosts[h]!.callIssued({ id, app: h, cpu: cpuId(cpu), req });
    return id;
  };
  const settle = (done: () => boolean): void => {
    while (!done()) step();
  };
  /** Deliver what is due, fire due timers, run one thread; else move the clock on. */
  const step = (): void => {
    let moved = false;
    while (arrivals.length > 0 && arrivals[0]!.at <= now) {
      const a = arrivals.shift()!;
      hosts[a.to]!.frameArrives(deliveryId(deliveries++), frameId(a.frame), a.bytes);
      moved = true;
    }
    for (const h of hosts) {
      const d = h.nextDeadline();
      if (d !== null && d <= now) {
        h.timeAdvanced();
        moved = true;
      }
    }
    for (const h of hosts) {
      const r = h.runnable();
      if (r.length > 0) return h.run(r[0]!.thread);
    }
    if (moved) return;
    let next = arrivals.length > 0 ? arrivals[0]!.at : Infinity;
    for (const h of hosts) next = Math.min(next, h.nextDeadline() ?? Infinity);
    if (next === Infinity) throw new Error('tcp bench: nothing left to run, the transfer is stuck');
    now = Math.max(now, next);
  };
  const call = (h: number, req: CallRequest, cpu = 0): CallResult => {
    const id = issue(h, req, cpu);
    settle(() => results.has(id));
    return results.get(id)!;
  };
  const fdOf = (r: CallResult): Fd => {
    if (!r.ok || r.value.kind !== 'fd' &&
        r.value.kind !== 'accepted') throw new Error(JSON.stringify(r));
    return r.value.fd;
  };
  const data = new Uint8Array(CHUNK).map((_, i) => (i * 7) & 255);
  const start = performance.now();
  const frames0 = frames;
  const ls = fdOf(call(1, { op: 'socket', proto: 'tcp' }));
  call(1, { op: 'bind', fd: ls, port: port(80) });
  call(1, { op: 'listen', fd: ls, backlog: 4 });
  const cs = fdOf(call(0, { op: 'socket', proto: 'tcp' }, 1));
  const acc = issue(1, { op: 'accept', fd: ls, nonblocking: false }, 1);
  call(0, { op: 'connect', fd: cs, remote: { addr: hostAddr(1), port: port(80) }, nonblocking:
      false }, 1);
  settle(() => results.has(acc));
  const as = fdOf(results.get(acc)!);
  let sent = 0;
  let received = 0;
  let sid: CallId | null = null;
  let rid: CallId | null = null;
  let eof = false;
  while (!eof) {
    if (sid === null && sent < bytes) {
      const n = Math.min(CHUNK, bytes - sent);
      sid = issue(0, { op: 'send', fd: cs, data: data.subarray(0, n), nonblocking: false }, 1);
      sent += n;
    } else if (sid === null) {
      sid = issue(0, { op: 'close', fd: cs }, 1);
      sent = Infinity;
    }
    if (rid === null) rid = issue(1, { op: 'recv', fd: as, maxBytes: CHUNK, nonblocking: false },
        0);
    const [s, r] = [sid, rid];
    settle(() => results.has(r) || (s !== null && sent !== Infinity && results.has(s)));
    if (s !== null && results.has(s) && sent !== Infinity) sid = null;
    const rr = results.get(r);
    if (rr === undefined) continue;
    rid = null;
    if (!rr.ok || rr.value.kind !== 'data') throw new Error(`recv: ${JSON.stringify(rr)}`);
    received += rr.value.data.length;
    eof = rr.value.data.length === 0;
  }
  call(1, { op: 'close', fd: as });
  const seconds = (performance.now() - start) / 1000;
  if (received !== bytes) throw new Error(`tcp bench: received ${received} of ${bytes}`);
  return { frames: frames - frames0, seconds, simulatedUs: now, received };
}

/** The figures: impl and model segments/s and their ratio, with TSO on and off. */
export function tcpBench(o: TcpBenchOptions = {}): TcpBenchFigure[] {
  const bytes = o.bytes ?? 64 << 20;
  const modelBytes = o.modelBytes ?? bytes;
  const warm = o.warmupBytes ?? WARMUP;
  const out: TcpBenchFigure[] = [];
  // Every ACK at once (no aggregation) so both stacks see the same inputs without rollups.
  for (const tso of [true, false]) {
    const tcp: Partial<TcpConfig> = { tso, aggregateAcks: false };
    const label = tso ? 'TSO on' : 'TSO off';
    // A short untimed transfer first, so both stacks are measured warm (JIT-compiled).
    runTransfer(createImplHost, warm, tcp, o.ncpus, o.delayUs);
    const impl = runTransfer(createImplHost, bytes, tcp, o.ncpus, o.delayUs);
    const implRate = impl.frames / impl.seconds;
    out.push({
      name: `impl↔impl segments, ${label}`, value: implRate, unit: 'segments/s',
      note: `${bytes >> 20} MiB, ${impl.frames} segments in ${impl.seconds.toFixed(2)} s`,
    });
    if (o.implOnly === true) continue;
    runTransfer(createTcpModelHost, warm, tcp, o.ncpus, o.delayUs);
    const model = runTransfer(createTcpModelHost, modelBytes, tcp, o.ncpus, o.delayUs);
    const modelRate = model.frames / model.seconds;
    out.push({
      name: `model↔model segments, ${label}`, value: modelRate, unit: 'segments/s',
      note: `${modelBytes >> 20} MiB, ${model.frames} segments in ${model.seconds.toFixed(2)} s`,
    });
    out.push({ name: `impl_model_ratio, ${label}`, value: implRate / modelRate, unit: '×', note:
        'target ≥ 10' });
  }
  return out;
}
