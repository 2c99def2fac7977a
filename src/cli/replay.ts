import { readFileSync } from 'node:fs';
import { traceHash } from '../core/hash';
import type { Verdict } from '../core/run';
import { renderPcap, renderReport, renderTraceText } from '../report/index';
import { parseCounterexample } from '../scenario/counterexample';
import type { CounterexampleFile } from '../scenario/counterexample';
import { isCounterexampleWrapper, parseJsonText, parseScenarioAt } from '../scenario/schema';
import type { Scenario } from '../scenario/types';
import { checkScenario } from '../../properties/harness';
import type { CheckedRun, PropertyDef } from '../../properties/types';
import { UsageError } from './errors';
import { replayCommandFor } from './failures';
import { writeFileAtomic } from './files';
import { findDef, selectDefs } from './select';

/**
 * `mpcheck replay FILE`: re-run a counterexample file (or a bare scenario file) exactly, print each
 * property's verdict and the trace hash, and render what is asked. A counterexample file names
 * its property and the trace hash it had, so replay says whether the failure reproduced exactly.
 * A bare scenario is checked against the properties given with --property, or all of them.
 */

export interface ReplayOptions {
  readonly file: string;
  readonly properties: readonly string[];
  readonly trace: boolean;
  readonly report: string | null;
  readonly pcap: string | null;
}

interface Loaded {
  readonly scenario: Scenario;
  readonly counterexample: CounterexampleFile | null;
}

/** Read and validate the file; every problem is a one-line UsageError naming the file. */
export function loadReplayFile(file: string): Loaded {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read (${(e as { code?: string }).code ?? String(e)})`);
  }
  const json = parseJsonText(text);
  if (!json.ok) throw new UsageError(`${file}: ${json.error}`);
  if (isCounterexampleWrapper(json.value)) {
    const cx = parseCounterexample(json.value);
    if (!cx.ok) throw new UsageError(`${file}: ${cx.error}`);
    return { scenario: cx.value.scenario, counterexample: cx.value };
  }
  const scenario = parseScenarioAt(json.value, 'scenario');
  if (!scenario.ok) throw new UsageError(`${file}: ${scenario.error}`);
  return { scenario: scenario.value, counterexample: null };
}

function defsFor(loaded: Loaded, globs: readonly string[]): PropertyDef[] {
  if (globs.length > 0 || loaded.counterexample === null) return selectDefs(globs);
  const name = loaded.counterexample.property;
  const def = findDef(name);
  if (def === undefined) throw new UsageError(`counterexample property '${name}' is not a known property (see \`mpcheck list\`)`);
  return [def];
}

function verdictLines(name: string, v: Verdict): string[] {
  if (v.ok) return [`${name}: held`];
  return [`${name}: FAIL ${v.checker} [${v.kind}]: ${v.message}`, ...(v.details ?? []).map((d) => `    ${d}`)];
}

function hashLine(hash: string, cx: CounterexampleFile | null): string {
  if (cx === null) return `  trace hash ${hash}`;
  if (cx.traceHash === hash) return `  trace hash ${hash} (identical to the counterexample's)`;
  return `  trace hash ${hash} DIFFERS from the counterexample's ${cx.traceHash}`;
}

function scenarioLine(s: Scenario): string {
  const cpus = s.hosts.map((h) => h.ncpus).join('/');
  return `scenario: ${s.hosts.length} hosts (${cpus} CPUs), ${s.links.length} links, ` +
    `${s.faults.frames.length + s.faults.partitions.length} faults, ${s.apps.length} apps, ` +
    `${s.schedule.choices.length} schedule choices then ${s.schedule.then.kind}`;
}

function render(o: ReplayOptions, def: PropertyDef, checked: CheckedRun, hash: string, minCpus?: number): string[] {
  const lines: string[] = [];
  if (o.report !== null) {
    writeFileAtomic(o.report, renderReport({
      property: def,
      scenario: checked.scenario,
      run: checked.run,
      verdict: checked.verdict,
      replayCommand: replayCommandFor(o.file),
      traceHash: hash,
      ...(minCpus === undefined ? {} : { minCpus }),
    }));
    lines.push(`report written to ${o.report}`);
  }
  if (o.pcap !== null) {
    writeFileAtomic(o.pcap, renderPcap(checked.run));
    lines.push(`capture written to ${o.pcap}`);
  }
  return lines;
}

/** Run the command; returns the exit code (0 held, 1 failed). */
export function replayCommand(o: ReplayOptions, print: (...lines: string[]) => void): number {
  const loaded = loadReplayFile(o.file);
  const defs = defsFor(loaded, o.properties);
  const cx = loaded.counterexample;
  print(`replay ${o.file}`, scenarioLine(loaded.scenario));
  if (cx !== null) print(`recorded: ${cx.property} failed: ${cx.verdict.checker} [${cx.verdict.kind}]: ${cx.verdict.message}`);
  let failed = 0;
  let shown: { def: PropertyDef; checked: CheckedRun; hash: string } | null = null;
  for (const def of defs) {
    const checked = checkScenario(def, loaded.scenario);
    const hash = traceHash(checked.run.trace);
    print(...verdictLines(def.name, checked.verdict), hashLine(hash, cx));
    if (!checked.verdict.ok) failed++;
    if (shown === null || (!checked.verdict.ok && shown.checked.verdict.ok)) shown = { def, checked, hash };
  }
  if (shown !== null) {
    if (o.trace) print(renderTraceText(shown.checked.run).trimEnd());
    print(...render(o, shown.def, shown.checked, shown.hash, cx?.minCpus));
  }
  if (cx !== null && failed === 0) print('the recorded failure did not reproduce: the property now holds');
  return failed > 0 ? 1 : 0;
}
