import type { IpAddr } from '../../../src/core/addr';
import { EPHEMERAL_FIRST } from '../../../src/core/addr';
import { decodePacket, encodePacket } from '../../../src/core/codec';
import type { HostConfig } from '../../../src/core/config';
import { formatFrame } from '../../../src/core/format';
import type { CallId, DeliveryId, FrameId } from '../../../src/core/ids';
import { FD_FIRST, cpuId } from '../../../src/core/ids';
import type { AppCall, CallResult } from '../../../src/core/socket';
import type { CommitInput, TraceEvent } from '../../../src/core/trace';
import { instant } from '../../../src/core/time';
import type { TcpCtx, TcpHostState, TcpStep } from '../../../src/model/tcp';
import {
  tcpCallOwner, tcpInitial, tcpRollup, tcpSegmentArrives, tcpTimerFires, tcpTimerOwner,
  tcpUserCall,
} from '../../../src/model/tcp';

/**
 * A test-side refinement cross-check of the TCP implementation against the independently written
 * TCP model (docs/CONTRACTS.md "Refinement"), usable before the model host routes TCP: one impl
 * host's linearizing commits, in trace order, replayed into the pure TCP model (`tcpUserCall`,
 * `tcpSegmentArrives`, `tcpTimerFires`, `tcpRollup`) at each commit's instant; per input, the
 * impl's frames (over all its commits) against the model's packets, byte for byte; each call's
 * result against the model's; and the CPU each input linearized on against TP-29's owner.
 * TCP-only workloads (the descriptors are the model's own numbering, UP-2).
 */

type Commit = Extract<TraceEvent, { kind: 'commit' }>;

const keyOf = (i: CommitInput, seq: number): string =>
  i.kind === 'call' ? `c${i.call}` : i.kind === 'frame' ? `f${i.delivery}` : `s${seq}`;

function sameResult(a: CallResult | undefined, b: CallResult): boolean {
  if (a === undefined || a.ok !== b.ok) return false;
  if (!a.ok || !b.ok) return !a.ok && !b.ok && a.error === b.error;
  const x = a.value;
  const y = b.value;
  if (x.kind === 'data' && y.kind === 'data') return Buffer.compare(Buffer.from(x.data),
      Buffer.from(y.data)) === 0;
  return JSON.stringify(x) === JSON.stringify(y);
}

export interface RefineReport {
  readonly problems: string[];
  readonly inputs: number;
}

export function tcpRefinement(
  trace: readonly TraceEvent[], h: number, config: HostConfig, addr: IpAddr, max = 20,
): RefineReport {
  const problems: string[] = [];
  const calls = new Map<CallId, AppCall>();
  const results = new Map<CallId, CallResult>();
  const frames = new Map<FrameId, Uint8Array>();
  const delivered = new Map<DeliveryId, Uint8Array>();
  for (const e of trace) {
    if (e.kind === 'frame-sent') frames.set(e.frame, e.bytes);
    if (!('host' in e) || e.host !== h) continue;
    if (e.kind === 'call-issued') calls.set(e.call.id, e.call);
    if (e.kind === 'call-completed') results.set(e.call, e.result);
    if (e.kind === 'frame-delivered') delivered.set(e.delivery, frames.get(e.frame)!);
  }
  const commits = trace.filter((e): e is Commit => e.kind === 'commit' && e.host === h);
  const implFrames = new Map<string, Uint8Array[]>();
  for (const c of commits) {
    const k = keyOf(c.input, c.seq);
    implFrames.set(k, [...(implFrames.get(k) ?? []), ...c.frames.map((f) => frames.get(f)!)]);
  }
  let s: TcpHostState = tcpInitial(config, addr, h);
  let ctx: TcpCtx = { nextFd: FD_FIRST, portCursor: EPHEMERAL_FIRST };
  const modelResults = new Map<CallId, CallResult>();
  let inputs = 0;
  for (const c of commits) {
    if (!c.linearizes || problems.length >= max) continue;
    inputs++;
    const t = instant(c.t);
    let st: TcpStep;
    const i = c.input;
    let want: number | null;
    try {
    if (i.kind === 'call') {
      const call = calls.get(i.call)!;
      want = tcpCallOwner(s, call);
      st = tcpUserCall(s, ctx, call, t);
      const userSide = i.phase === 'user';
      if (want === null ? !userSide : userSide || want !== c.cpu) {
        problems.push(`#${c.seq} call ${i.call} (${call.req.op}) on cpu ${c.cpu}${userSide ? ' (user)' : ''}, model says ${want}`);
      }
    } else if (i.kind === 'frame') {
      const d = decodePacket(delivered.get(i.delivery)!);
      if (!d.ok || d.value.body.proto !== 'tcp') continue;
      st = tcpSegmentArrives(s, ctx, d.value, t);
    } else if (i.kind === 'timer') {
      want = tcpTimerOwner(s, i.conn, i.timer);
      if (want !== null &&
          want !== c.cpu) problems.push(`#${c.seq} timer ${i.conn} ${i.timer} on cpu ${c.cpu}, model says ${want}`);
      st = tcpTimerFires(s, ctx, i.conn, i.timer, t);
    } else if (i.kind === 'rollup') {
      st = tcpRollup(s, ctx, cpuId(c.cpu), t);
    } else continue;
    } catch (e) {
      problems.push(`#${c.seq} t=${c.t} model threw on ${JSON.stringify(i)}: ${String(e)}`);
      break;
    }
    s = st.state;
    ctx = st.ctx;
    for (const done of st.outputs.completions) modelResults.set(done.call, done.result);
    const mine = (implFrames.get(keyOf(i, c.seq)) ?? []).map((b) => formatFrame(b));
    const theirs = st.outputs.packets.map((p) => formatFrame(encodePacket(p)));
    if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
      const what = i.kind === 'frame' ? formatFrame(delivered.get(i.delivery)!)
        : i.kind === 'call' ? JSON.stringify(calls.get(i.call)!.req, (_k,
            v) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v))
        : JSON.stringify(i);
      problems.push(`#${c.seq} t=${c.t} cpu ${c.cpu} ${what}:\n  impl  ${mine.join('\n        ')}\n  model ${theirs.join('\n        ')}`);
    }
  }
  for (const [id, r] of results) {
    const m = modelResults.get(id);
    if (!sameResult(m, r) && problems.length < max) {
      const show = (x: unknown): string =>
        JSON.stringify(x, (_k, v) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v));
      problems.push(`call ${id} (${calls.get(id)?.req.op}): impl ${show(r)} ≠ model ${show(m)}`);
    }
  }
  return { problems, inputs };
}
