/**
 * The netisr port and service-loop rules (UP-16, dragonfly.md D.1/D.4, ARCHITECTURE §4) as
 * checkable predicates over a trace. Each test writes a short trace by hand — a correct one
 * first, then the same trace broken in one place — and expects exactly the rule that the break
 * violates, so every rule is shown to be able to fail.
 */
import { describe, expect, it } from 'vitest';
import { NETISR_ROLLUP_LIMIT } from '../../../src/core/config';
import type { HostId } from '../../../src/core/ids';
import { callId, cpuId, deliveryId, hostId, threadId } from '../../../src/core/ids';
import type { Instant } from '../../../src/core/time';
import type { CommitInput, TraceBody, TraceEvent } from '../../../src/core/trace';
import { netisrPortViolations, serviceLoopNext } from '../../../src/model/netisr/service';

const H = hostId(0);
const USER = 100;
const NIC = 200;
/** The netisr thread of CPU c is thread c in these traces. */
const frame = (n: number): CommitInput => ({ kind: 'frame', delivery: deliveryId(n) });

class TraceBuilder {
  readonly events: TraceEvent[] = [];
  private txn = 0;
  private push(body: TraceBody): this {
    this.events.push({ ...body, seq: this.events.length, t: 0 as Instant } as TraceEvent);
    return this;
  }
  send(msg: number, port: number, sender = USER, input: CommitInput = frame(msg), host: HostId = H): this {
    return this.push({ kind: 'msg-sent', host, msg, port: cpuId(port), sender: threadId(sender), input });
  }
  access(cpu: number, txn: number, thread = cpu): this {
    return this.push({ kind: 'access', host: H, cpu: cpuId(cpu), thread: threadId(thread), txn, object: 'x', mode: 'r', tokens: [] });
  }
  /** A handler commit on CPU `cpu` (thread `cpu`) for message `msg`. */
  handle(cpu: number, msg: number, opts: { txn?: number; input?: CommitInput; linearizes?: boolean } = {}): this {
    return this.push({
      kind: 'commit', host: H, cpu: cpuId(cpu), thread: threadId(cpu), txn: opts.txn ?? ++this.txn,
      input: opts.input ?? frame(msg), linearizes: opts.linearizes ?? true, msg, frames: [], completions: [],
    });
  }
  rollup(cpu: number, txn?: number): this {
    return this.push({
      kind: 'commit', host: H, cpu: cpuId(cpu), thread: threadId(cpu), txn: txn ?? ++this.txn,
      input: { kind: 'rollup' }, linearizes: true, frames: [], completions: [],
    });
  }
  user(cpu: number, call: number, thread = USER, txn?: number): this {
    return this.push({
      kind: 'commit', host: H, cpu: cpuId(cpu), thread: threadId(thread), txn: txn ?? ++this.txn,
      input: { kind: 'call', call: callId(call), phase: 'user' }, linearizes: true, frames: [], completions: [],
    });
  }
  rules(): string[] {
    return netisrPortViolations(this.events, H).map((v) => v.rule);
  }
}

describe('the service loop (D.1)', () => {
  it('handles while messages are queued, rolls up when the port drains or after 32, else idles', () => {
    expect(serviceLoopNext({ queued: 0, handledSinceRollup: 0 })).toBe('idle');
    expect(serviceLoopNext({ queued: 3, handledSinceRollup: 0 })).toBe('handle');
    expect(serviceLoopNext({ queued: 3, handledSinceRollup: NETISR_ROLLUP_LIMIT - 1 })).toBe('handle');
    expect(serviceLoopNext({ queued: 3, handledSinceRollup: NETISR_ROLLUP_LIMIT })).toBe('rollup');
    expect(serviceLoopNext({ queued: 0, handledSinceRollup: 1 })).toBe('rollup');
    expect(NETISR_ROLLUP_LIMIT).toBe(32);
  });
});

