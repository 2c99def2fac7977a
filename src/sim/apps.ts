import { assert, assertNever } from '../core/assert';
import { formatEndpoint, hostAddr, port } from '../core/addr';
import type { Endpoint } from '../core/addr';
import { callId, cpuId, fd, hostId } from '../core/ids';
import type { CallId, Fd } from '../core/ids';
import type { AppOutcome } from '../core/run';
import type { AppCall, CallCompletion, CallRequest } from '../core/socket';
import { formatInstant } from '../core/time';
import type { Instant } from '../core/time';
import type { TraceSink } from '../core/trace';
import type { AppSpec, PeerRef, ScriptStep } from '../scenario/types';
import type { Timed } from './queue';
import { payloadBytes } from '../core/payload';

/**
 * Application scripts (ARCHITECTURE §7). Each app runs its steps in order on one CPU of its host:
 * a call step becomes an AppCall handed to the host, and the next step starts once the host
 * completes it; a sleep waits. A failed call does not stop the script. The next step is always
 * started from the world's queue (a zero-delay wake), never from inside `env.complete`, so a
 * host is never re-entered while it is completing a call.
 */

/** An app wake-up: its start, the end of a sleep, or the completion of its call. */
export interface AppWake extends Timed {
  readonly kind: 'app';
  readonly app: number;
}

type AppState =
  | { readonly kind: 'waiting'; readonly untilUs: number }
  | { readonly kind: 'sleeping'; readonly untilUs: number }
  | { readonly kind: 'ready' }
  | { readonly kind: 'in-call'; readonly call: AppCall }
  | { readonly kind: 'done' };

interface AppRun {
  readonly spec: AppSpec;
  state: AppState;
  /** Steps finished: the index of the current step. */
  step: number;
  /** Socket names bound so far to the descriptors the host returned. */
  readonly names: Map<string, Fd>;
}

export interface AppsOptions {
  readonly apps: readonly AppSpec[];
  readonly seed: number;
  /** CPU count of each host, for validating the apps' placement. */
  readonly ncpus: readonly number[];
  readonly sink: TraceSink;
  readonly now: () => Instant;
  readonly schedule: (wake: AppWake) => void;
  readonly issue: (host: number, call: AppCall) => void;
}

/** The descriptor an unknown socket name stands for: the host answers EBADF. */
export const FD_UNKNOWN: Fd = fd(-1);

export class Apps {
  private readonly runs: AppRun[];
  private readonly calls = new Map<CallId, number>();
  private nextCall = 0;
  private unfinished: number;
  private wakes = 0;

  constructor(private readonly o: AppsOptions) {
    this.runs = o.apps.map((spec, i) => {
      validateApp(spec, i, o.ncpus);
      return { spec, state: { kind: 'waiting', untilUs: spec.startUs }, step: 0, names: new Map() };
    });
    this.unfinished = this.runs.length;
    this.runs.forEach((r, app) => this.wakeAt(app, r.spec.startUs));
  }

  /** True once every app has finished its script. */
  get allDone(): boolean {
    return this.unfinished === 0;
  }

  /** Wake-ups scheduled and not yet delivered (work the world still has to do). */
  get pendingWakes(): number {
    return this.wakes;
  }

  /** The world delivers a wake-up: start the app's next step(s). */
  wake(app: number): void {
    this.wakes--;
    const run = this.runs[app]!;
    if (run.state.kind === 'sleeping') run.step++;
    else assert(run.state.kind === 'waiting' || run.state.kind === 'ready', `app ${app}: bad wake`);
    this.startStep(app, run);
  }

  /** A host completed a call (through `env.complete`). */
  completed(host: number, completion: CallCompletion): void {
    const app = this.calls.get(completion.call);
    const id = completion.call;
    assert(app !== undefined, `host ${host} completed call ${id}, which is not outstanding`);
    const run = this.runs[app]!;
    assert(run.spec.host === host, `host ${host} completed call ${id} of host ${run.spec.host}`);
    assert(run.state.kind === 'in-call', `app ${app}: completion while ${run.state.kind}`);
    this.calls.delete(id);
    const result = completion.result;
    this.o.sink.emit({ kind: 'call-completed', host: hostId(host), call: id, result });
    bindNames(run, completion);
    run.step++;
    run.state = { kind: 'ready' };
    this.wakeAt(app, this.o.now());
  }

  outcomes(): AppOutcome[] {
    return this.runs.map((r, app) => ({
      app,
      host: r.spec.host,
      stepsDone: r.step,
      stepsTotal: r.spec.steps.length,
      blockedOn: r.state.kind === 'in-call' ? describeCall(r.state.call.req) : null,
    }));
  }

  /** One line per unfinished app, for time-bound and step-bound outcomes. */
  pending(): string[] {
    const lines: string[] = [];
    this.runs.forEach((r, app) => {
      const who = `app ${app} on host ${r.spec.host}`;
      const s = r.state;
      switch (s.kind) {
        case 'done': return;
        case 'in-call': lines.push(`${who} blocked in ${describeCall(s.call.req)}`); return;
        case 'sleeping': lines.push(`${who} sleeping until ${at(s.untilUs)}`); return;
        case 'waiting': lines.push(`${who} not started (starts at ${at(s.untilUs)})`); return;
        case 'ready': lines.push(`${who} about to start step ${r.step}`); return;
        default: assertNever(s, 'app state');
      }
    });
    return lines;
  }

