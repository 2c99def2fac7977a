import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/sim';

/**
 * The event queue is the simulator's clock: it must pop events by time and, at equal times, in
 * the order they were pushed — otherwise two runs of one scenario could order simultaneous
 * events differently. Checked against a stable sort over random push/pop interleavings.
 */

interface Ev {
  at: number;
  seq: number;
  id: number;
}

describe('EventQueue', () => {
  it('pops by time, then by insertion order', () => {
    const q = new EventQueue<Ev>();
    [5, 1, 5, 0, 1].forEach((at, id) => q.push({ at, seq: 0, id }));
    const out: number[] = [];
    for (let e = q.pop(); e !== null; e = q.pop()) out.push(e.id);
    expect(out).toEqual([3, 1, 4, 0, 2]);
  });

  it('reports the earliest due time and its size', () => {
    const q = new EventQueue<Ev>();
    expect(q.peekTime()).toBeNull();
    expect(q.pop()).toBeNull();
    q.push({ at: 9, seq: 0, id: 0 });
    q.push({ at: 3, seq: 0, id: 1 });
    expect(q.peekTime()).toBe(3);
    expect(q.size).toBe(2);
  });

  it('rejects a time that is not a natural number', () => {
    const q = new EventQueue<Ev>();
    expect(() => q.push({ at: -1, seq: 0, id: 0 })).toThrow(/bad time/);
    expect(() => q.push({ at: 1.5, seq: 0, id: 0 })).toThrow(/bad time/);
  });

  it('agrees with a stable sort under any interleaving of pushes and pops', () => {
    const op = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant<'pop'>('pop'));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const q = new EventQueue<Ev>();
        const model: Ev[] = [];
        let id = 0;
        for (const o of ops) {
          if (o === 'pop') {
            // The model: the first of the earliest, in push order.
            let best = -1;
            model.forEach((e, i) => {
              if (best < 0 || e.at < model[best]!.at) best = i;
            });
            const want = best < 0 ? null : model.splice(best, 1)[0]!;
            expect(q.pop()?.id ?? null).toBe(want?.id ?? null);
          } else {
            const e = { at: o, seq: 0, id: id++ };
            q.push(e);
            model.push(e);
          }
        }
        expect(q.size).toBe(model.length);
      }),
    );
  });
});
