import { assertNever } from '../core/assert';
import { cpuId } from '../core/ids';
import type { RunHostInfo, RunRecord } from '../core/run';
import type { CommitInput } from '../core/trace';
import { initialModelHost, modelStep } from '../model/host';
import type { ModelHostState, ModelInput, ModelOutputs } from '../model/host';
import { at, formatCommitInput } from './describe';
import type { CommitEvent, TraceIndex } from './traceindex';
import { deliveredBytes, traceIndex } from './traceindex';
import type { Violation } from './verdict';

/**
 * The witness replay shared by refinement (§6.1) and netisr conformance (§6.2): one impl host's
 * linearizing commits, in trace order, each turned into the model input it applied and fed to a
 * fresh model host at the commit's instant (docs/CONTRACTS.md "Refinement"). Each step keeps the
 * model state before and after, so conformance can ask `ownerCpu` at that point of the replay.
 * Model states are immutable, so the replay of a run is computed once and shared.
 */

export interface ReplayStep {
  readonly commit: CommitEvent;
  readonly input: ModelInput;
  readonly before: ModelHostState;
  readonly after: ModelHostState;
  readonly outputs: ModelOutputs;
}

export interface HostReplay {
  readonly steps: readonly ReplayStep[];
  /** A linearizing commit that names no input the model can be given: the replay stopped there. */
  readonly stopped: Violation | null;
}

/**
 * The seed of the replayed model host. `RunHostInfo` carries no seed, and `createModelHost` seeds
 * a model peer with its host id, so the replay does the same: both stacks then derive ISNs from
 * the same value (TP-5). UDP draws nothing from it.
 * TODO(seed): take `info.seed` once RunHostInfo records the seed each host was given.
 */
export const replaySeed = (info: RunHostInfo): number => info.index;

/** Which external input a commit names, as a key shared by all commits that name it. */
export function inputKey(input: CommitInput, commitSeq: number): string {
  switch (input.kind) {
    case 'frame':
      return `d${input.delivery}`;
    case 'call':
      return `c${input.call}`;
    default:
      // Timers, rollups and internal work are not external inputs with an id: a commit of one
      // stands for itself.
      return `s${commitSeq}`;
  }
}

/** The model input a linearizing commit applied, or why the trace cannot say. */
export function modelInputOf(ix: TraceIndex, c: CommitEvent): ModelInput | Violation {
  const where =
    `host ${c.host}: linearizing commit @${c.seq} (txn ${c.txn}, CPU ${c.cpu}, ` + `${at(c.t)})`;
  const input = c.input;
  switch (input.kind) {
    case 'frame': {
      const d = ix.deliveries.get(input.delivery);
      const bytes = deliveredBytes(ix, input.delivery);
      if (d === undefined || d.host !== c.host || bytes === null) {
        return {
          kind: 'unknown-input',
          atSeq: c.seq,
          message: `${where} applies frame delivery ${input.delivery}, never delivered to it`,
        };
      }
      return { kind: 'frame', bytes };
    }
    case 'call': {
      const issued = ix.calls.get(input.call);
      if (issued === undefined || issued.host !== c.host) {
        return {
          kind: 'unknown-input',
          atSeq: c.seq,
          message: `${where} applies call ${input.call}, never issued on it`,
        };
      }
      return { kind: 'call', call: issued.call };
    }
    case 'timer':
      return { kind: 'timer', conn: input.conn, timer: input.timer };
    case 'rollup':
      return { kind: 'rollup', cpu: cpuId(c.cpu) };
    case 'internal':
      return {
        kind: 'internal-linearizes',
        atSeq: c.seq,
        message: `${where} linearizes ${formatCommitInput(input)}, which applies no input`,
        details: [
          'docs/CONTRACTS.md: a commit that applies no external input has linearizes: false',
        ],
      };
    default:
      return assertNever(input, 'commit input');
  }
}

const isViolation = (v: ModelInput | Violation): v is Violation => 'message' in v;

function replay(run: RunRecord, info: RunHostInfo): HostReplay {
  const ix = traceIndex(run);
  const steps: ReplayStep[] = [];
  let state = initialModelHost(info.config, info.addr, replaySeed(info));
  for (const c of ix.commits.get(info.index as CommitEvent['host']) ?? []) {
    if (!c.linearizes) continue;
    const input = modelInputOf(ix, c);
    if (isViolation(input)) return { steps, stopped: input };
    const r = modelStep(state, input, c.t);
    steps.push({ commit: c, input, before: state, after: r.state, outputs: r.outputs });
    state = r.state;
  }
  return { steps, stopped: null };
}

const cache = new WeakMap<RunRecord, Map<number, HostReplay>>();

/** The replay of host `info` of `run` (computed once per run and host). */
export function replayHost(run: RunRecord, info: RunHostInfo): HostReplay {
  let perHost = cache.get(run);
  if (perHost === undefined) {
    perHost = new Map();
    cache.set(run, perHost);
  }
  let r = perHost.get(info.index);
  if (r === undefined) {
    r = replay(run, info);
    perHost.set(info.index, r);
  }
  return r;
}
