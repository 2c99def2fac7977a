/**
 * The core library pieces the implementation uses, in one place so that switching from the
 * temporary codec stand-in to src/core/codec.ts is a one-line change.
 */
export { tcpFlowCpu, udpFlowCpu, isMulticast } from '../core/toeplitz';
// TODO(core): re-export from '../core/codec' once it lands, and delete _codec_standin.ts.
export { encodePacket, decodePacket } from './_codec_standin';
