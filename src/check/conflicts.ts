/**
 * The transaction conflict graph of check 3c (ARCHITECTURE §6.3), Velodrome-style: nodes are
 * transactions, and T1 → T2 when T1 touched an object before T2 did and at least one of the two
 * accesses writes. Only the edges from the object's last writer and from the readers since that
 * write are added; every other conflict edge is implied by a path through them, so the graph has
 * a cycle exactly when the full conflict graph does, and it costs amortized O(1) per access.
 * Cycles are found once, at the end, with Tarjan's strongly connected components (iterative, so
 * a long trace cannot overflow the stack): O(transactions + edges).
 */

export interface Access {
  readonly node: number;
  readonly seq: number;
  readonly mode: 'r' | 'w';
}

/** The first pair of accesses that created an edge. */
export interface EdgeLabel {
  readonly object: string;
  readonly from: Access;
  readonly to: Access;
}

interface ObjectState {
  writer: Access | null;
  readers: Access[];
  readerNodes: Set<number>;
}

export class ConflictGraph {
  private readonly out: Map<number, EdgeLabel>[] = [];
  private readonly objects = new Map<string, ObjectState>();

  /** Add a node; nodes are numbered 0, 1, 2 … in the order of their first access. */
  addNode(): number {
    this.out.push(new Map());
    return this.out.length - 1;
  }

  get size(): number {
    return this.out.length;
  }

  edges(node: number): ReadonlyMap<number, EdgeLabel> {
    return this.out[node]!;
  }

  private edge(object: string, from: Access, to: Access): void {
    if (from.node === to.node) return;
    const out = this.out[from.node]!;
    if (!out.has(to.node)) out.set(to.node, { object, from, to });
  }

  access(object: string, a: Access): void {
    let st = this.objects.get(object);
    if (st === undefined) {
      st = { writer: null, readers: [], readerNodes: new Set() };
      this.objects.set(object, st);
    }
    if (st.writer !== null) this.edge(object, st.writer, a);
    if (a.mode === 'r') {
      if (!st.readerNodes.has(a.node)) {
        st.readerNodes.add(a.node);
        st.readers.push(a);
      }
      return;
    }
    for (const r of st.readers) this.edge(object, r, a);
    st.writer = a;
    st.readers = [];
    st.readerNodes = new Set();
  }

  /** Strongly connected components with more than one node, each as a list of nodes. */
  cyclicComponents(): number[][] {
    const n = this.out.length;
    const index = new Int32Array(n).fill(-1);
    const low = new Int32Array(n);
    const onStack = new Uint8Array(n);
    const stack: number[] = [];
    const found: number[][] = [];
    const targets = this.out.map((m) => [...m.keys()]);
    let next = 0;
    for (let root = 0; root < n; root++) {
      if (index[root] !== -1) continue;
      // Explicit DFS frames: [node, position in its edge list].
      const frames: [number, number][] = [[root, 0]];
      index[root] = low[root] = next++;
      stack.push(root);
      onStack[root] = 1;
      while (frames.length > 0) {
        const frame = frames[frames.length - 1]!;
        const [v, i] = frame;
        const succ = targets[v]!;
        if (i < succ.length) {
          frame[1] = i + 1;
          const w = succ[i]!;
          if (index[w] === -1) {
            index[w] = low[w] = next++;
            stack.push(w);
            onStack[w] = 1;
            frames.push([w, 0]);
          } else if (onStack[w] === 1) {
            low[v] = Math.min(low[v]!, index[w]!);
          }
          continue;
        }
        frames.pop();
        if (frames.length > 0) {
          const parent = frames[frames.length - 1]![0];
          low[parent] = Math.min(low[parent]!, low[v]!);
        }
        if (low[v] === index[v]) {
          const comp: number[] = [];
          let w: number;
          do {
            w = stack.pop()!;
            onStack[w] = 0;
            comp.push(w);
          } while (w !== v);
          if (comp.length > 1) found.push(comp.sort((a, b) => a - b));
        }
      }
    }
    return found;
  }

  /** A shortest cycle through `start` inside `component` (breadth-first), as its edges. */
  cycleThrough(start: number, component: readonly number[]): EdgeLabel[] {
    const inComp = new Set(component);
    const prev = new Map<number, number>();
    const queue = [start];
    for (let qi = 0; qi < queue.length; qi++) {
      const v = queue[qi]!;
      for (const w of this.out[v]!.keys()) {
        if (!inComp.has(w)) continue;
        if (w === start) return this.path(prev, start, v);
        if (prev.has(w)) continue;
        prev.set(w, v);
        queue.push(w);
      }
    }
    return [];
  }

  /** The edges start → … → last → start, following `prev` back from `last`. */
  private path(prev: Map<number, number>, start: number, last: number): EdgeLabel[] {
    const nodes = [last];
    while (nodes[0] !== start) nodes.unshift(prev.get(nodes[0]!)!);
    nodes.push(start);
    const edges: EdgeLabel[] = [];
    for (let i = 0; i + 1 < nodes.length; i++) edges.push(this.out[nodes[i]!]!.get(nodes[i + 1]!)!);
    return edges;
  }
}
