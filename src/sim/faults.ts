import { assert, assertNever } from '../core/assert';
import type { FaultPlan, FrameFault, LinkDir, Partition } from '../scenario/types';

/**
 * The fault plan as the links consult it (ARCHITECTURE §7): per-frame fates looked up by
 * (link, direction, ordinal) and partitions by (link, time). Faults exist only in the safety
 * phase: a frame sent at or after `safetyUs` is never faulted, and a partition is clamped to
 * [startUs, min(endUs, safetyUs)). That is what lets the liveness phase ask "did it heal?".
 */

/** Extra delay of a 'delay' fate or of a duplicate's copy when the fault names none, in µs. */
export const FAULT_DELAY_US_DEFAULT = 1;

export const DIRS: readonly LinkDir[] = ['ab', 'ba'];
export const dirIndex = (dir: LinkDir): 0 | 1 => (dir === 'ab' ? 0 : 1);

export type FaultDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'partitioned' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'duplicate'; readonly copyDelayUs: number }
  | { readonly kind: 'delay'; readonly extraUs: number };

const NONE: FaultDecision = { kind: 'none' };
const PARTITIONED: FaultDecision = { kind: 'partitioned' };
const DROP: FaultDecision = { kind: 'drop' };

export class FaultPlanIndex {
  /** [link][dir] → frame ordinal → the first fault the plan lists for it. */
  private readonly frames: Map<number, FrameFault>[][] = [];
  private readonly partitions: Partition[][] = [];

  constructor(plan: FaultPlan, linkCount: number, readonly safetyUs: number) {
    for (let i = 0; i < linkCount; i++) {
      this.frames.push([new Map(), new Map()]);
      this.partitions.push([]);
    }
    for (const f of plan.frames) {
      assert(f.link >= 0 && f.link < linkCount, `fault plan: frame fault names link ${f.link}`);
      assert(Number.isSafeInteger(f.index) && f.index >= 0, `fault plan: bad index ${f.index}`);
      const byIndex = this.frames[f.link]![dirIndex(f.dir)]!;
      if (!byIndex.has(f.index)) byIndex.set(f.index, f);
    }
    for (const p of plan.partitions) {
      assert(p.link >= 0 && p.link < linkCount, `fault plan: partition names link ${p.link}`);
      this.partitions[p.link]!.push(p);
    }
  }

  /** What the plan does to the `index`-th frame sent at `nowUs` in one direction of a link. */
  decide(link: number, dir: 0 | 1, index: number, nowUs: number): FaultDecision {
    if (nowUs >= this.safetyUs) return NONE;
    if (this.partitioned(link, nowUs)) return PARTITIONED;
    const fault = this.frames[link]![dir]!.get(index);
    if (fault === undefined) return NONE;
    const extraUs = fault.delayUs ?? FAULT_DELAY_US_DEFAULT;
    assert(Number.isSafeInteger(extraUs) && extraUs >= 0, `fault plan: bad delayUs ${extraUs}`);
    switch (fault.fate) {
      case 'drop':
        return DROP;
      case 'duplicate':
        return { kind: 'duplicate', copyDelayUs: extraUs };
      case 'delay':
        return { kind: 'delay', extraUs };
      default:
        return assertNever(fault.fate, 'frame fault fate');
    }
  }

  /** True if a partition of `link` covers `nowUs`, clamped to the safety phase. */
  partitioned(link: number, nowUs: number): boolean {
    for (const p of this.partitions[link]!) {
      if (p.startUs <= nowUs && nowUs < Math.min(p.endUs, this.safetyUs)) return true;
    }
    return false;
  }
}
