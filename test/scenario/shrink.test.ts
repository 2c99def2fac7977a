import { describe, expect, it } from 'vitest';
import type { RunRecord, Verdict } from '../../src/core/run';
import type { Scenario } from '../../src/scenario/types';
import { canonicalChoices, cpusNeeded, secondStage, withCpus } from '../../properties/shrink';
import type { CheckedRun } from '../../properties/types';
import { echoScenario } from './fixtures';

/**
 * The second shrinking stage, driven by a fake probe instead of a simulator: the "bug" needs two
 * CPUs on host 0 and one decision that picks thread 3 of 4. Shrinking must find exactly that, and
 * every scenario it returns must be a materialized schedule (explicit choices, then 'lowest').
 */

const FAIL: Verdict = {
  ok: false,
  checker: 'fake',
  claim: 'c',
  kind: 'k',
  message: 'needs cpu 2 and choice 3',
};

/** A fake run: decisions are the explicit choices taken mod 4, then five 'lowest' decisions. */
function fakeProbe(log: Scenario[]): (s: Scenario) => CheckedRun {
  return (s) => {
    log.push(s);
    const made = [...s.schedule.choices.map((c) => c % 4), 0, 0, 0, 0, 0];
    const run = { choicesMade: made } as unknown as RunRecord;
    const fails = s.hosts[0]!.ncpus >= 2 && made.includes(3);
    return { scenario: s, run, verdict: fails ? FAIL : { ok: true } };
  };
}

const start = (): Scenario => {
  const s = withCpus({ ...echoScenario() }, 0, 9);
  return {
    ...s,
    schedule: { choices: [5, 6, 7, 2, 9, 11, 4, 1], then: { kind: 'random', seed: 3 } },
  };
};

describe('second-stage shrinking', () => {
  it('finds the fewest CPUs and the one decision that matter', () => {
    const log: Scenario[] = [];
    const probe = fakeProbe(log);
    const first = probe(start());
    const r = secondStage(first, probe, 400);
    expect(r.checked.verdict).toEqual(FAIL);
    expect(r.checked.scenario.schedule).toEqual({ choices: [3], then: { kind: 'lowest' } });
    expect(r.checked.scenario.hosts[0]!.ncpus).toBe(2);
    expect(cpusNeeded(r.checked.scenario)).toBe(2);
    expect(r.attempts).toBe(log.length - 1);
  });

  it('keeps app CPUs valid when a host loses CPUs', () => {
    const s = withCpus(start(), 0, 1);
    expect(s.apps.filter((a) => a.host === 0).every((a) => a.cpu === 0)).toBe(true);
  });

  it('stops at the attempt budget and still returns a failing scenario', () => {
    const log: Scenario[] = [];
    const probe = fakeProbe(log);
    const r = secondStage(probe(start()), probe, 3);
    expect(r.attempts).toBe(3);
    expect(r.checked.verdict.ok).toBe(false);
  });

  it('ignores a different failure while shrinking', () => {
    const other: Verdict = { ...FAIL, kind: 'other' } as Verdict;
    const probe = (s: Scenario): CheckedRun => {
      const made = s.schedule.choices.map((c) => c % 4);
      const run = { choicesMade: made } as unknown as RunRecord;
      return { scenario: s, run, verdict: made.includes(3) ? FAIL : other };
    };
    const r = secondStage(probe(start()), probe, 400);
    expect(r.checked.verdict).toEqual(FAIL);
    expect(r.checked.scenario.schedule.choices).toEqual([3]);
  });

  it('drops trailing zeros from a materialized schedule', () => {
    expect(canonicalChoices([0, 2, 0, 1, 0, 0])).toEqual([0, 2, 0, 1]);
    expect(canonicalChoices([0, 0])).toEqual([]);
  });
  it('deletes apps, steps and faults the failure does not need, keeping names defined', () => {
    const sendsProbe = (s: Scenario): CheckedRun => {
      const run = { choicesMade: [] } as unknown as RunRecord;
      const sends = s.apps.some((a) => a.steps.some((x) => x.op === 'send'));
      return { scenario: s, run, verdict: sends ? FAIL : { ok: true } };
    };
    const s0 = echoScenario();
    const start: Scenario = {
      ...s0,
      faults: { frames: [{ link: 0, dir: 'ab', index: 0, fate: 'drop' }], partitions: [] },
      links: [{ ...s0.links[0]!, capacity: 3 }],
    };
    const r = secondStage(sendsProbe(start), sendsProbe, 400);
    const s = r.checked.scenario;
    expect(s.apps).toHaveLength(1);
    // The socket step stays: deleting it would leave 's' used before it is defined.
    expect(s.apps[0]!.steps.map((x) => x.op)).toEqual(['socket', 'send']);
    expect(s.faults.frames).toEqual([]);
    expect(s.links[0]!.capacity).toBe(0);
  });
});
