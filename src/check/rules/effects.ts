import { causesOf } from './causes';
import type { ConnTrace } from './types';

/**
 * The outputs of each processed segment: for the `in` at index j, the `out` events whose cause is
 * that `in`, in order. Oracles of A.4–A.7 judge what a side did *in answer to* one ACK.
 */
const cache = new WeakMap<ConnTrace, ReadonlyMap<number, readonly number[]>>();

export function effectsOf(conn: ConnTrace): ReadonlyMap<number, readonly number[]> {
  let m = cache.get(conn);
  if (m === undefined) {
    const built = new Map<number, number[]>();
    causesOf(conn).forEach((c, i) => {
      if (c === null || c.kind !== 'in') return;
      const list = built.get(c.index);
      if (list === undefined) built.set(c.index, [i]);
      else list.push(i);
    });
    m = built;
    cache.set(conn, m);
  }
  return m;
}

export const effectsAt = (conn: ConnTrace, j: number): readonly number[] => effectsOf(conn).get(j) ?? [];
