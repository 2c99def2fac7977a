import type { RunnableThread } from '../core/host';

/**
 * The canonical order of runnable threads: host, then CPU, then thread id. Schedule choices are
 * indices into this order, so it must not depend on how a host happens to list its threads.
 */
export function compareRunnable(a: RunnableThread, b: RunnableThread): number {
  return a.host - b.host || a.cpu - b.cpu || a.thread - b.thread;
}

/** A number naming a thread across hosts (thread ids are unique per host, and < 2^32). */
export const threadKey = (t: RunnableThread): number => t.host * 4294967296 + t.thread;
