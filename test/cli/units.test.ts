import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { udpScenarioArb } from '../../src/scenario/arbitraries';
import { runScenarioChecked } from '../../src/scenario/builder';
import { checkReferences } from '../../src/scenario/references';
import { parseCpus, parseDuration, parseSeed, parseShard, formatSeed } from '../../src/cli/args';
import { constrainCpus, constrainStrategy, determinismVerdict } from '../../src/cli/constrain';
import { signatureOf } from '../../src/cli/failures';
import { removeStaleTemps, writeDirAtomic, writeFileAtomic } from '../../src/cli/files';
import { JOB_RUNS, planJobs } from '../../src/cli/plan';
import type { Job } from '../../src/cli/plan';
import { newTally, resultLine, summaryTable } from '../../src/cli/tally';
import { CANARY } from '../../src/cli/canary';
import { echoScenario } from '../scenario/fixtures';
import { tempDir } from './run';

/**
 * Method: the pieces of the CLI that decide behaviour, tested in-process — option parsing, the
 * campaign plan (its independence from everything but seed, shard, properties and budget, and
 * the disjointness of shards), the --cpus/--strategy/--check-determinism wrappers, crash-safe
 * writes, and the summary table.
 */

describe('option values', () => {
  it('reads durations with units and refuses bare or non-positive numbers', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('8h')).toBe(8 * 3_600_000);
    expect(parseDuration('500ms')).toBe(500);
    for (const bad of ['5', '5x', '0s', '-1s', 's']) expect(() => parseDuration(bad)).toThrow(/duration/);
  });

  it('reads 32-bit seeds in decimal or hex and prints them back in hex', () => {
    expect(parseSeed('7')).toBe(7);
    expect(parseSeed('0xDEADbeef')).toBe(0xdeadbeef);
    expect(parseSeed(formatSeed(123456789))).toBe(123456789);
    for (const bad of ['4294967296', '-1', 'abc', '0x']) expect(() => parseSeed(bad)).toThrow(/seed/);
  });

  it('reads shards i/n and CPU ranges', () => {
    expect(parseShard('3/8')).toEqual({ index: 3, count: 8 });
    for (const bad of ['0/2', '3/2', '1', '1/0']) expect(() => parseShard(bad)).toThrow(/i\/n/);
    expect(parseCpus('4')).toEqual({ lo: 4, hi: 4 });
    expect(parseCpus('2-8')).toEqual({ lo: 2, hi: 8 });
    for (const bad of ['0', '17', '8-2', '1-17', 'x']) expect(() => parseCpus(bad)).toThrow(/CPU/);
  });
});

const take = (o: Parameters<typeof planJobs>[0], n: number): Job[] => {
  const out: Job[] = [];
  for (const job of planJobs(o)) {
    if (out.length >= n) break;
    out.push(job);
  }
  return out;
};

describe('the campaign plan', () => {
  const props = ['a', 'b', 'c'];

  it('gives every property its runs, round-robin, in jobs of at most JOB_RUNS', () => {
    const jobs = [...planJobs({ seed: 7, shard: { index: 1, count: 1 }, properties: props, runsPerProperty: 45 })];
    expect(jobs.map((j) => j.property).join('')).toBe('abcabcabc');
    for (const p of props) {
      expect(jobs.filter((j) => j.property === p).map((j) => j.runs)).toEqual([JOB_RUNS, JOB_RUNS, 45 - 2 * JOB_RUNS]);
    }
    expect(jobs.map((j) => j.index)).toEqual([...jobs.keys()]);
  });

  it('is a function of the seed: same seed same jobs, other seed other job seeds', () => {
    const o = { seed: 7, shard: { index: 1, count: 1 }, properties: props, runsPerProperty: null };
    expect(take(o, 30)).toEqual(take(o, 30));
    const other = take({ ...o, seed: 8 }, 30).map((j) => j.seed);
    expect(take(o, 30).map((j) => j.seed).filter((s) => other.includes(s))).toEqual([]);
  });

  it('splits the slots among shards disjointly, with the seeds the whole campaign would use', () => {
    const whole = take({ seed: 7, shard: { index: 1, count: 1 }, properties: ['a'], runsPerProperty: null }, 12);
    const parts = [1, 2, 3].map((i) =>
      take({ seed: 7, shard: { index: i, count: 3 }, properties: ['a'], runsPerProperty: null }, 4));
    const slots = parts.flat().map((j) => j.slot).sort((x, y) => x - y);
    expect(slots).toEqual(whole.map((j) => j.slot));
    for (const j of parts.flat()) expect(j.seed).toBe(whole[j.slot]!.seed);
  });

  it('does not depend on which other properties run', () => {
    const alone = take({ seed: 7, shard: { index: 1, count: 1 }, properties: ['b'], runsPerProperty: null }, 3);
    const mixed = take({ seed: 7, shard: { index: 1, count: 1 }, properties: props, runsPerProperty: null }, 9);
    expect(mixed.filter((j) => j.property === 'b').map((j) => j.seed)).toEqual(alone.map((j) => j.seed));
  });
});

