/**
 * The core library pieces the implementation uses, gathered so the dependency is visible in one
 * place.
 */
export { tcpFlowCpu, udpFlowCpu, isMulticast } from '../core/toeplitz';
export { encodePacket, decodePacket, icmpQuote, readQuotedFlow } from '../core/codec';
export type { QuotedFlow } from '../core/codec';
