import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { regressionFiles, replayRegression } from '../../properties/regressions';

/** Replaying regressions/: a broken or unknown file fails with one line naming it. */
const dir = mkdtempSync(join(tmpdir(), 'mpcheck-reg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('replayRegression', () => {
  it('names a file that does not parse', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{"format": "mpcheck-counterexample"');
    expect(replayRegression(path)).toMatch(/broken\.json: not valid JSON: /);
  });

  it('names a file whose property does not exist', () => {
    const [seed] = regressionFiles();
    const file = JSON.parse(readFileSync(seed!, 'utf8')) as object;
    const path = join(dir, 'unknown.json');
    writeFileSync(path, JSON.stringify({ ...file, property: 'tcp.nonexistent' }));
    expect(replayRegression(path)).toBe(`${path}: unknown property 'tcp.nonexistent'`);
  });

  it('lists only .json files, sorted', () => {
    writeFileSync(join(dir, 'notes.txt'), 'x');
    expect(regressionFiles(dir)).toEqual([join(dir, 'broken.json'), join(dir, 'unknown.json')]);
  });
});
