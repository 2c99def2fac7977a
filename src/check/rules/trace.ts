import type { Endpoint } from '../../core/addr';
import { formatEndpoint } from '../../core/addr';
import { decodePacket } from '../../core/codec';
import type { TcpConfig } from '../../core/config';
import type { CallId, DeliveryId, FrameId } from '../../core/ids';
import type { TcpSegment } from '../../core/packet';
import { TH_ACK, TH_RST, TH_SYN } from '../../core/packet';
import type { RunRecord } from '../../core/run';
import type { Instant } from '../../core/time';
import type { CommitInput, TraceEvent } from '../../core/trace';
import type { Cause, ConnEvent, ConnTrace, Side, SupplyPoint } from './types';
import { supplyOf } from './supply';

/**
 * From a RunRecord to per-connection wire traces (types.ts). Every TCP frame a host transmitted
 * ('frame-sent', decoded with core's codec) is an `out` event of its sender at its place in the
 * trace; every delivery of such a frame ('frame-delivered') is an `in` event of its receiver, placed
 * where the receiver *processed* it: at its linearizing commit — or just before the first frame that
 * commit transmitted, since a transaction's frames are sent before it commits — so each side's
 * events are in causal order. An `out`'s cause is the input of the commit that lists its frame.
 * 'frame-fate' says whether an `out` was delivered. Connections are keyed by their endpoint pair
 * and split into incarnations when a side sends a SYN with a new ISS (TIME-WAIT reuse, TP-24).
 */

interface Raw {
  readonly pos: number;
  /** 0 for `in` (before an `out` at the same position), 1 for `out`. */
  readonly order: number;
  readonly t: Instant;
  readonly dir: 'out' | 'in';
  readonly side: Side;
  readonly seg: TcpSegment;
  readonly frame: FrameId;
  readonly delivery?: DeliveryId;
  readonly traceSeq: number;
}

interface Builder {
  readonly a: Endpoint;
  readonly b: Endpoint;
  readonly iss: { a?: number; b?: number };
  readonly raws: Raw[];
}

const same = (x: Endpoint, y: Endpoint): boolean => x.addr === y.addr && x.port === y.port;
const pairKey = (x: Endpoint, y: Endpoint): string => {
  const [p, q] = [formatEndpoint(x), formatEndpoint(y)].sort();
  return `${p}|${q}`;
};

interface FrameInfo {
  readonly builder: Builder;
  readonly side: Side;
  readonly seg: TcpSegment;
}

interface Index {
  readonly framePos: Map<FrameId, number>;
  readonly frameInput: Map<FrameId, CommitInput>;
  /** Where each delivery was processed (see the module comment). */
  readonly deliveryPos: Map<DeliveryId, number>;
  readonly delivered: Set<FrameId>;
}

function indexTrace(trace: readonly TraceEvent[]): Index {
  const framePos = new Map<FrameId, number>();
  const frameInput = new Map<FrameId, CommitInput>();
  const deliveryPos = new Map<DeliveryId, number>();
  const delivered = new Set<FrameId>();
  for (const ev of trace) {
    if (ev.kind === 'frame-sent') framePos.set(ev.frame, ev.seq);
    if (ev.kind === 'frame-fate' && (ev.fate === 'deliver' || ev.fate === 'delay' || ev.fate === 'duplicate')) {
      delivered.add(ev.frame);
    }
  }
  for (const ev of trace) {
    if (ev.kind !== 'commit') continue;
    for (const f of ev.frames) if (!frameInput.has(f)) frameInput.set(f, ev.input);
    if (ev.input.kind !== 'frame' || !ev.linearizes) continue;
    let pos = ev.seq;
    for (const f of ev.frames) pos = Math.min(pos, framePos.get(f) ?? pos);
    deliveryPos.set(ev.input.delivery, pos);
  }
  return { framePos, frameInput, deliveryPos, delivered };
}

function place(builders: Map<string, Builder>, all: Builder[], src: Endpoint, dst: Endpoint, seg: TcpSegment): FrameInfo {
  const key = pairKey(src, dst);
  let b = builders.get(key);
  const syn = (seg.flags & (TH_SYN | TH_ACK | TH_RST)) === TH_SYN;
  if (b !== undefined && syn) {
    const iss = same(src, b.a) ? b.iss.a : b.iss.b;
    if (iss !== undefined && iss !== seg.seq) b = undefined;
  }
  if (b === undefined) {
    b = { a: src, b: dst, iss: {}, raws: [] };
    builders.set(key, b);
    all.push(b);
  }
  const side: Side = same(src, b.a) ? 'a' : 'b';
  if ((seg.flags & TH_SYN) !== 0 && b.iss[side] === undefined) b.iss[side] = seg.seq;
  return { builder: b, side, seg };
}

