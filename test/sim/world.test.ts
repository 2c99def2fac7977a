import { describe, expect, it } from 'vitest';
import { hostAddr } from '../../src/core/addr';
import { HZ_DEFAULT } from '../../src/core/time';
import { TCP_DEFAULTS, UDP_DEFAULTS } from '../../src/core/config';
import type { Host, HostEnv, RunnableThread } from '../../src/core/host';
import type { AppSpec, HostSpec, Scenario, ScriptStep } from '../../src/scenario/types';
import { hostConfigOf, runScenario, traceHash } from '../../src/sim';
import { FakeHost, fakeFactory, host, link, ofKind, runFake, scenario, sender } from './fakes';
import type { FakeHostOptions } from './fakes';

/**
 * The world loop (ARCHITECTURE §7): time, host polling, phases, outcomes and the trace. Method:
 * small scenarios on fake hosts whose behaviour is obvious, asserting on the RunRecord — its
 * outcome, stats and trace — and on what the fakes saw.
 */

const recvApp = (h = 1, over: Partial<AppSpec> = {}): AppSpec => ({
  host: h, cpu: 0, startUs: 0,
  steps: [{ op: 'socket', proto: 'udp', name: 's' }, { op: 'recv', sock: 's', maxBytes: 100 }],
  ...over,
});
const limits = (safetyUs: number, livenessUs: number, maxSteps = 100_000) =>
  ({ safetyUs, livenessUs, maxSteps });

/** Jitter, faults, several CPUs, a random schedule: everything that could leak nondeterminism. */
const rich = (seed = 42): Scenario => scenario({
  seed,
  hosts: [host(3), host(2)],
  links: [link(0, 1, { delayUs: 40, jitterUs: 300, capacity: 6 })],
  faults: {
    frames: [
      { link: 0, dir: 'ab', index: 2, fate: 'duplicate', delayUs: 7 },
      { link: 0, dir: 'ba', index: 1, fate: 'delay', delayUs: 500 },
      { link: 0, dir: 'ab', index: 5, fate: 'drop' },
    ],
    partitions: [{ link: 0, startUs: 2000, endUs: 2500 }],
  },
  apps: [
    sender(0, 1, 12, 20, 0),
    sender(0, 1, 12, 20, 2),
    recvApp(1),
    { ...sender(1, 0, 5), cpu: 1 },
  ],
  schedule: { choices: [1, 0, 3], then: { kind: 'random', seed: 9 } },
  limits: limits(3000, 1_000_000),
});

describe('determinism (ARCHITECTURE §6.6)', () => {
  it('the same scenario gives an identical trace and traceHash', () => {
    const opts: FakeHostOptions = { echo: true, threadsPerCpu: 2, callDelayUs: 3 };
    const a = runFake(rich(), opts).run;
    const b = runFake(rich(), opts).run;
    expect(a.stats.decisions).toBeGreaterThan(5);
    expect(new Set(ofKind(a.trace, 'frame-fate').map((e) => e.fate)).size).toBeGreaterThan(2);
    expect(b).toEqual(a);
    expect(traceHash(b.trace)).toBe(traceHash(a.trace));
  });

  it('a different seed gives a different trace', () => {
    const opts: FakeHostOptions = { echo: true, threadsPerCpu: 2 };
    const other = traceHash(runFake(rich(43), opts).run.trace);
    expect(other).not.toBe(traceHash(runFake(rich(), opts).run.trace));
  });

  it('does not depend on the order in which a host lists its runnable threads', () => {
    class Reversed extends FakeHost {
      override runnable(): readonly RunnableThread[] {
        return [...super.runnable()].reverse();
      }
    }
    const opts: FakeHostOptions = { echo: true, threadsPerCpu: 2 };
    const plain = runFake(rich(), opts).run;
    const reversed = runScenario(rich(), {
      hostFactory: (_i, _s, env) => new Reversed(env, opts), checkMode: true,
    });
    expect(reversed.trace).toEqual(plain.trace);
  });
});

