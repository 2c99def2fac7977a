import { formatIp } from '../core/addr';
import { decodePacket } from '../core/codec';
import { formatPacket, formatTcpFlags } from '../core/format';
import type { FrameId } from '../core/ids';
import type { Packet } from '../core/packet';
import { TH_FIN, TH_SYN } from '../core/packet';
import type { RunHostInfo } from '../core/run';
import type { FrameFate, TraceEvent } from '../core/trace';
import { isLostFate } from './events';

/**
 * A Mermaid `sequenceDiagram` of the frames between hosts (GitHub renders it inline in an
 * issue): one arrow per frame sent, `-x` for a frame the link lost (dropped, partitioned,
 * overflow) with the reason, a note on duplicated frames, and TCP retransmissions — a segment
 * whose sequence range starts where an earlier one of the same flow did — highlighted in a
 * coloured `rect`. Long runs show their last frames only, saying how many were left out.
 */

export const MERMAID_FRAMES_MAX = 40;
const RETRANSMIT_FILL = 'rgb(255, 221, 204)';

interface FrameFacts {
  readonly sent: Extract<TraceEvent, { kind: 'frame-sent' }>;
  fates: FrameFate[];
  deliveries: number;
}

function collectFrames(trace: readonly TraceEvent[], uptoSeq: number): FrameFacts[] {
  const byId = new Map<FrameId, FrameFacts>();
  for (const e of trace) {
    if (e.seq > uptoSeq) break;
    if (e.kind === 'frame-sent') byId.set(e.frame, { sent: e, fates: [], deliveries: 0 });
    else if (e.kind === 'frame-fate') byId.get(e.frame)?.fates.push(e.fate);
    else if (e.kind === 'frame-delivered') {
      const f = byId.get(e.frame);
      if (f !== undefined) f.deliveries++;
    }
  }
  return [...byId.values()];
}

/** Mermaid reads `;` as a statement end and `#` as an entity start; keep labels plain. */
export function mermaidText(text: string): string {
  return text.replace(/;/g, ',').replace(/#/g, 'no.').replace(/[\r\n]+/g, ' ');
}

/** A frame's label without the addresses the arrow already shows. */
function frameLabel(p: Packet | null, bytes: Uint8Array): string {
  if (p === null) return `garbage, ${bytes.length} bytes`;
  const b = p.body;
  if (b.proto === 'udp') return `UDP ${b.udp.srcPort}→${b.udp.dstPort} len ${b.udp.payload.length}`;
  if (b.proto === 'tcp') {
    const t = b.tcp;
    const len = t.payload.length;
    const seq = len > 0 ? `seq ${t.seq}:${(t.seq + len) >>> 0}` : `seq ${t.seq}`;
    return `${t.srcPort}→${t.dstPort} [${formatTcpFlags(t.flags)}] ${seq} ack ${t.ack} win ${t.window}`;
  }
  const full = formatPacket(p);
  return full.slice(full.indexOf(': ') + 2);
}

/** Key of the sequence space a TCP segment occupies, or null if it occupies none. */
function seqKey(p: Packet | null): string | null {
  if (p === null || p.body.proto !== 'tcp') return null;
  const t = p.body.tcp;
  const occupies = t.payload.length > 0 || (t.flags & (TH_SYN | TH_FIN)) !== 0;
  if (!occupies) return null;
  return `${formatIp(p.ip.src)}:${t.srcPort}>${formatIp(p.ip.dst)}:${t.dstPort}@${t.seq}`;
}

function participantOf(hosts: readonly RunHostInfo[], p: Packet | null, fallback: string): string {
  if (p === null) return fallback;
  const i = hosts.findIndex((h) => h.addr === p.ip.dst);
  return i >= 0 ? `H${i}` : 'X';
}

function fateSuffix(f: FrameFacts): { arrow: string; note: string } {
  const lost = f.fates.find(isLostFate);
  if (lost !== undefined && f.deliveries === 0) return { arrow: '-x', note: ` ✗ ${lost}` };
  if (f.fates.includes('duplicate') || f.deliveries > 1) return { arrow: '->>', note: ` (×${Math.max(2, f.deliveries)})` };
  if (f.fates.includes('delay')) return { arrow: '->>', note: ' (delayed)' };
  if (f.deliveries === 0 && f.fates.length === 0) return { arrow: '--)', note: ' (in flight)' };
  return { arrow: '->>', note: '' };
}

/** A note spanning every host (`Note over A,B` needs two distinct participants). */
const overAll = (hosts: readonly RunHostInfo[]): string => (hosts.length === 1 ? 'H0' : `H0,H${hosts.length - 1}`);

export interface MermaidOptions {
  /** The verdict's event: frames after it are left out and a note marks the spot. */
  readonly atSeq?: number;
  readonly framesMax?: number;
}

/** The diagram as lines, without the ```mermaid fence. */
export function renderSequenceDiagram(
  hosts: readonly RunHostInfo[],
  trace: readonly TraceEvent[],
  opts: MermaidOptions = {},
): string[] {
  const upto = opts.atSeq ?? Number.MAX_SAFE_INTEGER;
  const frames = collectFrames(trace, upto);
  const max = opts.framesMax ?? MERMAID_FRAMES_MAX;
  const shown = frames.slice(Math.max(0, frames.length - max));
  const decoded = frames.map((f) => {
    const r = decodePacket(f.sent.bytes);
    return r.ok ? r.value : null;
  });
  const lines = ['sequenceDiagram'];
  hosts.forEach((h, i) => {
    lines.push(`  participant H${i} as host ${i} · ${formatIp(h.addr)} · ${h.config.stack} · ${h.config.ncpus} CPU`);
  });
  if (decoded.some((p, i) => p !== null && participantOf(hosts, p, `H${frames[i]!.sent.host}`) === 'X')) {
    lines.push('  participant X as elsewhere');
  }
  const hidden = frames.length - shown.length;
  if (hidden > 0 && hosts.length > 0) lines.push(`  Note over ${overAll(hosts)}: ${hidden} earlier frames not shown`);
  const seen = new Set<string>();
  frames.forEach((f, i) => {
    const p = decoded[i]!;
    const key = seqKey(p);
    const retransmit = key !== null && seen.has(key);
    if (key !== null) seen.add(key);
    if (i < hidden) return;
    const from = `H${f.sent.host}`;
    const to = participantOf(hosts, p, from);
    const { arrow, note } = fateSuffix(f);
    const label = mermaidText(`${retransmit ? 'RETX ' : ''}${frameLabel(p, f.sent.bytes)}${note}`);
    if (retransmit) lines.push(`  rect ${RETRANSMIT_FILL}`);
    lines.push(`  ${retransmit ? '  ' : ''}${from}${arrow}${to}: ${label}`);
    if (retransmit) lines.push('  end');
  });
  if (frames.length === 0 && hosts.length > 0) lines.push(`  Note over H0: no frames were sent`);
  if (opts.atSeq !== undefined && hosts.length > 0) {
    lines.push(`  Note over ${overAll(hosts)}: ✗ violation shows at trace seq ${opts.atSeq}`);
  }
  return lines;
}
