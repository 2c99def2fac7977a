import type { IpAddr, Port } from './addr';
import type { SeqNum } from './seq';

/**
 * The wire vocabulary both stacks share: IPv4 carrying TCP, UDP or ICMP. Links carry encoded
 * bytes (`codec.ts`); hosts decode what arrives, so garbage frames reach the stacks exactly as a
 * NIC would hand them up.
 */

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export interface Ipv4Header {
  readonly src: IpAddr;
  readonly dst: IpAddr;
  readonly ttl: number;
  /** Identification; TSO-8: increments by one per piece of a split super-segment. */
  readonly id: number;
  readonly tos: number;
  readonly dontFragment: boolean;
}

/** TCP header flag bits (HDR-1), as on the wire. */
export const TH_FIN = 0x01;
export const TH_SYN = 0x02;
export const TH_RST = 0x04;
export const TH_PSH = 0x08;
export const TH_ACK = 0x10;
export const TH_URG = 0x20;
export const TH_ECE = 0x40;
export const TH_CWR = 0x80;

export interface SackBlock {
  readonly start: SeqNum;
  readonly end: SeqNum;
}

/** The options mpcheck's TCP profile uses (HDR-4, RFC 7323, RFC 2018). Absent = not present. */
export interface TcpOptions {
  readonly mss?: number;
  readonly wscale?: number;
  readonly sackPermitted?: boolean;
  readonly timestamp?: { readonly val: number; readonly ecr: number };
  readonly sack?: readonly SackBlock[];
}

export interface TcpSegment {
  readonly srcPort: Port;
  readonly dstPort: Port;
  readonly seq: SeqNum;
  readonly ack: SeqNum;
  /** Bitwise OR of TH_* flags. */
  readonly flags: number;
  /** The 16-bit window field as sent (already shifted by the sender's scale). */
  readonly window: number;
  readonly urgent: number;
  readonly options: TcpOptions;
  readonly payload: Uint8Array;
}

export interface UdpDatagram {
  readonly srcPort: Port;
  readonly dstPort: Port;
  readonly payload: Uint8Array;
}

export const ICMP_UNREACH = 3;
export const ICMP_UNREACH_PORT = 3;

export interface IcmpMessage {
  readonly type: number;
  readonly code: number;
  /** For errors: the offending datagram's IP header and first 8 bytes of its payload. */
  readonly quoted: Uint8Array;
}

export type Transport =
  | { readonly proto: 'tcp'; readonly tcp: TcpSegment }
  | { readonly proto: 'udp'; readonly udp: UdpDatagram }
  | { readonly proto: 'icmp'; readonly icmp: IcmpMessage };

export interface Packet {
  readonly ip: Ipv4Header;
  readonly body: Transport;
}

/** Why a frame did not decode; a value, never a throw (garbage frames are an expected input). */
export type DecodeError =
  | { readonly kind: 'truncated'; readonly layer: 'ip' | 'tcp' | 'udp' | 'icmp'; readonly need: number; readonly have: number }
  | { readonly kind: 'bad-version'; readonly version: number }
  | { readonly kind: 'bad-header-length'; readonly layer: 'ip' | 'tcp'; readonly value: number }
  | { readonly kind: 'bad-length'; readonly layer: 'ip' | 'udp'; readonly value: number }
  | { readonly kind: 'bad-checksum'; readonly layer: 'ip' | 'tcp' | 'udp' | 'icmp' }
  | { readonly kind: 'bad-option'; readonly detail: string }
  | { readonly kind: 'fragment' }
  | { readonly kind: 'unknown-protocol'; readonly proto: number };

export const tcpFlagsToString = (flags: number): string => {
  const names: [number, string][] = [
    [TH_SYN, 'S'], [TH_FIN, 'F'], [TH_RST, 'R'], [TH_PSH, 'P'],
    [TH_ACK, '.'], [TH_URG, 'U'], [TH_ECE, 'E'], [TH_CWR, 'W'],
  ];
  return names.filter(([bit]) => (flags & bit) !== 0).map(([, n]) => n).join('') || '-';
};

/** SEQ-3: SEG.LEN counts data plus one for each of SYN and FIN. */
export const segLen = (s: TcpSegment): number =>
  s.payload.length + ((s.flags & TH_SYN) !== 0 ? 1 : 0) + ((s.flags & TH_FIN) !== 0 ? 1 : 0);
