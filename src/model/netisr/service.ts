/**
 * The netisr service loop and its message ports as checkable rules (ARCHITECTURE §4 and §6.2,
 * docs/UDP-PROFILE.md UP-16, dragonfly.md D.1 and D.4).
 *
 * DragonFly's loop (`netmsg_service_loop`): wait for a message; handle messages one at a time,
 * in port order, until the port is empty or 32 (`net.netisr.rollup_limit`) have been handled;
 * then run the rollups once; wait again. `serviceLoopNext` states that as a pure function.
 *
 * `netisrPortViolations` reads one host's trace and reports every place where it breaks:
 *   - `port-fifo`     (UP-16) messages of one sender to one port are handled in the order sent.
 *                     Timer messages travel on the port's priority queue (D.10: MSGF_PRIORITY),
 *                     which is FIFO by itself and overtakes the ordinary queue;
 *   - `handled-once`  (UP-16) each sending of a message is handled exactly once by its port's
 *                     thread: never a handling commit without a matching send, never twice;
 *   - `txn-exclusive` one transaction at a time per thread: a thread's events belong to one open
 *                     transaction until that transaction's commit, and a finished one never
 *                     resumes;
 *   - `rollup-limit`  no more than 32 handlers between two rollups of a thread;
 *   - `rollup-empty`  a rollup only ends a batch: at least one handler since the last rollup;
 *   - `rollup-drain`  the batch ends exactly when the port drains. The loop looks at its port
 *                     some time between finishing a handler and starting its next transaction,
 *                     and the queue can only grow in between; so if it was non-empty when the
 *                     handler committed the next transaction must handle a message (below the
 *                     limit), and if nothing was queued by the first event of the next
 *                     transaction that transaction must be the rollup. In between, either is
 *                     correct. (A transaction's first event is its first access in check mode,
 *                     else its commit.)
 * Whether handlers ran on the *right* CPU is `ownerCpu`'s question, not this file's.
 */
import type { CpuId, HostId, ThreadId } from '../../core/ids';
import { NETISR_ROLLUP_LIMIT } from '../../core/config';
import { assertNever } from '../../core/assert';
import type { CommitInput, TraceEvent } from '../../core/trace';

export interface ServiceLoopState {
  /** Messages waiting on the thread's port. */
  readonly queued: number;
  /** Messages handled since the thread last ran its rollups. */
  readonly handledSinceRollup: number;
}

export type ServiceLoopAction = 'handle' | 'rollup' | 'idle';

/** D.1: what a netisr thread does next, given its port and its batch so far. */
export function serviceLoopNext(s: ServiceLoopState): ServiceLoopAction {
  if (s.handledSinceRollup >= NETISR_ROLLUP_LIMIT) return 'rollup';
  if (s.queued > 0) return 'handle';
  return s.handledSinceRollup > 0 ? 'rollup' : 'idle';
}

export type NetisrRule =
  | 'port-fifo'
  | 'handled-once'
  | 'txn-exclusive'
  | 'rollup-limit'
  | 'rollup-empty'
  | 'rollup-drain';

export interface NetisrViolation {
  readonly rule: NetisrRule;
  /** The trace event (its seq) where the violation shows. */
  readonly seq: number;
  readonly message: string;
}

type Commit = Extract<TraceEvent, { kind: 'commit' }>;

interface Sending {
  readonly msg: number;
  readonly sender: ThreadId;
  readonly priority: boolean;
  readonly seq: number;
}

interface ThreadLoop {
  readonly port: CpuId;
  handled: number;
  /**
   * After a handler commit: how many messages were still queued, how many were sent to the port
   * since, and whether the thread's next transaction started with the port still empty.
   */
  afterHandler: AfterHandler | null;
}

interface AfterHandler {
  readonly queuedAtCommit: number;
  sentSince: number;
  startedEmpty: boolean | null;
}

/** D.10: timer messages go on the priority queue. */
const isPriority = (input: CommitInput): boolean => input.kind === 'timer';

/** Check UP-16 and the service-loop rules over `host`'s part of a trace. */
export function netisrPortViolations(
  trace: readonly TraceEvent[], host: HostId,
): NetisrViolation[] {
  const out: NetisrViolation[] = [];
  const queues = new Map<CpuId, Sending[]>();
  const loops = new Map<ThreadId, ThreadLoop>();
  const txns = new Map<ThreadId, { open: number | null; done: Set<number> }>();
  const queueOf = (p: CpuId): Sending[] => queues.get(p) ?? (queues.set(p, []).get(p) as Sending[]);
  for (const ev of trace) {
    if (!('host' in ev) || ev.host !== host) continue;
    if (ev.kind === 'msg-sent') {
      const priority = isPriority(ev.input);
      queueOf(ev.port).push({ msg: ev.msg, sender: ev.sender, priority, seq: ev.seq });
      for (const loop of loops.values()) {
        if (loop.port === ev.port && loop.afterHandler !== null) loop.afterHandler.sentSince += 1;
      }
      continue;
    }
    if (ev.kind !== 'commit' && ev.kind !== 'access') continue;
    if (checkTxn(txns, ev, out)) noteTxnStart(loops.get(ev.thread));
    if (ev.kind !== 'commit') continue;
    if (ev.msg !== undefined) takeFromPort(queueOf(ev.cpu), ev, out);
    checkLoop(loops, queueOf(ev.cpu), ev, out);
  }
  return out;
}

