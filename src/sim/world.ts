import { assert, assertNever } from '../core/assert';
import { hostAddr } from '../core/addr';
import type { HostConfig } from '../core/config';
import type { Host, HostEnv, RunnableThread } from '../core/host';
import { deliveryId, frameId, hostId } from '../core/ids';
import type { FrameId } from '../core/ids';
import type { RunOutcome } from '../core/run';
import type { Instant } from '../core/time';
import type { HostSpec, Scenario } from '../scenario/types';
import { SCENARIO_VERSION } from '../scenario/types';
import { Apps } from './apps';
import type { AppWake } from './apps';
import { compareRunnable } from './canonical';
import { hostConfigOf } from './config';
import { FaultPlanIndex } from './faults';
import { Network } from './links';
import type { FrameArrival } from './links';
import { EventQueue } from './queue';
import type { Timed } from './queue';
import { TraceRecorder } from './recorder';
import { Scheduler } from './scheduler';
import { Rng } from '../core/rng';

/**
 * The world loop (ARCHITECTURE §7). Time is integer µs. At each instant the world delivers the
 * queue's due events (frame arrivals, app wake-ups, the phase change), lets hosts whose deadline
 * has come handle time, then runs threads one transaction at a time — asking the scheduler
 * whenever more than one is runnable — delivering zero-delay events after every run. When nothing
 * is runnable it jumps to the next event or host deadline. It stops when the world is quiescent,
 * when time would pass the liveness bound, or when the step bound is hit.
 */

export type HostFactoryFor = (index: number, spec: HostSpec, env: HostEnv) => Host;

interface PhaseMark extends Timed {
  readonly kind: 'phase';
}

type SimEvent = FrameArrival | AppWake | PhaseMark;

export class World {
  now = 0;
  steps = 0;
  readonly recorder: TraceRecorder;
  readonly configs: HostConfig[];
  private readonly queue = new EventQueue<SimEvent>();
  private readonly hosts: Host[] = [];
  private readonly runnable: RunnableThread[] = [];
  private network!: Network;
  apps: Apps | null = null;
  scheduler: Scheduler | null = null;
  private frames = 0;
  private deliveries = 0;
  private dispatched = 0;
  /** Per host: (instant, progress) at its last timeAdvanced; catches a stuck deadline. */
  private readonly advanced: { at: number; progress: number }[] = [];

  constructor(readonly scenario: Scenario, checkMode: boolean) {
    this.recorder = new TraceRecorder(checkMode, () => this.now as Instant);
    this.configs = scenario.hosts.map(hostConfigOf);
  }

  /** Build hosts, links and apps. Throws on a malformed scenario (a crash outcome). */
  build(factory: HostFactoryFor): void {
    const s = this.scenario;
    assert(s.version === SCENARIO_VERSION, `scenario version ${s.version} ≠ ${SCENARIO_VERSION}`);
    const { safetyUs, livenessUs, maxSteps } = s.limits;
    const limits = [['safetyUs', safetyUs], ['livenessUs', livenessUs], ['maxSteps', maxSteps]];
    for (const [name, v] of limits as [string, number][]) {
      assert(Number.isSafeInteger(v) && v >= 0, `limits.${name}: ${v} is not a natural number`);
    }
    this.scheduler = new Scheduler(s.schedule, { horizon: Math.max(1, maxSteps) });
    this.recorder.emit({ kind: 'phase', phase: 'safety' });
    this.queue.push({ kind: 'phase', at: safetyUs, seq: 0 });
    const rng = Rng.fromSeed(s.seed);
    this.network = new Network({
      links: s.links,
      addrs: s.hosts.map((_h, i) => hostAddr(i)),
      faults: new FaultPlanIndex(s.faults, s.links.length, safetyUs),
      rng,
      sink: this.recorder,
      schedule: (arrival) => this.queue.push(arrival),
    });
    s.hosts.forEach((spec, i) => {
      assert(Number.isInteger(spec.ncpus) && spec.ncpus >= 1, `host ${i}: bad ncpus ${spec.ncpus}`);
      this.hosts.push(factory(i, spec, this.envFor(i)));
      this.advanced.push({ at: -1, progress: -1 });
    });
    this.apps = new Apps({
      apps: s.apps,
      seed: s.seed,
      ncpus: s.hosts.map((h) => h.ncpus),
      sink: this.recorder,
      now: () => this.now as Instant,
      schedule: (wake) => this.queue.push(wake),
      issue: (host, call) => this.hosts[host]!.callIssued(call),
    });
  }

  private envFor(index: number): HostEnv {
    const id = hostId(index);
    return {
      id,
      addr: hostAddr(index),
      config: this.configs[index]!,
      now: () => this.now as Instant,
      transmit: (bytes: Uint8Array): FrameId => {
        const frame = frameId(this.frames++);
        // A private copy: the trace and the receiver must not see a sender reusing its buffer.
        const copy = bytes.slice();
        this.recorder.emit({ kind: 'frame-sent', host: id, frame, bytes: copy });
        this.network.send(index, frame, copy, this.now);
        return frame;
      },
      complete: (completion) => this.apps!.completed(index, completion),
      trace: this.recorder,
    };
  }

