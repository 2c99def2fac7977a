import { PROPERTIES } from '../../properties/registry';
import type { PropertyDef } from '../../properties/types';
import { CANARY } from './canary';

/**
 * `mpcheck list`: every property `fuzz --property` accepts, with the claim it shows and the
 * rules it covers, in registry order; then the canary, which only its exact name selects.
 */
export function listLines(): string[] {
  const all: readonly PropertyDef[] = [...PROPERTIES, CANARY];
  const width = Math.max(...all.map((p) => p.name.length));
  const lines: string[] = [];
  if (PROPERTIES.length === 0) lines.push('no properties are registered (properties/registry.ts)');
  for (const p of all) {
    lines.push(`${p.name.padEnd(width)}  ${p.claim}`);
    const rules = p.rules.length === 0 ? '' : `covers ${p.rules.join(', ')}; `;
    const runs = p === CANARY ? 'selected only by name, never by a glob' : `${p.ciRuns} runs under npm test`;
    lines.push(`${' '.repeat(width)}  ${rules}${runs}${p.checkMode ? '; check mode' : ''}`);
  }
  return lines;
}
