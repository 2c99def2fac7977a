import { checkSerializability } from '../../src/check/serializability';
import { udpScenarioArb } from '../../src/scenario/arbitraries';
import type { PropertyDef } from '../types';

/**
 * serializability (ARCHITECTURE §1 "serializability without locks", §6.3): impl-only UDP
 * scenarios run in check mode, so every access to an impl object is recorded. Owned state must
 * be touched only by its owner CPU, guarded state only under its token, the conflict graph of
 * the transactions must be acyclic, and the data path must take no token.
 */
export const serializability: PropertyDef = {
  name: 'serializability',
  claim: 'N CPUs in parallel are equivalent to the transactions one at a time, without locks',
  rules: ['claim:serializability', '§6.3(a)', '§6.3(b)', '§6.3(c)', '§6.3(d)', 'D.7', 'D.8', 'D.9'],
  arbitrary: udpScenarioArb({ stacks: 'impl' }),
  check: (run) => checkSerializability(run),
  checkMode: true,
  ciRuns: 300,
};