  private wakeAt(app: number, atUs: number): void {
    this.wakes++;
    this.o.schedule({ kind: 'app', app, at: atUs, seq: 0 });
  }

  private startStep(app: number, run: AppRun): void {
    const step = run.spec.steps[run.step];
    if (step === undefined) {
      run.state = { kind: 'done' };
      this.unfinished--;
      return;
    }
    if (step.op === 'sleep') {
      const untilUs = this.o.now() + step.us;
      run.state = { kind: 'sleeping', untilUs };
      this.wakeAt(app, untilUs);
      return;
    }
    const req = this.request(app, run, step);
    const call: AppCall = { id: callId(this.nextCall++), app, cpu: cpuId(run.spec.cpu), req };
    this.calls.set(call.id, app);
    run.state = { kind: 'in-call', call };
    this.o.sink.emit({ kind: 'call-issued', host: hostId(run.spec.host), call });
    this.o.issue(run.spec.host, call);
  }

  private request(app: number, run: AppRun, step: CallStep): CallRequest {
    const sock = (name: string): Fd => run.names.get(name) ?? FD_UNKNOWN;
    const nonblocking = 'nonblocking' in step ? (step.nonblocking ?? false) : false;
    switch (step.op) {
      case 'socket': return { op: 'socket', proto: step.proto };
      case 'bind': return { op: 'bind', fd: sock(step.sock), port: port(step.port) };
      case 'connect':
        return { op: 'connect', fd: sock(step.sock), remote: endpointOf(step.peer), nonblocking };
      case 'listen': return { op: 'listen', fd: sock(step.sock), backlog: step.backlog };
      case 'accept': return { op: 'accept', fd: sock(step.sock), nonblocking };
      case 'send': {
        const data = payloadBytes(this.o.seed, app, run.step, step.bytes);
        const base = { op: 'send', fd: sock(step.sock), data, nonblocking } as const;
        return step.to === undefined ? base : { ...base, to: endpointOf(step.to) };
      }
      case 'recv':
        return { op: 'recv', fd: sock(step.sock), maxBytes: step.maxBytes, nonblocking };
      case 'shutdown': return { op: 'shutdown', fd: sock(step.sock) };
      case 'close': return { op: 'close', fd: sock(step.sock) };
      case 'abort': return { op: 'abort', fd: sock(step.sock) };
      default: return assertNever(step, 'script step');
    }
  }
}

/** A socket or accept step names the descriptor it produced; a failed one names fd −1. */
function bindNames(run: AppRun, completion: CallCompletion): void {
  const step = run.spec.steps[run.step]!;
  const r = completion.result;
  if (step.op === 'socket') {
    run.names.set(step.name, r.ok && r.value.kind === 'fd' ? r.value.fd : FD_UNKNOWN);
  } else if (step.op === 'accept') {
    run.names.set(step.as, r.ok && r.value.kind === 'accepted' ? r.value.fd : FD_UNKNOWN);
  }
}

export const endpointOf = (peer: PeerRef): Endpoint => ({
  addr: hostAddr(peer.host),
  port: port(peer.port),
});

/** A call as a pending line shows it: `recv(fd 4)`, `connect(fd 3, 10.0.0.2:80)`. */
export function describeCall(req: CallRequest): string {
  switch (req.op) {
    case 'socket': return `socket(${req.proto})`;
    case 'bind': return `bind(fd ${req.fd}, port ${req.port})`;
    case 'connect': return `connect(fd ${req.fd}, ${formatEndpoint(req.remote)})`;
    case 'send': return `send(fd ${req.fd}, ${req.data.length} bytes)`;
    case 'recv': return `recv(fd ${req.fd})`;
    case 'listen': case 'accept': case 'shutdown': case 'close': case 'abort':
      return `${req.op}(fd ${req.fd})`;
    default: return assertNever(req, 'call request');
  }
}

function validateApp(spec: AppSpec, i: number, ncpus: readonly number[]): void {
  const n = ncpus[spec.host];
  assert(n !== undefined, `app ${i}: no host ${spec.host}`);
  const cpuOk = Number.isInteger(spec.cpu) && spec.cpu >= 0 && spec.cpu < n;
  assert(cpuOk, `app ${i}: host ${spec.host} has no cpu ${spec.cpu}`);
  assert(isNatural(spec.startUs), `app ${i}: bad startUs ${spec.startUs}`);
  spec.steps.forEach((s, k) => {
    if (s.op === 'sleep') assert(isNatural(s.us), `app ${i} step ${k}: bad sleep ${s.us}`);
    if (s.op === 'send') assert(isNatural(s.bytes), `app ${i} step ${k}: bad size ${s.bytes}`);
  });
}

const isNatural = (v: number): boolean => Number.isSafeInteger(v) && v >= 0;
const at = (us: number): string => formatInstant(us as Instant);

type CallStep = Exclude<ScriptStep, { readonly op: 'sleep' }>;
