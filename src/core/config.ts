import { HZ_DEFAULT } from './time';

/**
 * Configuration shared by both stacks: the same value goes to the model and the implementation, so
 * a switch means the same thing on both sides. Defaults are DragonFly's (dragonfly.md §G); each
 * feature has a switch so properties can test every combination ("swarm", ARCHITECTURE §4).
 */

export interface UdpConfig {
  /** net.inet.udp.maxdgram: send-buffer high-water mark and largest datagram (dragonfly.md E). */
  readonly maxdgram: number;
  /** net.inet.udp.recvspace: receive buffer size in bytes. */
  readonly recvspace: number;
  /** net.inet.udp.checksum: compute the UDP checksum on send. */
  readonly checksum: boolean;
}

export const UDP_DEFAULTS: UdpConfig = {
  maxdgram: 9216,
  recvspace: 42080,
  checksum: true,
};

export interface TcpConfig {
  /** Interface MTU; the MSS offered is mtu − 40. */
  readonly mtu: number;
  readonly mssdflt: number;
  readonly rfc1323: boolean;
  readonly sack: boolean;
  readonly rfc6675: boolean;
  readonly limitedTransmit: boolean;
  readonly earlyRetransmit: boolean;
  readonly eifel: boolean;
  readonly eifelResponse: boolean;
  readonly abc: boolean;
  readonly rfc3390: boolean;
  readonly iwmaxsegs: number;
  readonly iwcapsegs: number;
  readonly delayedAck: boolean;
  readonly delackTimeMs: number;
  readonly aggregateAcks: boolean;
  readonly avoidPureWinUpdate: boolean;
  readonly nagle: boolean;
  readonly sendspace: number;
  readonly recvspace: number;
  readonly syncookies: boolean;
  readonly syncacheBucketLimit: number;
  readonly syncacheRexmtLimit: number;
  readonly tso: boolean;
  /** Largest TSO super-segment the NIC accepts, in bytes of payload. */
  readonly tsoMaxBytes: number;
  /** Segments per output call before yielding (net.inet.tcp.fairsend); 0 = unlimited. */
  readonly fairsend: number;
  readonly mslMs: number;
  readonly rexmitMinTicks: number;
  readonly rexmitSlopTicks: number;
  readonly somaxconn: number;
  /** net.inet.tcp.low_rtobase: initial RTO 1 s (else 3 s), dragonfly.md A.9. */
  readonly lowRtobase: boolean;
  /** net.inet.tcp.eifel_rtoinc: the Eifel response's RTO increment G, in ticks (A.10). */
  readonly eifelRtoincTicks: number;
  /** net.inet.tcp.smartsack: cap new data per SACK recovery step at 4 segments (A.5). */
  readonly smartsack: boolean;
  /** net.inet.tcp.rescuesack: RFC 6675 rescue retransmission (A.5). */
  readonly rescuesack: boolean;
  /** net.inet.tcp.ignore_redun_dsack: redundant D-SACK ACKs are not dupacks (A.4). */
  readonly ignoreRedunDsack: boolean;
  /** net.inet.tcp.idle_restart / idle_cwv: restart after idle (A.2, RFC 2861-like decay). */
  readonly idleRestart: boolean;
  readonly idleCwv: boolean;
  /** net.inet.tcp.paws_tolerance, in the peer's timestamp units (A.13). */
  readonly pawsTolerance: number;
  /** net.inet.tcp.keepinit: connection-establishment limit (B.2, B.6). */
  readonly keepinitMs: number;
  /** net.inet.tcp.syncache.hashsize: buckets per CPU (B.3). */
  readonly syncacheHashSize: number;
}

export const TCP_DEFAULTS: TcpConfig = {
  mtu: 1500,
  mssdflt: 512,
  rfc1323: true,
  sack: true,
  rfc6675: true,
  limitedTransmit: true,
  earlyRetransmit: true,
  eifel: true,
  eifelResponse: true,
  abc: true,
  rfc3390: true,
  iwmaxsegs: 4,
  iwcapsegs: 3,
  delayedAck: true,
  delackTimeMs: 100,
  aggregateAcks: true,
  avoidPureWinUpdate: true,
  nagle: true,
  sendspace: 57344,
  recvspace: 57344,
  syncookies: true,
  syncacheBucketLimit: 30,
  syncacheRexmtLimit: 4,
  tso: true,
  tsoMaxBytes: 65535 - 40,
  fairsend: 4,
  mslMs: 30_000,
  rexmitMinTicks: Math.floor(HZ_DEFAULT / 33),
  rexmitSlopTicks: Math.floor(HZ_DEFAULT / 6),
  somaxconn: 128,
  lowRtobase: true,
  eifelRtoincTicks: 2,
  smartsack: true,
  rescuesack: true,
  ignoreRedunDsack: true,
  idleRestart: true,
  idleCwv: true,
  pawsTolerance: 25,
  keepinitMs: 75_000,
  syncacheHashSize: 512,
};

export type StackKind = 'impl' | 'model';

export interface HostConfig {
  readonly stack: StackKind;
  readonly ncpus: number;
  readonly hz: number;
  readonly tcp: TcpConfig;
  readonly udp: UdpConfig;
}

export const MAX_CPUS = 16;

/** Netisr batch limit before rollups run (net.netisr.rollup_limit, dragonfly.md §G). */
export const NETISR_ROLLUP_LIMIT = 32;
