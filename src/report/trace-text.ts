import type { RunRecord } from '../core/run';
import { formatInstant } from '../core/time';
import type { TraceEvent } from '../core/trace';
import { glyphOf, indexFrames, placeOf, summarize } from './events';
import type { FrameIndex } from './events';

/**
 * trace.txt: the whole trace, one fixed-column line per event, so `grep`, `sort -k` and a diff of
 * two runs work on it (STYLE P15). Columns, documented in docs/TESTING.md:
 *
 *   time (virtual seconds.microseconds) · seq · host · cpu · thread · glyph · summary
 *
 * A column the event does not have shows `-`.
 */

export const TRACE_HEADER = `${pad('time', 13)} ${pad('seq', 7)} ${pad('host', 4)} ${pad('cpu', 3)} ` +
  `${pad('thr', 4)} g summary`;

function pad(text: string, width: number): string {
  return text.padStart(width);
}

const cell = (v: number | null, width: number): string => pad(v === null ? '-' : String(v), width);

/** One event as one fixed-column line. */
export function traceLine(e: TraceEvent, index: FrameIndex): string {
  const p = placeOf(e, index);
  return `${pad(formatInstant(e.t), 13)} ${pad(String(e.seq), 7)} ${cell(p.host, 4)} ${cell(p.cpu, 3)} ` +
    `${cell(p.thread, 4)} ${glyphOf(e)} ${summarize(e)}`;
}

/** The whole trace.txt: a comment line saying what the run was, the header, then every event. */
export function renderTraceText(run: RunRecord): string {
  const index = indexFrames(run.trace);
  const lines = [
    `# mpcheck trace: ${run.trace.length} events, outcome ${run.outcome.kind}, ` +
      `ended at ${formatInstant(run.stats.endUs as TraceEvent['t'])} s virtual`,
    TRACE_HEADER,
  ];
  for (const e of run.trace) lines.push(traceLine(e, index));
  return `${lines.join('\n')}\n`;
}
