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
  readonly verdict: Failure;
  /** The one-line command that replays this failure. */
  readonly replayCommand: string;
  readonly traceHash: string;
  /** Smallest CPU count that still fails, when the shrinker established it. */
  readonly minCpus?: number;
  /** Where the failure came from, when a fuzz campaign found it. */
  readonly origin?: { readonly seed: number; readonly runsBeforeFailure: number; readonly shrinkSteps: number };
}

const DETAILS_INLINE = 16;

function headLines(r: ReportInput): string[] {
  const v = r.verdict;
  const rules = r.property.rules.length === 0 ? '' : ` (covers ${r.property.rules.join(', ')})`;
  const end = formatInstant(r.run.stats.endUs as Instant);
  const cpus = r.minCpus === undefined ? '' : `; still fails with ${r.minCpus} CPU${r.minCpus === 1 ? '' : 's'}`;
  const lines = [
    `# \`${r.property.name}\` failed: ${v.message}`,
    '',
    `- **Property:** \`${r.property.name}\` — ${r.property.claim}${rules}`,
    `- **Verdict:** checker \`${v.checker}\`, kind \`${v.kind}\` — claim at stake: ${v.claim}`,
    `- **Replay:** \`${r.replayCommand}\``,
    `- **Run:** outcome \`${r.run.outcome.kind}\`, ${r.run.trace.length} events, ${r.run.stats.decisions} ` +
      `scheduler decisions, ended at ${end} s (virtual)${cpus}; trace hash \`${r.traceHash.slice(0, 16)}\``,
  ];
  if (r.origin !== undefined) {
    lines.push(`- **Found by:** \`mpcheck fuzz\` seed ${r.origin.seed}, after ${r.origin.runsBeforeFailure} ` +
      `runs, ${r.origin.shrinkSteps} shrink steps`);
  }
  if (v.atSeq !== undefined) lines.push(`- **Shows at:** trace event seq ${v.atSeq} (marked ▶ below; see trace.txt)`);
  return lines;
}

function detailLines(v: Failure): string[] {
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
    ...renderSwimlane(r.run.trace, r.verdict.atSeq),
    '```',
    '',
    '## Frames between hosts',
    '',
    '```mermaid',
    ...renderSequenceDiagram(r.run.hosts, r.run.trace, { atSeq: r.verdict.atSeq }),
    '```',
    '',
    '## Files',
    '',
    '- `scenario.json` — the counterexample: the scenario that replays this failure exactly',
    '- `trace.txt` — every event, one fixed-column line each (columns in docs/TESTING.md)',
    '- `capture.pcap` — every frame, virtual timestamps; open with Wireshark or `tshark -r`',
  ];
  const details = r.verdict.details ?? [];
  if (details.length > DETAILS_INLINE) lines.push('', '## All details', '', '```text', ...details, '```');
  if (r.run.outcome.kind === 'crash' && r.run.outcome.stack !== '') {
    lines.push('', '## Crash stack', '', '```text', r.run.outcome.stack, '```');
  }
  return `${lines.join('\n')}\n`;
}
