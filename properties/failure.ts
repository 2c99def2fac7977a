import { join } from 'node:path';
import {
  counterexampleFile,
  serializeCounterexample,
  writeCounterexample,
} from '../src/scenario/counterexample';
import type { CounterexampleFile } from '../src/scenario/counterexample';
import type { Counterexample } from './types';

/**
 * How a property failure is handed to a person: the shrunk counterexample written as a file
 * (src/scenario/counterexample.ts), and a message that shows it and says how to replay it in one
 * line. Shared by the vitest properties and usable by the CLI.
 */

export const fileOf = (cx: Counterexample): CounterexampleFile =>
  counterexampleFile({
    property: cx.property,
    verdict: cx.verdict,
    minCpus: cx.minCpus,
    traceHash: cx.traceHash,
    scenario: cx.scenario,
  });

/** Where vitest properties write failures: $MPCHECK_FAILURES or mpcheck-out/failures (ignored). */
export const failuresDir = (): string => process.env['MPCHECK_FAILURES'] ?? 'mpcheck-out/failures';

/** Write the counterexample under `dir/<property>/seed-<seed>.json`; returns the path. */
export function saveCounterexample(cx: Counterexample, dir = failuresDir()): string {
  const path = join(dir, cx.property, `seed-${cx.seed}.json`);
  writeCounterexample(path, fileOf(cx));
  return path;
}

export const replayCommand = (path: string): string => `npx mpcheck replay ${path}`;

/** The failure message: what failed, the counterexample as JSON, and the replay line. */
export function formatFailure(cx: Counterexample, path: string | null): string {
  const v = cx.verdict;
  const lines = [
    `property ${cx.property} failed after ${cx.runsBeforeFailure} runs ` +
      `(seed ${cx.seed}, ${cx.shrinkSteps} shrink steps, ` +
      `fails with ${cx.minCpus} CPU${cx.minCpus === 1 ? '' : 's'})`,
    `${v.checker} [${v.kind}]: ${v.message}`,
    ...(v.details ?? []).map((d) => `  ${d}`),
    '',
    'counterexample:',
    serializeCounterexample(fileOf(cx)).trimEnd(),
    '',
  ];
  if (path !== null) lines.push(`replay: ${replayCommand(path)}`);
  lines.push(
    `same search: MPCHECK_SEED=${cx.seed} npx vitest run properties/${cx.property}.test.ts`,
  );
  return lines.join('\n');
}
