import { describe, expect, test } from 'vitest';
import { hostAddr, port } from '../../src/core/addr';
import { TCP_DEFAULTS, UDP_DEFAULTS } from '../../src/core/config';
import type { Host, HostEnv } from '../../src/core/host';
import { callId, cpuId, fd, frameId, hostId } from '../../src/core/ids';
import type { CallCompletion } from '../../src/core/socket';
import { instant } from '../../src/core/time';
import type { Instant } from '../../src/core/time';
import type { TraceBody } from '../../src/core/trace';
import { createImplHost, implInternals } from '../../src/impl';
import { buildInet } from '../../src/impl/inetbuild';
import { domsg, sendmsg } from '../../src/impl/kern/msgport';
import type { Co } from '../../src/impl/kern/thread';
import { getToken, relToken } from '../../src/impl/kern/token';
import { NetMsg } from '../../src/impl/net/netmsg';
import { TimerSet } from '../../src/impl/net/timermsg';
import { predicateHandler } from '../../src/impl/socket/predicate';
import type { PredicateArg } from '../../src/impl/socket/predicate';
import { SockBuf, sowakeup } from '../../src/impl/socket/sockbuf';

/**
 * The socket layer's pieces TCP will lean on (predicate messages, D.6/D.14) and the Host seam
 * itself (status, deadlines and timer messages through `timeAdvanced`).
 */

function env(
  ncpus: number,
  clock: { now: Instant },
  events: TraceBody[],
  done: CallCompletion[] = [],
): HostEnv {
  let frames = 0;
  return {
    id: hostId(0),
    addr: hostAddr(0),
    config: { stack: 'impl', ncpus, hz: 100, tcp: TCP_DEFAULTS, udp: UDP_DEFAULTS },
    now: () => clock.now,
    transmit: () => frameId(frames++),
    complete: (c) => done.push(c),
    trace: { emit: (e) => events.push(e), checkMode: true },
  };
}

const INPUT = { kind: 'internal', what: 'test' } as const;

describe('predicate messages (D.6, D.14)', () => {
  test('a false predicate parks on the buffer; a later sowakeup that makes it true replies it', () => {
    const events: TraceBody[] = [];
    const inet = buildInet(env(2, { now: instant(0) }, events));
    const k = inet.k;
    const sb = new SockBuf(k, 'so:9.rcv', 100);
    let ready = false;
    let answer: string | null | undefined;
    const arg: PredicateArg = {
      sb,
      test: () => (ready ? { done: true, error: 'ECONNABORTED' } : { done: false }),
    };
    const waiter = k.spawn(
      cpuId(0),
      'acceptor',
      'user',
      () => false,
      () =>
        (function* (): Co<never> {
          k.begin(INPUT);
          const m = new NetMsg<PredicateArg>(k, INPUT, 'sync', 0, predicateHandler, arg);
          answer = yield* domsg(k, inet.netisrs[1]!.port, m);
          k.commit();
          for (;;) yield;
        })(),
    );
    k.run(waiter);
    k.run(inet.netisrs[1]!.td); // evaluates: false → parked
    expect(sb.mlist).toHaveLength(1);
    expect(waiter.isRunnable()).toBe(false);
    // A protocol event on the owner makes it true and wakes the buffer.
    const wake = new NetMsg<null>(
      k,
      INPUT,
      'apanic',
      0,
      function* (i) {
        yield* getToken(i.k, sb.token, 'test');
        ready = true;
        sowakeup(i, sb);
        relToken(i.k, sb.token);
      },
      null,
    );
    k.inContext(inet.nicTd, () => sendmsg(k, inet.netisrs[1]!.port, wake));
    k.run(inet.netisrs[1]!.td);
    expect(sb.mlist).toHaveLength(0);
    expect(waiter.isRunnable()).toBe(true);
    k.run(waiter);
    expect(answer).toBe('ECONNABORTED');
  });
});

describe('the Host seam', () => {
  function host(ncpus: number) {
    const clock = { now: instant(0) };
    const events: TraceBody[] = [];
    const done: CallCompletion[] = [];
    const h = createImplHost(env(ncpus, clock, events, done));
    const settle = (): void => {
      for (let r = h.runnable(); r.length > 0; r = h.runnable()) h.run(r[0]!.thread);
    };
    return { h, clock, events, done, settle };
  }

  test('runnable threads come in canonical order, and only while they have work', () => {
    const { h } = host(3);
    expect(h.runnable()).toEqual([]);
    h.callIssued({ id: callId(1), app: 0, cpu: cpuId(2), req: { op: 'socket', proto: 'udp' } });
    h.callIssued({ id: callId(2), app: 1, cpu: cpuId(0), req: { op: 'socket', proto: 'udp' } });
    expect(h.runnable().map((t) => [t.cpu, t.name])).toEqual([
      [0, 'user/1@cpu0'],
      [2, 'user/0@cpu2'],
    ]);
  });

  test('status lists sockets in stack-independent terms', () => {
    const { h, settle, done } = host(4);
    h.callIssued({ id: callId(1), app: 0, cpu: cpuId(1), req: { op: 'socket', proto: 'udp' } });
    settle();
    h.callIssued({
      id: callId(2),
      app: 0,
      cpu: cpuId(1),
      req: { op: 'bind', fd: fd(3), port: port(7002) },
    });
    settle();
    expect(done.map((c) => c.result.ok)).toEqual([true, true]);
    expect(h.status()).toEqual([
      { key: 'udp:fd3', proto: 'udp', state: 'bound 10.0.0.1:7002 cpu2' },
    ]);
  });

  test('deadlines come from callouts; timeAdvanced posts the timer message to its owner', () => {
    const { h, clock, events, settle } = host(2);
    expect(h.nextDeadline()).toBeNull();
    const inet = implInternals(h as Host)!;
    const fired: string[] = [];
    const t = new TimerSet(inet, cpuId(1), 'conn', [
      {
        bit: 1,
        name: 'rexmt',
        *fire(): Co {
          fired.push('rexmt');
        },
      },
    ]);
    t.reset(1, instant(30_000));
    expect(h.nextDeadline()).toBe(30_000);
    clock.now = instant(30_000);
    h.timeAdvanced();
    expect(h.nextDeadline()).toBeNull();
    expect(h.runnable().map((r) => r.name)).toEqual(['netisr/1']);
    settle();
    expect(fired).toEqual(['rexmt']);
    const commit = events.find((e) => e.kind === 'commit');
    expect(commit).toMatchObject({
      cpu: 1,
      input: { kind: 'timer', conn: 'conn', timer: 'rexmt' },
      linearizes: true,
    });
  });

  test('a call from a CPU the host does not have is a bug', () => {
    const { h } = host(2);
    expect(() =>
      h.callIssued({ id: callId(1), app: 0, cpu: cpuId(2), req: { op: 'socket', proto: 'udp' } }),
    ).toThrow(/cpu 2 of 2/);
  });
});
