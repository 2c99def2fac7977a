import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as core from '../../src/core/index';

/**
 * Method: src/core/index.ts is the explicit public surface of core (STYLE P14). This test reads
 * every module in src/core and checks that each of its exports — values at run time, types by
 * name in the index source — is re-exported, that values are the very same objects, and that the
 * index uses no `export *`.
 */

const CORE = join(import.meta.dirname, '../../src/core');
const modules = readdirSync(CORE).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
const indexSource = readFileSync(join(CORE, 'index.ts'), 'utf8');

function declaredExports(file: string): { values: string[]; types: string[] } {
  const src = readFileSync(join(CORE, file), 'utf8');
  const values: string[] = [];
  const types: string[] = [];
  for (const m of src.matchAll(
    /^export (?:declare )?(const|let|function|class|enum|type|interface) ([A-Za-z0-9_$]+)/gm,
  )) {
    (m[1] === 'type' || m[1] === 'interface' ? types : values).push(m[2]!);
  }
  return { values, types };
}

describe('src/core/index.ts', () => {
  it('has no export * (named exports only)', () => {
    expect(indexSource).not.toMatch(/^\s*export \*/m);
  });

  it('re-exports from every core module', () => {
    for (const file of modules)
      expect(indexSource).toContain(`from './${file.replace(/\.ts$/, '')}'`);
  });

  it.each(modules)('re-exports every value of %s as the same object', async (file) => {
    const mod = (await import(/* @vite-ignore */ join(CORE, file))) as Record<
      string,
      unknown
    >;
    const surface = core as Record<string, unknown>;
    const { values } = declaredExports(file);
    expect(Object.keys(mod).sort()).toEqual([...values].sort());
    for (const name of Object.keys(mod)) expect(surface[name], `${file}: ${name}`).toBe(mod[name]);
  });

  it.each(modules)('re-exports every type of %s by name', (file) => {
    const { types } = declaredExports(file);
    for (const name of types)
      expect(indexSource, `${file}: type ${name}`).toMatch(new RegExp(`\\b${name}\\b`));
  });
});