describe('the trace', () => {
  it('is stamped with seq 0, 1, 2 … and non-decreasing virtual time', () => {
    const { run } = runFake(rich(), { echo: true });
    run.trace.forEach((e, i) => expect(e.seq).toBe(i));
    for (let i = 1; i < run.trace.length; i++) {
      expect(run.trace[i]!.t).toBeGreaterThanOrEqual(run.trace[i - 1]!.t);
    }
    expect(run.stats.events).toBe(run.trace.length);
  });

  it('opens the safety phase at 0 and the liveness phase at safetyUs', () => {
    const nap: AppSpec = { host: 0, cpu: 0, startUs: 0, steps: [{ op: 'sleep', us: 5000 }] };
    const { run } = runFake({ ...rich(), apps: [...rich().apps, nap] }, { echo: true });
    const phases = ofKind(run.trace, 'phase').map((e) => [e.phase, e.t]);
    expect(phases).toEqual([['safety', 0], ['liveness', 3000]]);
    expect(run.trace[0]).toEqual({ kind: 'phase', phase: 'safety', seq: 0, t: 0 });
    expect(run.safetyEndUs).toBe(3000);
  });

  it('never reaches the liveness phase when the run ends first', () => {
    const { run } = runFake(scenario({ apps: [sender(0, 1, 1)] }));
    expect(ofKind(run.trace, 'phase').map((e) => e.phase)).toEqual(['safety']);
  });

  it('with safetyUs 0, both phases open at 0', () => {
    const { run } = runFake(scenario({ apps: [sender(0, 1, 1)], limits: limits(0, 1000) }));
    const phases = ofKind(run.trace, 'phase').map((e) => [e.phase, e.t]);
    expect(phases).toEqual([['safety', 0], ['liveness', 0]]);
  });

  it('exposes checkMode to hosts', () => {
    for (const checkMode of [true, false]) {
      const seen: boolean[] = [];
      runScenario(scenario(), {
        checkMode,
        hostFactory: (_i, _s, env) => { seen.push(env.trace.checkMode); return new FakeHost(env); },
      });
      expect(seen).toEqual([checkMode, checkMode]);
    }
  });

  it('copies each frame: a sender reusing its buffer changes neither trace nor receiver', () => {
    class Reuser extends FakeHost {
      override frameArrives(): void {}
      override callIssued(): void {
        const buf = new Uint8Array(30);
        buf.set([0x45, 0, 0, 30], 0);
        buf.set([10, 0, 0, 2], 16);
        this.env.transmit(buf);
        buf.fill(0xee);
      }
    }
    const hosts: FakeHost[] = [];
    const steps: ScriptStep[] = [{ op: 'close', sock: 'x' }];
    const s = scenario({ apps: [{ host: 0, cpu: 0, startUs: 0, steps }] });
    const run = runScenario(s, {
      checkMode: true,
      hostFactory: (i, spec, env) =>
        (i === 0 ? new Reuser(env) : fakeFactory({}, hosts)(i, spec, env)),
    });
    expect(ofKind(run.trace, 'frame-sent')[0]!.bytes[0]).toBe(0x45);
    expect(hosts[0]!.arrivals[0]!.bytes[0]).toBe(0x45);
  });
});

