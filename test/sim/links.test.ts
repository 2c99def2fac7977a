import { describe, expect, it } from 'vitest';
import { hostAddr, ipAddr } from '../../src/core/addr';
import { Rng } from '../../src/core/rng';
import { frameId } from '../../src/core/ids';
import type { TraceBody } from '../../src/core/trace';
import type { AppSpec, FrameFault, ScriptStep } from '../../src/scenario/types';
import { FaultPlanIndex, Network } from '../../src/sim';
import type { FrameArrival } from '../../src/sim';
import { fakeFrame, fates, host, link, ofKind, runFake, scenario, sender } from './fakes';

/**
 * Links and fault plans (ARCHITECTURE §7). Method: host 0 sends UDP-like datagrams to host 1
 * (which echoes them when asked); each test sets one link parameter or one fault and reads the
 * frame-fate and frame-delivered events of the trace. Fault indices count the frames sent in one
 * direction of one link, from 0.
 */

const send: ScriptStep = { op: 'send', sock: 's', bytes: 4, to: { host: 1, port: 7 } };
const sleep = (us: number): ScriptStep => ({ op: 'sleep', us });
const script = (...steps: ScriptStep[]): AppSpec => ({
  host: 0, cpu: 0, startUs: 0, steps: [{ op: 'socket', proto: 'udp', name: 's' }, ...steps],
});
const faults = (...frames: FrameFault[]) => ({ frames, partitions: [] });
const drop = (index: number, dir: 'ab' | 'ba' = 'ab', l = 0): FrameFault =>
  ({ link: l, dir, index, fate: 'drop' });

/** (frame, delivery, host, t) of each delivery, in trace order. */
const deliveries = (trace: Parameters<typeof ofKind>[0]) =>
  ofKind(trace, 'frame-delivered').map((e) => ({
    frame: e.frame, delivery: e.delivery, host: e.host, t: e.t,
  }));

describe('links: delivery', () => {
  it('delivers each frame to the host its IPv4 destination names, after the link delay', () => {
    const { run, hosts } = runFake(scenario({ apps: [sender(0, 1, 3)] }));
    expect(fates(run.trace)).toEqual(['deliver', 'deliver', 'deliver']);
    expect(ofKind(run.trace, 'frame-fate').map((e) => e.delayUs)).toEqual([100, 100, 100]);
    const expected = [0, 1, 2].map((i) => ({ frame: i, delivery: i, host: 1, t: 100 }));
    expect(deliveries(run.trace)).toEqual(expected);
    expect(hosts[1]!.arrivals.map((a) => a.frame)).toEqual([0, 1, 2]);
    expect(run.outcome).toEqual({ kind: 'quiescent' });
  });

  it('keeps a frame in order on a link without jitter (FIFO per direction)', () => {
    const { run } = runFake(scenario({ apps: [sender(0, 1, 20)] }));
    expect(deliveries(run.trace).map((d) => d.frame)).toEqual([...Array(20).keys()]);
  });

  it('routes over the link that joins sender and receiver, in either direction', () => {
    const s = scenario({
      hosts: [host(), host(), host()],
      links: [link(0, 1, { delayUs: 10 }), link(2, 0, { delayUs: 30 })],
      apps: [sender(0, 1, 1), sender(0, 2, 1)],
    });
    const { run, hosts } = runFake(s);
    expect(deliveries(run.trace).map((d) => [d.host, d.t])).toEqual([[1, 10], [2, 30]]);
    expect(hosts[2]!.arrivals).toHaveLength(1);
  });

  it('drops a frame with no route and says why in a note', () => {
    const s = scenario({
      hosts: [host(), host(), host()],
      apps: [sender(0, 2, 1), sender(0, 9, 1)],
    });
    const { run } = runFake(s);
    expect(fates(run.trace)).toEqual(['drop', 'drop']);
    expect(ofKind(run.trace, 'note').map((n) => [n.host, n.text])).toEqual([
      [0, `frame 0: no route to 10.0.0.3`],
      [0, `frame 1: no route to 10.0.0.10`],
    ]);
    expect(ofKind(run.trace, 'frame-delivered')).toEqual([]);
  });

  it('drops an undecodable frame with a note', () => {
    const out: TraceBody[] = [];
    const net = new Network({
      links: [link(0, 1)],
      addrs: [hostAddr(0), hostAddr(1)],
      faults: new FaultPlanIndex({ frames: [], partitions: [] }, 1, 0),
      rng: Rng.fromSeed(1),
      sink: { emit: (b) => out.push(b), checkMode: true },
      schedule: () => expect.unreachable('nothing to schedule'),
    });
    net.send(0, frameId(7), new Uint8Array([1, 2, 3]), 0);
    expect(out).toEqual([
      { kind: 'note', host: 0, text: 'frame 7: no IPv4 destination' },
      { kind: 'frame-fate', frame: 7, fate: 'drop', delayUs: 0 },
    ]);
    expect(net.inFlight).toBe(0);
  });

  it('refuses malformed links', () => {
    const bad = (l: ReturnType<typeof link>) => runFake(scenario({ links: [l] })).run.outcome;
    expect(bad(link(0, 5))).toMatchObject({ kind: 'crash', message: 'link 0: bad host index' });
    expect(bad(link(1, 1))).toMatchObject({ message: 'link 0: joins host 1 to itself' });
    expect(bad(link(0, 1, { delayUs: -1 }))).toMatchObject({ message: 'link 0: bad delayUs' });
    const twice = scenario({ links: [link(0, 1), link(1, 0)] });
    const message = 'link 1: hosts 1 and 0 already joined';
    expect(runFake(twice).run.outcome).toMatchObject({ message });
  });
});

