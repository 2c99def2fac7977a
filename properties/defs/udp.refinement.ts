import { checkRefinement } from '../../src/check/refinement';
import { udpScenarioArb } from '../../src/scenario/arbitraries';
import type { PropertyDef } from '../types';

/**
 * udp.refinement (ARCHITECTURE §1 "the implementation refines the model", §6.1): every impl host
 * of a random UDP scenario — 1–16 CPUs, swarm faults, random interleavings, peers that are other
 * impl hosts or model hosts — is replayed input by input, in its own commit order, into a fresh
 * model host; every frame it sent and every call result must match the model's byte for byte.
 * Runs without check-mode instrumentation, so the bench configuration is the one refined.
 */
export const udpRefinement: PropertyDef = {
  name: 'udp.refinement',
  claim: 'every impl host sends the frames and returns the call results the UDP model does',
  rules: [
    'claim:refinement',
    'UP-1',
    'UP-2',
    'UP-3',
    'UP-4',
    'UP-5',
    'UP-6',
    'UP-7',
    'UP-8',
    'UP-9',
    'UP-10',
    'UP-11',
    'UP-12',
    'UDP-4',
    'UDP-5',
    'UDP-6',
    'UDP-9',
  ],
  arbitrary: udpScenarioArb({ stacks: 'mixed' }),
  check: (run) => checkRefinement(run),
  checkMode: false,
  ciRuns: 300,
};
