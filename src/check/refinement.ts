import { formatFrame } from '../core/format';
import type { CallId, FrameId } from '../core/ids';
import type { RunHostInfo, RunRecord, Verdict } from '../core/run';
import type { CallResult } from '../core/socket';
import { instant } from '../core/time';
import type { ModelInput } from '../model/host';
import { initialModelHost, modelStatus, modelStep } from '../model/host';
import { at, formatCall, formatCommitInput, formatResult, resultDifference } from './describe';
import { frameDifferences } from './framediff';
import type { ReplayStep } from './replay';
import { inputKey, replayHost, replaySeed } from './replay';
import type { CommitEvent, TraceIndex } from './traceindex';
import { traceIndex } from './traceindex';
import type { Violation } from './verdict';
import { verdictOf } from './verdict';

/**
 * Check 1, refinement (ARCHITECTURE §1 and §6.1, docs/CONTRACTS.md "Refinement"). For each impl
 * host, its linearizing commits are replayed into a fresh model host (replay.ts); then, input by
 * input, the frames the impl transmitted for that input — over every commit that names it, so a
 * send's user-side half and its protocol half count together — must equal the model's output
 * frames for that step, decoded field by field and then byte for byte; and every call result must
 * equal the model's, matched by call id because a blocking call completes in a later step.
 * Frames are attributed: each frame the impl sent is named by exactly one of its commits, and a
 * commit whose input never linearizes transmits nothing.
 */

export const REFINEMENT_CHECKER = 'refinement';
export const REFINEMENT_CLAIM = 'the implementation refines the model (ARCHITECTURE §1, §6.1)';

/** Stop collecting for a host after this many violations: later ones follow from the first. */
const MAX_PER_HOST = 50;

interface Attribution {
  /** Frames by the input key of the commit(s) that transmitted them, in trace order. */
  readonly byInput: Map<string, FrameId[]>;
  /** For reports: one commit that names each key. */
  readonly commitOf: Map<string, CommitEvent>;
}

/** Attribute each frame the host sent to the input of the commit naming it (checking both ways). */
function attribute(ix: TraceIndex, info: RunHostInfo, out: Violation[]): Attribution {
  const byInput = new Map<string, FrameId[]>();
  const commitOf = new Map<string, CommitEvent>();
  const namedBy = new Map<FrameId, CommitEvent>();
  const h = info.index;
  for (const c of ix.commits.get(h as CommitEvent['host']) ?? []) {
    const key = inputKey(c.input, c.seq);
    if (!commitOf.has(key) || c.linearizes) commitOf.set(key, c);
    for (const f of c.frames) {
      const sent = ix.framesSent.get(f);
      const first = namedBy.get(f);
      if (sent === undefined || sent.host !== h) {
        out.push({
          kind: 'unknown-frame',
          atSeq: c.seq,
          message: `host ${h}: commit @${c.seq} names frame ${f}, which the host never sent`,
        });
      } else if (first !== undefined) {
        out.push({
          kind: 'frame-named-twice',
          atSeq: c.seq,
          message: `host ${h}: frame ${f} is named by commit @${first.seq} and again by @${c.seq}`,
        });
      } else {
        namedBy.set(f, c);
        const list = byInput.get(key);
        if (list === undefined) byInput.set(key, [f]);
        else list.push(f);
      }
    }
  }
  for (const sent of ix.framesSent.values()) {
    if (sent.host !== h || namedBy.has(sent.frame)) continue;
    out.push({
      kind: 'unattributed-frame',
      atSeq: sent.seq,
      message: `host ${h}: frame ${sent.frame} was transmitted outside any commit`,
      details: [`frame: ${formatFrame(sent.bytes)}`],
    });
  }
  return { byInput, commitOf };
}

function describeInput(input: ModelInput, c: CommitEvent): string {
  switch (input.kind) {
    case 'frame':
      return `${formatCommitInput(c.input)}: ${formatFrame(input.bytes)}`;
    case 'call':
      return formatCall(input.call);
    default:
      return formatCommitInput(c.input);
  }
}

function stepContext(step: ReplayStep): string[] {
  const c = step.commit;
  const lines = [
    `input: ${describeInput(step.input, c)}`,
    `linearized by commit @${c.seq} (txn ${c.txn}, thread ${c.thread}, CPU ${c.cpu}, ${at(c.t)})`,
  ];
  const sockets = modelStatus(step.after);
  lines.push(`model sockets after the step: ${sockets.length === 0 ? '(none)' : ''}`);
  for (const s of sockets) lines.push(`  ${s.key}: ${s.state}`);
  return lines;
}

