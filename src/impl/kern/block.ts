import type { Kern } from './kern';
import type { Block, Co } from './thread';
import { READY } from './thread';

/**
 * Blocking (waiting for a reply or a wakeup) ends the running transaction: LWKT releases the
 * thread's tokens there, so what it read before may change before it resumes, and counting the
 * two halves as one transaction would make every blocking recv look like a conflict cycle
 * (docs/CONTRACTS.md: a transaction spans only contended tokens and preemption points). The
 * half after the block is a new transaction on the same input.
 */
export function* blockCur(k: Kern, why: Exclude<Block, { kind: 'none' | 'idle' | 'tokens' }>): Co {
  const td = k.curthread();
  const open = td.txn;
  if (open !== null) k.commit();
  k.releaseAll(td);
  td.block = why;
  yield;
  if (open !== null) k.begin(open.input, open.msg);
}

/**
 * A preemption point: other threads may run here, but this one keeps its tokens and its
 * transaction (an involuntary switch does not release tokens; a thread that needs one of them
 * waits until this one releases it).
 */
export function* preempt(k: Kern): Co {
  k.curthread().block = READY;
  yield;
}
