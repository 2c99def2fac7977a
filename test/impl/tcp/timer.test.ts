import { describe, expect, test } from 'vitest';
import { hostAddr } from '../../../src/core/addr';
import { TCP_DEFAULTS, UDP_DEFAULTS } from '../../../src/core/config';
import type { HostEnv } from '../../../src/core/host';
import { cpuId, frameId, hostId } from '../../../src/core/ids';
import { instant } from '../../../src/core/time';
import type { Instant } from '../../../src/core/time';
import type { TraceBody } from '../../../src/core/trace';
import { buildInet } from '../../../src/impl/inetbuild';
import type { Co } from '../../../src/impl/kern/thread';
import type { Inet } from '../../../src/impl/net/inet';
import type { TimerTask } from '../../../src/impl/net/timermsg';
import {
  TT_2MSL, TT_DELACK, TT_KEEP, TT_PERSIST, TT_REXMT, TcpTimerSet, tcpTimerHandler,
} from '../../../src/impl/tcp/timer';
import { World, openPair, pattern, transfer } from './pair';

/**
 * A connection's timers as one message (dragonfly.md D.10): every armed timer fires exactly once
 * per arming, never after it was stopped or re-armed — not even when the stop or re-arm comes
 * from an earlier timer handled by the same message (`tt_running_tasks`) — and each timer that
 * fires is its own linearizing commit with input {conn, timer} (TP-2).
 */

function stack(ncpus: number): { inet: Inet; events: TraceBody[]; clock: { now: Instant } } {
  const events: TraceBody[] = [];
  const clock = { now: instant(0) };
  let frames = 0;
  const env: HostEnv = {
    id: hostId(0), addr: hostAddr(0),
    config: { stack: 'impl', ncpus, hz: 100, tcp: TCP_DEFAULTS, udp: UDP_DEFAULTS },
    now: () => clock.now, transmit: () => frameId(frames++), complete: () => undefined,
    trace: { emit: (e) => events.push(e), checkMode: true },
  };
  return { inet: buildInet(env), events, clock };
}

type Action = (set: TcpTimerSet) => void;

/** A TCP timer set on CPU 1 whose handlers log their name and then run `act[name]`. */
function timers(inet: Inet, log: string[], act: Record<string, Action> = {}): TcpTimerSet {
  let set: TcpTimerSet | null = null;
  const task = (bit: number, name: string): TimerTask => ({
    bit, name,
    *fire(): Co {
      log.push(name);
      act[name]?.(set!);
    },
  });
  set = new TcpTimerSet(inet, cpuId(1), 'conn', [
    task(TT_DELACK, 'delack'), task(TT_REXMT, 'rexmt'), task(TT_PERSIST, 'persist'),
    task(TT_KEEP, 'keep'), task(TT_2MSL, '2msl'),
  ]);
  set.msg.handler = tcpTimerHandler as typeof set.msg.handler;
  return set;
}

function advance(inet: Inet, clock: { now: Instant }, to: number): void {
  clock.now = instant(to);
  inet.callouts.fireDue(clock.now, (cpu, fn) => inet.k.inContext(inet.softclockTd[cpu]!, fn));
}

const runCpu = (inet: Inet, cpu: number): void => {
  if (inet.netisrs[cpu]!.port.length > 0) inet.k.run(inet.netisrs[cpu]!.td);
};

const timerCommits = (events: TraceBody[]) =>
  events.filter((e): e is Extract<TraceBody, { kind: 'commit' }> => e.kind === 'commit' &&
      e.input.kind === 'timer');

