import { assert, assertNever } from '../core/assert';
import { formatIp } from '../core/addr';
import type { IpAddr } from '../core/addr';
import type { FrameId, HostId } from '../core/ids';
import { hostId } from '../core/ids';
import type { FrameFate, TraceSink } from '../core/trace';
import type { LinkSpec } from '../scenario/types';
import type { FaultPlanIndex } from './faults';
import type { Timed } from './queue';
import type { Rng } from '../core/rng';
import { readIpv4Dst } from '../core/codec';

/**
 * Links (ARCHITECTURE §7, STYLE P10): frames are routed by IPv4 destination to the host with that
 * address over the link joining sender and receiver. Each direction of a link keeps its own
 * ordinal counter (the index fault plans name), its in-flight count (for tail drop at
 * `capacity`) and its own rng fork for jitter, drawn for every frame routed onto the direction
 * so that changing one frame's fate never shifts another frame's jitter.
 */

/** A frame on its way to a host; an event of the world's queue. */
export interface FrameArrival extends Timed {
  readonly kind: 'frame';
  readonly host: number;
  readonly frame: FrameId;
  readonly bytes: Uint8Array;
  readonly link: number;
  readonly dir: 0 | 1;
}

interface Direction {
  /** Frames routed onto this direction so far: the next frame's ordinal. */
  sent: number;
  inFlight: number;
  readonly rng: Rng;
}

export interface NetworkOptions {
  readonly links: readonly LinkSpec[];
  readonly addrs: readonly IpAddr[];
  readonly faults: FaultPlanIndex;
  readonly rng: Rng;
  readonly sink: TraceSink;
  readonly schedule: (arrival: FrameArrival) => void;
}

/** Uniform integer in [0, max]; no draw at all when max is 0, so jitter-free links use no rng. */
export const uniformUpTo = (rng: Rng, max: number): number => (max <= 0 ? 0 : rng.int(0, max));

export class Network {
  private readonly dirs: Direction[][] = [];
  private readonly hostByAddr = new Map<number, number>();
  /** (src * hostCount + dst) → link index * 2 + direction, or absent when no link joins them. */
  private readonly routes = new Map<number, number>();
  private inFlightTotal = 0;

  constructor(private readonly o: NetworkOptions) {
    const n = o.addrs.length;
    o.addrs.forEach((addr, i) => this.hostByAddr.set(addr, i));
    o.links.forEach((l, i) => {
      assert(l.a >= 0 && l.a < n && l.b >= 0 && l.b < n, `link ${i}: bad host index`);
      assert(l.a !== l.b, `link ${i}: joins host ${l.a} to itself`);
      assert(Number.isSafeInteger(l.delayUs) && l.delayUs >= 0, `link ${i}: bad delayUs`);
      assert(Number.isSafeInteger(l.jitterUs) && l.jitterUs >= 0, `link ${i}: bad jitterUs`);
      assert(Number.isSafeInteger(l.capacity) && l.capacity >= 0, `link ${i}: bad capacity`);
      assert(!this.routes.has(l.a * n + l.b), `link ${i}: hosts ${l.a} and ${l.b} already joined`);
      this.routes.set(l.a * n + l.b, i * 2);
      this.routes.set(l.b * n + l.a, i * 2 + 1);
      this.dirs.push([0, 1].map((d) => ({
        sent: 0, inFlight: 0, rng: o.rng.fork(`link:${i}:${d === 0 ? 'ab' : 'ba'}`),
      })));
    });
  }

  /** Frames scheduled to arrive and not yet delivered, over all links. */
  get inFlight(): number {
    return this.inFlightTotal;
  }

  /** Route one transmitted frame, decide its fate, and schedule its arrival(s). */
  send(src: number, frame: FrameId, bytes: Uint8Array, nowUs: number): void {
    const dstAddr = readIpv4Dst(bytes);
    const dst = dstAddr === null ? undefined : this.hostByAddr.get(dstAddr);
    const route = dst === undefined ? undefined : this.routes.get(src * this.o.addrs.length + dst);
    if (dst === undefined || route === undefined) {
      const why = dstAddr === null ? 'no IPv4 destination' : `no route to ${formatIp(dstAddr)}`;
      this.o.sink.emit({ kind: 'note', host: hostId(src), text: `frame ${frame}: ${why}` });
      this.fate(frame, 'drop', 0);
      return;
    }
    const link = route >> 1;
    const dir = (route & 1) as 0 | 1;
    const spec = this.o.links[link]!;
    const state = this.dirs[link]![dir]!;
    const index = state.sent++;
    const delayUs = spec.delayUs + uniformUpTo(state.rng, spec.jitterUs);
    const fault = this.o.faults.decide(link, dir, index, nowUs);
    if (fault.kind === 'partitioned') return this.fate(frame, 'partitioned', 0);
    if (fault.kind === 'drop') return this.fate(frame, 'drop', 0);
    if (spec.capacity > 0 && state.inFlight >= spec.capacity) {
      return this.fate(frame, 'overflow', 0);
    }
    const arrival = { kind: 'frame', host: dst, frame, bytes, link, dir, seq: 0 } as const;
    switch (fault.kind) {
      case 'none':
        this.fate(frame, 'deliver', delayUs);
        this.enqueue(state, { ...arrival, at: nowUs + delayUs });
        return;
      case 'delay':
        this.fate(frame, 'delay', delayUs + fault.extraUs);
        this.enqueue(state, { ...arrival, at: nowUs + delayUs + fault.extraUs });
        return;
      case 'duplicate':
        // The copy is the network's doing downstream of the queue, so capacity does not refuse it.
        this.fate(frame, 'duplicate', delayUs);
        this.enqueue(state, { ...arrival, at: nowUs + delayUs });
        this.enqueue(state, { ...arrival, at: nowUs + delayUs + fault.copyDelayUs });
        return;
      default:
        return assertNever(fault, 'fault decision');
    }
  }

  /** A scheduled arrival is being delivered: it leaves the link. Returns the receiving host. */
  arrived(arrival: FrameArrival): HostId {
    const state = this.dirs[arrival.link]![arrival.dir]!;
    assert(state.inFlight > 0, `link ${arrival.link}: arrival with nothing in flight`);
    state.inFlight--;
    this.inFlightTotal--;
    return hostId(arrival.host);
  }

  private enqueue(state: Direction, arrival: FrameArrival): void {
    state.inFlight++;
    this.inFlightTotal++;
    this.o.schedule(arrival);
  }

  private fate(frame: FrameId, fate: FrameFate, delayUs: number): void {
    this.o.sink.emit({ kind: 'frame-fate', frame, fate, delayUs });
  }
}
