import { assert, assertNever } from '../core/assert';
import type { Host, HostEnv } from '../core/host';
import type { RunRecord } from '../core/run';
import { createImplHost } from '../impl/host';
import { createModelHost } from '../model/host';
import { runScenario } from '../sim/index';
import type { HostFactoryFor } from '../sim/index';
import { checkReferences } from './references';
import type { HostSpec, Scenario } from './types';

/**
 * The builder turns a Scenario into a world (ARCHITECTURE §2: scenario is the layer allowed to know
 * both stacks and the simulator). The simulator sees hosts only through the Host seam; which stack
 * stands behind each host is decided here, from `HostSpec.stack`, and nowhere else.
 */

/** The host factory of a scenario: impl hosts where the spec says 'impl', model hosts otherwise. */
export function hostFactoryFor(scenario: Scenario): HostFactoryFor {
  return (index: number, spec: HostSpec, env: HostEnv): Host => {
    assert(
      scenario.hosts[index] === spec,
      `builder: host ${index} is not the scenario's host spec`,
    );
    switch (spec.stack) {
      case 'impl':
        return createImplHost(env);
      case 'model':
        return createModelHost(env);
      default:
        return assertNever(spec.stack, 'stack kind');
    }
  };
}

/**
 * Run one scenario with the stacks it names. The scenario must already be valid (parsed by
 * schema.ts or produced by the arbitraries); references are asserted here because a bad index
 * past the load boundary is a bug in whoever built the value (STYLE P6).
 */
export function runScenarioChecked(scenario: Scenario, checkMode: boolean): RunRecord {
  const problem = checkReferences(scenario);
  assert(
    problem === null,
    `builder: invalid scenario at ${problem?.path.join('.')}: ${problem?.message}`,
  );
  return runScenario(scenario, { hostFactory: hostFactoryFor(scenario), checkMode });
}