describe('--cpus and --strategy', () => {
  const arb = udpScenarioArb({ stacks: 'mixed' });

  test.prop([arb, fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 15 })])(
    '--cpus puts every host in range and keeps the scenario valid',
    (s, lo, extra) => {
      const hi = Math.min(16, lo + extra);
      const c = constrainCpus(s, { lo, hi });
      for (const h of c.hosts) expect(h.ncpus >= lo && h.ncpus <= hi).toBe(true);
      expect(checkReferences(c)).toBeNull();
      if (s.hosts.every((h) => h.ncpus >= lo && h.ncpus <= hi) && lo === 1) expect(c).toEqual(s);
    },
  );

  test.prop([arb, fc.constantFrom('random', 'pct', 'urw' as const)])('--strategy sets the continuation', (s, k) => {
    const c = constrainStrategy(s, k);
    expect(c.schedule.then.kind).toBe(k);
    expect(c.schedule.choices).toEqual(s.schedule.choices);
  });
});

describe('--check-determinism', () => {
  const scenario = echoScenario();

  it('passes a run that a second run reproduces', () => {
    const run = runScenarioChecked(scenario, CANARY.checkMode);
    expect(determinismVerdict(CANARY, run, scenario)).toEqual({ ok: true });
  });

  it('fails a run whose trace a second run does not reproduce, showing the first difference', () => {
    const run = runScenarioChecked(scenario, CANARY.checkMode);
    const tampered = { ...run, trace: run.trace.map((e, i) => (i === 3 ? { ...e, t: (e.t + 1) as typeof e.t } : e)) };
    const v = determinismVerdict(CANARY, tampered, scenario);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.kind).toBe('nondeterministic-trace');
      expect(v.details?.[0]).toBe('first difference at event 3:');
    }
  });
});

describe('crash-safe output', () => {
  it('writes a counterexample directory whole, and never over a saved one', () => {
    const out = tempDir();
    const dir = join(out, 'p', 'sig');
    expect(writeDirAtomic(dir, { 'a.txt': 'one', 'b.bin': new Uint8Array([1, 2]) })).toBe('saved');
    expect(writeDirAtomic(dir, { 'a.txt': 'two' })).toBe('exists');
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('one');
    expect(readdirSync(dir).sort()).toEqual(['a.txt', 'b.bin']);
    expect(readdirSync(join(out, 'p'))).toEqual(['sig']); // no temporaries left
  });

  it('replaces a summary file atomically', () => {
    const file = join(tempDir(), 'summary.md');
    writeFileAtomic(file, 'first');
    writeFileAtomic(file, 'second');
    expect(readFileSync(file, 'utf8')).toBe('second');
  });

  it('removes temporaries of dead writers only', () => {
    const out = tempDir();
    mkdirSync(join(out, 'p', '.sig.999999999.0.tmp'), { recursive: true });
    mkdirSync(join(out, 'p', `.sig.${process.pid}.0.tmp`));
    mkdirSync(join(out, 'p', 'sig'));
    writeFileSync(join(out, `.summary.md.999999999.3.tmp`), 'x');
    expect(removeStaleTemps(out)).toBe(2);
    expect(readdirSync(join(out, 'p')).sort()).toEqual([`.sig.${process.pid}.0.tmp`, 'sig']);
  });

  it('names failure directories by a file-system-safe signature', () => {
    const v = { ok: false as const, checker: 'refine/ment', kind: '..kind x', claim: '', message: '' };
    expect(signatureOf(v)).toBe('refine-ment...kind-x');
    expect(signatureOf({ ...v, checker: '..', kind: '' })).toBe('failure');
  });
});

describe('the summary table', () => {
  it('aligns the columns and totals runs and failures', () => {
    const t = newTally([CANARY, { ...CANARY, name: 'udp.refinement' }]);
    t.properties.get('canary')!.runs = 120;
    t.properties.get('udp.refinement')!.runs = 7;
    expect(summaryTable(t)).toEqual([
      '  property        runs  failures  distinct',
      '  canary           120         0         0',
      '  udp.refinement     7         0         0',
      '  total            127         0         0',
    ]);
    expect(resultLine(t)).toBe('result: ok — all 2 properties held over 127 runs');
    t.properties.get('canary')!.failures = 1;
    expect(resultLine(t)).toMatch(/^result: FAILED — 1 of 2 properties failed/);
    t.errors.push('x');
    expect(resultLine(t)).toMatch(/^result: ERROR/);
  });
});
