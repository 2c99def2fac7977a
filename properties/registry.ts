import type { PropertyDef } from './types';
import { determinism } from './defs/determinism';
import { netisrConformance } from './defs/netisr.conformance';
import { serializability } from './defs/serializability';
import { udpIntegrity } from './defs/udp.integrity';
import { udpRefinement } from './defs/udp.refinement';

/**
 * Every property, in the order `mpcheck list` shows them. The vitest files
 * (`properties/<name>.test.ts`) and `mpcheck fuzz` both take their definitions from here.
 */
export const PROPERTIES: readonly PropertyDef[] = [
  udpRefinement,
  netisrConformance,
  serializability,
  udpIntegrity,
  determinism,
];

export function findProperty(name: string): PropertyDef | undefined {
  return PROPERTIES.find((p) => p.name === name);
}

/** A glob as a whole-name regexp: `*` any run of characters, `?` one character. */
export function globRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

/** Properties whose name matches `glob` ('udp.*', '*', an exact name), in registry order. */
export function matchProperties(glob: string): PropertyDef[] {
  const re = globRegExp(glob);
  return PROPERTIES.filter((p) => re.test(p.name));
}

/** Properties matching any of the globs, each once, in registry order; unmatched globs named. */
export function selectProperties(globs: readonly string[]): {
  selected: PropertyDef[];
  unmatched: string[];
} {
  if (globs.length === 0) return { selected: [...PROPERTIES], unmatched: [] };
  const unmatched = globs.filter((g) => matchProperties(g).length === 0);
  const res = globs.map(globRegExp);
  return { selected: PROPERTIES.filter((p) => res.some((re) => re.test(p.name))), unmatched };
}
