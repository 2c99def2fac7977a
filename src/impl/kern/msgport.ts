import { assert } from '../../core/assert';
import type { CpuId } from '../../core/ids';
import type { CommitInput } from '../../core/trace';
import type { SocketError } from '../../core/socket';
import type { Kern } from './kern';
import type { Co, Thread } from './thread';
import { blockCur } from './block';
import {
  MSGF_DONE, MSGF_DROPABLE, MSGF_PRIORITY, MSGF_QUEUED, MSGF_REPLY, MSGF_SYNC,
} from './msgflags';

/**
 * Read before editing: dragonfly.md D.4 (`sys/kern/lwkt_msgport.c`), D.1 (service loop).
 *
 * A message is owned by its sender until sent, by the target port while queued or being
 * handled, and by the sender again once replied. Ports here are netisr ports (spin ports: any
 * thread may put). Each port has a normal FIFO and a priority FIFO that is always drained first;
 * a message's receipt callback runs at the very moment it is enqueued (D.9: that is how `so_port`
 * changes atomically with respect to message order). Every enqueue is a 'msg-sent' trace event.
 */

/**
 * Where a reply goes (D.4's network reply ports): 'sync' wakes the thread blocked in domsg;
 * 'adone' only marks the message done so it can be reused (timer messages); 'afree' frees it;
 * 'apanic' must never be replied (packets, async sends).
 */
export type ReplyKind = 'sync' | 'adone' | 'afree' | 'apanic';

export class LwktMsg {
  flags = MSGF_DONE;
  error: SocketError | null = null;
  /** The port it is queued on, if any. */
  port: MsgPort | null = null;
  /** The thread blocked on it in domsg. */
  waiter: Thread | null = null;
  /** `ms_receiptfn`: called when the message is enqueued (MSGF_RECEIPT). */
  receipt: ((msg: LwktMsg, port: MsgPort) => void) | null = null;
  /** Port hops (forwards) so far; a checker bounds this (P8). */
  hops = 0;

  constructor(
    readonly id: number,
    /** The external input this message carries, for commit events. */
    public input: CommitInput,
    public replyKind: ReplyKind,
    flags = 0,
  ) {
    this.flags |= flags;
  }
}

export class MsgPort {
  private readonly queue: LwktMsg[] = [];
  private head = 0;
  private readonly prio: LwktMsg[] = [];

  constructor(
    readonly k: Kern,
    readonly cpu: CpuId,
    /** The thread that drains this port (its netisr). */
    public owner: Thread | null,
  ) {}

  /** `lwkt_putport`: enqueue, run the receipt callback, record the send. */
  put(msg: LwktMsg, sender: Thread): void {
    assert((msg.flags & MSGF_QUEUED) === 0, `put: message ${msg.id} is already queued`);
    msg.flags |= MSGF_QUEUED;
    msg.port = this;
    if ((msg.flags & MSGF_PRIORITY) !== 0) this.prio.push(msg);
    else this.queue.push(msg);
    this.k.trace.emit({
      kind: 'msg-sent', host: this.k.host, msg: msg.id, port: this.cpu, sender: sender.id,
      input: msg.input,
    });
    if (msg.receipt !== null) msg.receipt(msg, this);
  }

  /** `lwkt_getport`: the next message, priority queue first; null if none. */
  get(): LwktMsg | null {
    let msg: LwktMsg | undefined;
    if (this.prio.length > 0) msg = this.prio.shift();
    else if (this.head < this.queue.length) {
      msg = this.queue[this.head++];
      if (this.head > 64 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
    }
    if (msg === undefined) return null;
    msg.flags &= ~MSGF_QUEUED;
    msg.port = null;
    return msg;
  }

  get length(): number {
    return this.prio.length + this.queue.length - this.head;
  }

  /** `lwkt_dropmsg`: remove a still-queued message. */
  remove(msg: LwktMsg): boolean {
    const q = (msg.flags & MSGF_PRIORITY) !== 0 ? this.prio : this.queue;
    const from = q === this.prio ? 0 : this.head;
    const i = q.indexOf(msg, from);
    if (i < 0) return false;
    q.splice(i, 1);
    msg.flags &= ~MSGF_QUEUED;
    msg.port = null;
    return true;
  }

  /** Queued messages in the order they will be handled (tests, reports). */
  pending(): LwktMsg[] {
    return [...this.prio, ...this.queue.slice(this.head)];
  }
}

/** `lwkt_sendmsg`: asynchronous; the sender continues at once. */
export function sendmsg(k: Kern, port: MsgPort, msg: LwktMsg): void {
  msg.flags &= ~(MSGF_DONE | MSGF_REPLY | MSGF_SYNC);
  port.put(msg, k.sender());
}

/**
 * `lwkt_domsg`: synchronous. Blocks the calling thread until the message is replied and returns
 * its error. Only non-netisr threads block here (D.1's deadlock rule; a netisr messaging its own
 * port runs the handler inline instead — net/netmsg.ts).
 */
export function* domsg(k: Kern, port: MsgPort, msg: LwktMsg): Co<SocketError | null> {
  const td = k.curthread();
  assert(td.kind !== 'netisr', `domsg: netisr ${td.name} may not block on a port (D.1)`);
  assert(msg.replyKind === 'sync', `domsg: message ${msg.id} needs a sync reply port`);
  msg.flags &= ~(MSGF_DONE | MSGF_REPLY);
  msg.flags |= MSGF_SYNC;
  msg.waiter = td;
  port.put(msg, td);
  yield* blockCur(k, { kind: 'reply', msg });
  assert((msg.flags & MSGF_DONE) !== 0, `domsg: resumed before message ${msg.id} was replied`);
  return msg.error;
}

/** `lwkt_replymsg`: complete a message; its reply port decides what that means. */
export function replymsg(msg: LwktMsg, error: SocketError | null): void {
  assert((msg.flags & MSGF_DONE) === 0, `replymsg: message ${msg.id} replied twice`);
  assert((msg.flags & MSGF_QUEUED) === 0, `replymsg: message ${msg.id} is still queued`);
  assert(msg.replyKind !== 'apanic', `replymsg: message ${msg.id} must never be replied`);
  msg.error = error;
  msg.flags |= MSGF_DONE | MSGF_REPLY;
  // A 'sync' waiter becomes runnable through its 'reply' block (Thread.isRunnable); 'adone'
  // and 'afree' messages are simply done and may be reused or dropped by their owner.
}

/** `lwkt_forwardmsg`: hand a message being handled to another port, unchanged. */
export function forwardmsg(k: Kern, port: MsgPort, msg: LwktMsg): void {
  msg.hops++;
  port.put(msg, k.sender());
}

/** `lwkt_dropmsg`: remove a still-queued DROPABLE message (only its target thread may). */
export function dropmsg(k: Kern, msg: LwktMsg): boolean {
  assert((msg.flags & MSGF_DROPABLE) !== 0, `dropmsg: message ${msg.id} is not DROPABLE`);
  const port = msg.port;
  if (port === null) return false;
  assert(
    port.owner === null || port.owner === k.cur,
    `dropmsg: message ${msg.id} dropped by a non-target thread`,
  );
  const removed = port.remove(msg);
  if (removed) msg.flags |= MSGF_DONE;
  return removed;
}
