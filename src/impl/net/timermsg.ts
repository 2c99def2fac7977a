import { assert } from '../../core/assert';
import type { CpuId } from '../../core/ids';
import type { Instant } from '../../core/time';
import { Callout } from '../kern/callout';
import { dropmsg, replymsg, sendmsg } from '../kern/msgport';
import { MSGF_DONE, MSGF_DROPABLE, MSGF_PRIORITY } from '../kern/msgflags';
import type { Co } from '../kern/thread';
import type { Inet } from './inet';
import { NetMsg } from './netmsg';

/**
 * Read before editing: dragonfly.md D.10 (`tcp_timer.c`, `tcp_timer2.h`).
 *
 * Timers as messages. A connection has one callout per timer on its owner CPU and a single
 * timer message. Expiry (softclock) only ORs the timer's bit into `tasks` and, unless the message
 * is already in flight, sends it to the owner netisr (DROPABLE | PRIORITY, reply = mark done).
 * The handler snapshots and clears `tasks`, replies at once so the message can be reused, then
 * runs the due handlers in their fixed order. Stopping or re-arming a timer also clears its bit,
 * so a timer stopped after expiry but before handling does not fire (exactly once, race-free).
 */

export interface TimerTask {
  readonly bit: number;
  readonly name: string;
  readonly fire: (inet: Inet) => Co;
}

export interface TimerArg {
  readonly owner: TimerSet;
}

export class TimerSet {
  tasks = 0;
  readonly msg: NetMsg<TimerArg>;
  readonly callouts = new Map<number, Callout>();
  /** False once destroyed: a stale handler run does nothing. */
  alive = true;

  constructor(
    readonly inet: Inet,
    readonly cpu: CpuId,
    /** The stack-independent connection key used in commit inputs. */
    readonly conn: string,
    /** In the fixed order the handler runs them (TCP: delack, rexmt, persist, keep, 2msl). */
    readonly order: readonly TimerTask[],
  ) {
    this.msg = new NetMsg<TimerArg>(
      inet.k, { kind: 'timer', conn, timer: '' }, 'adone', MSGF_DROPABLE | MSGF_PRIORITY,
      timerHandler, { owner: this },
    );
    for (const t of order) {
      const single = (t.bit & (t.bit - 1)) === 0 && t.bit !== 0;
      assert(single, `timer ${t.name}: bit must be a single bit`);
      this.callouts.set(t.bit, new Callout(cpu, `${conn}:${t.name}`, () => this.expire(t.bit)));
    }
  }

  /** `tcp_callout_reset`: arm a timer; a pending expiry of it is forgotten. */
  reset(bit: number, at: Instant): void {
    this.tasks &= ~bit;
    this.inet.callouts.reset(this.callout(bit), at);
  }

  /** `tcp_callout_stop`. */
  stop(bit: number): void {
    this.tasks &= ~bit;
    this.inet.callouts.stop(this.callout(bit));
  }

  /** `tcp_callout_active`: armed, or expired and waiting in the message. */
  active(bit: number): boolean {
    return this.callout(bit).active || (this.tasks & bit) !== 0;
  }

  /** Destroying the connection drops a still-queued timer message (`lwkt_dropmsg`). */
  destroy(): void {
    this.alive = false;
    for (const c of this.callouts.values()) this.inet.callouts.stop(c);
    this.tasks = 0;
    if (this.msg.port !== null) dropmsg(this.inet.k, this.msg);
  }

  private callout(bit: number): Callout {
    const c = this.callouts.get(bit);
    assert(c !== undefined, `timer ${this.conn}: no timer bit ${bit}`);
    return c;
  }

  /** Softclock context: post the timer message unless it is already in flight. */
  private expire(bit: number): void {
    this.tasks |= bit;
    if ((this.msg.flags & MSGF_DONE) === 0) return;
    this.msg.input = { kind: 'timer', conn: this.conn, timer: this.names(this.tasks) };
    sendmsg(this.inet.k, this.inet.netisrs[this.cpu]!.port, this.msg);
  }

  names(bits: number): string {
    return this.order.filter((t) => (bits & t.bit) !== 0).map((t) => t.name).join('+');
  }
}

export function* timerHandler(inet: Inet, msg: NetMsg<TimerArg>): Co {
  const set = msg.arg.owner;
  assert(inet.k.curthread().cpu === set.cpu, `timer ${set.conn}: handled off its owner CPU`);
  const due = set.tasks;
  set.tasks = 0;
  replymsg(msg, null);
  if (!set.alive || due === 0) return;
  inet.k.setInput({ kind: 'timer', conn: set.conn, timer: set.names(due) });
  inet.k.linearize();
  for (const t of set.order) {
    if ((due & t.bit) === 0) continue;
    if (!set.alive) break;
    yield* t.fire(inet);
  }
}
