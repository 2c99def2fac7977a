import { expect } from 'vitest';
import type { Verdict } from '../../src/core/run';

export type Failure = Extract<Verdict, { ok: false }>;

/** The verdict failed with this kind; returns it for further expectations. */
export function expectFailure(v: Verdict, kind: string): Failure {
  if (v.ok) throw new Error(`expected a '${kind}' failure, the check passed`);
  expect(v.kind, `${v.message}\n${(v.details ?? []).join('\n')}`).toBe(kind);
  expect(v.message).not.toContain('\n');
  return v;
}

/** The verdict passed (with the failure in the message if not). */
export function expectPass(v: Verdict): void {
  if (!v.ok)
    throw new Error(`expected a pass: [${v.kind}] ${v.message}\n${(v.details ?? []).join('\n')}`);
}
