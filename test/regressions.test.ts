import { describe, expect, it } from 'vitest';
import { regressionFiles, replayRegression } from '../properties/regressions';

/**
 * Every counterexample in regressions/ is a bug that was fixed: replaying it must now pass its
 * property. A file that does not parse fails its test with one line naming the file and field.
 */
const files = regressionFiles();

describe('regressions', () => {
  it('has at least one regression to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s passes its property', (path) => {
    const problem = replayRegression(path);
    if (problem !== null) expect.fail(problem);
  });
});
