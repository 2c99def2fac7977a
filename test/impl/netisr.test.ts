import { describe, expect, test } from 'vitest';
import { hostAddr } from '../../src/core/addr';
import { NETISR_ROLLUP_LIMIT, TCP_DEFAULTS, UDP_DEFAULTS } from '../../src/core/config';
import type { HostEnv } from '../../src/core/host';
import { cpuId, frameId, hostId } from '../../src/core/ids';
import { instant } from '../../src/core/time';
import type { Instant } from '../../src/core/time';
import type { TraceBody } from '../../src/core/trace';
import { buildInet } from '../../src/impl/inetbuild';
import { replymsg, sendmsg } from '../../src/impl/kern/msgport';
import { MSGF_IGNSOPORT, MSGF_PRIORITY } from '../../src/impl/kern/msgflags';
import type { Co } from '../../src/impl/kern/thread';
import type { Inet } from '../../src/impl/net/inet';
import { registerRollup } from '../../src/impl/net/netisr';
import { NetMsg, netDomsg } from '../../src/impl/net/netmsg';
import type { Handler } from '../../src/impl/net/netmsg';
import { TimerSet } from '../../src/impl/net/timermsg';

/**
 * The netisr service loop (dragonfly.md D.1, D.10, UP-16) on a bare stack: hand-made messages
 * with recording handlers, so batching, rollups, port chasing, priority and timer messages can
 * be observed one scheduling step at a time.
 */

function stack(ncpus: number): { inet: Inet; events: TraceBody[]; clock: { now: Instant } } {
  const events: TraceBody[] = [];
  const clock = { now: instant(0) };
  let frames = 0;
  const env: HostEnv = {
    id: hostId(0),
    addr: hostAddr(0),
    config: { stack: 'impl', ncpus, hz: 100, tcp: TCP_DEFAULTS, udp: UDP_DEFAULTS },
    now: () => clock.now,
    transmit: () => frameId(frames++),
    complete: () => undefined,
    trace: { emit: (e) => events.push(e), checkMode: true },
  };
  return { inet: buildInet(env), events, clock };
}

const INPUT = { kind: 'internal', what: 'test' } as const;

/** Queue a message from the NIC context (so the sender is a fixed pseudo thread). */
function post<A>(
  inet: Inet,
  cpu: number,
  handler: Handler<A>,
  arg: A,
  opts: { flags?: number; so?: { port: Inet['netisrs'][number]['port'] } } = {},
): NetMsg<A> {
  const m = new NetMsg<A>(inet.k, INPUT, 'apanic', opts.flags ?? 0, handler, arg, opts.so ?? null);
  inet.k.inContext(inet.nicTd, () => sendmsg(inet.k, inet.netisrs[cpu]!.port, m));
  return m;
}

function runCpu(inet: Inet, cpu: number): void {
  inet.k.run(inet.netisrs[cpu]!.td);
}

const commits = (events: TraceBody[]): Extract<TraceBody, { kind: 'commit' }>[] =>
  events.filter((e): e is Extract<TraceBody, { kind: 'commit' }> => e.kind === 'commit');
/** Commits other than the batch-end rollups. */
const handled = (events: TraceBody[]): Extract<TraceBody, { kind: 'commit' }>[] =>
  commits(events).filter((c) => c.input.kind !== 'rollup');

