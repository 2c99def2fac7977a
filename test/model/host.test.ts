/**
 * The model as a simulated peer (`createModelHost`, the Host seam of ARCHITECTURE §5): every
 * input is applied atomically when it arrives, its frames go out through `env.transmit`, its
 * completions through `env.complete`, and one commit per input records where the netisr model
 * says it linearized. The environment here is a recording fake, so the tests read the exact
 * sequence of effects.
 */
import { describe, expect, it } from 'vitest';
import type { HostEnv } from '../../src/core/host';
import type { FrameId } from '../../src/core/ids';
import { callId, cpuId, deliveryId, fd, frameId, hostId, threadId } from '../../src/core/ids';
import type { AppCall, CallCompletion, CallRequest } from '../../src/core/socket';
import type { Instant } from '../../src/core/time';
import { udpFlowCpu } from '../../src/core/toeplitz';
import type { TraceBody } from '../../src/core/trace';
import { createModelHost, initialModelHost, modelStep } from '../../src/model/host';
import { PEER, SELF, ep, hostConfig, payload, udpFrame } from './harness';

function fakeEnv(ncpus = 4) {
  const log: Array<{ kind: 'transmit'; bytes: Uint8Array } | { kind: 'complete'; c: CallCompletion } | { kind: 'trace'; body: TraceBody }> = [];
  let frames = 0;
  let now = 0;
  const env: HostEnv = {
    id: hostId(0),
    addr: SELF,
    config: hostConfig(ncpus),
    now: () => now as Instant,
    transmit: (bytes): FrameId => {
      log.push({ kind: 'transmit', bytes });
      return frameId(100 + frames++);
    },
    complete: (c) => log.push({ kind: 'complete', c }),
    trace: { checkMode: true, emit: (body) => log.push({ kind: 'trace', body }) },
  };
  return { env, log, tick: (us: number) => { now += us; } };
}

let nextCall = 1;
const call = (req: CallRequest, cpu = 0): AppCall => ({ id: callId(nextCall++), app: 0, cpu: cpuId(cpu), req });

describe('createModelHost: the model as a peer', () => {
  it('a call completes synchronously, after the commit that names it, on the caller\'s CPU', () => {
    const { env, log } = fakeEnv();
    const host = createModelHost(env);
    const c = call({ op: 'socket', proto: 'udp' }, 2);
    host.callIssued(c);
    expect(log).toEqual([
      {
        kind: 'trace',
        body: {
          kind: 'commit', host: hostId(0), cpu: cpuId(2), thread: threadId(2), txn: 1,
          input: { kind: 'call', call: c.id, phase: 'proto' }, linearizes: true, frames: [], completions: [c.id],
        },
      },
      { kind: 'complete', c: { call: c.id, result: { ok: true, value: { kind: 'fd', fd: fd(3) } } } },
    ]);
  });

  it('a send transmits its datagram and commits on the flow CPU, naming the frame id', () => {
    const { env, log } = fakeEnv();
    const host = createModelHost(env);
    host.callIssued(call({ op: 'socket', proto: 'udp' }, 1));
    log.length = 0;
    const s = call({ op: 'send', fd: fd(3), data: payload(5), to: ep(PEER, 7), nonblocking: false }, 1);
    host.callIssued(s);
    expect(log.map((e) => e.kind)).toEqual(['transmit', 'trace', 'complete']);
    const commit = log[1]!.kind === 'trace' ? log[1]!.body : null;
    expect(commit).toMatchObject({
      kind: 'commit', cpu: udpFlowCpu(SELF, PEER, 4), frames: [frameId(100)], completions: [s.id],
      input: { kind: 'call', call: s.id, phase: 'proto' },
    });
  });

  it('a blocking recv completes when the datagram arrives, in that frame\'s commit', () => {
    const { env, log, tick } = fakeEnv();
    const host = createModelHost(env);
    host.callIssued(call({ op: 'socket', proto: 'udp' }));
    host.callIssued(call({ op: 'bind', fd: fd(3), port: 5000 as never }));
    const r = call({ op: 'recv', fd: fd(3), maxBytes: 100, nonblocking: false }, 3);
    log.length = 0;
    host.callIssued(r);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ kind: 'trace', body: { cpu: cpuId(3), input: { phase: 'user' }, completions: [] } });
    tick(50);
    log.length = 0;
    host.frameArrives(deliveryId(9), frameId(1), udpFrame(ep(PEER, 7), ep(SELF, 5000), payload(4)));
    expect(log.map((e) => e.kind)).toEqual(['trace', 'complete']);
    expect(log[0]).toMatchObject({
      body: { input: { kind: 'frame', delivery: deliveryId(9) }, cpu: udpFlowCpu(SELF, PEER, 4), completions: [r.id] },
    });
    expect(log[1]).toEqual({
      kind: 'complete', c: { call: r.id, result: { ok: true, value: { kind: 'data', data: payload(4), from: ep(PEER, 7) } } },
    });
  });

  it('a datagram for a closed port is answered with an ICMP error', () => {
    const { env, log } = fakeEnv();
    const host = createModelHost(env);
    host.frameArrives(deliveryId(1), frameId(1), udpFrame(ep(PEER, 7), ep(SELF, 6000), payload(4)));
    expect(log.map((e) => e.kind)).toEqual(['transmit', 'trace']);
  });

  it('does what modelStep does, input for input', () => {
    const { env, log } = fakeEnv();
    const host = createModelHost(env);
    const calls = [
      call({ op: 'socket', proto: 'udp' }),
      call({ op: 'connect', fd: fd(3), remote: ep(PEER, 7), nonblocking: false }),
      call({ op: 'send', fd: fd(3), data: payload(9), nonblocking: false }),
    ];
    let s = initialModelHost(env.config, env.addr, 0);
    const expected: unknown[] = [];
    for (const c of calls) {
      const step = modelStep(s, { kind: 'call', call: c }, 0 as Instant);
      s = step.state;
      expected.push(...step.outputs.frames, ...step.outputs.completions);
      host.callIssued(c);
    }
    const seen = log.flatMap((e): unknown[] => (e.kind === 'transmit' ? [e.bytes] : e.kind === 'complete' ? [e.c] : []));
    expect(seen).toEqual(expected);
  });

  it('has no threads, no timers, and reports its sockets', () => {
    const { env } = fakeEnv();
    const host = createModelHost(env);
    expect(host.runnable()).toEqual([]);
    expect(host.nextDeadline()).toBeNull();
    host.timeAdvanced();
    expect(() => host.run(threadId(0))).toThrow(/never has runnable threads/);
    host.callIssued(call({ op: 'socket', proto: 'udp' }));
    host.callIssued(call({ op: 'socket', proto: 'udp' }));
    host.callIssued(call({ op: 'bind', fd: fd(3), port: 5000 as never }));
    host.callIssued(call({ op: 'connect', fd: fd(4), remote: ep(PEER, 7), nonblocking: false }));
    expect(host.status()).toEqual([
      { key: 'udp fd 3', proto: 'udp', state: 'BOUND :5000' },
      { key: 'udp fd 4', proto: 'udp', state: 'CONNECTED :49152 > 10.0.0.2:7' },
    ]);
  });
});
