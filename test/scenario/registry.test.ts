import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  PROPERTIES,
  findProperty,
  globRegExp,
  matchProperties,
  selectProperties,
} from '../../properties/registry';

/** The registry is what `mpcheck list/fuzz` and the vitest properties share. */
describe('property registry', () => {
  it('lists each property once, with a claim, rule IDs, a CI budget and a vitest file', () => {
    const names = PROPERTIES.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of PROPERTIES) {
      expect(p.name).toMatch(/^[a-z][a-z0-9.-]*$/);
      expect(p.claim.length).toBeGreaterThan(10);
      expect(p.rules.length).toBeGreaterThan(0);
      expect(p.ciRuns).toBeGreaterThan(0);
      expect(existsSync(`properties/${p.name}.test.ts`), `properties/${p.name}.test.ts`).toBe(true);
    }
  });

  it('finds a property by exact name only', () => {
    expect(findProperty('udp.refinement')?.name).toBe('udp.refinement');
    expect(findProperty('udp')).toBeUndefined();
  });

  it('matches globs against whole names', () => {
    expect(matchProperties('udp.*').map((p) => p.name)).toEqual(
      PROPERTIES.filter((p) => p.name.startsWith('udp.')).map((p) => p.name),
    );
    expect(matchProperties('*')).toHaveLength(PROPERTIES.length);
    expect(matchProperties('determinism').map((p) => p.name)).toEqual(['determinism']);
    expect(matchProperties('determ')).toEqual([]);
    expect(globRegExp('udp.?efinement').test('udp.refinement')).toBe(true);
    expect(globRegExp('udp.*').test('udpXrefinement')).toBe(false);
  });

  it('selects the union of globs in registry order and names the globs that match nothing', () => {
    const r = selectProperties(['determinism', 'udp.*', 'tcp.*']);
    const wanted = (name: string): boolean => name === 'determinism' || name.startsWith('udp.');
    const expected = PROPERTIES.filter((p) => wanted(p.name));
    expect(r.selected).toEqual(expected);
    expect(r.unmatched).toEqual(['tcp.*']);
    expect(selectProperties([]).selected).toEqual([...PROPERTIES]);
  });
});
