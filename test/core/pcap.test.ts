import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ipAddr, port } from '../../src/core/addr';
import { decodePacket, encodePacket } from '../../src/core/codec';
import { LINKTYPE_RAW, writePcap } from '../../src/core/pcap';
import type { PcapRecord } from '../../src/core/pcap';

/**
 * Method: the file is read back with a small reader written here from the libpcap file-format
 * description (global header, then per record ts_sec, ts_usec, incl_len, orig_len, data), which
 * honours either byte order as real readers do. tcpdump/tshark are not assumed to be installed.
 */

interface ParsedPcap {
  readonly magic: number;
  readonly version: [number, number];
  readonly thiszone: number;
  readonly sigfigs: number;
  readonly snaplen: number;
  readonly linktype: number;
  readonly records: {
    tsSec: number;
    tsUsec: number;
    inclLen: number;
    origLen: number;
    data: Uint8Array;
  }[];
}

function readPcap(file: Uint8Array): ParsedPcap {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const le = view.getUint32(0, true) === 0xa1b2c3d4;
  if (!le && view.getUint32(0, false) !== 0xa1b2c3d4) throw new Error('not a pcap file');
  const u32 = (at: number): number => view.getUint32(at, le);
  const records: ParsedPcap['records'] = [];
  let at = 24;
  while (at < file.length) {
    if (at + 16 > file.length) throw new Error(`truncated record header at ${at}`);
    const inclLen = u32(at + 8);
    if (at + 16 + inclLen > file.length) throw new Error(`truncated record data at ${at}`);
    records.push({
      tsSec: u32(at),
      tsUsec: u32(at + 4),
      inclLen,
      origLen: u32(at + 12),
      data: file.slice(at + 16, at + 16 + inclLen),
    });
    at += 16 + inclLen;
  }
  return {
    magic: u32(0),
    version: [view.getUint16(4, le), view.getUint16(6, le)],
    thiszone: view.getInt32(8, le),
    sigfigs: u32(12),
    snaplen: u32(16),
    linktype: u32(20),
    records,
  };
}

const frame = (n: number): Uint8Array =>
  encodePacket({
    ip: {
      src: ipAddr(0x0a000001),
      dst: ipAddr(0x0a000002),
      ttl: 64,
      id: 0,
      tos: 0,
      dontFragment: true,
    },
    body: {
      proto: 'udp',
      udp: { srcPort: port(49152), dstPort: port(7), payload: new Uint8Array(n).fill(n & 0xff) },
    },
  });

describe('writePcap', () => {
  it('writes the classic header: magic a1b2c3d4, v2.4, snaplen 65535, LINKTYPE_RAW', () => {
    const file = writePcap([]);
    expect(file.length).toBe(24);
    expect(Buffer.from(file.subarray(0, 4)).toString('hex')).toBe('d4c3b2a1');
    expect(readPcap(file)).toEqual({
      magic: 0xa1b2c3d4,
      version: [2, 4],
      thiszone: 0,
      sigfigs: 0,
      snaplen: 65535,
      linktype: LINKTYPE_RAW,
      records: [],
    });
    expect(LINKTYPE_RAW).toBe(101);
  });

  it('writes one record per frame with its virtual timestamp and bare IPv4 bytes', () => {
    const records: PcapRecord[] = [
      { tUs: 0, bytes: frame(0) },
      { tUs: 1_500_250, bytes: frame(10) },
      { tUs: 3_000_000, bytes: frame(3) },
    ];
    const parsed = readPcap(writePcap(records));
    expect(parsed.records.map((r) => [r.tsSec, r.tsUsec])).toEqual([
      [0, 0],
      [1, 500_250],
      [3, 0],
    ]);
    parsed.records.forEach((r, i) => {
      expect(r.inclLen).toBe(records[i]!.bytes.length);
      expect(r.origLen).toBe(records[i]!.bytes.length);
      expect(r.data).toEqual(records[i]!.bytes);
      expect(decodePacket(r.data).ok).toBe(true);
    });
  });

  test.prop([
    fc.array(fc.record({ tUs: fc.nat(2 ** 40), bytes: fc.uint8Array({ maxLength: 100 }) }), {
      maxLength: 20,
    }),
  ])('reads back exactly what was written, in order', (records) => {
    const parsed = readPcap(writePcap(records));
    expect(parsed.records.map((r) => ({ tUs: r.tsSec * 1e6 + r.tsUsec, bytes: r.data }))).toEqual(
      records,
    );
  });

  it('truncates frames beyond the snap length but records their original length', () => {
    const big = new Uint8Array(70_000).fill(7);
    const parsed = readPcap(writePcap([{ tUs: 5, bytes: big }]));
    expect(parsed.records[0]!.inclLen).toBe(65535);
    expect(parsed.records[0]!.origLen).toBe(70_000);
  });

  it('refuses timestamps that are not natural microseconds (a caller bug)', () => {
    expect(() => writePcap([{ tUs: -1, bytes: frame(1) }])).toThrow(/timestamp/);
    expect(() => writePcap([{ tUs: 0.5, bytes: frame(1) }])).toThrow(/timestamp/);
  });
});
