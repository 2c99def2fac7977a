import { formatFrame } from '../core/format';
import type { CpuId, HostId } from '../core/ids';
import type { RunHostInfo, RunRecord, Verdict } from '../core/run';
import type { CommitInput } from '../core/trace';
import { ownerCpu } from '../model/host';
import { netisrPortViolations } from '../model/netisr/service';
import { at, formatCall, formatCommitInput } from './describe';
import type { ReplayStep } from './replay';
import { inputKey, replayHost } from './replay';
import type { CommitEvent, Ev, TraceIndex } from './traceindex';
import { traceIndex } from './traceindex';
import type { Violation } from './verdict';
import { verdictOf } from './verdict';

/**
 * Check 2, netisr conformance (ARCHITECTURE §1 and §6.2; UP-13 … UP-16, dragonfly.md D.1–D.6),
 * over each impl host:
 *   - every external input — each delivery of a frame, each call — has exactly one linearizing
 *     commit: none means it was lost (a message dropped from a port), two that it was applied
 *     twice. A call still blocked at the end has none yet, legitimately; a completed one must;
 *   - each linearizing commit runs where the netisr model (`ownerCpu`) says at that point of the
 *     witness replay: on that CPU's protocol thread, or, for null, on the caller's own CPU in its
 *     user thread (a user-side commit, handling no port message);
 *   - the port rules of `model/netisr/service.ts`: FIFO per port and sender, each sending handled
 *     once, one transaction at a time per thread, rollups at the batch limit or when the port
 *     drains;
 *   - a message is forwarded (port chasing) at most `ncpus` times in a row, and in a quiescent
 *     run no message stays unhandled. Timer messages are exempt from the last rule: a destroyed
 *     connection drops its queued timer message (`lwkt_dropmsg`, D.10).
 */

export const NETISR_CHECKER = 'netisr-conformance';
export const NETISR_CLAIM =
  'each input is handled once, by the thread the netisr model names, in FIFO order per port ' +
  '(ARCHITECTURE §1, §6.2; UP-13 … UP-16)';

type MsgSent = Ev<'msg-sent'>;

/** The messages that carried each input (frame and call inputs), for "lost" reports. */
type Trail = Map<string, MsgSent[]>;

function trailOf(trail: Trail, key: string): string[] {
  const sent = trail.get(key) ?? [];
  if (sent.length === 0) return ['no message carrying it was ever queued on a netisr port'];
  return sent.map(
    (m) => `message ${m.msg} queued on port ${m.port} by thread ${m.sender} @${m.seq}`,
  );
}

/** Exactly one linearizing commit per delivery and per call of host `h`. */
function checkInputs(
  run: RunRecord,
  ix: TraceIndex,
  h: HostId,
  trail: Trail,
  out: Violation[],
): void {
  const lin = new Map<string, CommitEvent[]>();
  for (const c of ix.commits.get(h) ?? []) {
    if (!c.linearizes || (c.input.kind !== 'frame' && c.input.kind !== 'call')) continue;
    const key = inputKey(c.input, c.seq);
    const list = lin.get(key);
    if (list === undefined) lin.set(key, [c]);
    else list.push(c);
  }
  const quiescent = run.outcome.kind === 'quiescent';
  const twice = (what: string, commits: readonly CommitEvent[]): void => {
    out.push({
      kind: 'handled-twice',
      atSeq: commits[1]!.seq,
      message: `host ${h}: ${what} linearized ${commits.length} times`,
      details: commits.map(
        (c) => `commit @${c.seq}: txn ${c.txn}, thread ${c.thread}, CPU ${c.cpu}`,
      ),
    });
  };
  for (const d of ix.deliveriesTo.get(h) ?? []) {
    const key = `d${d.delivery}`;
    const commits = lin.get(key) ?? [];
    const what = `frame delivery ${d.delivery} (frame ${d.frame})`;
    if (commits.length > 1) twice(what, commits);
    if (commits.length === 0 && quiescent) {
      const bytes = ix.framesSent.get(d.frame)?.bytes;
      out.push({
        kind: 'input-lost',
        atSeq: d.seq,
        message: `host ${h}: ${what} was never linearized in a quiescent run`,
        details: [
          ...(bytes !== undefined ? [`frame: ${formatFrame(bytes)}`] : []),
          ...trailOf(trail, key),
        ],
      });
    }
  }
  for (const issued of ix.callsOn.get(h) ?? []) {
    const key = `c${issued.call.id}`;
    const commits = lin.get(key) ?? [];
    if (commits.length > 1) twice(`call ${issued.call.id}`, commits);
    const completed = ix.completions.get(issued.call.id);
    if (commits.length === 0 && completed !== undefined && run.outcome.kind !== 'crash') {
      out.push({
        kind: 'input-lost',
        atSeq: completed.seq,
        message: `host ${h}: call ${issued.call.id} completed but never linearized`,
        details: [formatCall(issued.call), ...trailOf(trail, key)],
      });
    }
  }
}

