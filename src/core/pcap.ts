import { assert } from './assert';

/**
 * Classic libpcap capture files (the format of `tcpdump -w`, readable by tcpdump, Wireshark and
 * tshark), so a counterexample's frames can be opened in standard tools. Link type
 * LINKTYPE_RAW (101): each record is a bare IPv4 packet, exactly the bytes a link carried.
 * Timestamps are the run's virtual time in microseconds. Everything is written little-endian;
 * readers recognise the byte order from the magic number.
 */

export const PCAP_MAGIC = 0xa1b2c3d4;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;
export const PCAP_SNAPLEN = 65535;
/** LINKTYPE_RAW: raw IPv4/IPv6, no link-layer header. */
export const LINKTYPE_RAW = 101;
export const PCAP_GLOBAL_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

export interface PcapRecord {
  /** Virtual time of the frame, in integer microseconds. */
  readonly tUs: number;
  readonly bytes: Uint8Array;
}

const US_PER_S = 1_000_000;

/** A complete capture file holding `records` in the given order. */
export function writePcap(records: readonly PcapRecord[]): Uint8Array {
  let size = PCAP_GLOBAL_HEADER_LEN;
  for (const r of records) size += PCAP_RECORD_HEADER_LEN + Math.min(r.bytes.length, PCAP_SNAPLEN);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, PCAP_MAGIC, true);
  view.setUint16(4, PCAP_VERSION_MAJOR, true);
  view.setUint16(6, PCAP_VERSION_MINOR, true);
  view.setInt32(8, 0, true); // thiszone: timestamps are UTC (virtual epoch 0)
  view.setUint32(12, 0, true); // sigfigs
  view.setUint32(16, PCAP_SNAPLEN, true);
  view.setUint32(20, LINKTYPE_RAW, true);
  let at = PCAP_GLOBAL_HEADER_LEN;
  for (const r of records) {
    assert(
      Number.isSafeInteger(r.tUs) && r.tUs >= 0,
      `pcap: timestamp ${r.tUs} µs is not a natural number`,
    );
    const seconds = Math.floor(r.tUs / US_PER_S);
    assert(
      seconds <= 0xffffffff,
      `pcap: timestamp ${r.tUs} µs does not fit the 32-bit seconds field`,
    );
    const captured = Math.min(r.bytes.length, PCAP_SNAPLEN);
    view.setUint32(at, seconds, true);
    view.setUint32(at + 4, r.tUs % US_PER_S, true);
    view.setUint32(at + 8, captured, true); // incl_len: what the file holds
    view.setUint32(at + 12, r.bytes.length, true); // orig_len: what the link carried
    out.set(r.bytes.subarray(0, captured), at + PCAP_RECORD_HEADER_LEN);
    at += PCAP_RECORD_HEADER_LEN + captured;
  }
  return out;
}
