/**
 * The public surface of src/core (STYLE P14): every export of every core module, by name.
 * No `export *`, so what core offers is visible here and a new export is a deliberate edit;
 * test/core/index.test.ts fails when a module exports something this file does not.
 */

// Assertions for bugs (STYLE P6)
export {
  AssertionError, assert, assertNever, unreachable,
} from './assert';

// Expected errors as values
export {
  ok, err,
} from './result';
export type {
  Result,
} from './result';

// Branded identifiers
export {
  hostId, cpuId, threadId, frameId, deliveryId, callId, fd, FD_FIRST,
} from './ids';
export type {
  HostId, CpuId, ThreadId, FrameId, DeliveryId, CallId, Fd,
} from './ids';

// Virtual time
export {
  instant, duration, ticks, EPOCH, US_PER_MS, US_PER_S, HZ_DEFAULT, ms, seconds, addDuration,
  since, ticksAt, instantOfTick, formatInstant,
} from './time';
export type {
  Instant, Duration, Ticks,
} from './time';

// Sequence-number arithmetic (SEQ-1, SEQ-2)
export {
  seq, seqLt, seqLeq, seqGt, seqGeq, seqMax, seqMin, seqAdd, seqDiff, seqInWindow,
} from './seq';
export type {
  SeqNum,
} from './seq';

// Addresses and ports
export {
  ipAddr, port, formatIp, formatEndpoint, parseIp, hostAddr, EPHEMERAL_FIRST, EPHEMERAL_LAST,
} from './addr';
export type {
  IpAddr, Port, Endpoint,
} from './addr';

// Wire vocabulary
export {
  IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, TH_FIN, TH_SYN, TH_RST, TH_PSH, TH_ACK, TH_URG, TH_ECE,
  TH_CWR, ICMP_UNREACH, ICMP_UNREACH_PORT, tcpFlagsToString, segLen,
} from './packet';
export type {
  Ipv4Header, SackBlock, TcpOptions, TcpSegment, UdpDatagram, IcmpMessage, Transport, Packet,
  DecodeError,
} from './packet';

// Socket API
export {
  SOCKET_ERRORS,
} from './socket';
export type {
  SocketProto, SocketError, CallRequest, CallOp, CallValue, CallResult, AppCall, CallCompletion,
} from './socket';

// Configuration
export {
  UDP_DEFAULTS, TCP_DEFAULTS, MAX_CPUS, NETISR_ROLLUP_LIMIT,
} from './config';
export type {
  UdpConfig, TcpConfig, StackKind, HostConfig,
} from './config';

// Trace events
export type {
  CommitInput, Discipline, FrameFate, TraceBody, TraceEvent, TraceKind, TraceSink,
} from './trace';

// The Host seam
export type {
  HostEnv, RunnableThread, SocketStatus, Host, HostFactory,
} from './host';

// Run records and verdicts
export {
  PASS,
} from './run';
export type {
  RunOutcome, RunHostInfo, AppOutcome, RunRecord, Verdict,
} from './run';

// Connection and timer names (TP-2, TP-30)
export {
  connKey, TCP_TIMER_NAMES, isTcpTimerName,
} from './conn';
export type {
  TcpTimerName,
} from './conn';

// Toeplitz flow hash (D.2)
export {
  TOEPLITZ_KEYSEED0, TOEPLITZ_KEYSEED1, TOEPLITZ_KEY_LEN, TOEPLITZ_INPUT_MAX, TOEPLITZ_KEY,
  toeplitzRaw, toeplitzHash, tcpFlowHash, udpFlowHash, hashCpu, tcpFlowCpu, isMulticast,
  udpFlowCpu,
} from './toeplitz';

// Internet checksum (RFC 1071)
export {
  onesSum, foldSum, checksumOfSum, internetChecksum, sumVerifies, pseudoHeaderSum,
  transportChecksum,
} from './checksum';

// Big-endian field access
export {
  be16, be32, put16, put32, isU8, isU16, isU32,
} from './bytes';

// TCP options (HDR-4, HDR-5)
export {
  TCP_OPTIONS_MAX, TCPOPT_EOL, TCPOPT_NOP, TCPOPT_MAXSEG, TCPOPT_WINDOW, TCPOPT_SACK_PERMITTED,
  TCPOPT_SACK, TCPOPT_TIMESTAMP, tcpOptionsLength, encodeTcpOptions, decodeTcpOptions,
} from './tcpopts';

// Packet codec
export {
  IPV4_HEADER_LEN, TCP_HEADER_LEN, UDP_HEADER_LEN, ICMP_HEADER_LEN, IP_MAXPACKET, encodePacket,
  decodePacket, readIpv4Dst, readIpv4Src, readIpv4Proto, icmpQuote, readQuotedFlow,
} from './codec';
export type {
  EncodeOptions, QuotedFlow,
} from './codec';

// Capture files
export {
  PCAP_MAGIC, PCAP_VERSION_MAJOR, PCAP_VERSION_MINOR, PCAP_SNAPLEN, LINKTYPE_RAW,
  PCAP_GLOBAL_HEADER_LEN, PCAP_RECORD_HEADER_LEN, writePcap,
} from './pcap';
export type {
  PcapRecord,
} from './pcap';

// Seeded randomness (STYLE P9)
export {
  fmix32, Rng,
} from './rng';

// Secret-keyed TCP choices: ISN, SYN cookies, syncache hash (TP-5, TP-14, TP-15)
export {
  tcpIsn, SYNCOOKIE_MSS, syncookieEpoch, syncookieMssClass, syncookie, syncookieCheck,
  syncacheBucket,
} from './isn';
export type {
  TcpTuple,
} from './isn';

// Deterministic payloads
export {
  payloadSlice, payloadBytes, payloadMismatch,
} from './payload';

// Stable hashes
export {
  canonicalString, stableHash, traceHash,
} from './hash';

// One-line summaries
export {
  formatTcpOptions, formatTcpFlags, formatPacket, formatDecodeError, formatFrame,
} from './format';
