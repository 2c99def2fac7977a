/**
 * Checker cost on a large trace (ARCHITECTURE §10: measured, never asserted). Method: one real
 * simulator run of two impl hosts exchanging a few thousand datagrams in check mode — about
 * 200k trace events with accesses, tokens, messages and commits — checked by every checker;
 * the test asserts only that they all pass, and prints how long each took.
 */
import { describe, expect, it } from 'vitest';
import { RUN_CHECKERS, checkDeterminism } from '../../src/check/index';
import { runScenarioChecked } from '../../src/scenario/builder';
import type { Scenario, ScriptStep } from '../../src/scenario/types';

const N = 4500;

const bulk = (): Scenario => ({
  version: 1,
  seed: 3,
  hosts: [
    { stack: 'impl', ncpus: 4 },
    { stack: 'impl', ncpus: 4 },
  ],
  links: [{ a: 0, b: 1, delayUs: 50, jitterUs: 20, capacity: 0 }],
  faults: { frames: [], partitions: [] },
  apps: [
    {
      host: 1,
      cpu: 2,
      startUs: 0,
      steps: [
        { op: 'socket', proto: 'udp', name: 'r' },
        { op: 'bind', sock: 'r', port: 7 },
        ...Array.from({ length: N }, (): ScriptStep => ({ op: 'recv', sock: 'r', maxBytes: 2048 })),
      ],
    },
    {
      host: 0,
      cpu: 1,
      startUs: 100,
      steps: [
        { op: 'socket', proto: 'udp', name: 's' },
        ...Array.from({ length: N }, (_, i): ScriptStep => ({
          op: 'send',
          sock: 's',
          bytes: 64 + (i % 500),
          to: { host: 1, port: 7 },
        })),
      ],
    },
  ],
  schedule: { choices: [], then: { kind: 'random', seed: 11 } },
  limits: { safetyUs: 1_000, livenessUs: 10_000_000, maxSteps: 10_000_000 },
});

describe('checker cost', () => {
  it('checks a ~200k-event trace (times printed, not asserted)', () => {
    const run = runScenarioChecked(bulk(), true);
    expect(run.outcome.kind).toBe('quiescent');
    expect(run.trace.length).toBeGreaterThan(150_000);
    const times: string[] = [];
    const time = (name: string, f: () => { ok: boolean }): void => {
      const t0 = performance.now();
      const v = f();
      times.push(`${name} ${(performance.now() - t0).toFixed(0)} ms`);
      expect(v.ok, name).toBe(true);
    };
    for (const [name, check] of Object.entries(RUN_CHECKERS)) time(name, () => check(run));
    const copy = { ...run, trace: run.trace.map((e) => structuredClone(e)) };
    time('determinism (against a deep copy)', () => checkDeterminism(run, copy));
    console.info(`checkers on ${run.trace.length} events: ${times.join(', ')}`);
  }, 120_000);
});
