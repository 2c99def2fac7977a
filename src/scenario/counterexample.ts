import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import type { Result } from '../core/result';
import { err, ok } from '../core/result';
import type { Verdict } from '../core/run';
import {
  COUNTEREXAMPLE_FORMAT,
  COUNTEREXAMPLE_VERSION,
  parseJsonText,
  parseScenarioAt,
  parseWrapper,
} from './schema';
import { prettyJson } from './json';
import type { Scenario } from './types';

/**
 * The counterexample file: a shrunk failing scenario plus what it showed, written by `mpcheck fuzz`
 * and the vitest properties, replayed by `mpcheck replay` and by test/regressions.test.ts. The
 * scenario alone replays the run; the rest says what to expect and where it came from.
 *
 * ```json
 * { "format": "mpcheck-counterexample", "version": 1, "harness": "0.1.0",
 *   "property": "udp.refinement", "verdict": { "checker", "kind", "message" },
 *   "minCpus": 2, "traceHash": "…", "scenario": { … } }
 * ```
 */

export interface CounterexampleVerdict {
  readonly checker: string;
  readonly kind: string;
  readonly message: string;
  readonly claim?: string;
}

export interface CounterexampleFile {
  readonly format: typeof COUNTEREXAMPLE_FORMAT;
  readonly version: typeof COUNTEREXAMPLE_VERSION;
  /** The harness (package) version that wrote the file. */
  readonly harness: string;
  readonly property: string;
  readonly verdict: CounterexampleVerdict;
  readonly minCpus: number;
  readonly traceHash: string;
  readonly scenario: Scenario;
}

const require = createRequire(import.meta.url);
/** package.json's version: files say which harness wrote them. */
export const HARNESS_VERSION: string = (require('../../package.json') as { version: string })
  .version;

export interface CounterexampleFacts {
  readonly property: string;
  readonly verdict: Exclude<Verdict, { ok: true }>;
  readonly minCpus: number;
  readonly traceHash: string;
  readonly scenario: Scenario;
}

export function counterexampleFile(facts: CounterexampleFacts): CounterexampleFile {
  const v = facts.verdict;
  return {
    format: COUNTEREXAMPLE_FORMAT,
    version: COUNTEREXAMPLE_VERSION,
    harness: HARNESS_VERSION,
    property: facts.property,
    verdict: { checker: v.checker, kind: v.kind, message: v.message, claim: v.claim },
    minCpus: facts.minCpus,
    traceHash: facts.traceHash,
    scenario: facts.scenario,
  };
}

/** Pretty JSON with a final newline: files are read and diffed by people (json.ts). */
export const serializeCounterexample = (file: CounterexampleFile): string =>
  `${prettyJson(file)}\n`;

/** Validate parsed JSON as a counterexample file; the error is one line naming the field. */
export function parseCounterexample(json: unknown): Result<CounterexampleFile, string> {
  const wrapper = parseWrapper(json);
  if (!wrapper.ok) return wrapper;
  const scenario = parseScenarioAt(wrapper.value.scenario, 'scenario');
  if (!scenario.ok) return scenario;
  const w = wrapper.value;
  const verdict: CounterexampleVerdict =
    w.verdict.claim === undefined
      ? { checker: w.verdict.checker, kind: w.verdict.kind, message: w.verdict.message }
      : { ...w.verdict, claim: w.verdict.claim };
  return ok({ ...w, verdict, scenario: scenario.value });
}

let tempCounter = 0;

/**
 * Write atomically: a temporary file in the same directory, then rename, so a reader (or a crash
 * mid-write) never sees half a file. Creates the directory if needed.
 */
export function writeCounterexample(path: string, file: CounterexampleFile): void {
  writeFileAtomic(path, serializeCounterexample(file));
}

export function writeFileAtomic(path: string, text: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${tempCounter++}.tmp`);
  try {
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}

/** Read and validate a counterexample file; errors are one line starting with the path. */
export function readCounterexample(path: string): Result<CounterexampleFile, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code ?? (e instanceof Error ? e.message : String(e));
    return err(`${path}: cannot read (${code})`);
  }
  const json = parseJsonText(text);
  if (!json.ok) return err(`${path}: ${json.error}`);
  const file = parseCounterexample(json.value);
  return file.ok ? file : err(`${path}: ${file.error}`);
}
