import { describe, expect, test } from 'vitest';
import { callId, cpuId, hostId } from '../../src/core/ids';
import { instant } from '../../src/core/time';
import type { TraceBody } from '../../src/core/trace';
import { preempt } from '../../src/impl/kern/block';
import { Callout, CalloutWheel } from '../../src/impl/kern/callout';
import { IMMUTABLE, KObj, Kern, guarded, owned } from '../../src/impl/kern/kern';
import { MSGF_DROPABLE, MSGF_PRIORITY } from '../../src/impl/kern/msgflags';
import {
  LwktMsg,
  MsgPort,
  domsg,
  dropmsg,
  forwardmsg,
  replymsg,
  sendmsg,
} from '../../src/impl/kern/msgport';
import { WaitChannel, tsleep, wakeup } from '../../src/impl/kern/sleep';
import type { Co, Thread } from '../../src/impl/kern/thread';
import { IDLE } from '../../src/impl/kern/thread';
import { Token, getToken, getTokens, relToken } from '../../src/impl/kern/token';

/**
 * The LWKT kernel in isolation (dragonfly.md D.4, D.13, D.10): message ports, synchronous and
 * asynchronous messages, receipts, tokens with LWKT's release-on-block semantics, callouts, and
 * the transaction/commit and access instrumentation. Threads here are hand-written generators run
 * step by step, so each test states exactly which interleaving it exercises.
 */

const INPUT = { kind: 'internal', what: 'test' } as const;

function kernel(checkMode = true): { k: Kern; events: TraceBody[] } {
  const events: TraceBody[] = [];
  const k = new Kern(hostId(0), { emit: (e) => events.push(e), checkMode });
  return { k, events };
}

/** A thread running `body` once, then idling forever. */
function thread(
  k: Kern,
  cpu: number,
  name: string,
  kind: 'user' | 'netisr',
  body: (td: Thread) => Co,
): Thread {
  return k.spawn(
    cpuId(cpu),
    name,
    kind,
    () => false,
    (td) =>
      (function* (): Co<never> {
        yield* body(td);
        for (;;) {
          td.block = IDLE;
          yield;
        }
      })(),
  );
}

const msg = (k: Kern, flags = 0): LwktMsg => new LwktMsg(k.msgId(), INPUT, 'apanic', flags);

describe('message ports (D.4)', () => {
  test('each port is FIFO per sender and drains its priority queue first', () => {
    const { k, events } = kernel();
    const port = new MsgPort(k, cpuId(0), null);
    const a = k.spawn(cpuId(0), 'a', 'pseudo', () => false);
    const b = k.spawn(cpuId(1), 'b', 'pseudo', () => false);
    const [a1, b1, a2, b2, a3] = [
      msg(k),
      msg(k),
      msg(k, MSGF_PRIORITY),
      msg(k),
      msg(k, MSGF_PRIORITY),
    ];
    port.put(a1!, a);
    port.put(b1!, b);
    port.put(a2!, a);
    port.put(b2!, b);
    port.put(a3!, a);
    const order: LwktMsg[] = [];
    for (let m = port.get(); m !== null; m = port.get()) order.push(m);
    expect(order).toEqual([a2, a3, a1, b1, b2]);
    const sent = events.filter((e) => e.kind === 'msg-sent');
    expect(sent.map((e) => e.kind === 'msg-sent' && [e.msg, e.sender])).toEqual([
      [a1!.id, a.id],
      [b1!.id, b.id],
      [a2!.id, a.id],
      [b2!.id, b.id],
      [a3!.id, a.id],
    ]);
  });

  test('a receipt callback runs at the instant its message is enqueued, once per port it reaches', () => {
    const { k } = kernel();
    const p0 = new MsgPort(k, cpuId(0), null);
    const p1 = new MsgPort(k, cpuId(1), null);
    const ctx = k.spawn(cpuId(0), 'ctx', 'pseudo', () => false);
    const m = msg(k);
    const seen: { cpu: number; queued: number }[] = [];
    m.receipt = (_m, port) => seen.push({ cpu: port.cpu, queued: port.length });
    k.inContext(ctx, () => sendmsg(k, p0, m));
    expect(seen).toEqual([{ cpu: 0, queued: 1 }]);
    expect(p0.get()).toBe(m);
    k.inContext(ctx, () => forwardmsg(k, p1, m));
    expect(seen).toEqual([
      { cpu: 0, queued: 1 },
      { cpu: 1, queued: 1 },
    ]);
    expect(m.hops).toBe(1);
  });

  test('domsg blocks the sender until the reply, which it then returns', () => {
    const { k, events } = kernel();
    const port = new MsgPort(k, cpuId(1), null);
    const request = new LwktMsg(k.msgId(), INPUT, 'sync');
    let got: string | null | undefined;
    const user = thread(k, 0, 'user', 'user', function* () {
      k.begin(INPUT);
      got = yield* domsg(k, port, request);
      k.commit();
    });
    const server = thread(k, 1, 'server', 'netisr', function* () {
      const m = port.get()!;
      yield;
      replymsg(m, 'EINVAL');
    });
    k.run(user);
    expect(user.block.kind).toBe('reply');
    expect(user.isRunnable()).toBe(false);
    expect(port.length).toBe(1);
    k.run(server); // takes the message
    expect(user.isRunnable()).toBe(false);
    k.run(server); // replies
    expect(user.isRunnable()).toBe(true);
    k.run(user);
    expect(got).toBe('EINVAL');
    // Blocking ends the user's transaction; the half after the reply is a new one.
    const commits = events.filter((e) => e.kind === 'commit');
    expect(commits).toHaveLength(2);
    expect(new Set(commits.map((c) => c.kind === 'commit' && c.txn)).size).toBe(2);
  });

  test('dropmsg removes a queued DROPABLE message', () => {
    const { k } = kernel();
    const port = new MsgPort(k, cpuId(0), null);
    const ctx = k.spawn(cpuId(0), 'ctx', 'pseudo', () => false);
    const keep = msg(k);
    const drop = msg(k, MSGF_DROPABLE);
    k.inContext(ctx, () => {
      sendmsg(k, port, drop);
      sendmsg(k, port, keep);
    });
    expect(dropmsg(k, drop)).toBe(true);
    expect(port.pending()).toEqual([keep]);
    expect(dropmsg(k, drop)).toBe(false);
    expect(() => dropmsg(k, keep)).toThrow(/not DROPABLE/);
  });

  test('a reply to a never-replied message is a bug', () => {
    const { k } = kernel();
    const m = msg(k);
    m.flags = 0;
    expect(() => replymsg(m, null)).toThrow(/must never be replied/);
  });
});

