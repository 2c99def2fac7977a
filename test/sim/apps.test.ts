import { describe, expect, it } from 'vitest';
import { hostAddr } from '../../src/core/addr';
import type { HostEnv } from '../../src/core/host';
import { payloadBytes } from '../../src/core/payload';
import type { AppCall } from '../../src/core/socket';
import type { AppSpec, HostSpec, ScriptStep } from '../../src/scenario/types';
import { runScenario } from '../../src/sim';
import { FakeHost, fakeFactory, ofKind, runFake, scenario } from './fakes';
import type { FakeHostOptions } from './fakes';

/**
 * Application scripts (ARCHITECTURE §7). Method: run one or two scripts against the fake host and
 * read the call-issued / call-completed events: what each step became as an AppCall, when it was
 * issued, and what the script did with the result.
 */

const app = (steps: ScriptStep[], over: Partial<AppSpec> = {}): AppSpec =>
  ({ host: 0, cpu: 0, startUs: 0, steps, ...over });

type Trace = Parameters<typeof ofKind>[0];
const calls = (trace: Trace) => ofKind(trace, 'call-issued').map((e) => e.call);
const results = (trace: Trace) => ofKind(trace, 'call-completed').map((e) => e.result);

const NONE = { ok: true, value: { kind: 'none' } } as const;

function runApps(apps: AppSpec[], o: FakeHostOptions = {}) {
  return runFake(scenario({ apps }), o);
}

describe('apps: sockets by name', () => {
  it('a socket step names the descriptor the host returned; later steps use it', () => {
    const { run } = runApps([app([
      { op: 'socket', proto: 'udp', name: 'a' },
      { op: 'socket', proto: 'tcp', name: 'b' },
      { op: 'bind', sock: 'b', port: 80 },
      { op: 'close', sock: 'a' },
    ])]);
    expect(calls(run.trace).map((c) => c.req)).toEqual([
      { op: 'socket', proto: 'udp' },
      { op: 'socket', proto: 'tcp' },
      { op: 'bind', fd: 4, port: 80 },
      { op: 'close', fd: 3 },
    ]);
  });

  it('an unknown name becomes fd −1, the host answers EBADF, and the script goes on', () => {
    const { run } = runApps([app([
      { op: 'listen', sock: 'nope', backlog: 5 },
      { op: 'socket', proto: 'udp', name: 's' },
    ])]);
    expect(calls(run.trace)[0]!.req).toEqual({ op: 'listen', fd: -1, backlog: 5 });
    expect(results(run.trace)).toEqual([
      { ok: false, error: 'EBADF' },
      { ok: true, value: { kind: 'fd', fd: 3 } },
    ]);
    expect(run.apps[0]).toEqual({ app: 0, host: 0, stepsDone: 2, stepsTotal: 2, blockedOn: null });
  });

  it('a failed socket call leaves its name meaning fd −1', () => {
    const { run } = runApps([app([
      { op: 'socket', proto: 'tcp', name: 's' },
      { op: 'close', sock: 's' },
    ])], { fail: (req) => (req.op === 'socket' ? 'ENOBUFS' : null) });
    expect(calls(run.trace)[1]!.req).toEqual({ op: 'close', fd: -1 });
  });

  it('accept binds the accepted descriptor to its `as` name', () => {
    const { run } = runApps([app([
      { op: 'socket', proto: 'tcp', name: 'l' },
      { op: 'listen', sock: 'l', backlog: 1 },
      { op: 'accept', sock: 'l', as: 'c' },
      { op: 'shutdown', sock: 'c' },
      { op: 'abort', sock: 'l' },
    ])]);
    expect(calls(run.trace).map((c) => c.req)).toEqual([
      { op: 'socket', proto: 'tcp' },
      { op: 'listen', fd: 3, backlog: 1 },
      { op: 'accept', fd: 3, nonblocking: false },
      { op: 'shutdown', fd: 4 },
      { op: 'abort', fd: 3 },
    ]);
  });

  it('failed calls do not stop the script', () => {
    const { run } = runApps([app([
      { op: 'socket', proto: 'udp', name: 's' },
      { op: 'send', sock: 's', bytes: 3 },
      { op: 'recv', sock: 's', maxBytes: 10, nonblocking: true },
      { op: 'close', sock: 's' },
    ])]);
    expect(results(run.trace).map((r) => (r.ok ? r.value.kind : r.error))).toEqual([
      'fd', 'EDESTADDRREQ', 'EWOULDBLOCK', 'none',
    ]);
    expect(run.apps[0]!.stepsDone).toBe(4);
  });
});