describe('netisr service loop', () => {
  test('handles one message per step and runs rollups after 32 in a row or when the port drains', () => {
    const { inet, events } = stack(1);
    const log: string[] = [];
    let work = 0;
    registerRollup(inet, {
      name: 'ack',
      prio: 200,
      pending: () => work > 0,
      *run(): Co<boolean> {
        log.push(`rollup(${work})`);
        work = 0;
        return true;
      },
    });
    const handler: Handler<number> = function* (_i, m) {
      log.push(`m${m.arg}`);
      work++;
    };
    for (let i = 1; i <= 40; i++) post(inet, 0, handler, i);
    for (let step = 0; step < 40; step++) runCpu(inet, 0);
    expect(log.filter((l) => l.startsWith('rollup'))).toEqual([
      `rollup(${NETISR_ROLLUP_LIMIT})`,
      'rollup(8)',
    ]);
    expect(log.indexOf('rollup(32)')).toBe(NETISR_ROLLUP_LIMIT);
    expect(inet.netisrs[0]!.td.isRunnable()).toBe(false);
    const rollupCommits = commits(events).filter((c) => c.input.kind === 'rollup');
    expect(rollupCommits).toHaveLength(2);
    expect(rollupCommits.every((c) => c.linearizes)).toBe(true);
  });

  test('every batch ends with a rollup commit, even when no hook has work', () => {
    const { inet, events } = stack(1);
    let ran = 0;
    registerRollup(inet, {
      name: 'idle',
      prio: 50,
      pending: () => false,
      *run(): Co<boolean> {
        ran++;
        return true;
      },
    });
    post(inet, 0, function* () {}, null);
    post(inet, 0, function* () {}, null);
    runCpu(inet, 0);
    runCpu(inet, 0);
    expect(commits(events).map((c) => c.input.kind)).toEqual(['internal', 'internal', 'rollup']);
    expect(ran).toBe(0);
  });

  test('rollups run in priority order', () => {
    const { inet } = stack(1);
    const order: string[] = [];
    for (const [name, prio] of [
      ['ifstart', 50],
      ['tcp_willblock', 200],
    ] as const) {
      registerRollup(inet, {
        name,
        prio,
        pending: () => true,
        *run(): Co<boolean> {
          order.push(name);
          return true;
        },
      });
    }
    post(inet, 0, function* () {}, null);
    runCpu(inet, 0);
    expect(order).toEqual(['tcp_willblock', 'ifstart']);
  });

  test('a message whose socket moved is forwarded to the new owner, not applied (port chasing)', () => {
    const { inet, events } = stack(2);
    const so = { port: inet.netisrs[1]!.port };
    const ran: number[] = [];
    const handler: Handler<null> = function* (i) {
      ran.push(i.k.curthread().cpu);
    };
    const m = post(inet, 0, handler, null, { so });
    runCpu(inet, 0);
    expect(ran).toEqual([]);
    expect(inet.netisrs[1]!.port.pending()).toEqual([m]);
    runCpu(inet, 1);
    expect(ran).toEqual([1]);
    expect(handled(events).map((c) => [c.cpu, c.msg])).toEqual([
      [0, m.id],
      [1, m.id],
    ]);
    const sent = events.filter((e) => e.kind === 'msg-sent');
    expect(sent.map((e) => e.kind === 'msg-sent' && [e.port, e.sender])).toEqual([
      [0, inet.nicTd.id],
      [1, inet.netisrs[0]!.td.id],
    ]);
    expect(inet.stats.sum('netisr.chased')).toBe(1);
  });

  test('MSGF_IGNSOPORT messages are applied where they are, whatever so_port says', () => {
    const { inet } = stack(2);
    const ran: number[] = [];
    post(
      inet,
      0,
      function* (i) {
        ran.push(i.k.curthread().cpu);
      },
      null,
      {
        so: { port: inet.netisrs[1]!.port },
        flags: MSGF_IGNSOPORT,
      },
    );
    runCpu(inet, 0);
    expect(ran).toEqual([0]);
  });

  test('priority messages overtake queued ones', () => {
    const { inet } = stack(1);
    const ran: string[] = [];
    const h: Handler<string> = function* (_i, m) {
      ran.push(m.arg);
    };
    post(inet, 0, h, 'a');
    post(inet, 0, h, 'b');
    post(inet, 0, h, 'timer', { flags: MSGF_PRIORITY });
    for (let i = 0; i < 3; i++) runCpu(inet, 0);
    expect(ran).toEqual(['timer', 'a', 'b']);
  });

  test('a netisr doing domsg to its own port runs the handler inline', () => {
    const { inet } = stack(1);
    let result: string | null | undefined;
    post(
      inet,
      0,
      function* (i) {
        const inner = new NetMsg<null>(
          i.k,
          INPUT,
          'sync',
          0,
          function* (_j, m) {
            replymsg(m, 'EALREADY');
          },
          null,
        );
        result = yield* netDomsg(i, i.netisrs[0]!.port, inner);
      },
      null,
    );
    runCpu(inet, 0);
    expect(result).toBe('EALREADY');
    expect(inet.netisrs[0]!.port.length).toBe(0);
  });
});

describe('timers as messages (D.10)', () => {
  function timers(inet: Inet, log: string[]): TimerSet {
    const task = (bit: number, name: string) => ({
      bit,
      name,
      *fire(): Co {
        log.push(name);
      },
    });
    return new TimerSet(inet, cpuId(1), 'conn', [task(1, 'delack'), task(2, 'rexmt')]);
  }

  test('expiries post one priority message to the owner; the handler runs due timers in order', () => {
    const { inet, events, clock } = stack(2);
    const log: string[] = [];
    const t = timers(inet, log);
    t.reset(2, instant(10));
    t.reset(1, instant(10));
    clock.now = instant(10);
    inet.callouts.fireDue(clock.now, (cpu, fn) => inet.k.inContext(inet.softclockTd[cpu]!, fn));
    const port = inet.netisrs[1]!.port;
    expect(port.pending()).toEqual([t.msg]);
    const sent = events.filter((e) => e.kind === 'msg-sent');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ port: 1, sender: inet.softclockTd[1]!.id });
    expect(t.active(1) && t.active(2)).toBe(true);
    runCpu(inet, 1);
    expect(log).toEqual(['delack', 'rexmt']);
    const c = handled(events);
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({
      cpu: 1,
      input: { kind: 'timer', conn: 'conn', timer: 'delack+rexmt' },
      linearizes: true,
    });
  });

  test('a timer stopped after expiry but before handling does not fire', () => {
    const { inet, clock } = stack(2);
    const log: string[] = [];
    const t = timers(inet, log);
    t.reset(1, instant(5));
    t.reset(2, instant(5));
    clock.now = instant(5);
    inet.callouts.fireDue(clock.now, (cpu, fn) => inet.k.inContext(inet.softclockTd[cpu]!, fn));
    t.stop(2);
    runCpu(inet, 1);
    expect(log).toEqual(['delack']);
  });

  test('destroying the owner drops the queued timer message (lwkt_dropmsg)', () => {
    const { inet, clock } = stack(2);
    const log: string[] = [];
    const t = timers(inet, log);
    // The destroy runs in a handler on the owner CPU, queued ahead of the timer message.
    post(
      inet,
      1,
      function* () {
        t.destroy();
      },
      null,
      { flags: MSGF_PRIORITY },
    );
    t.reset(1, instant(5));
    clock.now = instant(5);
    inet.callouts.fireDue(clock.now, (cpu, fn) => inet.k.inContext(inet.softclockTd[cpu]!, fn));
    expect(inet.netisrs[1]!.port.length).toBe(2);
    runCpu(inet, 1);
    expect(inet.netisrs[1]!.port.length).toBe(0);
    expect(log).toEqual([]);
    expect(t.active(1)).toBe(false);
  });
});