function collect(run: RunRecord, ix: Index): { all: Builder[]; frames: Map<FrameId, FrameInfo> } {
  const builders = new Map<string, Builder>();
  const all: Builder[] = [];
  const frames = new Map<FrameId, FrameInfo>();
  for (const ev of run.trace) {
    if (ev.kind === 'frame-sent') {
      const r = decodePacket(ev.bytes);
      if (!r.ok || r.value.body.proto !== 'tcp') continue;
      const seg = r.value.body.tcp;
      const src = { addr: r.value.ip.src, port: seg.srcPort };
      const dst = { addr: r.value.ip.dst, port: seg.dstPort };
      const info = place(builders, all, src, dst, seg);
      frames.set(ev.frame, info);
      info.builder.raws.push({ pos: ev.seq, order: 1, t: ev.t, dir: 'out', side: info.side, seg,
        frame: ev.frame, traceSeq: ev.seq });
    } else if (ev.kind === 'frame-delivered') {
      const info = frames.get(ev.frame);
      if (info === undefined) continue;
      const pos = Math.max(ev.seq, ix.deliveryPos.get(ev.delivery) ?? ev.seq);
      info.builder.raws.push({ pos, order: 0, t: ev.t, dir: 'in', side: info.side === 'a' ? 'b' : 'a',
        seg: info.seg, frame: ev.frame, delivery: ev.delivery, traceSeq: ev.seq });
    }
  }
  return { all, frames };
}

function causeOf(input: CommitInput | undefined, inAt: Map<DeliveryId, number>): Cause | undefined {
  if (input === undefined) return undefined;
  switch (input.kind) {
    case 'frame': {
      const index = inAt.get(input.delivery);
      return index === undefined ? { kind: 'other' } : { kind: 'in', index };
    }
    case 'call':
      return { kind: 'call', call: input.call as CallId as number };
    case 'timer':
      return { kind: 'timer', timer: input.timer };
    case 'rollup':
      return { kind: 'rollup' };
    case 'internal':
      return { kind: 'other' };
  }
}

function configFor(run: RunRecord, e: Endpoint): { tcp: TcpConfig; hz: number; host: number } | null {
  const h = run.hosts.find((x) => x.addr === e.addr);
  return h === undefined ? null : { tcp: h.config.tcp, hz: h.config.hz, host: h.index };
}

function finish(run: RunRecord, ix: Index, b: Builder, n: number, unique: boolean): ConnTrace | null {
  const ca = configFor(run, b.a);
  const cb = configFor(run, b.b);
  if (ca === null || cb === null) return null;
  const raws = [...b.raws].sort((x, y) => x.pos - y.pos || x.order - y.order || x.traceSeq - y.traceSeq);
  const inAt = new Map<DeliveryId, number>();
  raws.forEach((r, i) => {
    if (r.delivery !== undefined) inAt.set(r.delivery, i);
  });
  const events = raws.map((r): ConnEvent => {
    const base = { t: r.t, dir: r.dir, side: r.side, seg: r.seg, traceSeq: r.traceSeq };
    if (r.dir === 'in') return { ...base, delivered: true };
    const cause = causeOf(ix.frameInput.get(r.frame), inAt);
    return { ...base, delivered: ix.delivered.has(r.frame), ...(cause !== undefined ? { cause } : {}) };
  });
  const supplyA = unique ? supplyOf(run, ca.host, b.b) : undefined;
  const supplyB = unique ? supplyOf(run, cb.host, b.a) : undefined;
  const supply: { a?: readonly SupplyPoint[]; b?: readonly SupplyPoint[] } = {
    ...(supplyA !== undefined ? { a: supplyA } : {}),
    ...(supplyB !== undefined ? { b: supplyB } : {}),
  };
  return {
    config: ca.tcp,
    configs: { a: ca.tcp, b: cb.tcp },
    hz: ca.hz,
    name: `${formatEndpoint(b.a)}>${formatEndpoint(b.b)}#${n}`,
    events,
    supply,
    endT: run.stats.endUs as Instant,
  };
}

/** Every TCP connection (incarnation) of a run, in order of its first segment. */
export function extractConnections(run: RunRecord): ConnTrace[] {
  const ix = indexTrace(run.trace);
  const { all } = collect(run, ix);
  const perPair = new Map<string, number>();
  for (const b of all) perPair.set(pairKey(b.a, b.b), (perPair.get(pairKey(b.a, b.b)) ?? 0) + 1);
  const seen = new Map<string, number>();
  const out: ConnTrace[] = [];
  for (const b of all) {
    const key = pairKey(b.a, b.b);
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    const c = finish(run, ix, b, n, perPair.get(key) === 1);
    if (c !== null) out.push(c);
  }
  return out;
}
