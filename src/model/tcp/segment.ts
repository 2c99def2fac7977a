/**
 * Read before editing: RFC 9293 §3.1 (HDR-1), §3.10.7.1 (SM-4), §3.5.2 (RST-1, RST-2);
 * docs/UDP-PROFILE.md UP-1; docs/TCP-PROFILE.md TP-17, TP-19; dragonfly.md B.4 (dropwithreset).
 *
 * Building the segments the model emits. IP fields follow UP-1 (TTL 64, TOS 0, DF, ID 0). A RST
 * answering a segment carries no options and window 0 (tcp_respond).
 */
import type { Endpoint } from '../../core/addr';
import type { Packet, TcpOptions, TcpSegment } from '../../core/packet';
import { TH_ACK, TH_RST, TH_SYN } from '../../core/packet';
import type { SeqNum } from '../../core/seq';
import { seq, seqAdd } from '../../core/seq';
import type { Env } from './env';

export interface SegmentFields {
  readonly seq: SeqNum;
  readonly ack: SeqNum;
  readonly flags: number;
  readonly window: number;
  readonly options: TcpOptions;
  readonly payload: Uint8Array;
}

/** UP-1 + HDR-1: a TCP segment from `local` to `remote`. */
export function tcpPacket(local: Endpoint, remote: Endpoint, f: SegmentFields): Packet {
  const tcp: TcpSegment = {
    srcPort: local.port, dstPort: remote.port, seq: f.seq, ack: f.ack, flags: f.flags,
    window: f.window, urgent: 0, options: f.options, payload: f.payload,
  };
  return {
    ip: { src: local.addr, dst: remote.addr, ttl: 64, id: 0, tos: 0, dontFragment: true },
    body: { proto: 'tcp', tcp },
  };
}

export const EMPTY = new Uint8Array(0);

/** What a RST answers: the offending segment as trimmed so far. */
export interface ResetCause {
  readonly seq: SeqNum;
  readonly ack: SeqNum;
  readonly flags: number;
  readonly dataLen: number;
}

/**
 * dropwithreset (B.4, SM-4, RST-1/RST-2, TP-17): never in reply to a RST. A segment with ACK
 * gets `<SEQ=SEG.ACK><RST>`; one without gets `<SEQ=0><ACK=SEG.SEQ+len><RST,ACK>`, where len is
 * the data length plus one for SYN. DEVIATION(RFC 9293 §3.10.7.1): FIN is not counted, as in
 * tcp_input. `segSeq`/`dataLen`/`flags` are the segment as trimmed so far.
 */
export function respondWithReset(
  env: Env, local: Endpoint, remote: Endpoint,
  seg: ResetCause,
): void {
  if ((seg.flags & TH_RST) !== 0) return;
  if ((seg.flags & TH_ACK) !== 0) {
    env.out.packets.push(tcpPacket(local, remote, {
      seq: seg.ack, ack: seq(0), flags: TH_RST, window: 0, options: {}, payload: EMPTY,
    }));
    return;
  }
  const len = seg.dataLen + ((seg.flags & TH_SYN) !== 0 ? 1 : 0);
  env.out.packets.push(tcpPacket(local, remote, {
    seq: seq(0), ack: seqAdd(seg.seq, len), flags: TH_RST | TH_ACK, window: 0, options: {},
    payload: EMPTY,
  }));
}