describe('links: frame faults', () => {
  it('drop: the indexed frame never arrives; the others do', () => {
    const { run, hosts } = runFake(scenario({ apps: [sender(0, 1, 3)], faults: faults(drop(1)) }));
    expect(fates(run.trace)).toEqual(['deliver', 'drop', 'deliver']);
    expect(hosts[1]!.arrivals.map((a) => a.frame)).toEqual([0, 2]);
  });

  it('duplicate: a second copy arrives delayUs later with its own DeliveryId', () => {
    const dup: FrameFault = { link: 0, dir: 'ab', index: 0, fate: 'duplicate', delayUs: 50 };
    const { run, hosts } = runFake(scenario({ apps: [sender(0, 1, 1)], faults: faults(dup) }));
    expect(fates(run.trace)).toEqual(['duplicate']);
    expect(deliveries(run.trace)).toEqual([
      { frame: 0, delivery: 0, host: 1, t: 100 },
      { frame: 0, delivery: 1, host: 1, t: 150 },
    ]);
    expect(hosts[1]!.arrivals[0]!.bytes).toEqual(hosts[1]!.arrivals[1]!.bytes);
  });

  it('duplicate: without delayUs the copy follows 1 µs later', () => {
    const dup: FrameFault = { link: 0, dir: 'ab', index: 0, fate: 'duplicate' };
    const { run } = runFake(scenario({ apps: [sender(0, 1, 1)], faults: faults(dup) }));
    expect(deliveries(run.trace).map((d) => d.t)).toEqual([100, 101]);
  });

  it('delay: the frame arrives delayUs late, behind the frame sent after it', () => {
    const late: FrameFault = { link: 0, dir: 'ab', index: 0, fate: 'delay', delayUs: 500 };
    const { run } = runFake(scenario({ apps: [sender(0, 1, 2)], faults: faults(late) }));
    expect(ofKind(run.trace, 'frame-fate').map((e) => [e.fate, e.delayUs])).toEqual([
      ['delay', 600],
      ['deliver', 100],
    ]);
    expect(deliveries(run.trace).map((d) => [d.frame, d.t])).toEqual([[1, 100], [0, 600]]);
  });

  it('a fault names one direction: ab faults spare the replies, ba faults hit only them', () => {
    const echoed = (f: FrameFault) =>
      runFake(scenario({ apps: [sender(0, 1, 2)], faults: faults(f) }), { echo: true });
    const ab = echoed(drop(0, 'ab'));
    expect(fates(ab.run.trace)).toEqual(['drop', 'deliver', 'deliver']);
    const ba = echoed(drop(0, 'ba'));
    expect(fates(ba.run.trace)).toEqual(['deliver', 'deliver', 'drop', 'deliver']);
    expect(ba.hosts[0]!.arrivals.map((a) => a.frame)).toEqual([3]);
  });

  it('a fault names one link', () => {
    const s = scenario({
      hosts: [host(), host(), host()],
      links: [link(0, 1), link(0, 2)],
      apps: [sender(0, 1, 1), sender(0, 2, 1)],
      faults: faults(drop(0, 'ab', 1)),
    });
    expect(fates(runFake(s).run.trace)).toEqual(['deliver', 'drop']);
  });

  it('the first of two faults for one frame wins', () => {
    const dup: FrameFault = { link: 0, dir: 'ab', index: 0, fate: 'duplicate' };
    const { run } = runFake(scenario({ apps: [sender(0, 1, 1)], faults: faults(drop(0), dup) }));
    expect(fates(run.trace)).toEqual(['drop']);
  });

  it('faults apply only to frames sent before safetyUs', () => {
    const s = scenario({
      apps: [script(send, sleep(1000), send, send)],
      faults: faults(drop(0), drop(1), drop(2)),
      limits: { safetyUs: 500, livenessUs: 10_000, maxSteps: 1000 },
    });
    const { run } = runFake(s);
    expect(ofKind(run.trace, 'frame-sent').map((e) => e.t)).toEqual([0, 1000, 1000]);
    expect(fates(run.trace)).toEqual(['drop', 'deliver', 'deliver']);
  });
});

