import type { RunRecord, Verdict } from '../core/run';
import { udpScenarioArb } from '../scenario/arbitraries';
import type { PropertyDef } from '../../properties/types';

/**
 * The canary (STYLE P13, after TigerBeetle's canary fuzzer): a property that fails on purpose, so
 * the failure path of `mpcheck fuzz` — shrinking, de-duplication, the counterexample directory,
 * report.md, capture.pcap, `replay` and the exit code — is itself exercised on the real stacks.
 * It fails whenever a link loses a frame, which the fault swarm makes common but not certain.
 * Only `--property canary` selects it: globs never do, so `fuzz` of "all properties" stays
 * about the stacks.
 */

export const CANARY_NAME = 'canary';

function canaryCheck(run: RunRecord): Verdict {
  const lost = run.trace.find(
    (e) => e.kind === 'frame-fate' && (e.fate === 'drop' || e.fate === 'partitioned' || e.fate === 'overflow'),
  );
  if (lost === undefined || lost.kind !== 'frame-fate') return { ok: true };
  return {
    ok: false,
    checker: 'canary',
    claim: 'the fuzz infrastructure reports failures (the canary fails on purpose when a link loses a frame)',
    kind: 'frame-lost',
    message: `frame ${lost.frame} was lost on its link (${lost.fate})`,
    atSeq: lost.seq,
    details: ['This failure is deliberate: the canary checks that mpcheck finds, shrinks and reports failures.'],
  };
}

export const CANARY: PropertyDef = {
  name: CANARY_NAME,
  claim: 'fails on purpose whenever a link loses a frame: a self-test of fuzz, reports and replay',
  rules: [],
  arbitrary: udpScenarioArb({ stacks: 'mixed' }),
  check: canaryCheck,
  checkMode: false,
  ciRuns: 0,
};
