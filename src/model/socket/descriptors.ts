/**
 * The descriptor table, UP-2 and UP-4 (docs/UDP-PROFILE.md): what an application's descriptor
 * numbers mean.
 *
 * Descriptors are 3, 4, 5 … one per successful `socket` or `accept` on the host, in linearization
 * order, and a number is never handed out twice (a closed descriptor stays dead). A call naming a
 * descriptor that is not open fails EBADF (UP-4). TCP and UDP share one table: the TCP model gets
 * calls with their descriptor already resolved here.
 */
import type { Draft } from 'immer';
import { assert } from '../../core/assert';
import type { Fd } from '../../core/ids';
import { FD_FIRST, fd as mkFd } from '../../core/ids';
import type { SocketProto } from '../../core/socket';

export interface Descriptor {
  readonly fd: Fd;
  readonly proto: SocketProto;
}

export interface DescriptorTable {
  /** UP-2: the number the next successful `socket`/`accept` gets. */
  readonly next: Fd;
  /** Open descriptors in allocation order. */
  readonly open: readonly Descriptor[];
}

export const emptyDescriptorTable = (): DescriptorTable => ({ next: FD_FIRST, open: [] });

/** UP-4: the open descriptor `fd`, or null (the call fails EBADF). */
export const lookupFd = (t: DescriptorTable, fd: Fd): Descriptor | null =>
  t.open.find((d) => d.fd === fd) ?? null;

/** UP-2: hand out the next number. Never reused, so it is always above every number handed out. */
export function allocateFd(t: Draft<DescriptorTable>, proto: SocketProto): Fd {
  const fd = t.next;
  assert(!t.open.some((d) => d.fd === fd), `UP-2: descriptor ${fd} handed out twice`);
  t.open.push({ fd, proto });
  t.next = mkFd(fd + 1);
  return fd;
}

/** Close `fd`: the number is dead for good (UP-2). */
export function releaseFd(t: Draft<DescriptorTable>, fd: Fd): void {
  const i = t.open.findIndex((d) => d.fd === fd);
  assert(i >= 0, `releaseFd: descriptor ${fd} is not open`);
  t.open.splice(i, 1);
}
