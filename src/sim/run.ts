import { hostAddr } from '../core/addr';
import type { RunOutcome, RunRecord } from '../core/run';
import type { Scenario } from '../scenario/types';
import { World } from './world';
import type { HostFactoryFor } from './world';

export interface RunOptions {
  /** Builds host `index` from its spec and the environment the world gives it. */
  readonly hostFactory: HostFactoryFor;
  /** Exposed to hosts as `env.trace.checkMode`: false lets them skip access events (bench). */
  readonly checkMode: boolean;
}

/**
 * Run one scenario to its end and return everything the checkers need. Never throws: any
 * exception from a host or from the world becomes a 'crash' outcome with the trace so far
 * (STYLE P6: an assertion failure is a crash-class finding, reported, never retried).
 */
export function runScenario(scenario: Scenario, opts: RunOptions): RunRecord {
  const world = new World(scenario, opts.checkMode);
  let outcome: RunOutcome;
  try {
    world.build(opts.hostFactory);
    outcome = world.run();
  } catch (e) {
    outcome = crashOutcome(e);
  }
  return {
    hosts: world.configs.map((config, index) => ({ index, addr: hostAddr(index), config })),
    trace: world.recorder.events,
    outcome,
    apps: safeAppOutcomes(world),
    choicesMade: world.scheduler?.made ?? [],
    safetyEndUs: scenario.limits.safetyUs,
    stats: {
      steps: world.steps,
      decisions: world.scheduler?.made.length ?? 0,
      events: world.recorder.events.length,
      endUs: world.now,
    },
  };
}

function crashOutcome(e: unknown): RunOutcome {
  if (e instanceof Error) return { kind: 'crash', message: e.message, stack: e.stack ?? '' };
  return { kind: 'crash', message: String(e), stack: '' };
}

function safeAppOutcomes(world: World): RunRecord['apps'] {
  return world.apps?.outcomes() ?? [];
}
