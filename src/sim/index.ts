/**
 * The deterministic simulator (ARCHITECTURE §7): the world loop, clock and event queue, links and
 * fault plans, the CPU scheduler and its strategies, application scripts and the trace recorder.
 * It knows stacks only through the Host seam (src/core/host.ts).
 * @public
 */
export { runScenario } from './run';
export type { RunOptions } from './run';
export type { HostFactoryFor } from './world';
export { hostConfigOf } from './config';
export { Scheduler } from './scheduler';
export {
  createStrategy,
  lowestStrategy,
  pctStrategy,
  randomStrategy,
  roundRobinStrategy,
  urwStrategy,
} from './strategies';
export type { Strategy, StrategyOptions } from './strategies';
export { compareRunnable } from './canonical';
export { Network, uniformUpTo } from './links';
export type { FrameArrival, NetworkOptions } from './links';
export { DIRS, FAULT_DELAY_US_DEFAULT, FaultPlanIndex, dirIndex } from './faults';
export type { FaultDecision } from './faults';
export { EventQueue } from './queue';
export type { Timed } from './queue';
export { describeCall, endpointOf, FD_UNKNOWN } from './apps';
export { traceHash } from '../core/hash';
