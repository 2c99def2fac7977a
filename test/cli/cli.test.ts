import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROPERTIES } from '../../properties/registry';
import { echoScenario } from '../scenario/fixtures';
import { lines, mpcheck, tempDir } from './run';

/**
 * Method: run the real `mpcheck` launcher in a child process and check what a user sees — exit
 * codes (0 held, 1 failed, 2 bad usage or input, 3 internal), that every error is ONE line on
 * stderr with no stack trace, and that stdout of a seeded campaign is reproducible (timings live
 * on stderr only). The failure path, with the canary, is in canary.test.ts.
 */

function expectOneLineError(r: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(lines(r.stderr)).toHaveLength(1);
  expect(r.stderr).toMatch(/^mpcheck: /);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\bat .*\(.*:\d+:\d+\)/); // no stack frames
}

describe('usage errors: one line, exit 2', () => {
  it('rejects an unknown flag', () => {
    expectOneLineError(mpcheck(['fuzz', '--tiem', '5s']), /unknown option '--tiem'/);
  });

  it('rejects an unknown command', () => {
    expectOneLineError(mpcheck(['fuz']), /unknown command 'fuz'/);
  });

  it('rejects malformed option values, saying what was expected', () => {
    expectOneLineError(mpcheck(['fuzz', '--time', '5x']), /'--time <duration>' argument '5x' is invalid/);
    expectOneLineError(mpcheck(['fuzz', '--shard', '3/2']), /i\/n with 1 ≤ i ≤ n/);
    expectOneLineError(mpcheck(['fuzz', '--cpus', '0-4']), /within 1-16/);
    expectOneLineError(mpcheck(['fuzz', '--strategy', 'dfs']), /Allowed choices are random, pct, urw, mixed/);
  });

  it('rejects an unknown property, naming it', () => {
    expectOneLineError(mpcheck(['fuzz', '--property', 'udp.nonesuch', '--runs', '1']), /unknown property 'udp.nonesuch'/);
  });

  it('rejects an invalid scenario file, naming the field', () => {
    const file = join(tempDir(), 'bad.json');
    const s = echoScenario();
    writeFileSync(file, JSON.stringify({ ...s, hosts: [s.hosts[0], { ...s.hosts[1], ncpus: 99 }] }));
    expectOneLineError(mpcheck(['replay', file]), /bad\.json: scenario\.hosts\[1\]\.ncpus: must be an integer from 1 to 16/);
  });

  it('rejects a file that is not JSON, or not there', () => {
    const file = join(tempDir(), 'garbage.json');
    writeFileSync(file, '{ "version": 1,');
    expectOneLineError(mpcheck(['replay', file]), /garbage\.json: not valid JSON/);
    expectOneLineError(mpcheck(['replay', join(tempDir(), 'missing.json')]), /missing\.json: cannot read \(ENOENT\)/);
  });

  it('answers --help and --version with exit 0', () => {
    const help = mpcheck(['fuzz', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--shard <i/n>');
    expect(mpcheck(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('list', () => {
  it('prints every registered property with its claim, and the canary', () => {
    const r = mpcheck(['list']);
    expect(r.code).toBe(0);
    for (const p of PROPERTIES) expect(r.stdout).toContain(`${p.name}  `);
    for (const p of PROPERTIES) expect(r.stdout).toContain(p.claim);
    expect(r.stdout).toMatch(/^canary +fails on purpose/m);
  });
});

describe('fuzz', () => {
  it('prints its seed first and, for the same seed and runs, the same stdout', () => {
    const [a, b] = [tempDir(), tempDir()];
    const one = mpcheck(['fuzz', '--runs', '5', '--seed', '7', '--workers', '1', '--out', a]);
    const two = mpcheck(['fuzz', '--runs', '5', '--seed', '7', '--workers', '2', '--out', b]);
    expect(one.stdout.split('\n')[0]).toMatch(/^mpcheck fuzz · seed 0x00000007 · /);
    expect([0, 1]).toContain(one.code);
    expect(two.code).toBe(one.code);
    expect(two.stdout.replaceAll(b, 'OUT')).toBe(one.stdout.replaceAll(a, 'OUT'));
    for (const p of PROPERTIES) expect(one.stdout).toMatch(new RegExp(`^  ${p.name.replace('.', '\\.')} +5 `, 'm'));
    expect(one.stdout).not.toMatch(/runs\/s|RSS/); // timings go to stderr
    expect(one.stderr).toMatch(/^time: .* runs\/s/m);
    expect(one.stdout).toContain(`summary file: ${join(a, 'summary.md')}`);
    expect(readFileSync(join(a, 'summary.md'), 'utf8')).toMatch(/^# mpcheck fuzz summary/);
  });

  it('runs one shard of the seed space, saying which, and writes a per-shard summary file', () => {
    const out = tempDir();
    const name = PROPERTIES[0]!.name;
    const r = mpcheck(['fuzz', '--runs', '1', '--seed', '7', '--property', name, '--shard', '2/3', '--out', out]);
    expect(r.stdout).toContain('· shard 2/3 ·');
    expect(r.stdout).toContain(`repeat: npx mpcheck fuzz --seed 0x00000007 --runs 1 --shard 2/3 --property ${name}`);
    expect(r.stdout).toContain(`summary file: ${join(out, 'summary-2-of-3.md')}`);
  });
});

describe('replay of a bare scenario', () => {
  it('checks it against the named property and prints the trace hash, the same every time', () => {
    const dir = tempDir();
    const file = join(dir, 'echo.json');
    writeFileSync(file, JSON.stringify(echoScenario()));
    const name = PROPERTIES[0]!.name;
    const args = ['replay', file, '--property', name, '--report', join(dir, 'r.md'), '--pcap', join(dir, 'c.pcap')];
    const one = mpcheck(args);
    const two = mpcheck(args);
    expect([0, 1]).toContain(one.code);
    expect(one.stdout).toMatch(new RegExp(`^${name.replace('.', '\\.')}: (held|FAIL)`, 'm'));
    expect(one.stdout).toMatch(/trace hash [0-9a-f]{64}/);
    expect(two.stdout).toBe(one.stdout);
    expect(one.stdout).toContain(`report written to ${join(dir, 'r.md')}`);
    expect(one.stdout).toContain(`capture written to ${join(dir, 'c.pcap')}`);
  });
});