/** The service loop decided what to do next by the time the thread's next transaction began. */
function noteTxnStart(loop: ThreadLoop | undefined): void {
  const after = loop?.afterHandler;
  if (after === undefined || after === null || after.startedEmpty !== null) return;
  after.startedEmpty = after.queuedAtCommit === 0 && after.sentSince === 0;
}

function report(out: NetisrViolation[], rule: NetisrRule, ev: TraceEvent, message: string): void {
  out.push({ rule, seq: ev.seq, message });
}

/** One transaction at a time per thread; true when `ev` is the first event of a transaction. */
function checkTxn(
  txns: Map<ThreadId, { open: number | null; done: Set<number> }>,
  ev: Extract<TraceEvent, { kind: 'commit' | 'access' }>,
  out: NetisrViolation[],
): boolean {
  const t = txns.get(ev.thread) ?? { open: null, done: new Set<number>() };
  txns.set(ev.thread, t);
  const starts = t.open === null;
  const who = `thread ${ev.thread}: transaction ${ev.txn}`;
  if (t.done.has(ev.txn)) {
    report(out, 'txn-exclusive', ev, `${who} resumed after its commit`);
  } else if (t.open !== null && t.open !== ev.txn) {
    report(out, 'txn-exclusive', ev, `${who} ran inside open transaction ${t.open}`);
  }
  t.open = ev.kind === 'commit' ? null : ev.txn;
  if (ev.kind === 'commit') t.done.add(ev.txn);
  return starts;
}

/** UP-16: a handling commit takes its sending off the port, first of its sender and class. */
function takeFromPort(queue: Sending[], ev: Commit, out: NetisrViolation[]): void {
  const i = queue.findIndex((q) => q.msg === ev.msg);
  if (i < 0) {
    report(out, 'handled-once', ev,
      `CPU ${ev.cpu} handled message ${ev.msg}, which is not queued on its port ` +
      '(never sent there, or handled twice)');
    return;
  }
  const taken = queue[i]!;
  const earlier = queue
    .slice(0, i)
    .find((q) => q.sender === taken.sender && q.priority === taken.priority);
  if (earlier !== undefined) {
    report(out, 'port-fifo', ev,
      `CPU ${ev.cpu} handled message ${taken.msg} (sent at ${taken.seq}) before message ` +
      `${earlier.msg} (sent at ${earlier.seq}) of the same sender ${taken.sender}`);
  }
  queue.splice(i, 1);
}

/** D.1: batches of at most 32 handlers, each ended by one rollup exactly when the port drains. */
function checkLoop(
  loops: Map<ThreadId, ThreadLoop>, queue: readonly Sending[], ev: Commit, out: NetisrViolation[],
): void {
  const kind = ev.msg !== undefined ? 'handle' : ev.input.kind === 'rollup' ? 'rollup' : null;
  if (kind === null) return; // a user-side commit: not the service loop's
  const loop = loops.get(ev.thread) ?? { port: ev.cpu, handled: 0, afterHandler: null };
  loops.set(ev.thread, loop);
  const at = `thread ${ev.thread} on CPU ${ev.cpu}`;
  if (loop.afterHandler !== null && loop.handled < NETISR_ROLLUP_LIMIT) {
    const { queuedAtCommit, startedEmpty } = loop.afterHandler;
    const next = serviceLoopNext({ queued: queuedAtCommit, handledSinceRollup: loop.handled });
    if (kind === 'rollup' && next === 'handle') {
      report(out, 'rollup-drain', ev,
        `${at} ran its rollups with ${queuedAtCommit} message(s) still queued ` +
        `after ${loop.handled} handled`);
    } else if (kind === 'handle' && startedEmpty === true) {
      report(out, 'rollup-drain', ev,
        `${at} continued its batch after its port drained without running the rollups`);
    }
  }
  switch (kind) {
    case 'handle':
      if (loop.handled >= NETISR_ROLLUP_LIMIT) {
        report(out, 'rollup-limit', ev,
          `${at} handled message ${loop.handled + 1} of a batch; ` +
          `the limit is ${NETISR_ROLLUP_LIMIT}`);
      }
      loop.handled += 1;
      loop.afterHandler = { queuedAtCommit: queue.length, sentSince: 0, startedEmpty: null };
      return;
    case 'rollup':
      if (loop.handled === 0) {
        report(out, 'rollup-empty', ev,
          `${at} ran its rollups without handling a message since the last ones`);
      }
      loop.handled = 0;
      loop.afterHandler = null;
      return;
    default:
      assertNever(kind, 'service loop action');
  }
}
