import type { CpuId } from '../../core/ids';
import type { AppCall } from '../../core/socket';
import type { Co, Thread } from '../kern/thread';
import { IDLE, READY } from '../kern/thread';
import type { Inet } from '../net/inet';
import { syscall } from './syscalls';

/**
 * An application's user thread on one CPU: it runs the user-side half of the calls the
 * application issues, one after another, each as its own transaction(s).
 */
export interface UserThread {
  readonly td: Thread;
  readonly calls: AppCall[];
}

export function spawnUserThread(inet: Inet, app: number, cpu: CpuId): UserThread {
  const calls: AppCall[] = [];
  const name = `user/${app}@cpu${cpu}`;
  const hasWork = (): boolean => calls.length > 0;
  const td = inet.k.spawn(cpu, name, 'user', hasWork, (t) => userLoop(inet, t, calls));
  td.block = IDLE;
  return { td, calls };
}

function* userLoop(inet: Inet, td: Thread, calls: AppCall[]): Co<never> {
  for (;;) {
    const call = calls.shift();
    if (call === undefined) {
      td.block = IDLE;
      yield;
      continue;
    }
    yield* syscall(inet, call);
    td.block = calls.length > 0 ? READY : IDLE;
    yield;
  }
}