describe('links: partitions', () => {
  const timed = script(send, sleep(1000), send, sleep(2000), send);

  it('drop every frame sent on the link during [startUs, endUs), in both directions', () => {
    const s = scenario({
      apps: [timed],
      faults: { frames: [], partitions: [{ link: 0, startUs: 500, endUs: 3000 }] },
    });
    const { run } = runFake(s, { echo: true });
    // Request 0 at 0 passes; its echo leaves host 1 at 100, inside the partition.
    expect(ofKind(run.trace, 'frame-fate').map((e) => [e.t, e.fate])).toEqual([
      [0, 'deliver'],
      [100, 'deliver'],
      [1000, 'partitioned'],
      [3000, 'deliver'],
      [3100, 'deliver'],
    ]);
  });

  it('the window is half-open: a frame sent at endUs passes', () => {
    const s = scenario({
      apps: [timed],
      faults: { frames: [], partitions: [{ link: 0, startUs: 0, endUs: 1000 }] },
    });
    expect(fates(runFake(s).run.trace)).toEqual(['partitioned', 'deliver', 'deliver']);
  });

  it('is clamped to the safety phase', () => {
    const s = scenario({
      apps: [timed],
      faults: { frames: [], partitions: [{ link: 0, startUs: 0, endUs: 1_000_000 }] },
      limits: { safetyUs: 2000, livenessUs: 10_000, maxSteps: 1000 },
    });
    expect(fates(runFake(s).run.trace)).toEqual(['partitioned', 'partitioned', 'deliver']);
  });

  it('takes precedence over a frame fault, and the frame still takes an ordinal', () => {
    const late: FrameFault = { link: 0, dir: 'ab', index: 0, fate: 'delay', delayUs: 9 };
    const s = scenario({
      apps: [timed],
      faults: { frames: [late, drop(2)], partitions: [{ link: 0, startUs: 0, endUs: 1 }] },
    });
    expect(fates(runFake(s).run.trace)).toEqual(['partitioned', 'deliver', 'drop']);
  });
});

describe('links: capacity', () => {
  it('tail-drops a frame sent while `capacity` frames are in flight in that direction', () => {
    const s = scenario({ links: [link(0, 1, { capacity: 2 })], apps: [sender(0, 1, 4)] });
    expect(fates(runFake(s).run.trace)).toEqual(['deliver', 'deliver', 'overflow', 'overflow']);
  });

  it('frees capacity as frames arrive', () => {
    const s = scenario({
      links: [link(0, 1, { capacity: 1 })],
      apps: [script(send, send, sleep(100), send)],
    });
    expect(fates(runFake(s).run.trace)).toEqual(['deliver', 'overflow', 'deliver']);
  });

  it('counts each direction separately', () => {
    const s = scenario({
      links: [link(0, 1, { capacity: 1 })],
      apps: [sender(0, 1, 1), sender(1, 0, 1)],
    });
    expect(fates(runFake(s).run.trace)).toEqual(['deliver', 'deliver']);
  });

  it('0 means unlimited', () => {
    const s = scenario({ links: [link(0, 1, { capacity: 0 })], apps: [sender(0, 1, 50)] });
    expect(new Set(fates(runFake(s).run.trace))).toEqual(new Set(['deliver']));
  });

  it('applies after the fault plan has ended too', () => {
    const s = scenario({
      links: [link(0, 1, { capacity: 1 })],
      apps: [sender(0, 1, 2)],
      limits: { safetyUs: 0, livenessUs: 10_000, maxSteps: 1000 },
    });
    expect(fates(runFake(s).run.trace)).toEqual(['deliver', 'overflow']);
  });
});