describe('exactly once under stop and re-arm (D.10)', () => {
  test('due timers run in the fixed order, each its own linearizing commit', () => {
    const { inet, events, clock } = stack(2);
    const log: string[] = [];
    const t = timers(inet, log);
    t.reset(TT_2MSL, instant(10));
    t.reset(TT_REXMT, instant(10));
    t.reset(TT_DELACK, instant(10));
    advance(inet, clock, 10);
    expect(inet.netisrs[1]!.port.pending()).toEqual([t.msg]);
    runCpu(inet, 1);
    expect(log).toEqual(['delack', 'rexmt', '2msl']);
    const c = timerCommits(events);
    expect(c.map((e) => [e.cpu, e.input, e.linearizes])).toEqual([
      [1, { kind: 'timer', conn: 'conn', timer: 'delack' }, true],
      [1, { kind: 'timer', conn: 'conn', timer: 'rexmt' }, true],
      [1, { kind: 'timer', conn: 'conn', timer: '2msl' }, true],
    ]);
  });

  test('stopped after expiry, before the message is handled: does not fire', () => {
    const { inet, clock } = stack(2);
    const log: string[] = [];
    const t = timers(inet, log);
    t.reset(TT_DELACK, instant(5));
    t.reset(TT_REXMT, instant(5));
    advance(inet, clock, 5);
    t.stop(TT_REXMT);
    expect(t.active(TT_REXMT)).toBe(false);
    runCpu(inet, 1);
    expect(log).toEqual(['delack']);
  });

  test('stopped by an earlier handler of the same message: does not fire', () => {
    const { inet, clock } = stack(2);
    const log: string[] = [];
    const seen: boolean[] = [];
    const t = timers(inet, log, {
      delack: (s) => {
        seen.push(s.active(TT_REXMT));
        s.stop(TT_REXMT);
        seen.push(s.active(TT_REXMT));
      },
    });
    t.reset(TT_DELACK, instant(5));
    t.reset(TT_REXMT, instant(5));
    t.reset(TT_KEEP, instant(5));
    advance(inet, clock, 5);
    runCpu(inet, 1);
    expect(log).toEqual(['delack', 'keep']);
    // While delack ran, rexmt was due and not yet run: active until stopped.
    expect(seen).toEqual([true, false]);
    advance(inet, clock, 1000);
    runCpu(inet, 1);
    expect(log).toEqual(['delack', 'keep']);
  });

  test('re-armed by an earlier handler of the same message: fires once, at the new deadline',
      () => {
    const { inet, clock, events } = stack(2);
    const log: string[] = [];
    const t = timers(inet, log, { delack: (s) => s.reset(TT_PERSIST, instant(20)) });
    t.reset(TT_DELACK, instant(5));
    t.reset(TT_PERSIST, instant(5));
    advance(inet, clock, 5);
    runCpu(inet, 1);
    expect(log).toEqual(['delack']);
    expect(t.active(TT_PERSIST)).toBe(true);
    advance(inet, clock, 19);
    runCpu(inet, 1);
    expect(log).toEqual(['delack']);
    advance(inet, clock, 20);
    runCpu(inet, 1);
    advance(inet, clock, 100);
    runCpu(inet, 1);
    expect(log).toEqual(['delack', 'persist']);
    expect(timerCommits(events)).toHaveLength(2);
  });

  test('an expiry while the message is queued joins it: one message, each timer once', () => {
    const { inet, clock, events } = stack(2);
    const log: string[] = [];
    const t = timers(inet, log);
    t.reset(TT_DELACK, instant(5));
    t.reset(TT_REXMT, instant(6));
    advance(inet, clock, 5);
    advance(inet, clock, 6);
    expect(inet.netisrs[1]!.port.pending()).toEqual([t.msg]);
    expect(events.filter((e) => e.kind === 'msg-sent')).toHaveLength(1);
    runCpu(inet, 1);
    expect(log).toEqual(['delack', 'rexmt']);
  });

  test('destroyed by an earlier handler: the rest do not run, nothing fires later', () => {
    const { inet, clock } = stack(2);
    const log: string[] = [];
    const t = timers(inet, log, { delack: (s) => s.destroy() });
    t.reset(TT_DELACK, instant(5));
    t.reset(TT_REXMT, instant(5));
    advance(inet, clock, 5);
    runCpu(inet, 1);
    expect(log).toEqual(['delack']);
    advance(inet, clock, 1000);
    runCpu(inet, 1);
    expect(log).toEqual(['delack']);
  });
});

test('in a real transfer every timer commit is on the connection owner, one timer each', () => {
  const w = new World({ ncpus: [3, 3], tcp: { delayedAck: true, aggregateAcks: false }, delayUs:
      20_000 });
  const p = openPair(w, { ccpu: 2, scpu: 1 });
  transfer(w, p.client, p.server, pattern(100_000), { chunk: 3000, rmax: 1000 });
  const commits = w.events('commit').filter((c) => c.input.kind === 'timer');
  expect(commits.length).toBeGreaterThan(0);
  for (const c of commits) {
    if (c.input.kind !== 'timer') continue;
    expect(['delack', 'rexmt', 'persist', 'keep', '2msl']).toContain(c.input.timer);
    expect(c.linearizes).toBe(true);
  }
});
