import { relative } from 'node:path';
import { coverageLines } from './coverage';
import { resultLine, totals } from './tally';
import type { Tally } from './tally';

/**
 * The campaign's markdown summary, written to `DIR/summary.md` (one per shard when sharded, so a
 * CI matrix can collect them side by side): what ran, what it found with links to each report,
 * what it covered, and how fast — timings are fine here; the file is for people, not for diff.
 */

export interface SummaryFacts {
  readonly command: string;
  readonly seed: string;
  readonly shard: string;
  readonly budget: string;
  readonly constraints: string;
  readonly startedAt: string;
  readonly elapsedMs: number;
  readonly workers: number;
  readonly peakRssBytes: number;
  readonly outDir: string;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderSummary(t: Tally, f: SummaryFacts): string {
  const sum = totals(t);
  const secs = f.elapsedMs / 1000;
  const lines = [
    '# mpcheck fuzz summary',
    '',
    `- **${resultLine(t).replace(/^result: /, '')}**`,
    `- command: \`${f.command}\``,
    `- seed \`${f.seed}\`, shard ${f.shard}, budget ${f.budget}; ${f.constraints}`,
    `- started ${f.startedAt}; ran ${secs.toFixed(1)} s with ${f.workers} worker${f.workers === 1 ? '' : 's'}, ` +
      `${secs > 0 ? Math.round(sum.runs / secs) : 0} runs/s, peak RSS ${Math.round(f.peakRssBytes / 2 ** 20)} MiB`,
    '',
    '| property | runs | failures | distinct | claim |',
    '|---|---:|---:|---:|---|',
  ];
  for (const p of t.properties.values()) {
    lines.push(`| \`${p.name}\` | ${p.runs} | ${p.failures} | ${p.signatures.size} | ${cell(p.claim)} |`);
  }
  lines.push(`| **total** | ${sum.runs} | ${sum.failures} | ${sum.distinct} | |`);
  if (sum.distinct > 0) {
    lines.push('', '## Failures', '', '| property | signature | seen | first message | report |', '|---|---|---:|---|---|');
    for (const p of t.properties.values()) {
      for (const s of p.signatures.values()) {
        const link = `${relative(f.outDir, s.dir)}/report.md`;
        const note = s.status === 'exists' ? ' (saved earlier)' : '';
        lines.push(`| \`${p.name}\` | \`${s.signature}\` | ${s.count} | ${cell(s.message)} | [report.md](${link})${note} |`);
      }
    }
  }
  lines.push('', '## Coverage', '', ...coverageLines(t.coverage));
  if (t.errors.length > 0) lines.push('', '## Errors', '', ...t.errors.map((e) => `- ${cell(e)}`));
  if (t.interrupted) lines.push('', '_The campaign was interrupted; the figures cover the jobs that finished._');
  return `${lines.join('\n')}\n`;
}
