import type { Discipline, TraceEvent } from '../../src/core/trace';

/**
 * Test-side readers of an impl trace: the same questions checks 3a–3c and the netisr check
 * ask, written small and independently so the implementation's own tests can hold it to them.
 */

type Access = Extract<TraceEvent, { kind: 'access' }>;
type Commit = Extract<TraceEvent, { kind: 'commit' }>;

/** 3a/3b: every access respects the discipline its object had at that moment. */
export function ownershipViolations(trace: readonly TraceEvent[]): string[] {
  const disc = new Map<string, Discipline>();
  const out: string[] = [];
  for (const e of trace) {
    if (e.kind === 'object') disc.set(`${e.host}/${e.object}`, e.discipline);
    if (e.kind !== 'access') continue;
    const d = disc.get(`${e.host}/${e.object}`);
    const where = `#${e.seq} ${e.object} (${e.mode}) by thread ${e.thread} on cpu ${e.cpu}`;
    if (d === undefined) out.push(`${where}: undeclared`);
    else if (d.kind === 'owned' && d.cpu !== e.cpu) out.push(`${where}: owned by cpu ${d.cpu}`);
    else if (d.kind === 'guarded' && !e.tokens.includes(d.token))
      out.push(`${where}: without ${d.token}`);
    else if (d.kind === 'immutable' && e.mode === 'w') out.push(`${where}: write to immutable`);
  }
  return out;
}

/** 3c: a cycle in the conflict graph of transactions, or null (Velodrome-style, incremental). */
export function conflictCycle(trace: readonly TraceEvent[]): string[] | null {
  const edges = new Map<string, Set<string>>();
  const last = new Map<string, { writer: string | null; readers: Set<string> }>();
  const edge = (a: string, b: string): void => {
    if (a === b) return;
    let s = edges.get(a);
    if (s === undefined) edges.set(a, (s = new Set()));
    s.add(b);
  };
  for (const e of trace) {
    if (e.kind !== 'access') continue;
    const me = `${e.host}/${e.txn}`;
    const key = `${e.host}/${e.object}`;
    let st = last.get(key);
    if (st === undefined) last.set(key, (st = { writer: null, readers: new Set() }));
    if (st.writer !== null) edge(st.writer, me);
    if (e.mode === 'r') st.readers.add(me);
    else {
      for (const r of st.readers) edge(r, me);
      st.readers = new Set();
      st.writer = me;
    }
  }
  return findCycle(edges);
}

function findCycle(edges: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 1);
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      const s = state.get(m);
      if (s === 1) return stack.slice(stack.indexOf(m)).concat(m);
      if (s === undefined) {
        const c = visit(m);
        if (c !== null) return c;
      }
    }
    stack.pop();
    state.set(n, 2);
    return null;
  };
  for (const n of edges.keys()) {
    if (state.has(n)) continue;
    const c = visit(n);
    if (c !== null) return c;
  }
  return null;
}

/** Linearizing commits per external input key ('h0 call 3', 'h1 frame 7'). */
export function linearizingCommits(trace: readonly TraceEvent[]): Map<string, Commit[]> {
  const m = new Map<string, Commit[]>();
  for (const e of trace) {
    if (e.kind !== 'commit' || !e.linearizes) continue;
    const i = e.input;
    const key =
      i.kind === 'call'
        ? `h${e.host} call ${i.call}`
        : i.kind === 'frame'
          ? `h${e.host} frame ${i.delivery}`
          : null;
    if (key === null) continue;
    const list = m.get(key) ?? [];
    list.push(e);
    m.set(key, list);
  }
  return m;
}

/**
 * Every call issued and every frame delivered has exactly one linearizing commit, except calls
 * still outstanding at the end (a recv blocked for good).
 */
export function linearizationProblems(trace: readonly TraceEvent[]): string[] {
  const lin = linearizingCommits(trace);
  const out: string[] = [];
  const completed = new Set<string>();
  for (const e of trace)
    if (e.kind === 'call-completed') completed.add(`h${e.host} call ${e.call}`);
  for (const e of trace) {
    let key: string | null = null;
    if (e.kind === 'call-issued') key = `h${e.host} call ${e.call.id}`;
    if (e.kind === 'frame-delivered') key = `h${e.host} frame ${e.delivery}`;
    if (key === null) continue;
    const n = lin.get(key)?.length ?? 0;
    const outstanding = key.includes('call') && !completed.has(key);
    if (n !== 1 && !(n === 0 && outstanding)) out.push(`${key}: ${n} linearizing commits`);
  }
  return out;
}

export const commitsOf = (trace: readonly TraceEvent[]): Commit[] =>
  trace.filter((e): e is Commit => e.kind === 'commit');
export type { Access, Commit };
