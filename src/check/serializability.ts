import { assertNever } from '../core/assert';
import type { RunRecord, Verdict } from '../core/run';
import type { Discipline } from '../core/trace';
import type { EdgeLabel } from './conflicts';
import { ConflictGraph } from './conflicts';
import { formatCommitInput } from './describe';
import type { CommitEvent, Ev } from './traceindex';
import type { Violation } from './verdict';
import { verdictOf } from './verdict';

/**
 * Check 3, ownership and serializability (ARCHITECTURE §1 "serializability without locks" and
 * §6.3), from the impl's 'object', 'access' and 'token' events (check mode):
 *   (a) an access to an object `owned` by a CPU comes from that CPU (an object moves to another
 *       CPU by a new 'object' event, as `so_port` changes, D.9);
 *   (b) an access to a `guarded` object is made holding its token; `immutable` objects are never
 *       written, and every accessed object was declared first;
 *   (c) the conflict graph over transactions (conflicts.ts) is acyclic: the run is conflict
 *       serializable, so N CPUs in parallel are equivalent to its transactions one at a time;
 *   (d) no token is acquired on the established data path (`tokenAcquisitions`).
 */

export const SERIALIZABILITY_CHECKER = 'serializability';
export const SERIALIZABILITY_CLAIM =
  'serializability without locks: owned state on its owner CPU, guarded state under its token, ' +
  'an acyclic conflict graph, no token on the data path (ARCHITECTURE §1, §6.3)';

/** The labels of token acquisitions that belong to the established-connection data path. */
export const DATA_PATH_DEFAULT: readonly string[] = [
  'tcp.input',
  'tcp.output',
  'tcp.timer',
  'tcp.ack',
];

export interface SerializabilityOptions {
  /** Token acquisition paths that must never occur (claim 3d). */
  readonly dataPath?: readonly string[];
}

export interface TokenSummary {
  readonly total: number;
  /** Acquisitions per path, in order of first appearance. */
  readonly byPath: ReadonlyMap<string, number>;
  readonly onDataPath: number;
  readonly firstOnDataPath: Ev<'token'> | null;
}

/** Token acquisitions of a run, per path, and how many were on the data path (claim 3d). */
export function tokenAcquisitions(
  run: RunRecord,
  dataPath: readonly string[] = DATA_PATH_DEFAULT,
): TokenSummary {
  const onPath = new Set(dataPath);
  const byPath = new Map<string, number>();
  let total = 0;
  let onDataPath = 0;
  let firstOnDataPath: Ev<'token'> | null = null;
  for (const ev of run.trace) {
    if (ev.kind !== 'token' || ev.op !== 'acquire') continue;
    total += 1;
    byPath.set(ev.path, (byPath.get(ev.path) ?? 0) + 1);
    if (onPath.has(ev.path)) {
      onDataPath += 1;
      firstOnDataPath ??= ev;
    }
  }
  return { total, byPath, onDataPath, firstOnDataPath };
}

const txnKey = (host: number, txn: number): number => host * 2 ** 32 + txn;

function formatDiscipline(d: Discipline): string {
  switch (d.kind) {
    case 'owned':
      return `owned by CPU ${d.cpu}`;
    case 'guarded':
      return `guarded by token ${d.token}`;
    case 'immutable':
      return 'immutable';
    default:
      return assertNever(d, 'discipline');
  }
}

interface Pass {
  readonly graph: ConflictGraph;
  readonly nodeOf: Map<number, number>;
  readonly nodeAccess: Ev<'access'>[];
  readonly commits: Map<number, CommitEvent>;
  readonly out: Violation[];
  /** (a)/(b) findings, rendered after the scan when every transaction's commit is known. */
  readonly discipline: {
    readonly ev: Ev<'access'>;
    readonly kind: string;
    readonly message: string;
    readonly declared: string;
  }[];
}

/** Stop listing discipline violations after this many; the first ones tell the story. */
const MAX_DISCIPLINE = 200;

function describeTxn(p: Pass, host: number, txn: number): string {
  const c = p.commits.get(txnKey(host, txn));
  const what =
    c !== undefined ? `: ${formatCommitInput(c.input)}${c.linearizes ? ', linearizing' : ''}` : '';
  return `host ${host} txn ${txn}${what}`;
}

/** (a) and (b) for one access; `d` is the object's discipline at that point (undefined: none). */
function checkDiscipline(p: Pass, ev: Ev<'access'>, d: Discipline | undefined): void {
  if (p.discipline.length >= MAX_DISCIPLINE) return;
  const who =
    `${ev.mode === 'w' ? 'write' : 'read'} of ${ev.object} by thread ${ev.thread} on ` +
    `CPU ${ev.cpu} in txn ${ev.txn}`;
  const declared = d === undefined ? 'never declared' : formatDiscipline(d);
  const report = (kind: string, message: string): void => {
    p.discipline.push({ ev, kind, message: `host ${ev.host}: ${message}`, declared });
  };
  if (d === undefined) {
    report(
      'undeclared-object',
      `${who}: the object was never declared owned, guarded or immutable`,
    );
    return;
  }
  switch (d.kind) {
    case 'owned':
      if (ev.cpu !== d.cpu) report('owned-off-cpu', `${who}, but it is owned by CPU ${d.cpu}`);
      return;
    case 'guarded':
      if (!ev.tokens.includes(d.token))
        report('guarded-without-token', `${who} without its token ${d.token}`);
      return;
    case 'immutable':
      if (ev.mode === 'w') report('immutable-write', `${who}, but it is immutable`);
      return;
    default:
      assertNever(d, 'discipline');
  }
}

