import { parentPort, workerData } from 'node:worker_threads';
import { assertNever } from '../core/assert';
import type { Scenario } from '../scenario/types';
import type { RunRecord, Verdict } from '../core/run';
import { fuzzProperty } from '../../properties/harness';
import type { PropertyDef } from '../../properties/types';
import { constrain } from './constrain';
import { addScenario, emptyCoverage } from './coverage';
import type { Coverage } from './coverage';
import type { FromWorker, ToWorker, WorkerSetup } from './protocol';
import { findDef } from './select';

/**
 * A fuzz worker thread: runs the jobs the main thread hands it, one at a time, through the same
 * harness as the vitest properties (properties/harness.ts), and reports progress, coverage and
 * the shrunk counterexample of each job. Started by pool.ts; never run directly.
 */

const PROGRESS_EVERY_MS = 200;

const port = parentPort;
if (port === null) throw new Error('src/cli/worker.ts must run as a worker thread');
const setup = workerData as WorkerSetup;

const send = (m: FromWorker): void => port.postMessage(m);

/** The constrained definitions, by name, built once per worker. */
const defs = new Map<string, PropertyDef>();
for (const name of setup.properties) {
  const def = findDef(name);
  if (def === undefined) throw new Error(`worker: unknown property '${name}'`);
  defs.set(name, constrain(def, setup.constraints));
}

/**
 * Count the generated scenarios that get checked. The harness calls onProgress once per
 * generated scenario just before checking it; shrinking attempts call check without it.
 */
function counting(def: PropertyDef, coverage: Coverage, fresh: { value: boolean }): PropertyDef {
  return {
    ...def,
    check: (run: RunRecord, scenario: Scenario): Verdict => {
      if (fresh.value) addScenario(coverage, scenario);
      fresh.value = false;
      return def.check(run, scenario);
    },
  };
}

function runJob(m: Extract<ToWorker, { type: 'job' }>): void {
  const { job } = m;
  const def = defs.get(job.property);
  if (def === undefined) throw new Error(`worker: job for unknown property '${job.property}'`);
  const coverage = emptyCoverage();
  const fresh = { value: false };
  let lastPost = 0;
  const result = fuzzProperty(counting(def, coverage, fresh), {
    seed: job.seed,
    numRuns: job.runs,
    ...(m.timeLimitMs === null ? {} : { timeLimitMs: Math.max(1, m.timeLimitMs) }),
    onProgress: (runs) => {
      fresh.value = true;
      const now = Date.now();
      if (now - lastPost < PROGRESS_EVERY_MS) return;
      lastPost = now;
      send({ type: 'progress', job: job.index, runs });
    },
  });
  send({ type: 'done', job: job.index, runs: result.runs, counterexample: result.counterexample, coverage });
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'job':
      try {
        runJob(m);
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        send({ type: 'error', job: m.job.index, message: error.message, stack: error.stack ?? '' });
      }
      return;
    case 'stop':
      port.close();
      return;
    default:
      assertNever(m, 'message to a worker');
  }
});

send({ type: 'ready' });
