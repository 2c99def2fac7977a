import { formatFrame } from '../core/format';
import type { CallId, FrameId } from '../core/ids';
import type { RunRecord, Verdict } from '../core/run';
import type { AppCall } from '../core/socket';
import type { TraceEvent } from '../core/trace';
import type { Arrival, Datagram, UdpView } from './datagrams';
import { endpointKey, isUdpFd, payloadKey, udpView } from './datagrams';
import { bytesEqual, firstDifference, formatCall, hexAt } from './describe';
import type { TraceIndex } from './traceindex';
import { traceIndex } from './traceindex';
import { losslessViolations } from './udp-lossless';
import type { Violation } from './verdict';
import { verdictOf } from './verdict';

/**
 * Check 5, UDP datagram integrity (ARCHITECTURE §6.5; UDP-14, UP-7 … UP-12), end to end from the
 * call events and the frames on the wire:
 *   - sender side: every UDP datagram a host transmits carries the bytes of one successful send
 *     of that host, and (once the run is over) every successful send left as one datagram;
 *   - receiver side: every datagram a recv returns is one delivery, to that host, of a datagram
 *     from the `from` endpoint with exactly those bytes (or their first `maxBytes`, UP-9), and
 *     each delivery is returned at most once. The link may duplicate a frame, and UDP then
 *     legitimately delivers both copies (UDP-14): counting deliveries, not datagrams, allows
 *     exactly that and nothing more;
 *   - on a lossless run, no datagram queued on a socket goes missing (udp-lossless.ts).
 */

export const UDP_INTEGRITY_CHECKER = 'udp-integrity';
export const UDP_INTEGRITY_CLAIM =
  'UDP datagrams are delivered at most once per delivery and unmodified, and all of them on a ' +
  'lossless run (ARCHITECTURE §1, §6.5; UDP-14)';

interface SendRecord {
  readonly call: AppCall;
  readonly host: number;
  readonly data: Uint8Array;
  readonly seq: number;
  used: boolean;
}

function sendsByPayload(ix: TraceIndex, v: UdpView): Map<string, SendRecord[]> {
  const sends = new Map<string, SendRecord[]>();
  for (const done of ix.completions.values()) {
    const call = ix.calls.get(done.call)?.call;
    if (call === undefined || call.req.op !== 'send' || !isUdpFd(v, done.host, call.req.fd))
      continue;
    if (!done.result.ok || done.result.value.kind !== 'sent') continue;
    const data = call.req.data;
    const key = `${done.host}|${payloadKey(data)}`;
    const list = sends.get(key) ?? [];
    list.push({ call, host: done.host, data, seq: done.seq, used: false });
    sends.set(key, list);
  }
  return sends;
}

/** Each datagram on the wire is one successful send; each successful send left as one. */
function senderSide(run: RunRecord, ix: TraceIndex, v: UdpView, out: Violation[]): void {
  const sends = sendsByPayload(ix, v);
  for (const dg of v.datagrams.values()) {
    const host = dg.sent.host;
    const match = (sends.get(`${host}|${payloadKey(dg.payload)}`) ?? []).find(
      (s) => !s.used && bytesEqual(s.data, dg.payload),
    );
    if (match !== undefined) {
      match.used = true;
      continue;
    }
    out.push({
      kind: 'udp-unsent-datagram',
      atSeq: dg.sent.seq,
      message:
        `host ${host} transmitted a datagram (frame ${dg.frame}) that no successful ` +
        `send of the host carried`,
      details: [`frame: ${formatFrame(dg.sent.bytes)}`, `payload: [${hexAt(dg.payload, 0, 16)}]`],
    });
  }
  if (run.outcome.kind !== 'quiescent' && run.outcome.kind !== 'time-bound') return;
  for (const list of sends.values()) {
    for (const s of list) {
      if (s.used) continue;
      out.push({
        kind: 'udp-send-lost',
        atSeq: s.seq,
        message:
          `host ${s.host}: call ${s.call.id} sent ${s.data.length} bytes, but no ` +
          `datagram with them ever left the host`,
        details: [formatCall(s.call), 'UP-7/UP-8: a successful send transmits its datagram'],
      });
    }
  }
}

function fatesOf(trace: readonly TraceEvent[], frame: FrameId): string {
  const fates = trace
    .filter((e) => e.kind === 'frame-fate' && e.frame === frame)
    .map((e) => (e as Extract<TraceEvent, { kind: 'frame-fate' }>).fate);
  return fates.length > 0 ? fates.join(', ') : '(none recorded)';
}

interface Slot {
  readonly arrival: Arrival;
  takenBy: CallId | null;
}

/** Deliveries from one source to one host, in trace order; `free` skips the taken prefix. */
interface Slots {
  readonly list: Slot[];
  free: number;
}

/** The first untaken delivery before `beforeSeq` that explains `data` (amortized O(1) in order). */
function take(slots: Slots, beforeSeq: number, data: Uint8Array, max: number): Slot | undefined {
  while (slots.free < slots.list.length && slots.list[slots.free]!.takenBy !== null)
    slots.free += 1;
  for (let i = slots.free; i < slots.list.length; i++) {
    const s = slots.list[i]!;
    if (s.arrival.ev.seq >= beforeSeq) return undefined;
    if (s.takenBy === null && returns(data, max, s.arrival.datagram)) return s;
  }
  return undefined;
}

