/**
 * The conflict graph keeps only the edges from an object's last writer and from the readers since
 * that write. Method: a differential property against the textbook graph (an edge for every
 * conflicting pair of accesses) — both must agree on whether a cycle exists, and any cycle
 * reported must be a real closed walk of conflicts.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { ConflictGraph } from '../../src/check/conflicts';

interface A {
  readonly txn: number;
  readonly object: number;
  readonly mode: 'r' | 'w';
}

const accesses = fc.array(
  fc.record({
    txn: fc.integer({ min: 0, max: 4 }),
    object: fc.integer({ min: 0, max: 2 }),
    mode: fc.constantFrom<'r' | 'w'>('r', 'w'),
  }),
  { maxLength: 30 },
);

/** The full conflict graph's cycle test: DFS with colors over every conflicting pair. */
function bruteForceCyclic(list: readonly A[]): boolean {
  const adj = new Map<number, Set<number>>();
  list.forEach((a, i) => {
    for (const b of list.slice(i + 1)) {
      if (a.object !== b.object || a.txn === b.txn || (a.mode === 'r' && b.mode === 'r')) continue;
      if (!adj.has(a.txn)) adj.set(a.txn, new Set());
      adj.get(a.txn)!.add(b.txn);
    }
  });
  const color = new Map<number, number>();
  const visit = (v: number): boolean => {
    color.set(v, 1);
    for (const w of adj.get(v) ?? []) {
      if (color.get(w) === 1) return true;
      if (color.get(w) === undefined && visit(w)) return true;
    }
    color.set(v, 2);
    return false;
  };
  return [...adj.keys()].some((v) => color.get(v) === undefined && visit(v));
}

function build(list: readonly A[]): { g: ConflictGraph; nodes: Map<number, number> } {
  const g = new ConflictGraph();
  const nodes = new Map<number, number>();
  list.forEach((a, seq) => {
    if (!nodes.has(a.txn)) nodes.set(a.txn, g.addNode());
    g.access(String(a.object), { node: nodes.get(a.txn)!, seq, mode: a.mode });
  });
  return { g, nodes };
}

describe('conflict graph', () => {
  test.prop([accesses], { numRuns: 500 })(
    'has a cycle exactly when the full conflict graph does',
    (list) => {
      const { g } = build(list);
      const comps = g.cyclicComponents();
      expect(comps.length > 0).toBe(bruteForceCyclic(list));
      for (const comp of comps) {
        const cycle = g.cycleThrough(comp[0]!, comp);
        expect(cycle.length).toBeGreaterThanOrEqual(2);
        expect(cycle[0]!.from.node).toBe(comp[0]);
        expect(cycle[cycle.length - 1]!.to.node).toBe(comp[0]);
        for (let i = 0; i + 1 < cycle.length; i++)
          expect(cycle[i]!.to.node).toBe(cycle[i + 1]!.from.node);
        for (const e of cycle) {
          expect(e.from.seq).toBeLessThan(e.to.seq);
          expect(e.from.mode === 'w' || e.to.mode === 'w').toBe(true);
          expect(list[e.from.seq]!.object).toBe(list[e.to.seq]!.object);
        }
      }
    },
  );

  test.prop([fc.integer({ min: 1, max: 50_000 })], { numRuns: 3 })(
    'handles long chains without recursion (iterative Tarjan)',
    (n) => {
      const g = new ConflictGraph();
      let prev = g.addNode();
      for (let i = 1; i < n; i++) {
        const node = g.addNode();
        g.access(`o${i}`, { node: prev, seq: 2 * i, mode: 'w' });
        g.access(`o${i}`, { node, seq: 2 * i + 1, mode: 'r' });
        prev = node;
      }
      g.access('back', { node: prev, seq: 3 * n, mode: 'w' });
      g.access('back', { node: 0, seq: 3 * n + 1, mode: 'r' });
      expect(g.cyclicComponents().map((c) => c.length)).toEqual(n > 1 ? [n] : []);
    },
  );
});
