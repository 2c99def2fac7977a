import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { udpScenarioArb } from '../../src/scenario/arbitraries';
import { parseScenario } from '../../src/scenario/schema';
import type { Scenario, ScriptStep } from '../../src/scenario/types';
import {
  CLOSED_PORT,
  RECV_PORT_BASE,
  compileUdpWorkload,
  linkLossless,
} from '../../src/scenario/udp-workload';
import type { UdpWorkloadPlan } from '../../src/scenario/udp-workload';

/**
 * The arbitraries must only ever produce scenarios the schema accepts (a generated scenario is
 * saved and replayed as a file), must reach every part of the space the properties rely on, and
 * must shrink to small values. Coverage is asserted over a fixed-seed sample, not by eye.
 */

const SEED = 20240611;
const sample = (arb: fc.Arbitrary<Scenario>, n: number): Scenario[] =>
  fc.sample(arb, { seed: SEED, numRuns: n });
const steps = (s: Scenario): ScriptStep[] => s.apps.flatMap((a) => a.steps);

describe('udpScenarioArb', () => {
  it('only produces scenarios the schema accepts, unchanged by a JSON round trip', () => {
    fc.assert(
      fc.property(udpScenarioArb({ stacks: 'mixed' }), (s) => {
        const r = parseScenario(JSON.parse(JSON.stringify(s)));
        if (!r.ok) throw new Error(r.error);
        expect(r.value).toEqual(s);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('puts at least one impl host in mixed scenarios and only the asked stack otherwise', () => {
    for (const s of sample(udpScenarioArb({ stacks: 'mixed' }), 200)) {
      expect(s.hosts.some((h) => h.stack === 'impl')).toBe(true);
    }
    for (const s of sample(udpScenarioArb({ stacks: 'model' }), 50)) {
      expect(s.hosts.every((h) => h.stack === 'model')).toBe(true);
    }
  });

  it('covers CPU counts 1 to 16, every fault family, every strategy and every UDP path', () => {
    const all = sample(udpScenarioArb({ stacks: 'mixed' }), 600);
    const cpus = new Set(all.flatMap((s) => s.hosts.map((h) => h.ncpus)));
    expect(cpus.has(1) && cpus.has(16)).toBe(true);
    const fates = new Set(all.flatMap((s) => s.faults.frames.map((f) => f.fate)));
    expect([...fates].sort()).toEqual(['delay', 'drop', 'duplicate']);
    expect(all.some((s) => s.faults.partitions.length > 0)).toBe(true);
    expect(all.some((s) => s.links.some((l) => l.capacity > 0))).toBe(true);
    expect(new Set(all.map((s) => s.schedule.then.kind)).size).toBe(5);
    expect(all.some((s) => s.schedule.choices.length > 0)).toBe(true);
    const st = all.flatMap(steps);
    const sends = st.filter((x) => x.op === 'send');
    expect(st.some((x) => x.op === 'connect')).toBe(true);
    expect(sends.some((x) => x.to !== undefined) && sends.some((x) => x.to === undefined)).toBe(
      true,
    );
    expect(sends.some((x) => x.to?.port === CLOSED_PORT)).toBe(true);
    expect(st.some((x) => x.op === 'recv' && x.nonblocking === true)).toBe(true);
    expect(st.some((x) => x.op === 'recv' && x.nonblocking !== true)).toBe(true);
    expect(st.some((x) => x.op === 'shutdown')).toBe(true);
    // A send bigger than its host's maxdgram (UP-7 EMSGSIZE).
    const oversized = all.some((s) =>
      s.apps.some((a) =>
        a.steps.some((x) => x.op === 'send' && x.bytes > (s.hosts[a.host]!.udp?.maxdgram ?? 9216)),
      ),
    );
    expect(oversized).toBe(true);
    // Several sockets on one host.
    expect(
      all.some((s) => s.apps.some((a) => a.steps.filter((x) => x.op === 'socket').length > 1)),
    ).toBe(true);
  });

  it('gives fault-free scenarios when faults are off', () => {
    for (const s of sample(udpScenarioArb({ stacks: 'impl', faults: false }), 100)) {
      expect(s.faults).toEqual({ frames: [], partitions: [] });
      expect(s.links.every((l) => l.capacity === 0)).toBe(true);
    }
  });

  it('shrinks a failure that needs a send to one empty send between two 1-CPU hosts', () => {
    const r = fc.check(
      fc.property(
        udpScenarioArb({ stacks: 'mixed' }),
        (s) => !steps(s).some((x) => x.op === 'send'),
      ),
      { seed: SEED, numRuns: 200 },
    );
    expect(r.failed).toBe(true);
    const s = r.counterexample![0] as Scenario;
    expect(s.hosts.length).toBe(2);
    expect(s.hosts.every((h) => h.ncpus === 1)).toBe(true);
    // fast-check's array shrinker may keep an app with no send; the harness's second stage
    // deletes it (test/scenario/harness.test.ts).
    expect(s.apps.length).toBeLessThanOrEqual(2);
    expect(s.faults).toEqual({ frames: [], partitions: [] });
    expect(s.schedule).toEqual({ choices: [], then: { kind: 'lowest' } });
    expect(steps(s).filter((x) => x.op === 'send')).toEqual([
      { op: 'send', sock: 's0', bytes: 0, to: expect.anything() },
    ]);
  });
});

describe('compileUdpWorkload', () => {
  const hosts = [
    { stack: 'impl' as const, ncpus: 2 },
    { stack: 'model' as const, ncpus: 1 },
  ];
  const links = [{ a: 0, b: 1, delayUs: 10, jitterUs: 0, capacity: 0 }];
  const plan: UdpWorkloadPlan = {
    receivers: [
      {
        host: 1,
        cpu: 0,
        startUs: 0,
        sockets: 1,
        maxBytes: 'full',
        polls: 3,
        pollGapUs: 500,
        closeAfterPolls: null,
        connectTo: null,
      },
    ],
    senders: [
      {
        host: 0,
        cpu: 3,
        startUs: 200,
        connected: false,
        bindPort: null,
        target: { kind: 'receiver', receiver: 0, socket: 0 },
        sends: [
          { kind: 'small', bytes: 10 },
          { kind: 'over', extra: 1 },
          { kind: 'small', bytes: 20 },
        ],
        gapUs: 0,
        closeAfter: null,
        quirks: [],
      },
    ],
  };

  it('drains a lossless path with one blocking recv per datagram that can be sent', () => {
    const apps = compileUdpWorkload(plan, { hosts, links, faults: { frames: [], partitions: [] } });
    const recvs = apps[0]!.steps.filter((x) => x.op === 'recv');
    // The oversized send fails with EMSGSIZE (UP-7), so two datagrams are expected.
    expect(recvs).toEqual([
      { op: 'recv', sock: 'r0.0', maxBytes: 65535 },
      { op: 'recv', sock: 'r0.0', maxBytes: 65535 },
    ]);
    expect(apps[1]!.cpu).toBe(1);
    expect(apps[1]!.steps[1]).toEqual({
      op: 'send',
      sock: 's0',
      bytes: 10,
      to: { host: 1, port: RECV_PORT_BASE },
    });
  });

  it('polls with nonblocking recvs and sleeps when the path can lose a datagram', () => {
    const faults = {
      frames: [{ link: 0, dir: 'ab' as const, index: 0, fate: 'drop' as const }],
      partitions: [],
    };
    expect(linkLossless({ hosts, links, faults }, 0)).toBe(false);
    const apps = compileUdpWorkload(plan, { hosts, links, faults });
    const drain = apps[0]!.steps.slice(2, -1);
    expect(drain).toEqual(
      [0, 1, 2].flatMap(() => [
        { op: 'sleep', us: 500 },
        { op: 'recv', sock: 'r0.0', maxBytes: 65535, nonblocking: true },
      ]),
    );
  });

  it("connects a receiver to its sender's fixed port and expects only that sender (UP-11)", () => {
    const other = { ...plan.senders[0]!, sends: [{ kind: 'small' as const, bytes: 5 }] };
    const twoSenders: UdpWorkloadPlan = {
      receivers: [{ ...plan.receivers[0]!, connectTo: 1 }],
      senders: [other, { ...plan.senders[0]!, bindPort: 2 }],
    };
    const apps = compileUdpWorkload(twoSenders, {
      hosts,
      links,
      faults: { frames: [], partitions: [] },
    });
    expect(apps[0]!.steps[2]).toEqual({
      op: 'connect',
      sock: 'r0.0',
      peer: { host: 0, port: 5002 },
    });
    // Sender 0's datagram is refused (ICMP); sender 1's two sendable datagrams are expected.
    expect(apps[0]!.steps.filter((x) => x.op === 'recv')).toHaveLength(2);
  });

  it('polls when two senders race for the port the receiver is connected to', () => {
    const racing: UdpWorkloadPlan = {
      receivers: [{ ...plan.receivers[0]!, connectTo: 0 }],
      senders: [
        { ...plan.senders[0]!, bindPort: 1 },
        { ...plan.senders[0]!, bindPort: 1 },
      ],
    };
    const apps = compileUdpWorkload(racing, {
      hosts,
      links,
      faults: { frames: [], partitions: [] },
    });
    expect(apps[0]!.steps.some((x) => x.op === 'recv' && x.nonblocking === true)).toBe(true);
  });

  it('polls when the datagrams would not fit in the receive buffer (UP-12)', () => {
    const small = [hosts[0]!, { ...hosts[1]!, udp: { recvspace: 40 } }];
    const apps = compileUdpWorkload(plan, {
      hosts: small,
      links,
      faults: { frames: [], partitions: [] },
    });
    expect(apps[0]!.steps.some((x) => x.op === 'recv' && x.nonblocking === true)).toBe(true);
  });
});
