import { replymsg } from '../kern/msgport';
import type { Co } from '../kern/thread';
import { getToken, relToken } from '../kern/token';
import type { Inet } from '../net/inet';
import type { NetMsg } from '../net/netmsg';
import type { SynTimerArg } from './syncache';
import { slotWaitTicks, synRespond, synSchedule } from './syncache';

/**
 * Read before editing: dragonfly.md B.3 (SYN|ACK retransmission), D.10; TP-2, TP-14.
 *
 * A syncache slot's timer message: every entry of the slot whose time has come gets its
 * `synack` timer input — one transaction, one linearizing commit each (the model applies them
 * one at a time): dropped at the retransmission limit, else the SYN|ACK goes again and the entry
 * moves to the next slot. An entry whose listener has closed is dropped silently: for the
 * linearization order it went with the listener (TP-13).
 */
export function* synTimerHandler(inet: Inet, msg: NetMsg<SynTimerArg>): Co {
  replymsg(msg, null);
  const k = inet.k;
  const { sc, slot } = msg.arg;
  const now = inet.env.now();
  const q = sc.slots[slot]!;
  let used = false;
  while (q.length > 0 && q[0]!.due <= now) {
    const e = q[0]!;
    yield* getToken(k, e.lq.sb.token, 'tcp.syncache');
    k.rd(e.lq.sb.obj);
    const live = e.lq.listening;
    relToken(k, e.lq.sb.token);
    k.wr(sc.obj);
    q.shift();
    if (!live) {
      removeFromBucket(sc, e);
      continue;
    }
    const input = { kind: 'timer', conn: e.name, timer: 'synack' } as const;
    if (used) {
      k.commit();
      k.begin(input);
    } else {
      k.setInput(input);
    }
    used = true;
    k.linearize();
    if (e.slot >= inet.cfg.tcp.syncacheRexmtLimit) {
      removeFromBucket(sc, e);
      inet.stats.inc(sc.cpu, 'tcp.syncache_drop');
      continue;
    }
    synRespond(inet, e);
    e.rxtused += slotWaitTicks(inet.cfg.hz, e.slot);
    e.slot++;
    synSchedule(inet, sc, e);
  }
  const head = q[0];
  if (head === undefined) inet.callouts.stop(sc.callouts[slot]!);
  else inet.callouts.reset(sc.callouts[slot]!, head.due);
}

function removeFromBucket(
  sc: SynTimerArg['sc'], e: SynTimerArg['sc']['slots'][number][number],
): void {
  const b = sc.buckets.get(e.bucket);
  if (b === undefined) return;
  const i = b.indexOf(e);
  if (i < 0) return;
  b.splice(i, 1);
  if (b.length === 0) sc.buckets.delete(e.bucket);
  sc.count--;
}