/** Where the netisr model says a replayed input linearizes, against where the commit ran. */
function checkOwner(h: HostId, step: ReplayStep, out: Violation[]): void {
  const c = step.commit;
  if (c.input.kind === 'rollup') return; // a rollup runs on the CPU it names, by construction
  const owner = ownerCpu(step.before, step.input);
  const what = `host ${h}: ${formatCommitInput(c.input)}`;
  const report = (kind: string, message: string): void => {
    // Built only for a report: formatting decodes the frame.
    const ran =
      `commit @${c.seq}: txn ${c.txn}, thread ${c.thread}, CPU ${c.cpu}, ${at(c.t)}` +
      (c.msg !== undefined ? `, handling message ${c.msg}` : ', handling no port message');
    const subject =
      step.input.kind === 'call'
        ? formatCall(step.input.call)
        : step.input.kind === 'frame'
          ? formatFrame(step.input.bytes)
          : formatCommitInput(c.input);
    out.push({ kind, atSeq: c.seq, message, details: [subject, ran, 'rules: UP-13 … UP-15'] });
  };
  if (owner !== null) {
    if (c.cpu !== owner)
      report('wrong-cpu', `${what} linearized on CPU ${c.cpu}; the netisr model says CPU ${owner}`);
    else if (c.input.kind === 'call' && c.input.phase !== 'proto') {
      report(
        'wrong-thread',
        `${what} linearized on the user side; the model says netisr CPU ${owner}`,
      );
    }
    return;
  }
  if (step.input.kind !== 'call' || c.input.kind !== 'call') {
    report('wrong-thread', `${what}: the netisr model names no CPU for it`);
    return;
  }
  const callCpu = step.input.call.cpu;
  if (c.input.phase !== 'user' || c.msg !== undefined) {
    report(
      'wrong-thread',
      `${what} linearized by a protocol thread; the model says the caller's user side`,
    );
  } else if (c.cpu !== callCpu) {
    report('wrong-cpu', `${what} linearized on CPU ${c.cpu}; the caller runs on CPU ${callCpu}`);
  }
}

interface Sending {
  readonly port: CpuId;
  readonly sent: MsgSent;
}

interface MsgChain {
  outstanding: Sending[];
  /** Consecutive forwards: sendings made while an earlier one was still being handled. */
  hops: number;
  ports: CpuId[];
  reported: boolean;
}

const isTimer = (i: CommitInput): boolean => i.kind === 'timer';

/** Port chasing is bounded, and in a quiescent run every sending is handled (D.1, UP-16). */
function checkMessages(run: RunRecord, info: RunHostInfo, trail: Trail, out: Violation[]): void {
  const h = info.index as HostId;
  const chains = new Map<number, MsgChain>();
  for (const ev of run.trace) {
    if (ev.kind === 'msg-sent' && ev.host === h) {
      if (ev.input.kind === 'frame' || ev.input.kind === 'call') {
        const key = inputKey(ev.input, ev.seq);
        const list = trail.get(key);
        if (list === undefined) trail.set(key, [ev]);
        else list.push(ev);
      }
      const chain = chains.get(ev.msg) ?? { outstanding: [], hops: 0, ports: [], reported: false };
      chains.set(ev.msg, chain);
      if (chain.outstanding.length > 0) {
        chain.hops += 1;
      } else {
        chain.hops = 0;
        chain.ports = [];
        chain.reported = false;
      }
      chain.ports.push(ev.port);
      chain.outstanding.push({ port: ev.port, sent: ev });
      if (chain.hops > info.config.ncpus && !chain.reported) {
        chain.reported = true;
        out.push({
          kind: 'forward-unbounded',
          atSeq: ev.seq,
          message:
            `host ${h}: message ${ev.msg} (${formatCommitInput(ev.input)}) forwarded ` +
            `${chain.hops} times on a ${info.config.ncpus}-CPU host`,
          details: [`ports visited: ${chain.ports.join(' → ')}`, 'D.1: port chasing must converge'],
        });
      }
    } else if (ev.kind === 'commit' && ev.host === h && ev.msg !== undefined) {
      const chain = chains.get(ev.msg);
      const i = chain?.outstanding.findIndex((s) => s.port === ev.cpu) ?? -1;
      // A handling commit with no matching sending is service.ts's 'handled-once'.
      if (i >= 0) chain!.outstanding.splice(i, 1);
    }
  }
  if (run.outcome.kind !== 'quiescent') return;
  for (const [msg, chain] of chains) {
    for (const s of chain.outstanding) {
      if (isTimer(s.sent.input)) continue;
      out.push({
        kind: 'message-lost',
        atSeq: s.sent.seq,
        message:
          `host ${h}: message ${msg} (${formatCommitInput(s.sent.input)}) queued on port ` +
          `${s.port} by thread ${s.sent.sender} was never handled in a quiescent run`,
      });
    }
  }
}

function checkHost(run: RunRecord, ix: TraceIndex, info: RunHostInfo): Violation[] {
  const out: Violation[] = [];
  const h = info.index as HostId;
  for (const v of netisrPortViolations(run.trace, h)) {
    out.push({
      kind: v.rule,
      atSeq: v.seq,
      message: `host ${h}: ${v.message}`,
      details: ['rule: UP-16, D.1'],
    });
  }
  const trail: Trail = new Map();
  checkMessages(run, info, trail, out);
  checkInputs(run, ix, h, trail, out);
  const { steps, stopped } = replayHost(run, info);
  if (stopped !== null) out.push(stopped);
  for (const step of steps) checkOwner(h, step, out);
  return out;
}

/** Check 2 over every impl host of the run. */
export function checkNetisr(run: RunRecord): Verdict {
  const ix = traceIndex(run);
  const found: Violation[] = [];
  for (const info of run.hosts) {
    if (info.config.stack === 'impl') found.push(...checkHost(run, ix, info));
  }
  return verdictOf(NETISR_CHECKER, NETISR_CLAIM, found);
}
