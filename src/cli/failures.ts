import { join } from 'node:path';
import { traceHash } from '../core/hash';
import type { Verdict } from '../core/run';
import { renderCounterexampleFiles } from '../report/index';
import { serializeCounterexample } from '../scenario/counterexample';
import { checkScenario } from '../../properties/harness';
import { fileOf } from '../../properties/failure';
import type { Counterexample, PropertyDef } from '../../properties/types';
import { writeDirAtomic } from './files';
import type { DirWrite } from './files';

/**
 * Turning a shrunk counterexample into a saved bug report:
 * `DIR/<property>/<signature>/{scenario.json, report.md, trace.txt, capture.pcap}`. The signature
 * is the kind of violation (checker and verdict kind), so the same bug found again — by another
 * job, another shard or a later campaign — lands in the same directory and is recognised.
 */

export const SCENARIO_FILE = 'scenario.json';

/** `refinement.frame-mismatch`: safe as a directory name on every file system. */
export function signatureOf(v: Exclude<Verdict, { ok: true }>): string {
  return `${v.checker}.${v.kind}`.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '').slice(0, 100) || 'failure';
}

export const replayCommandFor = (scenarioPath: string): string => `npx mpcheck replay ${scenarioPath}`;

export interface SavedFailure {
  readonly dir: string;
  readonly status: DirWrite;
  /** Set when re-running the scenario here did not reproduce the worker's trace. */
  readonly warning: string | null;
}

/**
 * Re-run the counterexample's scenario (one run: cheap next to the search) to get the run
 * record the report is drawn from, render the files and write the directory atomically.
 */
export function saveFailure(outDir: string, def: PropertyDef, cx: Counterexample): SavedFailure {
  const dir = join(outDir, def.name, signatureOf(cx.verdict));
  const checked = checkScenario(def, cx.scenario);
  const hash = traceHash(checked.run.trace);
  const warning = hash === cx.traceHash
    ? null
    : `re-running the scenario gave trace ${hash.slice(0, 12)}, the search saw ${cx.traceHash.slice(0, 12)}: the run is not deterministic`;
  const rendered = renderCounterexampleFiles({
    property: def,
    scenario: cx.scenario,
    run: checked.run,
    verdict: cx.verdict,
    replayCommand: replayCommandFor(join(dir, SCENARIO_FILE)),
    traceHash: cx.traceHash,
    minCpus: cx.minCpus,
    origin: { seed: cx.seed, runsBeforeFailure: cx.runsBeforeFailure, shrinkSteps: cx.shrinkSteps },
  });
  const status = writeDirAtomic(dir, {
    [SCENARIO_FILE]: serializeCounterexample(fileOf(cx)),
    ...rendered,
  });
  return { dir, status, warning };
}
