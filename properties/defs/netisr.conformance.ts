import { checkNetisr } from '../../src/check/netisr';
import { udpScenarioArb } from '../../src/scenario/arbitraries';
import type { PropertyDef } from '../types';

/**
 * netisr.conformance (ARCHITECTURE §1 "the protocol threads behave as DragonFly's do", §6.2):
 * over impl-only UDP scenarios, every input is committed exactly once, on the CPU and thread the
 * netisr model names (UP-13 … UP-15), each port is FIFO per sender, rollups run when they should,
 * and port chasing is bounded (UP-16).
 */
export const netisrConformance: PropertyDef = {
  name: 'netisr.conformance',
  claim: 'each input is handled once, by the thread the netisr model names, FIFO per port',
  rules: ['claim:netisr', 'UP-13', 'UP-14', 'UP-15', 'UP-16', 'D.1', 'D.2', 'D.4', 'D.9'],
  arbitrary: udpScenarioArb({ stacks: 'impl' }),
  check: (run) => checkNetisr(run),
  checkMode: false,
  ciRuns: 300,
};
