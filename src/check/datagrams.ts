import type { Endpoint } from '../core/addr';
import { formatEndpoint } from '../core/addr';
import { decodePacket } from '../core/codec';
import type { CallId, DeliveryId, Fd, FrameId, HostId } from '../core/ids';
import type { RunRecord } from '../core/run';
import type { SocketProto } from '../core/socket';
import type { Ev, TraceIndex } from './traceindex';

/**
 * What the UDP integrity checks (integrity.ts, udp-lossless.ts) read from a trace, gathered in
 * one place: which descriptors are UDP sockets, the UDP datagrams on the wire, and each delivery
 * of one to the host it was addressed to. Everything here comes from call events and the frames
 * themselves, never from a stack's commits, so integrity holds end to end.
 */

export interface Datagram {
  readonly frame: FrameId;
  readonly sent: Ev<'frame-sent'>;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly payload: Uint8Array;
}

export interface Arrival {
  readonly delivery: DeliveryId;
  readonly ev: Ev<'frame-delivered'>;
  readonly datagram: Datagram;
}

export interface UdpView {
  /** UDP descriptors per host (UP-2: never reused, so a descriptor names one socket). */
  readonly udpFds: ReadonlyMap<HostId, ReadonlySet<Fd>>;
  readonly datagrams: ReadonlyMap<FrameId, Datagram>;
  /** Deliveries of UDP datagrams to their destination host, in trace order. */
  readonly arrivals: readonly Arrival[];
  /** Each call's linearizing commit, and each delivery's (the impl's own order; optional). */
  readonly linearizedAt: ReadonlyMap<string, number>;
}

/** 32-bit FNV-1a of `b` with its length: a cheap key to find equal payloads. */
export function payloadKey(b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return `${b.length}:${(h >>> 0).toString(16)}`;
}

export const endpointKey = (e: Endpoint): string => formatEndpoint(e);

function socketProtos(ix: TraceIndex): Map<HostId, Set<Fd>> {
  const udpFds = new Map<HostId, Set<Fd>>();
  for (const done of ix.completions.values()) {
    const issued = ix.calls.get(done.call);
    if (issued === undefined || !done.result.ok || done.result.value.kind !== 'fd') continue;
    const req = issued.call.req;
    const proto: SocketProto | null = req.op === 'socket' ? req.proto : null;
    if (proto !== 'udp') continue;
    let set = udpFds.get(done.host);
    if (set === undefined) udpFds.set(done.host, (set = new Set()));
    set.add(done.result.value.fd);
  }
  return udpFds;
}

function decodeDatagrams(ix: TraceIndex): Map<FrameId, Datagram> {
  const out = new Map<FrameId, Datagram>();
  for (const sent of ix.framesSent.values()) {
    const r = decodePacket(sent.bytes);
    if (!r.ok || r.value.body.proto !== 'udp') continue;
    const { ip, body } = r.value;
    out.set(sent.frame, {
      frame: sent.frame,
      sent,
      src: { addr: ip.src, port: body.udp.srcPort },
      dst: { addr: ip.dst, port: body.udp.dstPort },
      payload: body.udp.payload,
    });
  }
  return out;
}

export function udpView(run: RunRecord, ix: TraceIndex): UdpView {
  const datagrams = decodeDatagrams(ix);
  const arrivals: Arrival[] = [];
  for (const d of ix.deliveries.values()) {
    const dg = datagrams.get(d.frame);
    if (dg === undefined || run.hosts[d.host]?.addr !== dg.dst.addr) continue;
    arrivals.push({ delivery: d.delivery, ev: d, datagram: dg });
  }
  const linearizedAt = new Map<string, number>();
  for (const commits of ix.commits.values()) {
    for (const c of commits) {
      if (!c.linearizes) continue;
      if (c.input.kind === 'frame') linearizedAt.set(`d${c.input.delivery}`, c.seq);
      if (c.input.kind === 'call') linearizedAt.set(`c${c.input.call}`, c.seq);
    }
  }
  return { udpFds: socketProtos(ix), datagrams, arrivals, linearizedAt };
}

export const isUdpFd = (v: UdpView, host: HostId, fd: Fd): boolean =>
  v.udpFds.get(host)?.has(fd) ?? false;

/** When a call took effect: its linearizing commit if the trace has one, else its completion. */
export const callEffectiveSeq = (v: UdpView, call: CallId, completedSeq: number): number =>
  v.linearizedAt.get(`c${call}`) ?? completedSeq;
