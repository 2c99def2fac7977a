import { instantOfTick, ticks as asTicks } from '../../core/time';
import { replymsg } from '../kern/msgport';
import type { Co } from '../kern/thread';
import type { Inet } from '../net/inet';
import type { NetMsg } from '../net/netmsg';
import type { TimerArg, TimerTask } from '../net/timermsg';
import { TimerSet } from '../net/timermsg';
import { tcpTicks } from './globals';
import type { TcpCb } from './tcpcb';

/**
 * Read before editing: dragonfly.md D.10 (timers as messages), B.6; TP-2, TP-3.
 *
 * A connection's five callouts and its one timer message (net/timermsg.ts). Two TCP-specific
 * refinements of the shared TimerSet:
 *  - the handler snapshots the due tasks into `running`, and stopping or re-arming a timer
 *    clears its bit there too (`tt_running_tasks`), so a timer stopped by an earlier handler of
 *    the same message does not fire (exactly once, D.10); `active` counts a running task;
 *  - every timer that fires is its own transaction with its own linearizing commit
 *    ({conn, timer}, TP-2): the model applies timer inputs one at a time, in TP-2's order.
 */

export const TT_DELACK = 0x1;
export const TT_REXMT = 0x2;
export const TT_PERSIST = 0x4;
export const TT_KEEP = 0x8;
export const TT_2MSL = 0x10;

export class TcpTimerSet extends TimerSet {
  /** Tasks snapshotted by the running handler and not yet run (`tt_running_tasks`). */
  running = 0;

  override reset(bit: number, at: Parameters<TimerSet['reset']>[1]): void {
    this.running &= ~bit;
    super.reset(bit, at);
  }

  override stop(bit: number): void {
    this.running &= ~bit;
    super.stop(bit);
  }

  override active(bit: number): boolean {
    return (this.running & bit) !== 0 || super.active(bit);
  }

  override destroy(): void {
    this.running = 0;
    super.destroy();
  }
}

/** The handlers, in the fixed order of D.10 (delack, rexmt, persist, keep, 2msl). */
export interface TcpTimerHandlers {
  delack(inet: Inet, tp: TcpCb): Co;
  rexmt(inet: Inet, tp: TcpCb): Co;
  persist(inet: Inet, tp: TcpCb): Co;
  keep(inet: Inet, tp: TcpCb): Co;
  msl2(inet: Inet, tp: TcpCb): Co;
}

/** `tcp_create_timermsg` + `tcp_inittimers`: on the owner CPU only (D.9). */
export function tcpCreateTimers(inet: Inet, tp: TcpCb, h: TcpTimerHandlers): TcpTimerSet {
  const task = (bit: number, name: string, fire: (i: Inet, t: TcpCb) => Co): TimerTask => ({
    bit, name, fire: (i) => fire(i, tp),
  });
  const order: TimerTask[] = [
    task(TT_DELACK, 'delack', h.delack),
    task(TT_REXMT, 'rexmt', h.rexmt),
    task(TT_PERSIST, 'persist', h.persist),
    task(TT_KEEP, 'keep', h.keep),
    task(TT_2MSL, '2msl', h.msl2),
  ];
  const set = new TcpTimerSet(inet, tp.cpu, tp.conn, order);
  set.msg.handler = tcpTimerHandler as typeof set.msg.handler;
  return set;
}

/** `tcp_callout_reset(tp, timer, n)`: due at instantOfTick(ticks + max(n, 1)) (TP-3). */
export function tcpTimerArm(inet: Inet, tp: TcpCb, bit: number, nticks: number): void {
  const n = nticks < 1 ? 1 : Math.floor(nticks);
  tp.timers!.reset(bit, instantOfTick(asTicks(tcpTicks(inet) + n), inet.cfg.hz));
}

export function tcpTimerStop(tp: TcpCb, bit: number): void {
  tp.timers!.stop(bit);
}

export const tcpTimerActive = (tp: TcpCb, bit: number): boolean => tp.timers!.active(bit);

/** `tcp_canceltimers`: everything but delack (dragonfly.md B.5, TIME-WAIT entry). */
export function tcpCancelTimers(tp: TcpCb): void {
  const t = tp.timers!;
  t.stop(TT_2MSL);
  t.stop(TT_PERSIST);
  t.stop(TT_KEEP);
  t.stop(TT_REXMT);
}

/**
 * `tcp_timer_handler` (D.10): snapshot and clear the due tasks, reply at once so the message can
 * be re-sent, run the handlers in order. Each timer that fires is one transaction: the first
 * is the message's own, the others follow it on the same thread without a port message.
 */
export function* tcpTimerHandler(inet: Inet, msg: NetMsg<TimerArg>): Co {
  const k = inet.k;
  const set = msg.arg.owner as TcpTimerSet;
  const due = set.tasks;
  set.tasks = 0;
  replymsg(msg, null);
  if (!set.alive || due === 0) return;
  set.running = due;
  let first = true;
  for (const t of set.order) {
    if ((set.running & t.bit) === 0) continue;
    if (!set.alive) break;
    set.running &= ~t.bit;
    const input = { kind: 'timer', conn: set.conn, timer: t.name } as const;
    if (first) k.setInput(input);
    else {
      k.commit();
      k.begin(input);
    }
    first = false;
    k.linearize();
    yield* t.fire(inet);
  }
  set.running = 0;
}