/** Compare the impl's frames for one input with the model's output frames for its step. */
function compareFrames(
  ix: TraceIndex,
  h: number,
  step: ReplayStep,
  implIds: readonly FrameId[],
): Violation | null {
  const impl = implIds.map((f) => ix.framesSent.get(f)!);
  const model = step.outputs.frames;
  const c = step.commit;
  const what = `host ${h}: ${formatCommitInput(c.input)}`;
  // Built only for a report: formatting decodes every frame.
  const listing = (): string[] => [
    `impl frames (${impl.length}):`,
    ...impl.map((e) => `  frame ${e.frame} @${e.seq}: ${formatFrame(e.bytes)}`),
    `model frames (${model.length}):`,
    ...model.map((b) => `  ${formatFrame(b)}`),
  ];
  for (let i = 0; i < Math.min(impl.length, model.length); i++) {
    const diffs = frameDifferences(impl[i]!.bytes, model[i]!);
    if (diffs.length === 0) continue;
    return {
      kind: 'frame-differs',
      atSeq: impl[i]!.seq,
      message: `${what}: impl frame ${impl[i]!.frame} differs from the model's: ${diffs[0]}`,
      details: [
        ...stepContext(step),
        `impl : ${formatFrame(impl[i]!.bytes)}`,
        `model: ${formatFrame(model[i]!)}`,
        'fields (impl ≠ model):',
        ...diffs.map((d) => `  ${d}`),
        ...listing(),
      ],
    };
  }
  if (impl.length === model.length) return null;
  const extra = impl.length > model.length;
  return {
    kind: extra ? 'extra-frame' : 'missing-frame',
    atSeq: extra ? impl[model.length]!.seq : c.seq,
    message: `${what}: the impl transmitted ${impl.length} frame(s), the model ${model.length}`,
    details: [...stepContext(step), ...listing()],
  };
}

interface ModelDone {
  readonly result: CallResult;
  readonly step: ReplayStep;
}

/** Compare the model's completions of one step with the impl's results for the same calls. */
function compareCompletions(
  ix: TraceIndex,
  h: number,
  step: ReplayStep,
  done: Map<CallId, ModelDone>,
  out: Violation[],
): void {
  for (const cc of step.outputs.completions) {
    done.set(cc.call, { result: cc.result, step });
    const impl = ix.completions.get(cc.call);
    if (impl === undefined || impl.host !== h) continue; // reported at the end of the run
    const diff = resultDifference(impl.result, cc.result);
    if (diff === null) continue;
    const call = ix.calls.get(cc.call);
    out.push({
      kind: 'result-differs',
      atSeq: impl.seq,
      message: `host ${h}: call ${cc.call} result differs from the model's: ${diff}`,
      details: [
        `call: ${call !== undefined ? formatCall(call.call) : `call ${cc.call}`}`,
        `impl : ${formatResult(impl.result)} (completed @${impl.seq}, ${at(impl.t)})`,
        `model: ${formatResult(cc.result)} (completed by the step of commit @${step.commit.seq})`,
        ...stepContext(step),
      ],
    });
  }
}

/** Calls one side completed and the other never did, once the run is over. */
function unmatchedCompletions(
  ix: TraceIndex,
  h: number,
  steps: readonly ReplayStep[],
  done: Map<CallId, ModelDone>,
  out: Violation[],
): void {
  const linearized = new Set<CallId>();
  for (const s of steps) if (s.input.kind === 'call') linearized.add(s.input.call.id);
  for (const impl of ix.completions.values()) {
    if (impl.host !== h || done.has(impl.call)) continue;
    const call = ix.calls.get(impl.call);
    const why = linearized.has(impl.call)
      ? 'the model still has it pending'
      : 'it never linearized';
    out.push({
      kind: 'impl-completed-model-pending',
      atSeq: impl.seq,
      message:
        `host ${h}: the impl completed call ${impl.call} (${formatResult(impl.result)}) ` +
        `but ${why}`,
      details: [`call: ${call !== undefined ? formatCall(call.call) : '(never issued)'}`],
    });
  }
  for (const [id, m] of done) {
    const impl = ix.completions.get(id);
    if (impl !== undefined && impl.host === h) continue;
    const call = ix.calls.get(id);
    out.push({
      kind: 'model-completed-impl-pending',
      atSeq: m.step.commit.seq,
      message:
        `host ${h}: the model completed call ${id} (${formatResult(m.result)}); the ` +
        `impl never did`,
      details: [
        `call: ${call !== undefined ? formatCall(call.call) : `call ${id}`}`,
        ...stepContext(m.step),
      ],
    });
  }
}

