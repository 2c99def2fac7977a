/**
 * The checkers on real runs of the simulator. Method: (1) correct stacks — the echo scenario and
 * a sample of random UDP scenarios with impl hosts in check mode — pass every single-run checker,
 * so none of them raises false alarms on the traces the system really produces; (2) a stack
 * broken on purpose through the seams CONTRACTS.md promises (`vi.mock` of one impl function)
 * fails the checker whose claim the break violates.
 */
import { fc } from '@fast-check/vitest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  RUN_CHECKERS,
  checkDeterminism,
  checkLiveness,
  checkNetisr,
  checkRefinement,
  checkUdpIntegrity,
} from '../../src/check/index';
import { LwktMsg, MsgPort } from '../../src/impl/kern/msgport';
import type { Thread } from '../../src/impl/kern/thread';
import { cpuId } from '../../src/core/ids';
import type { RunRecord } from '../../src/core/run';
import * as rss from '../../src/impl/net/rss';
import * as sockbuf from '../../src/impl/socket/sockbuf';
import { udpScenarioArb } from '../../src/scenario/arbitraries';
import { runScenarioChecked } from '../../src/scenario/builder';
import type { Scenario } from '../../src/scenario/types';
import { echoScenario } from '../scenario/fixtures';
import { expectPass } from './expect';

vi.mock('../../src/impl/net/rss', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/impl/net/rss')>();
  return { ...m, packetCpu: vi.fn(m.packetCpu) };
});
vi.mock('../../src/impl/socket/sockbuf', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/impl/socket/sockbuf')>();
  return { ...m, sbAppendAddr: vi.fn(m.sbAppendAddr) };
});

const original = {
  packetCpu: vi.mocked(rss.packetCpu).getMockImplementation()!,
  sbAppendAddr: vi.mocked(sockbuf.sbAppendAddr).getMockImplementation()!,
};

afterEach(() => {
  vi.mocked(rss.packetCpu).mockImplementation(original.packetCpu);
  vi.mocked(sockbuf.sbAppendAddr).mockImplementation(original.sbAppendAddr);
  vi.restoreAllMocks();
});

/** The echo scenario with impl hosts on both ends, the receiver on 4 CPUs. */
const implEcho = (): Scenario => ({
  ...echoScenario(),
  hosts: [
    { stack: 'impl', ncpus: 3 },
    { stack: 'impl', ncpus: 4 },
  ],
});

/** Host 0 fires three datagrams at host 1 from one socket; random interleavings per seed. */
const burst = (seed: number): Scenario => ({
  ...implEcho(),
  apps: [
    {
      host: 1,
      cpu: 0,
      startUs: 0,
      steps: [
        { op: 'socket', proto: 'udp', name: 'r' },
        { op: 'bind', sock: 'r', port: 7 },
        ...[0, 1, 2].map(() => ({ op: 'recv', sock: 'r', maxBytes: 2048 }) as const),
      ],
    },
    {
      host: 0,
      cpu: 1,
      startUs: 50,
      steps: [
        { op: 'socket', proto: 'udp', name: 's' },
        { op: 'bind', sock: 's', port: 5000 },
        ...[10, 11, 12].map(
          (bytes) => ({ op: 'send', sock: 's', bytes, to: { host: 1, port: 7 } }) as const,
        ),
      ],
    },
  ],
  schedule: { choices: [], then: { kind: 'random', seed } },
});

function expectAllPass(run: RunRecord): void {
  for (const check of Object.values(RUN_CHECKERS)) expectPass(check(run));
}

describe('checkers on simulator runs', () => {
  it('pass the echo scenario with impl and model hosts, in check mode and bench mode', () => {
    for (const s of [echoScenario(), implEcho()]) {
      expectAllPass(runScenarioChecked(s, true));
      expectAllPass(runScenarioChecked(s, false));
    }
  });

  it('pass random UDP scenarios on correct stacks (no false alarms)', () => {
    const scenarios = fc.sample(udpScenarioArb({ stacks: 'mixed' }), {
      numRuns: 25,
      seed: 20240611,
    });
    for (const s of scenarios) {
      const run = runScenarioChecked(s, true);
      for (const [name, check] of Object.entries(RUN_CHECKERS)) {
        // Liveness is the scenario's business (a receiver may wait for a dropped datagram).
        if (name !== 'liveness') expectPass(check(run));
      }
      expectPass(checkDeterminism(run, runScenarioChecked(s, true)));
    }
  });

  it('report a crash (a NIC hashing to the wrong netisr trips an assertion) calmly', () => {
    vi.mocked(rss.packetCpu).mockImplementation((p, n) =>
      cpuId((original.packetCpu(p, n) + 1) % n),
    );
    const run = runScenarioChecked(implEcho(), true);
    const v = checkLiveness(run);
    expect(v.ok || v.kind).toBe('crash');
    expect(v.ok || v.message).toMatch(/udpInput: datagram on cpu/);
    // The trace stops mid-transaction: the other checkers judge what is there and no more.
    for (const [name, check] of Object.entries(RUN_CHECKERS))
      if (name !== 'liveness') expectPass(check(run));
  });

  it('catch a netisr port that is LIFO instead of FIFO per sender (UP-16)', () => {
    for (let seed = 1; seed <= 12; seed++) expectAllPass(runScenarioChecked(burst(seed), true));
    const put = MsgPort.prototype.put;
    vi.spyOn(MsgPort.prototype, 'put').mockImplementation(function (
      this: MsgPort,
      msg: LwktMsg,
      sender: Thread,
    ) {
      put.call(this, msg, sender);
      const self = this as unknown as { queue: LwktMsg[]; head: number };
      if (self.queue[self.queue.length - 1] === msg)
        self.queue.splice(self.head, 0, self.queue.pop()!);
    });
    const kinds = new Set<string>();
    for (let seed = 1; seed <= 12; seed++) {
      const v = checkNetisr(runScenarioChecked(burst(seed), true));
      if (!v.ok) kinds.add(v.kind);
    }
    expect([...kinds]).toContain('port-fifo');
  });

  it('catch a receive buffer that corrupts the datagrams it queues', () => {
    vi.mocked(sockbuf.sbAppendAddr).mockImplementation((inet, sb, rec, path) => {
      const data = rec.data.slice();
      if (data.length > 0) data[0] ^= 0xff;
      return original.sbAppendAddr(inet, sb, { ...rec, data }, path);
    });
    const run = runScenarioChecked(implEcho(), true);
    const integrity = checkUdpIntegrity(run);
    const refinement = checkRefinement(run);
    expect(integrity.ok || integrity.kind).toBe('udp-corrupted');
    expect(refinement.ok || refinement.kind).toBe('result-differs');
  });

  it('catch a receive buffer that loses datagrams on a lossless run', () => {
    vi.mocked(sockbuf.sbAppendAddr).mockImplementation(function* lose() {
      yield* [];
      return true; // "queued", but nothing was
    });
    const run = runScenarioChecked(implEcho(), true);
    const integrity = checkUdpIntegrity(run);
    expect(integrity.ok || integrity.kind).toBe('udp-lost');
    const refinement = checkRefinement(run);
    expect(refinement.ok || refinement.kind).toBe('impl-stuck');
  });
});
