import { expect, test } from 'vitest';
import { conflictCycle, linearizationProblems, ownershipViolations } from '../audit';
import { World, inetOf, openPair, pattern, sum, tpOf, transfer } from './pair';

/**
 * The established data path takes no token (dragonfly.md D.7, D.11): a connection, its socket
 * buffers and its timers belong to its CPU, so input, output, timers and ACK aggregation run
 * without one. The token counters are labelled by code path; in a bulk transfer both ways only
 * the descriptor lookup of each call ('fd.lookup') and one settling of a passively opened
 * connection's queue membership ('tcp.listenq') appear. Every write the transfer made was by
 * the owner of the object or under its token (ownership instrumentation, TESTING.md).
 */

const DATA_PATH = ['tcp.input', 'tcp.output', 'tcp.timer', 'tcp.ack'];

test('a bulk transfer both ways takes no token on the data path', () => {
  const w = new World({ ncpus: [4, 4], delayUs: 3000 });
  // The applications run on CPUs other than their connections' owners.
  const p = openPair(w, { ccpu: 1, scpu: 2 });
  const owners = [tpOf(w, p.client).cpu, tpOf(w, p.server).cpu];
  const before = [0, 1].map((h) => new Map(inetOf(w, h).k.tokenAcquisitions));
  const up = transfer(w, p.client, p.server, pattern(2_000_000, 1), { chunk: 100_000, rmax:
      40_000 });
  const down = transfer(w, p.server, p.client, pattern(500_000, 2), { chunk: 64_000, rmax:
      64_000 });
  expect(up.length + down.length).toBe(2_500_000);
  expect(sum(w, 1, 'tcp.preddat')).toBeGreaterThan(100);
  for (const h of [0, 1]) {
    const delta = new Map<string, number>();
    for (const [k, v] of inetOf(w, h).k.tokenAcquisitions) {
      const d = v - (before[h]!.get(k) ?? 0);
      if (d > 0) delta.set(k, d);
    }
    for (const label of DATA_PATH) expect(delta.get(label) ?? 0).toBe(0);
    expect([...delta.keys()].every((k) => k === 'fd.lookup' || k === 'tcp.listenq')).toBe(true);
    expect(delta.get('tcp.listenq') ?? 0).toBeLessThanOrEqual(1);
  }
  // Commits of segment inputs ran on the owners only.
  for (const h of [0, 1]) {
    const cpus = new Set(
      w.events('commit').filter((c) => c.host === h && c.input.kind === 'frame').map((c) => c.cpu),
    );
    expect([...cpus]).toEqual([owners[h]]);
  }
  expect(ownershipViolations(w.trace)).toEqual([]);
  expect(linearizationProblems(w.trace)).toEqual([]);
  expect(conflictCycle(w.trace)).toBeNull();
});

test('per-CPU statistics are summed on read', () => {
  const w = new World({ ncpus: [3, 3] });
  for (let i = 0; i < 6; i++) {
    const p = openPair(w, { port: 90 + i });
    transfer(w, p.client, p.server, pattern(5000, i));
  }
  const s = inetOf(w, 1).stats;
  const perCpu = s.perCpu.map((c) => c['tcp.accepts']);
  expect(perCpu.reduce((a, b) => a + b, 0)).toBe(6);
  expect(s.sum('tcp.accepts')).toBe(6);
  expect(perCpu.filter((n) => n > 0).length).toBeGreaterThan(1);
});
