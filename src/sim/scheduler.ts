import { assert } from '../core/assert';
import type { RunnableThread } from '../core/host';
import type { ScheduleSpec } from '../scenario/types';
import { createStrategy } from './strategies';
import type { Strategy, StrategyOptions } from './strategies';

/**
 * CPU scheduling is data (STYLE P10). Whenever several threads are runnable at one virtual
 * instant the scheduler makes a decision: first from the scenario's explicit `choices` (each
 * taken modulo the number of runnable threads), then from the `then` strategy. Every decision is
 * recorded as the normalized index, so `{ choices: made, then: 'lowest' }` replays the run.
 */
export class Scheduler {
  /** Normalized indices of every decision made so far. */
  readonly made: number[] = [];
  private next = 0;
  private readonly strategy: Strategy;

  constructor(private readonly spec: ScheduleSpec, opts: StrategyOptions) {
    for (const c of spec.choices) assert(Number.isSafeInteger(c), `schedule: bad choice ${c}`);
    this.strategy = createStrategy(spec.then, opts);
  }

  decide(runnable: readonly RunnableThread[]): number {
    const n = runnable.length;
    assert(n > 1, 'scheduler: a decision needs at least two runnable threads');
    let index: number;
    if (this.next < this.spec.choices.length) {
      const c = this.spec.choices[this.next++]!;
      index = ((c % n) + n) % n;
    } else {
      index = this.strategy.choose(runnable);
      assert(Number.isInteger(index) && index >= 0 && index < n, `strategy chose ${index} of ${n}`);
    }
    this.made.push(index);
    return index;
  }
}