/** Frames of inputs that never linearized (or of commits that apply no input). */
function orphanFrames(
  h: number,
  a: Attribution,
  consumed: ReadonlySet<string>,
  out: Violation[],
): void {
  for (const [key, frames] of a.byInput) {
    if (consumed.has(key) || frames.length === 0) continue;
    const c = a.commitOf.get(key)!;
    const what = key.startsWith('s')
      ? `a non-linearizing ${formatCommitInput(c.input)} commit`
      : `${formatCommitInput(c.input)}, which never linearized,`;
    out.push({
      kind: 'frames-without-input',
      atSeq: c.seq,
      message: `host ${h}: ${what} transmitted ${frames.length} frame(s) (${frames.join(', ')})`,
      details: ['docs/CONTRACTS.md: frames are outputs of the input a linearizing commit applies'],
    });
  }
}

function checkHost(run: RunRecord, ix: TraceIndex, info: RunHostInfo): Violation[] {
  const out: Violation[] = [];
  const h = info.index;
  const attribution = attribute(ix, info, out);
  const { steps, stopped } = replayHost(run, info);
  if (stopped !== null) out.push(stopped);
  const consumed = new Set<string>();
  const done = new Map<CallId, ModelDone>();
  for (const step of steps) {
    if (out.length >= MAX_PER_HOST) return out;
    const key = inputKey(step.commit.input, step.commit.seq);
    consumed.add(key);
    const v = compareFrames(ix, h, step, attribution.byInput.get(key) ?? []);
    if (v !== null) out.push(v);
    compareCompletions(ix, h, step, done, out);
  }
  // A crashed run stopped mid-step, and a replay that stopped early lacks inputs: what is
  // missing at the end then says nothing.
  if (stopped === null && run.outcome.kind !== 'crash') {
    unmatchedCompletions(ix, h, steps, done, out);
    orphanFrames(h, attribution, consumed, out);
  }
  if (stopped === null && (run.outcome.kind === 'quiescent' || run.outcome.kind === 'time-bound')) {
    stuckCalls(run, ix, info, steps, out);
  }
  return out;
}

/**
 * A call the impl left blocked for good without linearizing it can only be justified by a
 * linearization that puts it last; the model, given it after everything the impl applied, must
 * then leave it pending too. If the model would complete it at once (a recv with a datagram
 * queued, say), the impl is stuck where the specification is not. Only for runs that went to
 * their end: a step bound or a crash stops threads that still had work.
 */
function stuckCalls(
  run: RunRecord,
  ix: TraceIndex,
  info: RunHostInfo,
  steps: readonly ReplayStep[],
  out: Violation[],
): void {
  const h = info.index;
  const linearized = new Set<CallId>();
  for (const s of steps) if (s.input.kind === 'call') linearized.add(s.input.call.id);
  let state = steps.length > 0 ? steps[steps.length - 1]!.after : null;
  for (const issued of ix.callsOn.get(h as CommitEvent['host']) ?? []) {
    const id = issued.call.id;
    if (linearized.has(id) || ix.completions.has(id)) continue;
    state ??= initialModelHost(info.config, info.addr, replaySeed(info));
    const r = modelStep(state, { kind: 'call', call: issued.call }, instant(run.stats.endUs));
    state = r.state;
    const would = r.outputs.completions.find((c) => c.call === id);
    if (would === undefined) continue;
    out.push({
      kind: 'impl-stuck',
      atSeq: issued.seq,
      message:
        `host ${h}: call ${id} is still blocked at the end of the run, but the model, ` +
        `given it last, completes it at once: ${formatResult(would.result)}`,
      details: [
        formatCall(issued.call),
        'its user-side commit never linearized it; no later input can wake it',
      ],
    });
  }
}

/** Check 1 over every impl host of the run. */
export function checkRefinement(run: RunRecord): Verdict {
  const ix = traceIndex(run);
  const found: Violation[] = [];
  for (const info of run.hosts) {
    if (info.config.stack === 'impl') found.push(...checkHost(run, ix, info));
  }
  return verdictOf(REFINEMENT_CHECKER, REFINEMENT_CLAIM, found);
}