/** Does a recv of at most `max` bytes that returned `data` return datagram `dg` (UP-9)? */
const returns = (data: Uint8Array, max: number, dg: Datagram): boolean =>
  data.length === Math.min(dg.payload.length, max) &&
  firstDifference(data, dg.payload.subarray(0, data.length)) < 0;

/** Why no unused delivery explains a recv result: duplicated, corrupted or invented. */
function unexplained(
  run: RunRecord,
  call: AppCall,
  done: { seq: number; host: number },
  data: Uint8Array,
  candidates: readonly Slot[],
  max: number,
): Violation {
  const who = `host ${done.host}: call ${call.id} recv returned ${data.length} bytes`;
  const twice = candidates.find(
    (s) => s.takenBy !== null && returns(data, max, s.arrival.datagram),
  );
  if (twice !== undefined) {
    const dg = twice.arrival.datagram;
    const copies = candidates.filter((s) => s.arrival.datagram.frame === dg.frame).length;
    return {
      kind: 'udp-duplicated',
      atSeq: done.seq,
      message:
        `${who}: a datagram (frame ${dg.frame}) already returned by call ` +
        `${twice.takenBy}; the link delivered it ${copies} time(s)`,
      details: [
        formatCall(call),
        `datagram: ${formatFrame(dg.sent.bytes)}`,
        `link fates of frame ${dg.frame}: ${fatesOf(run.trace, dg.frame)}`,
      ],
    };
  }
  const closest = candidates.reduce<{ s: Slot; n: number } | null>((best, s) => {
    const i = firstDifference(data, s.arrival.datagram.payload);
    const n = i < 0 ? data.length : i;
    return best === null || n > best.n ? { s, n } : best;
  }, null);
  if (closest !== null) {
    const dg = closest.s.arrival.datagram;
    const i = closest.n;
    return {
      kind: 'udp-corrupted',
      atSeq: done.seq,
      message:
        `${who} that match no datagram from their source; closest is frame ${dg.frame} ` +
        `(differs at byte ${i} of ${dg.payload.length})`,
      details: [
        formatCall(call),
        `received [${hexAt(data, i, 8)}] at byte ${i}; sent [${hexAt(dg.payload, i, 8)}]`,
        `closest datagram: ${formatFrame(dg.sent.bytes)}`,
      ],
    };
  }
  return {
    kind: 'udp-invented',
    atSeq: done.seq,
    message: `${who} that no datagram delivered to the host from their source carried`,
    details: [formatCall(call), `data: [${hexAt(data, 0, 16)}]`],
  };
}

/**
 * Receiver side: each recv result is matched to one unused delivery (returns the matches, for the
 * lossless check). A recv with `from` = F on host H can only have read a datagram from F to H.
 */
function receiverSide(
  run: RunRecord,
  ix: TraceIndex,
  v: UdpView,
  out: Violation[],
): Map<CallId, Arrival> {
  const slots = new Map<string, Slots>();
  for (const a of v.arrivals) {
    const key = `${a.ev.host}|${endpointKey(a.datagram.src)}`;
    const entry = slots.get(key) ?? { list: [], free: 0 };
    entry.list.push({ arrival: a, takenBy: null });
    slots.set(key, entry);
  }
  const matched = new Map<CallId, Arrival>();
  for (const done of ix.completions.values()) {
    const call = ix.calls.get(done.call)?.call;
    if (call === undefined || call.req.op !== 'recv' || !isUdpFd(v, done.host, call.req.fd))
      continue;
    if (!done.result.ok || done.result.value.kind !== 'data') continue;
    const { data, from } = done.result.value;
    const max = call.req.maxBytes;
    if (from === undefined) {
      out.push({
        kind: 'udp-no-source',
        atSeq: done.seq,
        message: `host ${done.host}: UDP recv call ${call.id} returned data without a source`,
        details: [formatCall(call)],
      });
      continue;
    }
    if (data.length > max) {
      out.push({
        kind: 'udp-overlong',
        atSeq: done.seq,
        message:
          `host ${done.host}: call ${call.id} recv returned ${data.length} bytes, more ` +
          `than its maximum ${max}`,
      });
      continue;
    }
    const entry = slots.get(`${done.host}|${endpointKey(from)}`) ?? { list: [], free: 0 };
    const slot = take(entry, done.seq, data, max);
    if (slot === undefined) {
      const candidates = entry.list.filter((s) => s.arrival.ev.seq < done.seq);
      out.push(unexplained(run, call, done, data, candidates, max));
      continue;
    }
    slot.takenBy = call.id;
    matched.set(call.id, slot.arrival);
  }
  return matched;
}

/** Check 5 (UDP) over the whole run. */
export function checkUdpIntegrity(run: RunRecord): Verdict {
  const ix = traceIndex(run);
  const v = udpView(run, ix);
  const out: Violation[] = [];
  senderSide(run, ix, v, out);
  const matched = receiverSide(run, ix, v, out);
  out.push(...losslessViolations(run, ix, v, matched));
  return verdictOf(UDP_INTEGRITY_CHECKER, UDP_INTEGRITY_CLAIM, out);
}
