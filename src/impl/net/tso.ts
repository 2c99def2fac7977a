import { assert } from '../../core/assert';
import type { Packet, TcpSegment } from '../../core/packet';
import { TH_CWR, TH_FIN, TH_PSH, TH_RST, TH_SYN, TH_URG } from '../../core/packet';
import { seqAdd } from '../../core/seq';

/**
 * Read before editing: tcp-rules.md §12 TSO-2 … TSO-8, dragonfly.md C (NIC contract).
 *
 * The NIC's segmentation of one TCP super-segment into MSS-sized wire segments:
 * TSO-2 every piece but the last carries exactly `mss` bytes; TSO-3 piece k starts at
 * SEQ0 + k·mss, ACK and window copied; TSO-4 FIN and PSH only on the last piece, CWR only on the
 * first, everything else copied; TSO-6 options copied unaltered; TSO-8 the IP ID is kept fixed
 * (UP-1: mpcheck's constant-ID mode, SKB_GSO_TCP_FIXEDID). Checksums are the encoder's job.
 */
export function tsoSplit(p: Packet, mss: number): Packet[] {
  assert(Number.isInteger(mss) && mss > 0, `tsoSplit: bad mss ${mss}`);
  const b = p.body;
  assert(b.proto === 'tcp', 'tsoSplit: only TCP is offloaded (TSO-1)');
  const t = b.tcp;
  const forbidden = (t.flags & (TH_SYN | TH_RST | TH_URG)) !== 0;
  assert(!forbidden, 'tsoSplit: SYN/RST/URG in a TSO template (TSO-5)');
  const len = t.payload.length;
  if (len <= mss) return [p];
  const n = Math.ceil(len / mss);
  const out: Packet[] = [];
  for (let k = 0; k < n; k++) {
    let flags = t.flags;
    if (k !== n - 1) flags &= ~(TH_FIN | TH_PSH);
    if (k !== 0) flags &= ~TH_CWR;
    const tcp: TcpSegment = {
      ...t,
      seq: seqAdd(t.seq, k * mss),
      flags,
      payload: t.payload.subarray(k * mss, Math.min(len, (k + 1) * mss)),
    };
    out.push({ ip: p.ip, body: { proto: 'tcp', tcp } });
  }
  return out;
}
