/**
 * Counterexample rendering (ARCHITECTURE §2 `report/`): trace.txt, capture.pcap and report.md
 * from a finished run and its verdict. Pure functions from data to text or bytes; writing the
 * files (atomically) is the caller's job.
 * @public
 */
import { renderReport } from './markdown';
import type { ReportInput } from './markdown';
import { renderPcap } from './pcap';
import { renderTraceText } from './trace-text';

export { renderReport } from './markdown';
export type { Failure, ReportInput } from './markdown';
export { renderPcap } from './pcap';
export { renderTraceText, traceLine, TRACE_HEADER } from './trace-text';
export { renderSwimlane, SWIMLANE_EVENTS } from './swimlane';
export { renderSequenceDiagram, mermaidText, MERMAID_FRAMES_MAX } from './mermaid';
export { describeScenario, describeSteps, describeStrategy } from './scenario-words';
export { glyphOf, summarize, describeRequest, describeResult } from './events';

/** The three rendered files of a counterexample directory, by file name. */
export interface RenderedFiles {
  readonly 'report.md': string;
  readonly 'trace.txt': string;
  readonly 'capture.pcap': Uint8Array;
}

export function renderCounterexampleFiles(input: ReportInput): RenderedFiles {
  return {
    'report.md': renderReport(input),
    'trace.txt': renderTraceText(input.run),
    'capture.pcap': renderPcap(input.run),
  };
}
