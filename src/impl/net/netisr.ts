import { assert } from '../../core/assert';
import { NETISR_ROLLUP_LIMIT } from '../../core/config';
import type { CpuId } from '../../core/ids';
import { forwardmsg } from '../kern/msgport';
import { MSGF_IGNSOPORT } from '../kern/msgflags';
import type { Co } from '../kern/thread';
import { IDLE, READY } from '../kern/thread';
import type { Inet, Netisr } from './inet';
import { NetMsg } from './netmsg';

/**
 * Read before editing: dragonfly.md D.1 (`netmsg_service_loop`, rollups, port chasing), UP-16.
 *
 * The service loop of one netisr. It takes messages from its port (priority queue first), at
 * most NETISR_ROLLUP_LIMIT in a row; each message is one transaction. A message naming a socket
 * whose `so_port` is no longer this port is forwarded there (port chasing) and not applied here
 * — unless it carries MSGF_IGNSOPORT. When the port drains or the limit is reached, the
 * registered rollups run (higher priority first) as one more transaction, in the same step as
 * the message that ended the batch. The loop yields after every message so the scheduler can
 * interleave CPUs.
 */

export interface Rollup {
  readonly name: string;
  /** DragonFly's rollup priority: tcp_willblock 200 runs before the interface start at 50. */
  readonly prio: number;
  /** Cheap check, no instrumented reads: is there anything to do on `cpu`? */
  readonly pending: (inet: Inet, cpu: CpuId) => boolean;
  /** Do it; returns whether anything was done (statistics, tests). */
  readonly run: (inet: Inet, cpu: CpuId) => Co<boolean>;
}

/** `netisr_register_rollup`. */
export function registerRollup(inet: Inet, r: Rollup): void {
  inet.rollups.push(r);
  inet.rollups.sort((a, b) => b.prio - a.prio);
}

export function* netisrLoop(inet: Inet, ni: Netisr): Co<never> {
  let limit = NETISR_ROLLUP_LIMIT;
  for (;;) {
    const msg = ni.port.get();
    if (msg === null) {
      ni.td.block = IDLE;
      yield;
      continue;
    }
    assert(msg instanceof NetMsg, `netisr ${ni.cpu}: message ${msg.id} is not a netmsg`);
    yield* handleMsg(inet, ni, msg);
    limit--;
    if (limit === 0) inet.stats.inc(ni.cpu, 'netisr.batches_full');
    if (limit === 0 || ni.port.length === 0) {
      yield* runRollups(inet, ni);
      limit = NETISR_ROLLUP_LIMIT;
    }
    ni.td.block = ni.port.length > 0 ? READY : IDLE;
    yield;
  }
}

/** One message = one transaction: chase it, or dispatch it. */
export function* handleMsg(inet: Inet, ni: Netisr, msg: NetMsg): Co {
  const k = inet.k;
  inet.stats.inc(ni.cpu, 'netisr.msgs');
  k.begin(msg.input, msg.id);
  const so = msg.so;
  if (so !== null && (msg.flags & MSGF_IGNSOPORT) === 0 && so.port !== ni.port) {
    // Port chasing (D.1, UP-16): the socket moved after the message was sent; its new owner
    // handles it, in order after whatever the move itself queued there.
    inet.stats.inc(ni.cpu, 'netisr.chased');
    forwardmsg(k, so.port, msg);
  } else {
    yield* msg.dispatch(inet);
  }
  k.commit();
}

/**
 * End a batch: one 'rollup' transaction, always — even when no hook has work — so the batch
 * boundaries are in the commit log (the netisr check counts handlers between rollups), and so the
 * model replays every rollup the implementation ran: a hook that wrongly found nothing to do
 * must still meet the model's rollup, which would do it.
 */
export function* runRollups(inet: Inet, ni: Netisr): Co {
  const k = inet.k;
  k.begin({ kind: 'rollup' });
  for (const r of inet.rollups) {
    if (r.pending(inet, ni.cpu)) yield* r.run(inet, ni.cpu);
  }
  inet.stats.inc(ni.cpu, 'netisr.rollups');
  k.linearize();
  k.commit();
}
