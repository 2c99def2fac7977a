import type { TraceEvent } from '../core/trace';
import { formatInstant } from '../core/time';
import { glyphOf, indexFrames, placeOf, summarize } from './events';
import type { FrameIndex } from './events';

/**
 * A per-CPU swimlane of the last events before a failure: one column per (host, CPU) that was
 * busy in the window, plus a `wire` column for what happened on links and hosts' NICs. It shows
 * at a glance which CPU did what in which order — the interleaving is usually the bug.
 */

export const SWIMLANE_EVENTS = 30;
const LANE_WIDTH = 30;
const LANES_MAX = 6;

interface Lane {
  readonly key: string;
  readonly title: string;
}

const WIRE: Lane = { key: 'wire', title: 'wire / other' };

function laneKey(host: number, cpu: number): string {
  return `h${host}c${cpu}`;
}

function fit(text: string, width: number): string {
  if (text.length <= width) return text.padEnd(width);
  return `${text.slice(0, width - 1)}…`;
}

/** Lanes in first-seen order over the window; CPUs beyond LANES_MAX share the wire column. */
function lanesOf(events: readonly TraceEvent[], index: FrameIndex): Lane[] {
  const lanes: Lane[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    const p = placeOf(e, index);
    if (p.host === null || p.cpu === null) continue;
    const key = laneKey(p.host, p.cpu);
    if (seen.has(key) || lanes.length >= LANES_MAX) continue;
    seen.add(key);
    lanes.push({ key, title: `host ${p.host} cpu ${p.cpu}` });
  }
  lanes.sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }));
  return [...lanes, WIRE];
}

/**
 * The swimlane of the `count` events up to and including `atSeq` (or the trace's end), as lines
 * for a fenced code block. The event at `atSeq` is marked with `▶`.
 */
export function renderSwimlane(
  trace: readonly TraceEvent[],
  atSeq?: number,
  count = SWIMLANE_EVENTS,
): string[] {
  const index = indexFrames(trace);
  let end = trace.length;
  if (atSeq !== undefined) {
    const at = trace.findIndex((e) => e.seq === atSeq);
    if (at >= 0) end = at + 1;
  }
  const window = trace.slice(Math.max(0, end - count), end);
  const lanes = lanesOf(window, index);
  const header = `${'time'.padStart(13)} ${'seq'.padStart(6)}  | ` +
    lanes.map((l) => fit(l.title, LANE_WIDTH)).join(' | ').trimEnd();
  const lines = [header, '-'.repeat(header.length)];
  for (const e of window) {
    const p = placeOf(e, index);
    const key = p.host !== null && p.cpu !== null ? laneKey(p.host, p.cpu) : WIRE.key;
    const laneAt = lanes.findIndex((l) => l.key === key);
    const column = laneAt >= 0 ? laneAt : lanes.length - 1;
    const hostTag = column === lanes.length - 1 && p.host !== null ? `h${p.host} ` : '';
    const text = `${glyphOf(e)} ${hostTag}${summarize(e)}`;
    const cells = lanes.map((_l, i) => fit(i === column ? text : '', LANE_WIDTH));
    const mark = e.seq === atSeq ? '▶' : ' ';
    lines.push(`${formatInstant(e.t).padStart(13)} ${String(e.seq).padStart(6)} ${mark}| ${cells.join(' | ')}`.trimEnd());
  }
  if (window.length === 0) lines.push('(no events)');
  return lines;
}