describe('UP-16: ports', () => {
  it('a batch handled in order and ended by one rollup breaks no rule', () => {
    const t = new TraceBuilder().send(1, 1).send(2, 1).send(3, 1).handle(1, 1).handle(1, 2).handle(1, 3).rollup(1);
    expect(t.rules()).toEqual([]);
  });

  it('UP-16: messages of one sender are handled in the order sent (port-fifo)', () => {
    const t = new TraceBuilder().send(1, 1).send(2, 1).handle(1, 2).handle(1, 1).rollup(1);
    expect(t.rules()).toEqual(['port-fifo']);
  });

  it('UP-16: FIFO is per sender: messages of different senders may be handled in either order', () => {
    const t = new TraceBuilder().send(1, 1, USER).send(2, 1, NIC).handle(1, 2).handle(1, 1).rollup(1);
    expect(t.rules()).toEqual([]);
  });

  it('UP-16: FIFO is per port: ports are independent', () => {
    const t = new TraceBuilder().send(1, 1).send(2, 2).handle(2, 2).rollup(2).handle(1, 1).rollup(1);
    expect(t.rules()).toEqual([]);
  });

  it('D.10: timer messages use the priority queue and may overtake, but stay FIFO among themselves', () => {
    const timer = (n: number): CommitInput => ({ kind: 'timer', conn: `c${n}`, timer: 'rexmt' });
    const ok = new TraceBuilder().send(1, 1).send(2, 1, USER, timer(2))
      .handle(1, 2, { input: timer(2) }).handle(1, 1).rollup(1);
    expect(ok.rules()).toEqual([]);
    const bad = new TraceBuilder().send(1, 1, USER, timer(1)).send(2, 1, USER, timer(2))
      .handle(1, 2, { input: timer(2) }).handle(1, 1, { input: timer(1) }).rollup(1);
    expect(bad.rules()).toEqual(['port-fifo']);
  });

  it('UP-16: a message is handled once (handled-once)', () => {
    const twice = new TraceBuilder().send(1, 1).handle(1, 1).handle(1, 1).rollup(1);
    expect(twice.rules()).toContain('handled-once');
    const neverSent = new TraceBuilder().handle(1, 7).rollup(1);
    expect(neverSent.rules()).toEqual(['handled-once']);
    const wrongPort = new TraceBuilder().send(1, 2).handle(1, 1).rollup(1);
    expect(wrongPort.rules()).toContain('handled-once');
  });

  it('UP-16: a forwarded message (port chasing) is handled once on each port it is sent to', () => {
    const t = new TraceBuilder()
      .send(1, 1)
      .handle(1, 1, { linearizes: false })
      .send(1, 2, 1)
      .rollup(1)
      .handle(2, 1)
      .rollup(2);
    expect(t.rules()).toEqual([]);
  });

  it('the rules read only the host asked about', () => {
    const t = new TraceBuilder().send(1, 1, USER, frame(1), hostId(1)).handle(1, 1).rollup(1);
    expect(t.rules()).toEqual(['handled-once']);
  });
});

describe('one transaction at a time per thread (txn-exclusive)', () => {
  it('transactions of one thread run one after the other', () => {
    const t = new TraceBuilder().access(0, 50, USER).user(0, 1, USER, 50).access(0, 51, USER).user(0, 2, USER, 51);
    expect(t.rules()).toEqual([]);
  });

  it('a transaction may not start inside another transaction of the same thread', () => {
    const t = new TraceBuilder().access(0, 50, USER).access(0, 51, USER).user(0, 2, USER, 51).user(0, 1, USER, 50);
    expect(t.rules()).toContain('txn-exclusive');
  });

  it('a committed transaction never resumes', () => {
    const t = new TraceBuilder().user(0, 1, USER, 50).access(0, 50, USER);
    expect(t.rules()).toEqual(['txn-exclusive']);
  });

  it('transactions of different threads may interleave', () => {
    const t = new TraceBuilder().access(0, 50, USER).access(1, 60, USER + 1).user(0, 1, USER, 50).user(1, 2, USER + 1, 60);
    expect(t.rules()).toEqual([]);
  });
});

describe('rollups (D.1: when the queue drains or after 32 messages)', () => {
  function batch(n: number): TraceBuilder {
    const t = new TraceBuilder();
    for (let m = 1; m <= n; m++) t.send(m, 1);
    return t;
  }

  it('32 handlers then a rollup, then the rest: no violation', () => {
    const t = batch(40);
    for (let m = 1; m <= 32; m++) t.handle(1, m);
    t.rollup(1);
    for (let m = 33; m <= 40; m++) t.handle(1, m);
    t.rollup(1);
    expect(t.rules()).toEqual([]);
  });

  it('a 33rd handler without a rollup breaks the limit (rollup-limit)', () => {
    const t = batch(33);
    for (let m = 1; m <= 33; m++) t.handle(1, m);
    t.rollup(1);
    expect(t.rules()).toEqual(['rollup-limit']);
  });

  it('a rollup with nothing handled since the last one (rollup-empty)', () => {
    const t = batch(1).handle(1, 1).rollup(1).rollup(1);
    expect(t.rules()).toEqual(['rollup-empty']);
  });

  it('a rollup while messages are still queued and the batch is below the limit (rollup-drain)', () => {
    const t = batch(2).handle(1, 1).rollup(1).handle(1, 2).rollup(1);
    expect(t.rules()).toEqual(['rollup-drain']);
  });

  it('a batch that goes on after the port drained, without the rollups (rollup-drain)', () => {
    // The thread begins its next transaction (first access) with an empty port: it must roll up.
    const t = batch(1).handle(1, 1).access(1, 90).send(2, 1).handle(1, 2, { txn: 90 }).rollup(1);
    expect(t.rules()).toEqual(['rollup-drain']);
  });

  it('a message that arrives between a handler and the next transaction may join the batch', () => {
    const joined = batch(1).handle(1, 1).send(2, 1).handle(1, 2).rollup(1);
    expect(joined.rules()).toEqual([]);
    const separate = batch(1).handle(1, 1).send(2, 1).rollup(1).handle(1, 2).rollup(1);
    expect(separate.rules()).toEqual([]);
  });

  it('user-side commits are not the service loop\'s business', () => {
    const t = batch(1).user(1, 5, 1).handle(1, 1).rollup(1);
    expect(t.rules()).toEqual([]);
  });
});