describe('apps: call contents', () => {
  it('send carries payloadBytes(seed, app, step, n) and a PeerRef becomes an Endpoint', () => {
    const steps: ScriptStep[] = [
      { op: 'socket', proto: 'udp', name: 's' },
      { op: 'connect', sock: 's', peer: { host: 1, port: 9 }, nonblocking: true },
      { op: 'send', sock: 's', bytes: 33, to: { host: 1, port: 7 } },
      { op: 'send', sock: 's', bytes: 5 },
    ];
    const { run } = runApps([app([{ op: 'sleep', us: 0 }]), app(steps)]);
    const [, connect, send1, send2] = calls(run.trace).map((c) => c.req);
    const remote = { addr: hostAddr(1), port: 9 };
    expect(connect).toEqual({ op: 'connect', fd: 3, remote, nonblocking: true });
    expect(send1).toEqual({
      op: 'send',
      fd: 3,
      data: payloadBytes(42, 1, 2, 33),
      to: { addr: hostAddr(1), port: 7 },
      nonblocking: false,
    });
    const data = payloadBytes(42, 1, 3, 5);
    expect(send2).toEqual({ op: 'send', fd: 3, data, nonblocking: false });
  });

  it('a call names its app, the app’s CPU, and a run-wide call id in issue order', () => {
    const { run } = runFake(scenario({
      hosts: [{ stack: 'impl', ncpus: 4 }, { stack: 'model', ncpus: 1 }],
      apps: [
        app([{ op: 'socket', proto: 'udp', name: 's' }], { cpu: 3 }),
        app([{ op: 'socket', proto: 'tcp', name: 's' }], { host: 1, startUs: 5 }),
        app([{ op: 'socket', proto: 'udp', name: 's' }], { cpu: 2 }),
      ],
    }));
    const issued = ofKind(run.trace, 'call-issued');
    expect(issued.map((e) => [e.host, e.call.id, e.call.app, e.call.cpu])).toEqual([
      [0, 0, 0, 3], [0, 1, 2, 2], [1, 2, 1, 0],
    ]);
  });

  it('rejects an app placed on a CPU its host does not have', () => {
    const { run } = runApps([app([], { cpu: 1 })]);
    expect(run.outcome).toMatchObject({ kind: 'crash', message: 'app 0: host 0 has no cpu 1' });
  });
});

describe('apps: time', () => {
  it('starts at startUs, waits for each completion, and sleeps `us`', () => {
    const { run } = runApps([app([
      { op: 'socket', proto: 'udp', name: 's' },
      { op: 'sleep', us: 1000 },
      { op: 'close', sock: 's' },
      { op: 'sleep', us: 0 },
      { op: 'close', sock: 's' },
    ], { startUs: 250 })], { callDelayUs: 30 });
    expect(ofKind(run.trace, 'call-issued').map((e) => e.t)).toEqual([250, 1280, 1310]);
    expect(ofKind(run.trace, 'call-completed').map((e) => e.t)).toEqual([280, 1310, 1340]);
    expect(run.apps[0]).toMatchObject({ stepsDone: 5, stepsTotal: 5 });
  });

  it('a call completed inside callIssued starts the next step at that instant, after it', () => {
    const { run } = runApps([app([
      { op: 'socket', proto: 'udp', name: 's' },
      { op: 'close', sock: 's' },
    ])], { completeInline: true });
    expect(run.trace.filter((e) => e.kind.startsWith('call')).map((e) => [e.kind, e.t])).toEqual([
      ['call-issued', 0], ['call-completed', 0], ['call-issued', 0], ['call-completed', 0],
    ]);
  });

  it('an outstanding call shows as blockedOn', () => {
    const { run } = runApps([app([
      { op: 'socket', proto: 'udp', name: 's' },
      { op: 'recv', sock: 's', maxBytes: 10 },
      { op: 'close', sock: 's' },
    ])]);
    expect(run.apps[0]).toEqual({
      app: 0, host: 0, stepsDone: 1, stepsTotal: 3, blockedOn: 'recv(fd 3)',
    });
  });
});

describe('apps: the completion contract', () => {
  /** A host that completes each call twice, or a call nobody issued. */
  class Rogue extends FakeHost {
    constructor(env: HostEnv, private readonly mode: 'twice' | 'unknown') {
      super(env, { completeInline: true });
    }
    override callIssued(call: AppCall): void {
      if (this.mode === 'unknown') {
        this.env.complete({ call: (call.id + 100) as AppCall['id'], result: NONE });
      } else {
        super.callIssued(call);
        super.callIssued(call);
      }
    }
  }
  const rogue = (mode: 'twice' | 'unknown') =>
    (_i: number, _s: HostSpec, env: HostEnv) => new Rogue(env, mode);
  const one = scenario({ apps: [app([{ op: 'socket', proto: 'udp', name: 's' }])] });

  it('completing a call twice is a crash', () => {
    const run = runScenario(one, { hostFactory: rogue('twice'), checkMode: true });
    const message = 'host 0 completed call 0, which is not outstanding';
    expect(run.outcome).toMatchObject({ kind: 'crash', message });
  });

  it('completing a call that is not outstanding is a crash', () => {
    const run = runScenario(one, { hostFactory: rogue('unknown'), checkMode: true });
    const message = 'host 0 completed call 100, which is not outstanding';
    expect(run.outcome).toMatchObject({ kind: 'crash', message });
  });

  it('a host may not complete another host’s call', () => {
    const hosts: FakeHost[] = [];
    const factory = fakeFactory({ callDelayUs: 10 }, hosts);
    const s = scenario({ apps: [app([{ op: 'socket', proto: 'udp', name: 's' }], { host: 1 })] });
    const run = runScenario(s, {
      checkMode: true,
      hostFactory: (i, spec, env) => {
        const h = factory(i, spec, env);
        if (i === 1) {
          const issue = h.callIssued.bind(h);
          h.callIssued = (c) => {
            issue(c);
            hosts[0]!.env.complete({ call: c.id, result: NONE });
          };
        }
        return h;
      },
    });
    const message = 'host 0 completed call 0 of host 1';
    expect(run.outcome).toMatchObject({ kind: 'crash', message });
  });
});