describe('links: jitter', () => {
  const jittery = (over = {}) => scenario({
    links: [link(0, 1, { delayUs: 100, jitterUs: 1000 })],
    apps: [sender(0, 1, 30)],
    ...over,
  });

  it('adds a delay in [0, jitterUs] per frame, which reorders back-to-back frames', () => {
    const { run } = runFake(jittery());
    const delays = ofKind(run.trace, 'frame-fate').map((e) => e.delayUs);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(100);
    for (const d of delays) expect(d).toBeLessThanOrEqual(1100);
    expect(new Set(delays).size).toBeGreaterThan(10);
    const order = deliveries(run.trace).map((d) => d.frame);
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
    expect([...order].sort((a, b) => a - b)).toEqual([...Array(30).keys()]);
    // Each frame arrives exactly when its fate said it would.
    const sentAt = new Map(ofKind(run.trace, 'frame-sent').map((e) => [e.frame, e.t]));
    const fate = new Map(ofKind(run.trace, 'frame-fate').map((e) => [e.frame, e.delayUs]));
    for (const d of deliveries(run.trace)) {
      expect(d.t).toBe(sentAt.get(d.frame)! + fate.get(d.frame)!);
    }
  });

  it('draws from its direction’s own stream: a dropped frame does not shift the others', () => {
    const base = ofKind(runFake(jittery()).run.trace, 'frame-fate');
    const faulted = ofKind(runFake(jittery({ faults: faults(drop(3)) })).run.trace, 'frame-fate');
    base.forEach((e, i) => {
      if (i !== 3) expect(faulted[i]!.delayUs).toBe(e.delayUs);
    });
  });

  it('depends on the scenario seed', () => {
    const a = ofKind(runFake(jittery()).run.trace, 'frame-fate').map((e) => e.delayUs);
    const b = ofKind(runFake(jittery({ seed: 43 })).run.trace, 'frame-fate').map((e) => e.delayUs);
    expect(a).not.toEqual(b);
  });
});

describe('links: frame bytes', () => {
  it('records and delivers exactly the bytes transmitted', () => {
    const { run, hosts } = runFake(scenario({ apps: [sender(0, 1, 1, 16)] }));
    const sent = ofKind(run.trace, 'frame-sent')[0]!;
    const data = sent.bytes.subarray(29);
    expect(sent.bytes).toEqual(fakeFrame(hostAddr(0), ipAddr(hostAddr(1)), 1, data));
    expect(hosts[1]!.arrivals[0]!.bytes).toEqual(sent.bytes);
  });

  it('reports arrivals through the queue as FrameArrival events', () => {
    const arrivals: FrameArrival[] = [];
    const net = new Network({
      links: [link(0, 1, { delayUs: 7 })],
      addrs: [hostAddr(0), hostAddr(1)],
      faults: new FaultPlanIndex({ frames: [], partitions: [] }, 1, 0),
      rng: Rng.fromSeed(1),
      sink: { emit: () => {}, checkMode: false },
      schedule: (a) => arrivals.push(a),
    });
    net.send(1, frameId(3), fakeFrame(hostAddr(1), hostAddr(0), 1, new Uint8Array(0)), 5);
    expect(arrivals).toMatchObject([{ kind: 'frame', host: 0, frame: 3, link: 0, dir: 1, at: 12 }]);
    expect(net.inFlight).toBe(1);
    expect(net.arrived(arrivals[0]!)).toBe(0);
    expect(net.inFlight).toBe(0);
  });
});
