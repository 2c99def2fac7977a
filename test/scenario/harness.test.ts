import { describe, expect, it } from 'vitest';
import type { RunRecord, Verdict } from '../../src/core/run';
import { udpScenarioArb } from '../../src/scenario/arbitraries';
import { runScenarioChecked } from '../../src/scenario/builder';
import { parseScenario } from '../../src/scenario/schema';
import type { Scenario } from '../../src/scenario/types';
import { traceHash } from '../../src/sim/index';
import { checkScenario, fuzzProperty, materializeSchedule } from '../../properties/harness';
import type { PropertyDef } from '../../properties/types';

/**
 * The harness end to end on the real simulator and stacks, with a toy property that is easy to
 * break on purpose: "no recv returns more than 100 bytes". The arbitrary finds a violation at
 * once; what matters is that fast-check and the second stage shrink it to the smallest story —
 * one receiver, one sender, one 101-byte datagram, one CPU per host, no faults, no schedule.
 */

function noLargeDatagram(run: RunRecord): Verdict {
  for (const e of run.trace) {
    if (e.kind !== 'call-completed' || !e.result.ok || e.result.value.kind !== 'data') continue;
    const n = e.result.value.data.length;
    if (n > 100) {
      return {
        ok: false,
        checker: 'toy',
        claim: 'small datagrams',
        kind: 'large',
        message: `${n} bytes`,
        atSeq: e.seq,
      };
    }
  }
  return { ok: true };
}

const toy: PropertyDef = {
  name: 'toy.small-datagrams',
  claim: 'no recv returns more than 100 bytes',
  rules: [],
  arbitrary: udpScenarioArb({ stacks: 'mixed' }),
  check: noLargeDatagram,
  checkMode: false,
  ciRuns: 100,
};

const sends = (s: Scenario) => s.apps.flatMap((a) => a.steps).filter((x) => x.op === 'send');

describe('fuzzProperty', () => {
  it('finds a failure and shrinks it to one 101-byte datagram between two 1-CPU hosts', () => {
    const r = fuzzProperty(toy, { seed: 42, numRuns: 100 });
    expect(r.counterexample).not.toBeNull();
    const cx = r.counterexample!;
    expect(cx.verdict).toMatchObject({
      ok: false,
      checker: 'toy',
      kind: 'large',
      message: '101 bytes',
    });
    expect(cx.minCpus).toBe(1);
    expect(cx.scenario.hosts).toHaveLength(2);
    expect(cx.scenario.apps).toHaveLength(2);
    expect(sends(cx.scenario)).toHaveLength(1);
    expect(cx.scenario.faults).toEqual({ frames: [], partitions: [] });
    expect(cx.scenario.schedule.then).toEqual({ kind: 'lowest' });
    // The counterexample is a valid scenario file and replays the same run.
    expect(parseScenario(JSON.parse(JSON.stringify(cx.scenario))).ok).toBe(true);
    const replay = checkScenario(toy, cx.scenario);
    expect(replay.verdict).toEqual(cx.verdict);
    expect(traceHash(replay.run.trace)).toBe(cx.traceHash);
  });

  it('reports the runs it made when the property holds', () => {
    const holds: PropertyDef = { ...toy, check: () => ({ ok: true }) };
    let progress = 0;
    const r = fuzzProperty(holds, {
      seed: 1,
      numRuns: 20,
      onProgress: (n) => {
        progress = n;
      },
    });
    expect(r).toEqual({ runs: 20, counterexample: null });
    expect(progress).toBe(20);
  });

  it('stops generating at a time limit when no run count is given', () => {
    const holds: PropertyDef = { ...toy, check: () => ({ ok: true }) };
    const r = fuzzProperty(holds, { seed: 2, timeLimitMs: 300 });
    expect(r.counterexample).toBeNull();
    expect(r.runs).toBeGreaterThan(0);
  });

  it('turns a throwing checker into a failing verdict', () => {
    const throws: PropertyDef = {
      ...toy,
      check: () => {
        throw new Error('boom');
      },
    };
    const c = checkScenario(throws, udpExample());
    expect(c.verdict).toMatchObject({ ok: false, kind: 'checker-crash', message: 'boom' });
  });
});

describe('materializeSchedule', () => {
  it('replaces a strategy by the choices it made, replaying the identical trace', () => {
    const s: Scenario = {
      ...udpExample(),
      schedule: { choices: [], then: { kind: 'random', seed: 9 } },
    };
    const m = materializeSchedule(toy, s);
    expect(m.schedule.then).toEqual({ kind: 'lowest' });
    const a = runScenarioChecked(s, false);
    const b = runScenarioChecked(m, false);
    expect(a.stats.decisions).toBeGreaterThan(0);
    expect(traceHash(b.trace)).toBe(traceHash(a.trace));
  });
});

/** Two impl hosts with 4 CPUs each, three senders into two receiver sockets: many decisions. */
function udpExample(): Scenario {
  const recv = (sock: string) => ({ op: 'recv' as const, sock, maxBytes: 2048 });
  return {
    version: 1,
    seed: 3,
    hosts: [
      { stack: 'impl', ncpus: 4 },
      { stack: 'impl', ncpus: 4 },
    ],
    links: [{ a: 0, b: 1, delayUs: 10, jitterUs: 0, capacity: 0 }],
    faults: { frames: [], partitions: [] },
    apps: [
      {
        host: 1,
        cpu: 2,
        startUs: 0,
        steps: [
          { op: 'socket', proto: 'udp', name: 'r' },
          { op: 'bind', sock: 'r', port: 7 },
          recv('r'),
          recv('r'),
          recv('r'),
          { op: 'close', sock: 'r' },
        ],
      },
      ...[0, 1, 3].map((cpu) => ({
        host: 0,
        cpu,
        startUs: 100,
        steps: [
          { op: 'socket' as const, proto: 'udp' as const, name: 's' },
          { op: 'send' as const, sock: 's', bytes: 10 + cpu, to: { host: 1, port: 7 } },
          { op: 'close' as const, sock: 's' },
        ],
      })),
    ],
    schedule: { choices: [], then: { kind: 'lowest' } },
    limits: { safetyUs: 1000, livenessUs: 100_000, maxSteps: 10_000 },
  };
}
