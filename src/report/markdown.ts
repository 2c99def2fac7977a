import type { RunRecord, Verdict } from '../core/run';
import { formatInstant } from '../core/time';
import type { Instant } from '../core/time';
import type { Scenario } from '../scenario/types';
import { renderSequenceDiagram } from './mermaid';
import { describeScenario } from './scenario-words';
import { renderSwimlane } from './swimlane';

/**
 * report.md: a counterexample ready to paste into an issue. The first lines carry what a reader
 * needs to act — the property and its claim, the verdict, the one-line replay command, the run's
 * facts — then the divergence details, the scenario in words, the per-CPU swimlane of the last
 * events and the Mermaid diagram of the frames. The replay command is always within the first
 * ten lines; everything essential is within the first 60 unless the scenario itself is large.
 */

export type Failure = Exclude<Verdict, { ok: true }>;

export interface ReportInput {
  readonly property: { readonly name: string; readonly claim: string; readonly rules: readonly string[] };
  readonly scenario: Scenario;
  readonly run: RunRecord;
  /** Usually a failure; `mpcheck replay --report` also renders runs on which the property held. */
  readonly verdict: Verdict;
  /** The one-line command that replays this failure. */
  readonly replayCommand: string;
  readonly traceHash: string;
  /** Smallest CPU count that still fails, when the shrinker established it. */
  readonly minCpus?: number;
  /** Where the failure came from, when a fuzz campaign found it. */
  readonly origin?: { readonly seed: number; readonly runsBeforeFailure: number; readonly shrinkSteps: number };
}

const DETAILS_INLINE = 16;

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

function verdictLine(v: Verdict): string {
  if (v.ok) return '- **Verdict:** the property held on this run';
  return `- **Verdict:** checker \`${v.checker}\`, kind \`${v.kind}\` — claim at stake: ${v.claim}`;
}

function headLines(r: ReportInput): string[] {
  const v = r.verdict;
  const rules = r.property.rules.length === 0 ? '' : ` (covers ${r.property.rules.join(', ')})`;
  const end = formatInstant(r.run.stats.endUs as Instant);
  const cpus = r.minCpus === undefined ? '' : `; still fails with ${r.minCpus} CPU${r.minCpus === 1 ? '' : 's'}`;
  const lines = [
    v.ok ? `# \`${r.property.name}\` held on this scenario` : `# \`${r.property.name}\` failed: ${v.message}`,
    '',
    `- **Property:** \`${r.property.name}\` — ${r.property.claim}${rules}`,
    verdictLine(v),
    `- **Replay:** \`${r.replayCommand}\``,
    `- **Run:** outcome \`${r.run.outcome.kind}\`, ${r.run.trace.length} events, ${r.run.stats.decisions} ` +
      `scheduler decisions, ended at ${end} s (virtual)${cpus}; trace hash \`${r.traceHash.slice(0, 16)}\``,
  ];
  if (r.origin !== undefined) {
    lines.push(`- **Found by:** \`mpcheck fuzz\` seed ${r.origin.seed}, after ${plural(r.origin.runsBeforeFailure, 'run')}, ` +
      `${plural(r.origin.shrinkSteps, 'shrink step')}`);
  }
  if (!v.ok && v.atSeq !== undefined) lines.push(`- **Shows at:** trace event seq ${v.atSeq} (marked ▶ below; see trace.txt)`);
  return lines;
}

function detailLines(v: Verdict): string[] {
  if (v.ok) return [];
  const details = v.details ?? [];
  const lines = ['', '## What went wrong', '', v.message];
  if (details.length === 0) return lines;
  lines.push('', '```text', ...details.slice(0, DETAILS_INLINE));
  if (details.length > DETAILS_INLINE) {
    lines.push(`… ${details.length - DETAILS_INLINE} more lines under "All details" below`);
  }
  lines.push('```');
  return lines;
}

/** Render report.md. */
export function renderReport(r: ReportInput): string {
  const atSeq = r.verdict.ok ? undefined : r.verdict.atSeq;
  const details = r.verdict.ok ? [] : r.verdict.details ?? [];
  const lines = [
    ...headLines(r),
    ...detailLines(r.verdict),
    '',
    '## Scenario',
    '',
    ...describeScenario(r.scenario),
    '',
    '## Last events per CPU',
    '',
    '```text',
    ...renderSwimlane(r.run.trace, atSeq),
    '```',
    '',
    '## Frames between hosts',
    '',
    '```mermaid',
    ...renderSequenceDiagram(r.run.hosts, r.run.trace, atSeq === undefined ? {} : { atSeq }),
    '```',
    '',
    '## Files',
    '',
    '- `scenario.json` — the counterexample: the scenario that replays this failure exactly',
    '- `trace.txt` — every event, one fixed-column line each (columns in docs/TESTING.md)',
    '- `capture.pcap` — every frame, virtual timestamps; open with Wireshark or `tshark -r`',
  ];
  if (details.length > DETAILS_INLINE) lines.push('', '## All details', '', '```text', ...details, '```');
  if (r.run.outcome.kind === 'crash' && r.run.outcome.stack !== '') {
    lines.push('', '## Crash stack', '', '```text', r.run.outcome.stack, '```');
  }
  return `${lines.join('\n')}\n`;
}