  /** Run to an outcome other than 'crash' (a crash propagates as an exception). */
  run(): RunOutcome {
    const { safetyUs, livenessUs } = this.scenario.limits;
    const boundUs = safetyUs + livenessUs;
    const apps = this.apps!;
    for (;;) {
      this.deliverDue();
      this.advanceHosts();
      if (!this.runInstant()) return { kind: 'step-bound', pending: this.pendingWithThreads() };
      // Nothing is runnable and no event is due now.
      const next = this.nextInstant();
      // Blocked for good: no frame, wake-up or host timer can ever change anything again.
      if (next === null) return { kind: 'quiescent' };
      // Every app is done and nothing is on the wire: the stacks' own timers (a FIN's
      // retransmission, TIME-WAIT, a delayed ACK) still run until the bound, so connections the
      // apps closed can finish closing; what is still armed then owes no application anything.
      if (next > boundUs) {
        return apps.allDone && this.network.inFlight === 0
          ? { kind: 'quiescent' } : { kind: 'time-bound', pending: apps.pending() };
      }
      this.now = Math.max(this.now, next);
    }
  }

  private get progress(): number {
    return this.steps + this.dispatched;
  }

  private deliverDue(): void {
    const q = this.queue;
    for (let at = q.peekTime(); at !== null && at <= this.now; at = q.peekTime()) {
      const ev = q.pop()!;
      assert(ev.at === this.now, `event due at ${ev.at} delivered at ${this.now}`);
      this.dispatch(ev);
    }
  }

  private dispatch(ev: SimEvent): void {
    this.dispatched++;
    switch (ev.kind) {
      case 'frame': {
        const host = this.network.arrived(ev);
        const delivery = deliveryId(this.deliveries++);
        this.recorder.emit({ kind: 'frame-delivered', host, frame: ev.frame, delivery });
        this.hosts[host]!.frameArrives(delivery, ev.frame, ev.bytes);
        return;
      }
      case 'app':
        this.apps!.wake(ev.app);
        return;
      case 'phase':
        this.recorder.emit({ kind: 'phase', phase: 'liveness' });
        return;
      default:
        assertNever(ev, 'sim event');
    }
  }

  /** `timeAdvanced` on every host whose deadline has come. */
  private advanceHosts(): void {
    this.hosts.forEach((h, i) => {
      const d = h.nextDeadline();
      if (d === null || d > this.now) return;
      h.timeAdvanced();
      this.advanced[i] = { at: this.now, progress: this.progress };
    });
  }

  /**
   * Run threads at the current instant until none is runnable. Returns false if the step bound
   * stopped it first.
   */
  private runInstant(): boolean {
    const maxSteps = this.scenario.limits.maxSteps;
    const scheduler = this.scheduler!;
    for (;;) {
      // Zero-delay work first: a completion, a frame on a 0 µs link, a wake-up queued at now.
      this.deliverDue();
      const runnable = this.collectRunnable();
      if (runnable.length === 0) return true;
      if (this.steps >= maxSteps) return false;
      const chosen = runnable.length === 1 ? runnable[0]! : runnable[scheduler.decide(runnable)]!;
      this.steps++;
      this.hosts[chosen.host]!.run(chosen.thread);
    }
  }

  /** All runnable threads in canonical order (host, cpu, thread id), in a reused array. */
  private collectRunnable(): readonly RunnableThread[] {
    const buf = this.runnable;
    buf.length = 0;
    let sorted = true;
    for (let i = 0; i < this.hosts.length; i++) {
      const list = this.hosts[i]!.runnable();
      for (let k = 0; k < list.length; k++) {
        const t = list[k]!;
        assert(t.host === i, `host ${i} listed a runnable thread of host ${t.host}`);
        if (buf.length > 0 && compareRunnable(buf[buf.length - 1]!, t) >= 0) sorted = false;
        buf.push(t);
      }
    }
    if (!sorted) {
      buf.sort(compareRunnable);
      for (let k = 1; k < buf.length; k++) {
        const t = buf[k]!;
        assert(compareRunnable(buf[k - 1]!, t) < 0, `host ${t.host}: thread ${t.thread} twice`);
      }
    }
    return buf;
  }

  /** The next instant anything can happen, or null if nothing ever can. */
  private nextInstant(): number | null {
    let next: number | null = null;
    if (this.network.inFlight > 0 || this.apps!.pendingWakes > 0) next = this.queue.peekTime();
    this.hosts.forEach((h, i) => {
      const d = h.nextDeadline();
      if (d === null) return;
      assert(Number.isSafeInteger(d) && d >= 0, `host ${i}: nextDeadline() ${d} is not an instant`);
      const last = this.advanced[i]!;
      assert(
        d > this.now || last.at !== this.now || last.progress !== this.progress,
        `host ${i}: nextDeadline() ${d} stays ≤ now ${this.now}; timeAdvanced() made no work`,
      );
      if (next === null || d < next) next = d;
    });
    if (next === null) return null;
    // The phase mark is not work, but the clock must stop there to emit it.
    const top = this.queue.peekTime();
    return top !== null && top < next ? top : next;
  }

  /** Unfinished apps, then the threads still runnable: a livelock's suspects. */
  private pendingWithThreads(): string[] {
    const lines = this.apps!.pending();
    for (const t of this.runnable) {
      lines.push(`host ${t.host} cpu ${t.cpu} thread ${t.thread} (${t.name}) runnable`);
    }
    return lines;
  }
}
