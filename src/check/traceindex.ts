import type { CallId, DeliveryId, FrameId, HostId } from '../core/ids';
import type { RunRecord } from '../core/run';
import type { FrameFate, TraceEvent } from '../core/trace';

/**
 * One pass over a run's trace that every checker needs: the events that name frames, deliveries
 * and calls, looked up by id, plus each host's commits. Built once per trace and shared (a
 * WeakMap keyed by the trace array), so running all checkers over one run indexes it once. The
 * index is read-only and derived only from the trace, so sharing it keeps checkers pure.
 */

export type Ev<K extends TraceEvent['kind']> = Extract<TraceEvent, { kind: K }>;
export type CommitEvent = Ev<'commit'>;

export interface TraceIndex {
  readonly framesSent: ReadonlyMap<FrameId, Ev<'frame-sent'>>;
  readonly deliveries: ReadonlyMap<DeliveryId, Ev<'frame-delivered'>>;
  readonly calls: ReadonlyMap<CallId, Ev<'call-issued'>>;
  readonly completions: ReadonlyMap<CallId, Ev<'call-completed'>>;
  /** How many frames met each fate on the links. */
  readonly fates: ReadonlyMap<FrameFate, number>;
  /** Each host's commits, in trace order. */
  readonly commits: ReadonlyMap<HostId, readonly CommitEvent[]>;
  /** Each host's deliveries, in trace order. */
  readonly deliveriesTo: ReadonlyMap<HostId, readonly Ev<'frame-delivered'>[]>;
  /** Each host's issued calls, in trace order. */
  readonly callsOn: ReadonlyMap<HostId, readonly Ev<'call-issued'>[]>;
}

const cache = new WeakMap<readonly TraceEvent[], TraceIndex>();

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list === undefined) m.set(k, [v]);
  else list.push(v);
}

function build(trace: readonly TraceEvent[]): TraceIndex {
  const framesSent = new Map<FrameId, Ev<'frame-sent'>>();
  const deliveries = new Map<DeliveryId, Ev<'frame-delivered'>>();
  const calls = new Map<CallId, Ev<'call-issued'>>();
  const completions = new Map<CallId, Ev<'call-completed'>>();
  const fates = new Map<FrameFate, number>();
  const commits = new Map<HostId, CommitEvent[]>();
  const deliveriesTo = new Map<HostId, Ev<'frame-delivered'>[]>();
  const callsOn = new Map<HostId, Ev<'call-issued'>[]>();
  for (const ev of trace) {
    switch (ev.kind) {
      case 'frame-sent':
        framesSent.set(ev.frame, ev);
        break;
      case 'frame-delivered':
        deliveries.set(ev.delivery, ev);
        push(deliveriesTo, ev.host, ev);
        break;
      case 'frame-fate':
        fates.set(ev.fate, (fates.get(ev.fate) ?? 0) + 1);
        break;
      case 'call-issued':
        calls.set(ev.call.id, ev);
        push(callsOn, ev.host, ev);
        break;
      case 'call-completed':
        // The first completion counts; a second one is the refinement checker's to report.
        if (!completions.has(ev.call)) completions.set(ev.call, ev);
        break;
      case 'commit':
        push(commits, ev.host, ev);
        break;
      default:
        break;
    }
  }
  return { framesSent, deliveries, calls, completions, fates, commits, deliveriesTo, callsOn };
}

/** The shared index of `run`'s trace. */
export function traceIndex(run: RunRecord): TraceIndex {
  let ix = cache.get(run.trace);
  if (ix === undefined) {
    ix = build(run.trace);
    cache.set(run.trace, ix);
  }
  return ix;
}

/** The bytes of the frame a delivery handed to its host, or null if the trace does not say. */
export function deliveredBytes(ix: TraceIndex, delivery: DeliveryId): Uint8Array | null {
  const d = ix.deliveries.get(delivery);
  if (d === undefined) return null;
  return ix.framesSent.get(d.frame)?.bytes ?? null;
}
