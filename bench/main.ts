import { pathToFileURL } from 'node:url';
import * as fc from 'fast-check';
import type { RunnableThread } from '../src/core/host';
import { cpuId, hostId, threadId } from '../src/core/ids';
import type { RunRecord } from '../src/core/run';
import { udpScenarioArb } from '../src/scenario/arbitraries';
import { runScenarioChecked } from '../src/scenario/builder';
import type { Scenario, StrategySpec } from '../src/scenario/types';
import { Scheduler } from '../src/sim/index';
import { checkScenario } from '../properties/harness';
import { PROPERTIES } from '../properties/registry';

/**
 * `npm run bench` (ARCHITECTURE §10): throughput figures measured on this machine, from fixed
 * workloads (fast-check samples with fixed seeds), so two runs measure the same work. Reported
 * as rates and ratios; never asserted in tests. `--json` prints the same figures as JSON.
 *
 *  - scheduler: decisions per second of each strategy alone (choosing among 2–16 runnable
 *    threads), and decisions and runs per second inside generated UDP scenarios (bench mode: no
 *    ownership instrumentation, no checker);
 *  - stacks: frames processed per second with every host impl versus every host model;
 *  - properties: scenario runs per second through each property (run + check, as fuzz does);
 *  - checkers: each property's check alone, in µs per trace event (fastest of 5 passes);
 *  - tcp transfer: reserved for the TCP bulk-transfer benchmark (TCP in progress).
 */

const SEED = 42;
const SCHEDULER_SCENARIOS = 150;
const PROPERTY_SCENARIOS = 60;
const CHECK_PASSES = 5;

interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly note?: string;
}

const now = (): number => performance.now();

function timed<T>(work: () => T): { result: T; seconds: number } {
  const start = now();
  const result = work();
  return { result, seconds: (now() - start) / 1000 };
}

const sample = (arb: fc.Arbitrary<Scenario>, n: number): Scenario[] => fc.sample(arb, { seed: SEED, numRuns: n });

const STRATEGY_DECISIONS = 200_000;

/** Runnable sets of 2–16 threads over 2 hosts × 4 CPUs, in canonical order. */
function runnableSets(): RunnableThread[][] {
  const sets: RunnableThread[][] = [];
  for (let n = 2; n <= 16; n++) {
    sets.push(Array.from({ length: n }, (_, i) => ({
      host: hostId(i % 2), cpu: cpuId(Math.floor(i / 2) % 4), thread: threadId(i), name: `t${i}`,
    })));
  }
  return sets;
}

function strategyFigures(): Figure[] {
  const sets = runnableSets();
  const specs: StrategySpec[] = [
    { kind: 'random', seed: SEED },
    { kind: 'pct', seed: SEED, depth: 3 },
    { kind: 'urw', seed: SEED },
    { kind: 'round-robin' },
  ];
  return specs.map((then) => {
    const scheduler = new Scheduler({ choices: [], then }, { horizon: STRATEGY_DECISIONS });
    const { seconds } = timed(() => {
      for (let i = 0; i < STRATEGY_DECISIONS; i++) scheduler.decide(sets[i % sets.length]!);
    });
    return { name: `scheduler decisions, ${then.kind} alone`, value: STRATEGY_DECISIONS / seconds, unit: '/s' };
  });
}

function schedulerFigures(): Figure[] {
  const scenarios = sample(udpScenarioArb({ stacks: 'mixed' }), SCHEDULER_SCENARIOS);
  const { result: runs, seconds } = timed(() => scenarios.map((s) => runScenarioChecked(s, false)));
  const decisions = runs.reduce((a, r) => a + r.stats.decisions, 0);
  const steps = runs.reduce((a, r) => a + r.stats.steps, 0);
  return [
    ...strategyFigures(),
    { name: 'scheduler decisions in scenario runs', value: decisions / seconds, unit: '/s', note: `${decisions} decisions, ${steps} steps` },
    { name: 'scenario runs (bench mode)', value: runs.length / seconds, unit: 'runs/s' },
  ];
}

const framesOf = (runs: readonly RunRecord[]): number =>
  runs.reduce((a, r) => a + r.trace.filter((e) => e.kind === 'frame-delivered').length, 0);

function stackFigures(): Figure[] {
  const rate = (stacks: 'impl' | 'model'): number => {
    const scenarios = sample(udpScenarioArb({ stacks, faults: false }), SCHEDULER_SCENARIOS);
    const { result, seconds } = timed(() => scenarios.map((s) => runScenarioChecked(s, false)));
    return framesOf(result) / seconds;
  };
  const impl = rate('impl');
  const model = rate('model');
  return [
    { name: 'impl hosts: frames delivered', value: impl, unit: '/s' },
    { name: 'model hosts: frames delivered', value: model, unit: '/s' },
    { name: 'impl / model speed', value: impl / model, unit: '×' },
  ];
}

function propertyFigures(): Figure[] {
  const figures: Figure[] = [];
  for (const def of PROPERTIES) {
    const scenarios = sample(def.arbitrary, PROPERTY_SCENARIOS);
    const { result: checked, seconds } = timed(() => scenarios.map((s) => checkScenario(def, s)));
    figures.push({ name: `${def.name}: runs`, value: checked.length / seconds, unit: 'runs/s' });
    const events = checked.reduce((a, c) => a + c.run.trace.length, 0);
    // The check alone is quick: repeat it and keep the fastest pass, so JIT warm-up and other
    // load on the machine weigh less.
    const passes = Array.from({ length: CHECK_PASSES }, () => timed(() => {
      for (const c of checked) def.check(c.run, c.scenario);
    }).seconds);
    const checkSeconds = Math.min(...passes);
    figures.push({ name: `${def.name}: checker`, value: (checkSeconds * 1e6) / Math.max(1, events), unit: 'µs/event' });
  }
  return figures;
}

const TCP_PLACEHOLDER: Figure = {
  name: 'tcp transfer',
  value: Number.NaN,
  unit: 'MB/s',
  note: 'not measured yet: TCP is in progress',
};

function format(f: Figure): string {
  const value = Number.isNaN(f.value) ? '—' : f.value >= 100 ? Math.round(f.value).toLocaleString('en-US') : f.value.toFixed(2);
  return `  ${f.name.padEnd(40)} ${value.padStart(12)} ${f.unit.padEnd(9)}${f.note === undefined ? '' : ` ${f.note}`}`;
}

/** Measure and print; returns the exit code. */
export async function runBench(o: { json: boolean }): Promise<number> {
  const sections: [string, () => Figure[]][] = [
    ['scheduler', schedulerFigures],
    ['stacks (UDP, fault-free)', stackFigures],
    [`properties (${PROPERTY_SCENARIOS} scenarios each)`, propertyFigures],
    ['tcp', () => [TCP_PLACEHOLDER]],
  ];
  const results: Record<string, Figure[]> = {};
  for (const [title, measure] of sections) {
    results[title] = measure();
    if (!o.json) process.stdout.write(`${title}\n${results[title].map(format).join('\n')}\n`);
  }
  if (o.json) {
    const machine = { node: process.version, platform: process.platform, arch: process.arch };
    process.stdout.write(`${JSON.stringify({ machine, seed: SEED, results }, null, 2)}\n`);
  }
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runBench({ json: process.argv.includes('--json') });
}
