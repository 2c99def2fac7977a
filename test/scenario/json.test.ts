import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prettyJson } from '../../src/scenario/json';

/** prettyJson is a layout, never a change of value; and it keeps short things on one line. */
describe('prettyJson', () => {
  it('parses back to the same value as JSON.stringify', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 10, max: 120 }), (v, width) => {
        expect(JSON.parse(prettyJson(v, width))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { seed: 5, numRuns: 300 },
    );
  });

  it('keeps objects that fit on one line and breaks those that do not', () => {
    const v = { a: [1, 2], b: { c: 'x' } };
    expect(prettyJson(v)).toBe('{ "a": [1, 2], "b": { "c": "x" } }');
    expect(prettyJson(v, 20)).toBe('{\n  "a": [1, 2],\n  "b": { "c": "x" }\n}');
  });

  it('drops undefined fields as JSON.stringify does', () => {
    expect(prettyJson({ a: undefined, b: 1 })).toBe('{ "b": 1 }');
  });
});
