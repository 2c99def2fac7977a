import { assert } from '../../core/assert';
import type { Kern } from './kern';
import type { Co, Thread } from './thread';
import { READY } from './thread';
import { blockCur } from './block';

/**
 * `tsleep`/`wakeup` on a wait channel (the `ssb_wait` of a socket buffer, D.7). Sleeping releases
 * the thread's tokens atomically with going to sleep (the interlock of `tsleep` with a token), so a
 * wakeup can never be lost between the caller's check and its sleep.
 */
export class WaitChannel {
  readonly sleepers: Thread[] = [];

  constructor(readonly name: string) {}
}

/** Sleep until `wakeup(chan)`. Ends the current transaction (see block.ts). */
export function* tsleep(k: Kern, chan: WaitChannel): Co {
  const td = k.curthread();
  assert(td.kind !== 'netisr', `tsleep: netisr ${td.name} must never sleep (D.1)`);
  chan.sleepers.push(td);
  yield* blockCur(k, { kind: 'sleep', chan });
}

/** Wake every thread sleeping on `chan`; they re-validate what they waited for. */
export function wakeup(chan: WaitChannel): void {
  for (const td of chan.sleepers) {
    const asleep = td.block.kind === 'sleep' && td.block.chan === chan;
    assert(asleep, `wakeup: ${td.name} not asleep on ${chan.name}`);
    td.block = READY;
  }
  chan.sleepers.length = 0;
}
