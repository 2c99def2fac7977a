import { checkUdpIntegrity } from '../../src/check/integrity';
import { udpScenarioArb } from '../../src/scenario/arbitraries';
import type { PropertyDef } from '../types';

/**
 * udp.integrity (ARCHITECTURE §1 "nothing is lost under faults", §6.5): end to end over random
 * UDP scenarios on any mix of stacks and swarm faults, every datagram a recv returns is one
 * delivery of a datagram some successful send produced, with exactly its bytes (or their first
 * maxBytes); and on a lossless run none queued on a socket goes missing.
 */
export const udpIntegrity: PropertyDef = {
  name: 'udp.integrity',
  claim: 'datagrams arrive unmodified, at most once per delivery, and all of them when lossless',
  rules: ['claim:integrity', 'UDP-14', 'UP-7', 'UP-8', 'UP-9', 'UP-10', 'UP-11', 'UP-12'],
  arbitrary: udpScenarioArb({ stacks: 'mixed' }),
  check: (run) => checkUdpIntegrity(run),
  checkMode: false,
  ciRuns: 300,
};
