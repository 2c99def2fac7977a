/**
 * Method: fast-check properties over the relay (two model TCP endpoints, 5 ms apart).
 *
 *  1. Purity (STYLE P7): random sequences of calls, losses, forged segments and time never
 *     change a state a step was given, and every state a step returns is deep-frozen (immer
 *     auto-freeze is on, so a stray write would also throw at once).
 *  2. Stream integrity and liveness under loss and reordering, for a swarm of TcpConfig switches
 *     on each side: every byte handed to send arrives once, in order, both ways; both sides close.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TcpConfig } from '../../../src/core/config';
import { seqAdd } from '../../../src/core/seq';
import { established } from './fixtures';
import type { Side } from './relay';
import { bytes, other } from './relay';

type Cmd =
  | { kind: 'send'; side: Side; n: number }
  | { kind: 'recv'; side: Side; max: number }
  | { kind: 'wait'; us: number }
  | { kind: 'lose'; side: Side; count: number }
  | { kind: 'forge'; side: Side; seqOff: number; ackOff: number; flags: number; len: number; win: number }
  | { kind: 'end'; side: Side; how: 'shutdown' | 'close' | 'abort' };

const side = fc.constantFrom<Side>('a', 'b');
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('send' as const), side, n: fc.integer({ min: 1, max: 20_000 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('recv' as const), side, max: fc.integer({ min: 1, max: 30_000 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('wait' as const), us: fc.integer({ min: 0, max: 2_000_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('lose' as const), side, count: fc.integer({ min: 1, max: 3 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('forge' as const), side,
      seqOff: fc.integer({ min: -70_000, max: 70_000 }), ackOff: fc.integer({ min: -70_000, max: 70_000 }),
      flags: fc.integer({ min: 0, max: 0x3f }), len: fc.integer({ min: 0, max: 64 }), win: fc.integer({ min: 0, max: 0xffff }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('end' as const), side, how: fc.constantFrom('shutdown' as const, 'close' as const, 'abort' as const) }) },
);

const SWITCHES = [
  'sack', 'rfc6675', 'limitedTransmit', 'earlyRetransmit', 'eifel', 'eifelResponse', 'abc', 'rfc3390',
  'delayedAck', 'aggregateAcks', 'avoidPureWinUpdate', 'nagle', 'rfc1323', 'tso', 'smartsack',
  'rescuesack', 'ignoreRedunDsack', 'idleRestart', 'idleCwv', 'syncookies', 'lowRtobase',
] as const;
const configArb: fc.Arbitrary<Partial<TcpConfig>> = fc
  .record(Object.fromEntries(SWITCHES.map((k) => [k, fc.boolean()])) as Record<(typeof SWITCHES)[number], fc.Arbitrary<boolean>>)
  .chain((sw) => fc.record({
    fairsend: fc.constantFrom(0, 4), recvspace: fc.constantFrom(8000, 20 * 1448, 57344),
    sendspace: fc.constantFrom(10_000, 57344), mtu: fc.constantFrom(576, 1500, 9000),
  }).map((x) => ({ ...sw, ...x })));

describe('TCP model: properties', () => {
  it('purity: no step changes the state it was given, and every state is deep-frozen', () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { maxLength: 25 }), (cmds) => {
        const { r, client, server } = established();
        r.checkPurity = true;
        const fds = { a: client, b: server };
        const lost: Record<Side, number> = { a: 0, b: 0 };
        r.drop((_s, from) => {
          if (lost[from] === 0) return false;
          lost[from] -= 1;
          return true;
        });
        for (const c of cmds) {
          switch (c.kind) {
            case 'send': r.call(c.side, { op: 'send', fd: fds[c.side], data: bytes(c.n), nonblocking: true }); break;
            case 'recv': r.call(c.side, { op: 'recv', fd: fds[c.side], maxBytes: c.max, nonblocking: true }); break;
            case 'wait': r.runUntil(r.now + c.us); break;
            case 'lose': lost[c.side] += c.count; break;
            case 'forge': {
              const so = r.host(c.side).state.sockets.find((s) => s.tcb !== null);
              if (so === undefined) break;
              const tp = so.tcb!;
              r.inject(c.side, {
                fromPort: tp.remote.port, toPort: tp.local.port, seq: seqAdd(tp.rcvNxt, c.seqOff),
                ack: seqAdd(tp.sndUna, c.ackOff), flags: c.flags, window: c.win, payload: bytes(c.len, 9),
              });
              break;
            }
            case 'end': r.call(c.side, { op: c.how, fd: fds[c.side] }); break;
          }
        }
        r.runUntil(r.now + 200_000_000);
        expect(r.steps).toBeGreaterThan(0);
      }),
      { numRuns: 60, seed: 0x7cb },
    );
  });

  it('stream integrity and liveness: both directions arrive once, in order, under loss and reordering, for a swarm of switches; then both close', { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(
        configArb, configArb,
        fc.array(fc.integer({ min: 1, max: 30_000 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 20_000 }), { maxLength: 3 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 100 }), { maxLength: 25 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 100 }), { maxLength: 25 }),
        fc.array(fc.tuple(side, fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 80_000 })), { maxLength: 8 }),
        (ca, cb, sizesA, sizesB, lossA, lossB, delays) => {
          const { r, client, server } = established({ a: ca, b: cb });
          const base = { a: r.segs('a').length, b: r.segs('b').length };
          r.drop((_s, from, i) => (from === 'a' ? lossA : lossB).includes(i - base[from]));
          for (const [s, i, d] of delays) r.extraDelay.set(`${s}:${i + base[s]}`, d);
          const sent = { a: sizesA.map((n, k) => bytes(n, k)), b: sizesB.map((n, k) => bytes(n, k + 50)) };
          const fds = { a: client, b: server };
          const ids = (['a', 'b'] as const).flatMap((s) => sent[s].map((data) => r.callAsync(s, { op: 'send', fd: fds[s], data, nonblocking: false })));
          const got: Record<Side, number[]> = { a: [], b: [] };
          const total = (s: Side): number => sent[s].reduce((x, d) => x + d.length, 0);
          for (let i = 0; i < 3000 && (got.b.length < total('a') || got.a.length < total('b')); i++) {
            r.runUntil(r.now + 250_000);
            for (const s of ['a', 'b'] as const) {
              const rr = r.call(s, { op: 'recv', fd: fds[s], maxBytes: 1 << 20, nonblocking: true });
              if (rr?.ok === true && rr.value.kind === 'data') got[s].push(...rr.value.data);
            }
          }
          expect(new Uint8Array(got.b)).toEqual(new Uint8Array(sent.a.flatMap((d) => [...d])));
          expect(new Uint8Array(got.a)).toEqual(new Uint8Array(sent.b.flatMap((d) => [...d])));
          for (const id of ids) expect(r.results.get(id)?.ok).toBe(true);
          r.call('a', { op: 'close', fd: client });
          r.call('b', { op: 'close', fd: server });
          r.runUntil(r.now + 900_000_000);
          expect(r.hasTcb('a')).toBe(false);
          expect(r.hasTcb('b')).toBe(false);
          void other;
        },
      ),
      { numRuns: 40, seed: 0x5eed },
    );
  });
});
