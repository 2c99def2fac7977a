/**
 * Method: the oracles against the implementation. DragonFly-shaped traces from the real stack
 * (src/impl) over the simulator — bulk transfers one way and both ways, with drops in either
 * direction and reordering — must leave every oracle silent, and must exercise what the oracles
 * judge (fast retransmits, timeouts, partial ACKs), so that silence means something. A failure here
 * is either a stack deviation or an oracle accusing correct behaviour; both are findings.
 */
import { describe, expect, it } from 'vitest';
import { checkRules, extractConnections, handshakeOf } from '../../../src/check/rules';
import { CwndBound } from '../../../src/check/rules/cwnd';
import { runScenarioChecked } from '../../../src/scenario/builder';
import type { Scenario, ScriptStep } from '../../../src/scenario/types';

interface Case {
  readonly name: string;
  readonly tcp?: Record<string, unknown>;
  readonly drops: readonly { index: number; dir: 'ab' | 'ba' }[];
  readonly jitterUs: number;
  readonly bytes: number;
  readonly bidi: boolean;
}

function scenario(c: Case): Scenario {
  const recvs = (sock: string, n: number): ScriptStep[] =>
    Array.from({ length: n }, () => ({ op: 'recv', sock, maxBytes: 65536 }));
  return {
    version: 1, seed: 7,
    hosts: [{ stack: 'impl', ncpus: 2, tcp: c.tcp ?? {} }, { stack: 'impl', ncpus: 2, tcp: c.tcp ?? {} }],
    links: [{ a: 0, b: 1, delayUs: 20_000, jitterUs: c.jitterUs, capacity: 0 }],
    faults: { frames: c.drops.map((d) => ({ link: 0, dir: d.dir, index: d.index, fate: 'drop' as const })), partitions: [] },
    apps: [
      { host: 1, cpu: 0, startUs: 0, steps: [
        { op: 'socket', proto: 'tcp', name: 'l' }, { op: 'bind', sock: 'l', port: 80 },
        { op: 'listen', sock: 'l', backlog: 5 }, { op: 'accept', sock: 'l', as: 'c' },
        ...(c.bidi ? [{ op: 'send' as const, sock: 'c', bytes: 30_000 }] : []),
        ...recvs('c', 80),
      ] },
      { host: 0, cpu: 0, startUs: 1000, steps: [
        { op: 'socket', proto: 'tcp', name: 's' }, { op: 'connect', sock: 's', peer: { host: 1, port: 80 } },
        { op: 'send', sock: 's', bytes: c.bytes }, ...(c.bidi ? recvs('s', 40) : []), { op: 'close', sock: 's' },
      ] },
    ],
    schedule: { choices: [], then: { kind: 'lowest' } },
    limits: { safetyUs: 60_000_000, livenessUs: 60_000_000, maxSteps: 5_000_000 },
  };
}

const drop = (dir: 'ab' | 'ba', ...indices: number[]) => indices.map((index) => ({ index, dir }));

const CASES: readonly Case[] = [
  { name: 'lossless bulk transfer', drops: [], jitterUs: 0, bytes: 60_000, bidi: false },
  { name: 'one loss, SACK recovery', drops: drop('ab', 20), jitterUs: 0, bytes: 60_000, bidi: false },
  { name: 'two losses, NewReno', tcp: { sack: false }, drops: drop('ab', 20, 24), jitterUs: 0, bytes: 60_000, bidi: false },
  { name: 'lost tail and lost ACKs', tcp: { rfc1323: false }, drops: [...drop('ab', 40, 41), ...drop('ba', 5, 6)], jitterUs: 0, bytes: 60_000, bidi: false },
  { name: 'reordering', drops: drop('ab', 15), jitterUs: 15_000, bytes: 80_000, bidi: false },
  { name: 'both ways with losses', drops: [...drop('ab', 23, 30), ...drop('ba', 12)], jitterUs: 0, bytes: 50_000, bidi: true },
  { name: 'both ways, reordering, no SACK', tcp: { sack: false }, drops: drop('ab', 19, 44), jitterUs: 15_000, bytes: 50_000, bidi: true },
  { name: 'both ways, no timestamps', tcp: { rfc1323: false }, drops: [...drop('ab', 12, 13, 14), ...drop('ba', 30)], jitterUs: 15_000, bytes: 50_000, bidi: true },
];

describe('rule oracles on the implementation', () => {
  const seen = { fr: 0, rto: 0, partial: 0 };
  for (const c of CASES) {
    it(`${c.name}: every oracle is silent`, () => {
      const run = runScenarioChecked(scenario(c), true);
      const conns = extractConnections(run);
      expect(conns).toHaveLength(1);
      const v = checkRules(run);
      expect(v.ok ? 'ok' : `[${v.kind}] ${v.message}\n${(v.details ?? []).join('\n')}`).toBe('ok');
      const conn = conns[0]!;
      for (const side of ['a', 'b'] as const) {
        const b = new CwndBound(conn, side, handshakeOf(conn)!);
        for (let i = 0; i < conn.events.length; i++) {
          const s = b.apply(i);
          if (s?.kind === 'out' && s.frEntry) seen.fr++;
          if (s?.kind === 'out' && s.rto) seen.rto++;
          if (s?.kind === 'in' && s.partial) seen.partial++;
        }
      }
    });
  }
  it('the runs exercised fast retransmits, timeouts and partial ACKs', () => {
    expect(seen.fr).toBeGreaterThan(0);
    expect(seen.rto).toBeGreaterThan(0);
    expect(seen.partial).toBeGreaterThan(0);
  });
});
