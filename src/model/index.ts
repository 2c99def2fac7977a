/**
 * The reference model's public surface (STYLE P14). `check` replays implementation commits into
 * `modelStep` (refinement) and asks `ownerCpu` where each input must linearize (netisr
 * conformance); `scenario` builds model peers with `createModelHost`.
 */
export type {
  CallPhase, Emitted, ModelDeadline, ModelHostState, ModelInput, ModelOutputs, PendingRecv,
} from './host';
export {
  createModelHost, initialModelHost, modelPollAt, modelStatus, modelStep, ownerCpu,
} from './host';
export type { FlowKey } from './netisr/flow';
export { flowCpuOfFrame, flowCpuOfKey, readFlowKey, udpPairCpu } from './netisr/flow';
export { callOwnerCpu, frameOwnerCpu, socketOwner } from './netisr/owner';
export type {
  NetisrRule, NetisrViolation, ServiceLoopAction, ServiceLoopState,
} from './netisr/service';
export { netisrPortViolations, serviceLoopNext } from './netisr/service';
export type { UdpRecord, UdpSocket, UdpState, UdpStats } from './udp/state';