describe('LWKT tokens (D.13)', () => {
  test('acquisition is recursive, and a contended acquire waits while the holder runs', () => {
    const { k } = kernel();
    const tok = new Token('t');
    const log: string[] = [];
    const holder = thread(k, 0, 'holder', 'user', function* () {
      k.begin(INPUT);
      yield* getToken(k, tok, 'p');
      yield* getToken(k, tok, 'p');
      log.push('holder has it twice');
      yield* preempt(k); // keeps the token
      relToken(k, tok);
      yield* preempt(k);
      relToken(k, tok);
      log.push('holder released');
      k.commit();
    });
    const waiter = thread(k, 1, 'waiter', 'user', function* () {
      k.begin(INPUT);
      yield* getToken(k, tok, 'q');
      log.push('waiter has it');
      relToken(k, tok);
      k.commit();
    });
    k.run(holder);
    k.run(waiter);
    expect(waiter.block.kind).toBe('tokens');
    expect(waiter.isRunnable()).toBe(false);
    k.run(holder);
    expect(waiter.isRunnable()).toBe(false); // one reference still held
    k.run(holder);
    expect(waiter.isRunnable()).toBe(true);
    k.run(waiter);
    expect(log).toEqual(['holder has it twice', 'holder released', 'waiter has it']);
    expect(k.tokenAcquisitions.get('p')).toBe(2);
    expect(k.tokenAcquisitions.get('q')).toBe(1);
  });

  test('a holder that blocks releases its tokens and gets them back before it resumes', () => {
    const { k } = kernel();
    const tok = new Token('t');
    const chan = new WaitChannel('c');
    let held: boolean | undefined;
    const sleeper = thread(k, 0, 'sleeper', 'user', function* (td) {
      k.begin(INPUT);
      yield* getToken(k, tok, 'p');
      yield* tsleep(k, chan);
      held = td.holds(tok);
      relToken(k, tok);
      k.commit();
    });
    const other = thread(k, 1, 'other', 'user', function* () {
      k.begin(INPUT);
      yield* getToken(k, tok, 'q');
      wakeup(chan);
      yield* preempt(k);
      relToken(k, tok);
      k.commit();
    });
    k.run(sleeper);
    expect(tok.holder).toBeNull();
    k.run(other); // takes the token the sleeper gave up, and wakes it
    expect(sleeper.isRunnable()).toBe(false); // woken, but its token is taken
    k.run(other);
    expect(sleeper.isRunnable()).toBe(true);
    k.run(sleeper);
    expect(held).toBe(true);
  });

  test('a contended acquire releases every token held meanwhile (no lock-order deadlock)', () => {
    const { k } = kernel();
    const a = new Token('a');
    const b = new Token('b');
    const first = thread(k, 0, 'first', 'user', function* () {
      k.begin(INPUT);
      yield* getToken(k, b, 'p');
      yield* preempt(k);
      yield* getToken(k, a, 'p'); // contended while `second` waits holding nothing
      relToken(k, a);
      relToken(k, b);
      k.commit();
    });
    const second = thread(k, 1, 'second', 'user', function* (td) {
      k.begin(INPUT);
      yield* getToken(k, a, 'p');
      yield* getTokens(k, [b], 'p');
      expect(td.holds(a) && td.holds(b)).toBe(true);
      relToken(k, b);
      relToken(k, a);
      k.commit();
    });
    k.run(first); // holds b
    k.run(second); // holds a, waits for b → releases a
    expect(a.holder).toBeNull();
    k.run(first); // takes a without contention now, finishes
    expect(first.txn).toBeNull();
    expect(second.isRunnable()).toBe(true);
    k.run(second);
    expect(second.txn).toBeNull();
  });

  test('token events carry the code path, in check mode only', () => {
    for (const check of [true, false]) {
      const { k, events } = kernel(check);
      const tok = new Token('t');
      const td = thread(k, 0, 'u', 'user', function* () {
        k.begin(INPUT);
        yield* getToken(k, tok, 'so.recv');
        relToken(k, tok);
        k.commit();
      });
      k.run(td);
      const toks = events.filter((e) => e.kind === 'token');
      expect(toks).toHaveLength(check ? 2 : 0);
      if (check) expect(toks[0]).toMatchObject({ token: 't', op: 'acquire', path: 'so.recv' });
      expect(k.tokenAcquisitions.get('so.recv')).toBe(1);
    }
  });
});

