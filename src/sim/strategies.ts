import { assert, assertNever } from '../core/assert';
import type { RunnableThread } from '../core/host';
import type { StrategySpec } from '../scenario/types';
import { compareRunnable, threadKey } from './canonical';
import { Rng } from '../core/rng';

/**
 * Scheduling strategies (ARCHITECTURE §7, STYLE P10). A strategy *produces* choices: given the
 * runnable threads in canonical order (host, cpu, thread id), it returns the index to run. The
 * scheduler records every index, so any run replays from its `choicesMade` with 'lowest'.
 * Each strategy draws from its own rng fork, seeded from its spec, and nothing else.
 */
export interface Strategy {
  choose(runnable: readonly RunnableThread[]): number;
}

export interface StrategyOptions {
  /** PCT: decisions over which its priority-change points are spread (derived from maxSteps). */
  readonly horizon: number;
}

/** Uniform integer in [0, n). */
const below = (rng: Rng, n: number): number => rng.int(0, n - 1);

/** Always the first runnable thread in canonical order: the replay strategy. */
export const lowestStrategy = (): Strategy => ({ choose: () => 0 });

/** Uniform over the runnable threads. */
export function randomStrategy(seed: number): Strategy {
  const rng = Rng.fromSeed(seed).fork('scheduler:random');
  return { choose: (runnable) => below(rng, runnable.length) };
}

/**
 * Uniform over the CPUs (host, cpu) that have runnable work, then uniform among that CPU's
 * threads, so a CPU with many runnable threads does not dominate the interleaving.
 */
export function urwStrategy(seed: number): Strategy {
  const rng = Rng.fromSeed(seed).fork('scheduler:urw');
  return {
    choose(runnable) {
      let groups = 0;
      for (let i = 0; i < runnable.length; i++) if (i === 0 || newCpu(runnable, i)) groups++;
      const target = below(rng, groups);
      let group = -1;
      let start = 0;
      let end = runnable.length;
      for (let i = 0; i < runnable.length; i++) {
        if (i === 0 || newCpu(runnable, i)) {
          group++;
          if (group === target) start = i;
          else if (group === target + 1) { end = i; break; }
        }
      }
      return start + below(rng, end - start);
    },
  };
}

const newCpu = (r: readonly RunnableThread[], i: number): boolean =>
  r[i]!.host !== r[i - 1]!.host || r[i]!.cpu !== r[i - 1]!.cpu;

/** The next thread after the last one this strategy chose, in canonical order, wrapping around. */
export function roundRobinStrategy(): Strategy {
  let last: RunnableThread | null = null;
  return {
    choose(runnable) {
      let index = 0;
      if (last !== null) {
        const prev = last;
        const after = runnable.findIndex((t) => compareRunnable(t, prev) > 0);
        index = after < 0 ? 0 : after;
      }
      last = runnable[index]!;
      return index;
    },
  };
}

/**
 * PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010): each thread gets a random
 * priority, distinct from every other, when first seen; the highest-priority runnable thread
 * always runs. d−1 change points are drawn among the first `horizon` decisions; when the thread
 * chosen at the i-th of them has run, its priority drops to i, below every initial priority.
 * With depth 1 there is no change point and the schedule is non-preemptive among the threads
 * it has seen. Decisions are counted per call of `choose`.
 */
export function pctStrategy(seed: number, depth: number, opts: StrategyOptions): Strategy {
  assert(Number.isInteger(depth) && depth >= 1, `pct: depth ${depth} must be an integer ≥ 1`);
  assert(Number.isSafeInteger(opts.horizon) && opts.horizon >= 1, 'pct: horizon must be ≥ 1');
  const rng = Rng.fromSeed(seed).fork('scheduler:pct');
  const changeAt = pctChangePoints(rng, depth, opts.horizon);
  const priority = new Map<number, number>();
  let seen = 0;
  let decision = 0;
  const priorityOf = (t: RunnableThread): number => {
    const key = threadKey(t);
    let p = priority.get(key);
    if (p === undefined) {
      // Initial priorities are ≥ depth, above every change-point level (1 … d−1), distinct
      // because the low 20 bits count first sightings.
      p = depth + rng.nextU32() * 2 ** 20 + (seen++ % 2 ** 20);
      priority.set(key, p);
    }
    return p;
  };
  return {
    choose(runnable) {
      let best = 0;
      let bestPriority = priorityOf(runnable[0]!);
      for (let i = 1; i < runnable.length; i++) {
        const p = priorityOf(runnable[i]!);
        if (p > bestPriority) { best = i; bestPriority = p; }
      }
      const level = changeAt.get(decision++);
      if (level !== undefined) priority.set(threadKey(runnable[best]!), level);
      return best;
    },
  };
}

/** d−1 distinct decision indices in [0, horizon), each mapped to its level 1 … d−1. */
function pctChangePoints(rng: Rng, depth: number, horizon: number): Map<number, number> {
  const points = new Map<number, number>();
  const count = Math.min(depth - 1, horizon);
  for (let level = 1; level <= count; level++) {
    let at = below(rng, horizon);
    while (points.has(at)) at = below(rng, horizon);
    points.set(at, level);
  }
  return points;
}

export function createStrategy(spec: StrategySpec, opts: StrategyOptions): Strategy {
  switch (spec.kind) {
    case 'lowest':
      return lowestStrategy();
    case 'random':
      return randomStrategy(spec.seed);
    case 'pct':
      return pctStrategy(spec.seed, spec.depth, opts);
    case 'urw':
      return urwStrategy(spec.seed);
    case 'round-robin':
      return roundRobinStrategy();
    default:
      return assertNever(spec, 'strategy');
  }
}
