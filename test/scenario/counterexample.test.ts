import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  HARNESS_VERSION,
  counterexampleFile,
  readCounterexample,
  writeCounterexample,
} from '../../src/scenario/counterexample';
import { echoScenario } from './fixtures';

/**
 * Counterexample files are the hand-off between a failing fuzz run and a person (or a regression
 * test): they must round-trip exactly, appear atomically, and fail to load with one line that
 * names the file and the field.
 */

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'mpcheck-cx-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const sample = () =>
  counterexampleFile({
    property: 'udp.integrity',
    verdict: {
      ok: false,
      checker: 'udp-integrity',
      claim: 'nothing is lost',
      kind: 'corrupt',
      message: 'datagram 0 differs',
    },
    minCpus: 2,
    traceHash: '0123abcd',
    scenario: echoScenario(),
  });

describe('counterexample files', () => {
  it('round-trip through write and read, stamped with the harness version', () => {
    const path = join(tempDir(), 'nested', 'scenario.json');
    writeCounterexample(path, sample());
    const r = readCounterexample(path);
    expect(r).toEqual({ ok: true, value: sample() });
    expect(r.ok && r.value.harness).toBe(HARNESS_VERSION);
    expect(HARNESS_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('leave no temporary file behind', () => {
    const dir = tempDir();
    writeCounterexample(join(dir, 'a.json'), sample());
    writeCounterexample(join(dir, 'a.json'), sample());
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it.each<[string, string, RegExp]>([
    ['broken JSON', '{', /^.*bad\.json: not valid JSON: /],
    [
      'a bare scenario',
      JSON.stringify(echoScenario()),
      /^.*bad\.json: counterexample\.format: is required$/,
    ],
    [
      'a bad scenario inside',
      JSON.stringify({ ...sample(), scenario: { ...echoScenario(), hosts: [] } }),
      /^.*bad\.json: scenario\.hosts: must list from 1 to 254 hosts$/,
    ],
    [
      'a bad minCpus',
      JSON.stringify({ ...sample(), minCpus: 0 }),
      /^.*bad\.json: counterexample\.minCpus: must be an integer from 1 to 16$/,
    ],
  ])('reject %s with one line naming the file and field', (_what, text, pattern) => {
    const path = join(tempDir(), 'bad.json');
    writeFileSync(path, text);
    const r = readCounterexample(path);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(pattern);
      expect(r.error).not.toContain('\n');
    }
  });

  it('report a missing file', () => {
    const r = readCounterexample(join(tempDir(), 'none.json'));
    expect(r.ok ? '' : r.error).toMatch(/none\.json: cannot read \(ENOENT\)$/);
  });
});
