import type { IpAddr } from '../../src/core/addr';
import type { HostConfig } from '../../src/core/config';
import type { CallId, DeliveryId, FrameId } from '../../src/core/ids';
import type { AppCall, CallResult } from '../../src/core/socket';
import type { CommitInput, TraceEvent } from '../../src/core/trace';
import { instant } from '../../src/core/time';
import { initialModelHost, modelStep, ownerCpu } from '../../src/model';
import type { ModelHostState, ModelInput } from '../../src/model';

/**
 * A test-side refinement cross-check against the independently written model, ahead of the real
 * checker (docs/CONTRACTS.md "Refinement"): replay one impl host's linearizing commits, in trace
 * order, into `modelStep`; compare the frames each input produced (over all its commits) byte
 * for byte, each call's result, and the CPU each input linearized on with `ownerCpu`.
 */

type Commit = Extract<TraceEvent, { kind: 'commit' }>;

const keyOf = (i: CommitInput): string | null =>
  i.kind === 'call' ? `c${i.call}` : i.kind === 'frame' ? `f${i.delivery}` : null;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export function refinementProblems(
  trace: readonly TraceEvent[],
  h: number,
  config: HostConfig,
  addr: IpAddr,
): string[] {
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
    if (e.kind === 'frame-delivered')
      delivered.set(e.delivery, frames.get(e.frame) ?? new Uint8Array(0));
  }
  const commits = trace.filter((e): e is Commit => e.kind === 'commit' && e.host === h);
  const implFrames = new Map<string, string[]>();
  for (const c of commits) {
    const k = keyOf(c.input);
    if (k !== null)
      implFrames.set(k, [
        ...(implFrames.get(k) ?? []),
        ...c.frames.map((f) => hex(frames.get(f)!)),
      ]);
  }
  let s: ModelHostState = initialModelHost(config, addr, 0);
  const modelResults = new Map<CallId, CallResult>();
  for (const c of commits) {
    if (!c.linearizes || c.input.kind === 'timer' || c.input.kind === 'internal') continue;
    let mi: ModelInput;
    if (c.input.kind === 'call') mi = { kind: 'call', call: calls.get(c.input.call)! };
    else if (c.input.kind === 'frame')
      mi = { kind: 'frame', bytes: delivered.get(c.input.delivery)! };
    else mi = { kind: 'rollup', cpu: c.cpu };
    const want = ownerCpu(s, mi);
    const userSide = c.input.kind === 'call' && c.input.phase === 'user';
    if (want === null ? !userSide : userSide || want !== c.cpu) {
      problems.push(
        `#${c.seq} ${JSON.stringify(c.input)} linearized on cpu ${c.cpu}${userSide ? ' (user)' : ''}, model says ${want}`,
      );
    }
    const step = modelStep(s, mi, instant(c.t));
    s = step.state;
    for (const done of step.outputs.completions) modelResults.set(done.call, done.result);
    const k = keyOf(c.input);
    if (k === null) continue;
    const mine = implFrames.get(k) ?? [];
    const theirs = step.outputs.frames.map(hex);
    if (JSON.stringify(mine) !== JSON.stringify(theirs))
      problems.push(`${k}: impl frames ${mine} ≠ model ${theirs}`);
  }
  for (const [id, r] of results) {
    const m = modelResults.get(id);
    if (JSON.stringify(m) !== JSON.stringify(r))
      problems.push(`call ${id}: impl ${JSON.stringify(r)} ≠ model ${JSON.stringify(m)}`);
  }
  return problems;
}
