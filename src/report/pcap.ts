import { writePcap } from '../core/pcap';
import type { PcapRecord } from '../core/pcap';
import type { RunRecord } from '../core/run';

/**
 * capture.pcap: every frame any host put on any link, in trace order (so both directions of every
 * link are merged into one capture), stamped with the virtual time it was sent. The bytes are the
 * frames exactly as transmitted, so Wireshark's checksum validation checks the stacks' checksums.
 */
export function renderPcap(run: RunRecord): Uint8Array {
  const records: PcapRecord[] = [];
  for (const e of run.trace) {
    if (e.kind === 'frame-sent') records.push({ tUs: e.t, bytes: e.bytes });
  }
  return writePcap(records);
}