function scan(run: RunRecord, dataPath: ReadonlySet<string>): Pass {
  const p: Pass = {
    graph: new ConflictGraph(),
    nodeOf: new Map(),
    nodeAccess: [],
    commits: new Map(),
    out: [],
    discipline: [],
  };
  const disciplines = new Map<string, Discipline>();
  for (const ev of run.trace) {
    switch (ev.kind) {
      case 'object':
        disciplines.set(`${ev.host}\u0000${ev.object}`, ev.discipline);
        break;
      case 'access': {
        const objKey = `${ev.host}\u0000${ev.object}`;
        checkDiscipline(p, ev, disciplines.get(objKey));
        const key = txnKey(ev.host, ev.txn);
        let node = p.nodeOf.get(key);
        if (node === undefined) {
          node = p.graph.addNode();
          p.nodeOf.set(key, node);
          p.nodeAccess.push(ev);
        }
        p.graph.access(objKey, { node, seq: ev.seq, mode: ev.mode });
        break;
      }
      case 'commit':
        p.commits.set(txnKey(ev.host, ev.txn), ev);
        break;
      case 'token':
        if (ev.op === 'acquire' && dataPath.has(ev.path)) {
          p.out.push({
            kind: 'data-path-token',
            atSeq: ev.seq,
            message:
              `host ${ev.host}: token ${ev.token} acquired on the data path ` +
              `(${ev.path}) by thread ${ev.thread} on CPU ${ev.cpu}`,
            details: ['claim 3d: the established-connection data path takes no token'],
          });
        }
        break;
      default:
        break;
    }
  }
  return p;
}

function formatEdge(p: Pass, e: EdgeLabel): string {
  const a = p.nodeAccess[e.from.node]!;
  const b = p.nodeAccess[e.to.node]!;
  const object = e.object.slice(e.object.indexOf('\u0000') + 1);
  return (
    `txn ${a.txn} ${e.from.mode} ${object} @${e.from.seq} → txn ${b.txn} ${e.to.mode} ` +
    `${object} @${e.to.seq}`
  );
}

/** (c): report the cycle through the earliest transaction of the first cyclic component. */
function cycleViolation(p: Pass): Violation | null {
  const components = p.graph.cyclicComponents();
  if (components.length === 0) return null;
  const comp = components.reduce((best, c) => (c[0]! < best[0]! ? c : best));
  const start = comp[0]!;
  const cycle = p.graph.cycleThrough(start, comp);
  const nodes = cycle.map((e) => p.nodeAccess[e.from.node]!);
  const objects = [...new Set(cycle.map((e) => e.object.slice(e.object.indexOf('\u0000') + 1)))];
  const host = nodes[0]!.host;
  return {
    kind: 'conflict-cycle',
    atSeq: Math.max(...cycle.map((e) => e.to.seq)),
    message:
      `host ${host}: transactions ${[...nodes.map((n) => n.txn), nodes[0]!.txn].join(' → ')} ` +
      `form a conflict cycle over ${objects.join(', ')}: the run is not conflict serializable`,
    details: [
      ...nodes.map((n) => `${describeTxn(p, n.host, n.txn)} (thread ${n.thread}, CPU ${n.cpu})`),
      'conflicts (first pair of accesses per edge):',
      ...cycle.map((e) => `  ${formatEdge(p, e)}`),
      `${comp.length} transaction(s) in this strongly connected component; ` +
        `${components.length} such component(s)`,
    ],
  };
}

/** Check 3 (a)–(d) over the whole run. */
export function checkSerializability(run: RunRecord, opts: SerializabilityOptions = {}): Verdict {
  const p = scan(run, new Set(opts.dataPath ?? DATA_PATH_DEFAULT));
  const found = [...p.out];
  for (const { ev, kind, message, declared } of p.discipline) {
    found.push({
      kind,
      atSeq: ev.seq,
      message,
      details: [
        `object ${ev.object}: ${declared} at this point`,
        `tokens held: ${ev.tokens.length > 0 ? ev.tokens.join(', ') : '(none)'}`,
        `transaction: ${describeTxn(p, ev.host, ev.txn)}`,
      ],
    });
  }
  const cycle = cycleViolation(p);
  if (cycle !== null) found.push(cycle);
  return verdictOf(SERIALIZABILITY_CHECKER, SERIALIZABILITY_CLAIM, found);
}
