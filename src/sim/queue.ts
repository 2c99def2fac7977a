import { assert } from '../core/assert';

/**
 * The simulator's event queue (ARCHITECTURE §7): a binary min-heap ordered by (time, insertion
 * sequence), so events due at the same instant come out in the order they were scheduled and a
 * run never depends on heap internals. Push and pop are O(log n); the heap array is reused.
 */

export interface Timed {
  /** Virtual time in µs at which the event is due. */
  readonly at: number;
  /** Insertion order, stamped by the queue; the tie-breaker for equal times. */
  seq: number;
}

const before = (x: Timed, y: Timed): boolean => x.at < y.at || (x.at === y.at && x.seq < y.seq);

export class EventQueue<E extends Timed> {
  private readonly heap: E[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Due time of the earliest event, or null when the queue is empty. */
  peekTime(): number | null {
    return this.heap.length === 0 ? null : this.heap[0]!.at;
  }

  push(event: E): void {
    assert(Number.isSafeInteger(event.at) && event.at >= 0, `queue: bad time ${event.at}`);
    event.seq = this.nextSeq++;
    const heap = this.heap;
    let i = heap.length;
    heap.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!before(event, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
  }

  pop(): E | null {
    const heap = this.heap;
    if (heap.length === 0) return null;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) this.siftDown(last);
    return top;
  }

  private siftDown(event: E): void {
    const heap = this.heap;
    const n = heap.length;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && before(heap[right]!, heap[child]!)) child = right;
      if (!before(heap[child]!, event)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = event;
  }
}
