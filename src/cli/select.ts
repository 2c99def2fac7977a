import { findProperty, PROPERTIES, selectProperties } from '../../properties/registry';
import type { PropertyDef } from '../../properties/types';
import { CANARY, CANARY_NAME } from './canary';
import { UsageError } from './errors';

/**
 * `--property NAME` (repeatable; globs like `udp.*`) to definitions, in registry order. A name
 * that matches nothing is a usage error naming it, with the known names, so a typo never turns
 * into a campaign that silently checks nothing. The canary (canary.ts) is selected only by its
 * exact name and comes last.
 */
export function selectDefs(globs: readonly string[]): PropertyDef[] {
  const canary = globs.includes(CANARY_NAME);
  const rest = globs.filter((g) => g !== CANARY_NAME);
  const { selected, unmatched } = canary && rest.length === 0 ? { selected: [], unmatched: [] } : selectProperties(rest);
  if (unmatched.length > 0) {
    const known = PROPERTIES.map((d) => d.name);
    const names = unmatched.map((g) => `'${g}'`).join(', ');
    throw new UsageError(
      `unknown property ${names} (known: ${known.length === 0 ? 'none' : known.join(', ')}; see \`mpcheck list\`)`,
    );
  }
  return canary ? [...selected, CANARY] : selected;
}

/** A property by exact name, the canary included. */
export const findDef = (name: string): PropertyDef | undefined =>
  name === CANARY_NAME ? CANARY : findProperty(name);