describe('hosts and their environment', () => {
  it('hostConfigOf fills DragonFly defaults under the spec’s overrides', () => {
    const spec: HostSpec = {
      stack: 'impl', ncpus: 4, tcp: { sack: false, mtu: 9000 }, udp: { recvspace: 10 },
    };
    expect(hostConfigOf(spec)).toEqual({
      stack: 'impl',
      ncpus: 4,
      hz: HZ_DEFAULT,
      tcp: { ...TCP_DEFAULTS, sack: false, mtu: 9000 },
      udp: { ...UDP_DEFAULTS, recvspace: 10 },
    });
    expect(hostConfigOf({ stack: 'model', ncpus: 1 }).tcp).toEqual(TCP_DEFAULTS);
  });

  it('host i gets id i, address 10.0.0.(i+1) and its config; the record lists them', () => {
    const envs: [number, HostSpec, HostEnv][] = [];
    const s = scenario({ hosts: [host(1), { stack: 'impl', ncpus: 3, tcp: { nagle: false } }] });
    const run = runScenario(s, {
      checkMode: true,
      hostFactory: (i, spec, env) => { envs.push([i, spec, env]); return new FakeHost(env); },
    });
    expect(envs.map(([i, spec, env]) => [i, spec, env.id, env.addr, env.config])).toEqual([
      [0, s.hosts[0], 0, hostAddr(0), hostConfigOf(s.hosts[0]!)],
      [1, s.hosts[1], 1, hostAddr(1), hostConfigOf(s.hosts[1]!)],
    ]);
    expect(run.hosts).toEqual([
      { index: 0, addr: hostAddr(0), config: hostConfigOf(s.hosts[0]!) },
      { index: 1, addr: hostAddr(1), config: hostConfigOf(s.hosts[1]!) },
    ]);
  });

  it('calls timeAdvanced at each host deadline, and only then', () => {
    const steps: ScriptStep[] = [
      { op: 'socket', proto: 'udp', name: 's' },
      { op: 'close', sock: 's' },
    ];
    const s = scenario({ apps: [{ host: 0, cpu: 0, startUs: 5, steps }] });
    const { hosts } = runFake(s, { callDelayUs: 30 });
    expect(hosts[0]!.advancedAt).toEqual([35, 65]);
    expect(hosts[1]!.advancedAt).toEqual([]);
  });

  it('a call completed inside timeAdvanced starts the next step at that instant', () => {
    const steps: ScriptStep[] = [
      { op: 'socket', proto: 'udp', name: 's' },
      { op: 'close', sock: 's' },
    ];
    const s = scenario({ apps: [{ host: 0, cpu: 0, startUs: 5, steps }] });
    const { run, hosts } = runFake(s, { callDelayUs: 30, completeOnTimer: true });
    expect(ofKind(run.trace, 'call-issued').map((e) => e.t)).toEqual([5, 35]);
    expect(ofKind(run.trace, 'call-completed').map((e) => e.t)).toEqual([35, 65]);
    expect(hosts[0]!.ran).toEqual([]);
    expect(run.outcome).toEqual({ kind: 'quiescent' });
  });

  it('a 0 µs link delivers within the same instant', () => {
    const s = scenario({ links: [link(0, 1, { delayUs: 0 })], apps: [sender(0, 1, 2)] });
    const { run, hosts } = runFake(s, { echo: true });
    expect(hosts[0]!.arrivals.map((a) => a.t)).toEqual([0, 0]);
    expect(run.stats.endUs).toBe(0);
  });

  it('runs zero-delay work at the same instant before time moves on', () => {
    const { run, hosts } = runFake(scenario({ apps: [sender(0, 1, 3)] }));
    expect(hosts[0]!.ran.map((r) => r.t)).toEqual([0, 0, 0, 0]);
    expect(run.stats.steps).toBe(4 + 3);
  });

  it('a deadline that stays in the past after timeAdvanced is a crash, not a hang', () => {
    const { run } = runFake(scenario({ apps: [recvApp(1)] }), { stuckDeadlineUs: 10 });
    expect(run.outcome).toMatchObject({ kind: 'crash' });
    const message = run.outcome.kind === 'crash' && run.outcome.message;
    expect(message).toMatch(/host 0: nextDeadline\(\) 10 stays ≤ now 10/);
  });

  it('a host listing another host’s thread, or one thread twice, is a crash', () => {
    const bad = (list: (env: HostEnv) => RunnableThread[]) => {
      class Liar extends FakeHost {
        override runnable(): readonly RunnableThread[] {
          return list(this.env);
        }
      }
      const hostFactory = (_i: number, _s: HostSpec, env: HostEnv) => new Liar(env);
      return runScenario(scenario(), { checkMode: true, hostFactory }).outcome;
    };
    const th = (h: number, thread: number) =>
      ({ host: h, cpu: 0, thread, name: 'x' }) as RunnableThread;
    const message = 'host 0 listed a runnable thread of host 1';
    expect(bad((env) => [th(1 - env.id, 0)])).toMatchObject({ message });
    const twice = bad((env) => [th(env.id, 0), th(env.id, 0)]);
    expect(twice).toMatchObject({ message: 'host 0: thread 0 twice' });
  });
});