describe('transactions and instrumentation', () => {
  test('access events name the thread, cpu, transaction and tokens held; none in bench mode', () => {
    for (const check of [true, false]) {
      const { k, events } = kernel(check);
      const tok = new Token('t');
      const g = new KObj('g', guarded('t'));
      const o = new KObj('o', owned(cpuId(2)));
      const i = new KObj('i', IMMUTABLE);
      [g, o, i].forEach((x) => k.declare(x));
      const td = thread(k, 2, 'u', 'user', function* () {
        k.begin(INPUT);
        yield* getToken(k, tok, 'p');
        k.wr(g);
        relToken(k, tok);
        k.rd(o);
        k.rd(i);
        k.commit();
      });
      k.run(td);
      const acc = events.filter((e) => e.kind === 'access');
      const objs = events.filter((e) => e.kind === 'object');
      if (!check) {
        expect(acc).toEqual([]);
        expect(objs).toEqual([]);
        continue;
      }
      expect(objs).toHaveLength(3);
      expect(acc).toEqual([
        {
          kind: 'access',
          host: 0,
          cpu: 2,
          thread: td.id,
          txn: 1,
          object: 'g',
          mode: 'w',
          tokens: ['t'],
        },
        {
          kind: 'access',
          host: 0,
          cpu: 2,
          thread: td.id,
          txn: 1,
          object: 'o',
          mode: 'r',
          tokens: [],
        },
        {
          kind: 'access',
          host: 0,
          cpu: 2,
          thread: td.id,
          txn: 1,
          object: 'i',
          mode: 'r',
          tokens: [],
        },
      ]);
    }
  });

  test('a second linearizing commit of one call is a bug (check mode)', () => {
    const { k } = kernel();
    const input = { kind: 'call', call: callId(7), phase: 'proto' } as const;
    const td = thread(k, 0, 'u', 'user', function* () {
      for (let n = 0; n < 2; n++) {
        k.begin(input);
        k.linearize();
        k.commit();
        yield;
      }
    });
    k.run(td);
    expect(() => k.run(td)).toThrow(/linearized 2 times/);
  });

  test('ownership moves are re-declared', () => {
    const { k, events } = kernel();
    const o = new KObj('so:3', owned(cpuId(0)));
    k.declare(o);
    k.transfer(o, cpuId(3));
    expect(events).toEqual([
      { kind: 'object', host: 0, object: 'so:3', discipline: { kind: 'owned', cpu: 0 } },
      { kind: 'object', host: 0, object: 'so:3', discipline: { kind: 'owned', cpu: 3 } },
    ]);
  });
});

describe('callouts (D.10)', () => {
  test('due callouts fire in deadline then arming order, on their CPU; stopped ones do not', () => {
    const w = new CalloutWheel();
    const fired: string[] = [];
    const mk = (name: string, cpu: number): Callout =>
      new Callout(cpuId(cpu), name, () => fired.push(name));
    const [a, b, c, d] = [mk('a', 0), mk('b', 1), mk('c', 0), mk('d', 1)];
    w.reset(a!, instant(20));
    w.reset(b!, instant(10));
    w.reset(c!, instant(20));
    w.reset(d!, instant(5));
    w.stop(d!);
    expect(w.next()).toBe(10);
    const cpus: number[] = [];
    expect(w.fireDue(instant(20), (cpu, fn) => (cpus.push(cpu), fn()))).toBe(3);
    expect(fired).toEqual(['b', 'a', 'c']);
    expect(cpus).toEqual([1, 0, 0]);
    expect(w.next()).toBeNull();
    expect(a!.active).toBe(false);
  });

  test('a callout stopped by an earlier one in the same batch does not fire', () => {
    const w = new CalloutWheel();
    const fired: string[] = [];
    const late = new Callout(cpuId(0), 'late', () => fired.push('late'));
    const early = new Callout(cpuId(0), 'early', () => (fired.push('early'), w.stop(late)));
    w.reset(early, instant(1));
    w.reset(late, instant(2));
    w.fireDue(instant(5), (_c, fn) => fn());
    expect(fired).toEqual(['early']);
  });
});