describe('outcomes', () => {
  it('quiescent: apps done, nothing in flight; host timers past the bound do not count', () => {
    const { run } = runFake(scenario({ apps: [sender(0, 1, 2)] }), { idleTimerUs: 5_000_000 });
    expect(run.outcome).toEqual({ kind: 'quiescent' });
    expect(run.stats.endUs).toBeLessThan(5_000_000);
  });

  it('after the apps are done, host timers within the bound still run (a FIN retransmission)', () => {
    const { run } = runFake(scenario({ apps: [sender(0, 1, 2)] }), { idleTimerUs: 900_000 });
    expect(run.outcome).toEqual({ kind: 'quiescent' });
    expect(run.stats.endUs).toBe(900_000);
  });

  it('quiescent waits for frames still in flight', () => {
    const s = scenario({ links: [link(0, 1, { delayUs: 777 })], apps: [sender(0, 1, 1)] });
    const { run, hosts } = runFake(s);
    expect(run.outcome).toEqual({ kind: 'quiescent' });
    expect(hosts[1]!.arrivals.map((a) => a.t)).toEqual([777]);
    expect(run.stats.endUs).toBe(777);
  });

  it('quiescent when blocked for good: no frame, wake-up or timer can change anything', () => {
    const { run } = runFake(scenario({ apps: [recvApp(1)] }));
    expect(run.outcome).toEqual({ kind: 'quiescent' });
    expect(run.apps[0]!.blockedOn).toBe('recv(fd 3)');
    expect(run.stats.endUs).toBe(0);
  });

  it('time-bound: time would pass safetyUs + livenessUs; one pending line per open app', () => {
    const sleeper: AppSpec = {
      host: 0, cpu: 0, startUs: 0, steps: [{ op: 'sleep', us: 9_000_000 }],
    };
    const late: AppSpec = { ...recvApp(0), startUs: 8_000_000 };
    const s = scenario({
      apps: [recvApp(1), sleeper, late, sender(0, 1, 0)],
      limits: limits(1000, 2000),
    });
    const { run } = runFake(s, { idleTimerUs: 2500 });
    expect(run.outcome).toEqual({
      kind: 'time-bound',
      pending: [
        'app 0 on host 1 blocked in recv(fd 3)',
        'app 1 on host 0 sleeping until 9.000000',
        'app 2 on host 0 not started (starts at 8.000000)',
      ],
    });
    expect(run.stats.endUs).toBe(2500);
    expect(run.apps.map((a) => a.stepsDone)).toEqual([1, 0, 0, 1]);
  });

  it('step-bound: more than maxSteps steps; names open apps and runnable threads', () => {
    // Host 0's spinning thread is always index 0, so 'lowest' starves host 1 entirely.
    const s = scenario({ apps: [recvApp(1)], limits: limits(1000, 1000, 50) });
    const { run } = runFake(s, { spin: true });
    expect(run.stats.steps).toBe(50);
    expect(run.stats.decisions).toBe(50);
    expect(run.outcome).toEqual({
      kind: 'step-bound',
      pending: [
        'app 0 on host 1 blocked in socket(udp)',
        'host 0 cpu 0 thread 0 (cpu0.t0) runnable',
        'host 1 cpu 0 thread 0 (cpu0.t0) runnable',
      ],
    });
  });

  it('crash: a host’s exception ends the run with message, stack and the trace so far', () => {
    const { run } = runFake(scenario({ apps: [sender(0, 1, 3)] }), { crashAtRun: 3 });
    expect(run.outcome).toMatchObject({ kind: 'crash', message: 'fake host 0 crashed' });
    expect(run.outcome.kind === 'crash' && run.outcome.stack).toMatch(/FakeHost\.run/);
    expect(ofKind(run.trace, 'frame-sent')).toHaveLength(1);
    expect(run.stats.steps).toBe(3);
    expect(run.apps[0]!.blockedOn).toBe('send(fd 3, 10 bytes)');
  });

  it('crash: from the host factory, and from a thrown non-Error', () => {
    const thrower = (x: unknown) => (): Host => { throw x; };
    const hostFactory = thrower(new RangeError('no host'));
    const a = runScenario(scenario(), { checkMode: true, hostFactory });
    expect(a.outcome).toMatchObject({ kind: 'crash', message: 'no host' });
    expect(a.trace.map((e) => e.kind)).toEqual(['phase']);
    const b = runScenario(scenario(), { checkMode: true, hostFactory: thrower('boom') });
    expect(b.outcome).toEqual({ kind: 'crash', message: 'boom', stack: '' });
  });

  it('crash: a malformed scenario is reported, never thrown', () => {
    const bad = (s: Scenario) => runFake(s).run.outcome;
    const v2 = bad({ ...scenario(), version: 2 as 1 });
    expect(v2).toMatchObject({ kind: 'crash', message: 'scenario version 2 ≠ 1' });
    const negative = bad(scenario({ limits: limits(-1, 0) }));
    expect(negative).toMatchObject({ message: 'limits.safetyUs: -1 is not a natural number' });
    const noCpu = bad(scenario({ hosts: [{ stack: 'impl', ncpus: 0 }], links: [] }));
    expect(noCpu).toMatchObject({ message: 'host 0: bad ncpus 0' });
    const f = scenario({
      faults: { frames: [{ link: 3, dir: 'ab', index: 0, fate: 'drop' }], partitions: [] },
    });
    expect(bad(f)).toMatchObject({ message: 'fault plan: frame fault names link 3' });
  });
});

describe('the record', () => {
  it('fills every field', () => {
    const { run } = runFake(rich(), { echo: true, threadsPerCpu: 2 });
    expect(Object.keys(run).sort()).toEqual([
      'apps', 'choicesMade', 'hosts', 'outcome', 'safetyEndUs', 'stats', 'trace',
    ]);
    const apps = run.apps.map((a) => [a.app, a.host, a.stepsTotal]);
    expect(apps).toEqual([[0, 0, 13], [1, 0, 13], [2, 1, 2], [3, 1, 6]]);
    expect(run.stats.endUs).toBe(run.trace[run.trace.length - 1]!.t);
    expect(run.stats.steps).toBeGreaterThan(run.stats.decisions);
  });
});
