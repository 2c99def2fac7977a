import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  renderPcap,
  renderReport,
  renderSequenceDiagram,
  renderSwimlane,
  renderTraceText,
  describeSteps,
  TRACE_HEADER,
} from '../../src/report/index';
import type { ReportInput } from '../../src/report/index';
import { syntheticRun, syntheticScenario } from './fixtures';

/**
 * Method: render every counterexample file from a small hand-written run (fixtures.ts) and check
 * structure, not prose: trace.txt has one aligned line per event; capture.pcap holds every sent
 * frame at its virtual time (and tcpdump/tshark, when installed, read it with good checksums);
 * report.md puts the replay command in its first lines and carries a Mermaid diagram that a small
 * grammar of sequenceDiagram statements accepts, with drops and retransmissions marked.
 */

const REPLAY = 'npx mpcheck replay out/udp.refinement/refinement.frame-mismatch/scenario.json';

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    property: { name: 'udp.refinement', claim: 'the impl refines the model', rules: ['UP-1', 'UDP-8'] },
    scenario: syntheticScenario(),
    run: syntheticRun(),
    verdict: {
      ok: false,
      checker: 'refinement',
      kind: 'frame-mismatch',
      claim: 'The implementation refines the model',
      message: 'frame 2 from host 0 differs from the model: length 20 ≠ 100',
      atSeq: 14,
      details: ['impl : 10.0.0.1.49152 > 10.0.0.2.7: UDP, length 20', 'model: 10.0.0.1.49152 > 10.0.0.2.7: UDP, length 100'],
    },
    replayCommand: REPLAY,
    traceHash: 'ab'.repeat(32),
    minCpus: 2,
    ...overrides,
  };
}

/** A small grammar of the Mermaid sequenceDiagram statements the renderer may emit. */
function mermaidProblems(lines: readonly string[]): string[] {
  const problems: string[] = [];
  if (lines[0] !== 'sequenceDiagram') problems.push(`first line is '${lines[0]}'`);
  const declared = new Set<string>();
  let depth = 0;
  for (const line of lines.slice(1)) {
    const participant = /^\s+participant (\w+) as [^;#]+$/.exec(line);
    const message = /^\s+(\w+)(->>|-x|--\))(\w+): [^;#]+$/.exec(line);
    const note = /^\s+Note over (\w+)(?:,(\w+))?: [^;#]+$/.exec(line);
    if (participant !== null) declared.add(participant[1]!);
    else if (message !== null) {
      for (const who of [message[1]!, message[3]!]) if (!declared.has(who)) problems.push(`undeclared ${who}: ${line}`);
    } else if (note !== null) {
      if (!declared.has(note[1]!)) problems.push(`note over undeclared ${note[1]}`);
    } else if (/^\s+rect rgba?\([\d ,.]+\)$/.test(line)) depth++;
    else if (/^\s+end$/.test(line)) depth--;
    else problems.push(`not a statement: '${line}'`);
    if (depth < 0) problems.push('end without rect');
  }
  if (depth !== 0) problems.push('unbalanced rect/end');
  return problems;
}

function mermaidBlock(markdown: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf('```mermaid');
  expect(start).toBeGreaterThan(0);
  const end = lines.indexOf('```', start + 1);
  return lines.slice(start + 1, end);
}

describe('trace.txt', () => {
  const text = renderTraceText(syntheticRun());
  const lines = text.trimEnd().split('\n');

  it('has a comment line, the column header, then one line per event', () => {
    expect(lines[0]).toMatch(/^# mpcheck trace: 25 events, outcome quiescent/);
    expect(lines[1]).toBe(TRACE_HEADER);
    expect(lines).toHaveLength(2 + syntheticRun().trace.length);
  });

  it('keeps every column at a fixed offset', () => {
    const glyphAt = TRACE_HEADER.indexOf(' g ') + 1;
    for (const line of lines.slice(2)) {
      expect(line.slice(0, 13)).toMatch(/^ *\d+\.\d{6}$/);
      expect(line[glyphAt - 1]).toBe(' ');
      expect(line[glyphAt + 1]).toBe(' ');
    }
    expect(lines[2]!.slice(0, 13).trim()).toBe('0.000100');
  });

  it('fills host, cpu and thread where the event has them and "-" elsewhere', () => {
    const commit = lines.find((l) => l.includes('commit txn 2'))!;
    expect(commit.trim().split(/\s+/).slice(1, 6)).toEqual(['14', '1', '0', '1', '*']);
    const phase = lines.find((l) => l.includes('phase safety'))!;
    expect(phase.trim().split(/\s+/).slice(1, 6)).toEqual(['0', '-', '-', '-', '=']);
    const drop = lines.find((l) => l.includes('frame 2 drop'))!;
    expect(drop.trim().split(/\s+/).slice(3, 6)).toEqual(['-', '-', 'x']); // the fate names the sender host
    expect(drop.trim().split(/\s+/)[2]).toBe('0');
  });

  it('summarizes frames as tcpdump does', () => {
    expect(text).toContain('frame 1 sent: 10.0.0.1.49152 > 10.0.0.2.7: UDP, length 100');
    expect(text).toContain('Flags [S], seq 1000');
  });
});

describe('capture.pcap', () => {
  const run = syntheticRun();
  const pcap = renderPcap(run);
  const sent = run.trace.filter((e) => e.kind === 'frame-sent');

  it('holds every sent frame, in order, at its virtual time', () => {
    const view = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
    expect(view.getUint32(0, true)).toBe(0xa1b2c3d4);
    let at = 24;
    for (const e of sent) {
      expect(view.getUint32(at, true) * 1_000_000 + view.getUint32(at + 4, true)).toBe(e.t);
      const len = view.getUint32(at + 8, true);
      expect(pcap.slice(at + 16, at + 16 + len)).toEqual(e.bytes);
      at += 16 + len;
    }
    expect(at).toBe(pcap.length);
  });

  const file = join(mkdtempSync(join(tmpdir(), 'mpcheck-report-')), 'capture.pcap');
  writeFileSync(file, pcap);
  const has = (tool: string): boolean => spawnSync(tool, ['--version']).error === undefined;

  it.runIf(has('tcpdump'))('reads in tcpdump with correct checksums', () => {
    const out = execFileSync('tcpdump', ['-r', file, '-n', '-vv'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(out.split('\n').filter((l) => /^\d/.test(l))).toHaveLength(sent.length);
    expect(out).not.toMatch(/bad (udp |tcp )?cksum|incorrect/i);
    expect(out.match(/udp sum ok|cksum 0x[0-9a-f]+ \(correct\)/g)).toHaveLength(sent.length);
  });

  it.runIf(has('tshark') || process.env['CI'] === 'true')('reads in tshark with valid checksums', () => {
    const out = execFileSync(
      'tshark',
      ['-r', file, '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-T', 'fields', '-e', 'frame.number', '-e', '_ws.expert.message'],
      { encoding: 'utf8' },
    );
    expect(out.trim().split('\n')).toHaveLength(sent.length);
    expect(out).not.toMatch(/checksum/i);
  });
});

describe('report.md', () => {
  const report = renderReport(input());
  const lines = report.split('\n');

  it('opens with the property, the verdict and the replay command', () => {
    expect(lines[0]).toBe('# `udp.refinement` failed: frame 2 from host 0 differs from the model: length 20 ≠ 100');
    expect(report).toContain('the impl refines the model (covers UP-1, UDP-8)');
    const replayAt = lines.findIndex((l) => l.includes(REPLAY));
    expect(replayAt).toBeGreaterThanOrEqual(0);
    expect(replayAt).toBeLessThan(60);
    expect(replayAt).toBeLessThan(10);
  });

  it('states the scenario in words, collapsing repeated steps', () => {
    expect(report).toContain('- host 0 (10.0.0.1): impl, 2 CPUs');
    expect(report).toContain('- host 1 (10.0.0.2): model, 1 CPU udp {"recvspace":100}');
    expect(report).toContain('send s 100 B → host 1:7 ×3; close s');
    expect(report).toContain('link 0 ab frame #1: drop');
    expect(report).toContain('schedule: 2 explicit choices [0,1], then pct depth 2 (seed 3)');
  });

  it('keeps property, verdict, details, scenario and the swimlane header within 60 lines', () => {
    const first60 = lines.slice(0, 60).join('\n');
    for (const part of ['## What went wrong', 'impl : 10.0.0.1', '## Scenario', '## Last events per CPU']) {
      expect(first60).toContain(part);
    }
  });

  it('carries a Mermaid sequence diagram a sequenceDiagram grammar accepts', () => {
    const mermaid = mermaidBlock(report);
    expect(mermaidProblems(mermaid)).toEqual([]);
    expect(mermaid.some((l) => /H0-xH1: UDP 49152→7 len 20 ✗ drop/.test(l))).toBe(true);
    expect(mermaid.some((l) => /H0->>H1: UDP 49152→7 len 30 \(×2\)/.test(l))).toBe(true);
  });

  it('highlights a retransmission and cuts the diagram at the violation', () => {
    const full = renderSequenceDiagram(syntheticRun().hosts, syntheticRun().trace);
    expect(mermaidProblems(full)).toEqual([]);
    const retx = full.findIndex((l) => l.includes('RETX'));
    expect(full[retx - 1]).toMatch(/^\s+rect /);
    expect(full[retx + 1]).toMatch(/^\s+end$/);
    expect(full.filter((l) => l.includes('RETX'))).toHaveLength(1);
    expect(mermaidBlock(report).join('\n')).not.toContain('RETX'); // atSeq 14 is before the SYNs
  });

  it('says how many frames a long diagram leaves out', () => {
    const lines = renderSequenceDiagram(syntheticRun().hosts, syntheticRun().trace, { framesMax: 2 });
    expect(lines).toContain('  Note over H0,H1: 4 earlier frames not shown');
    expect(lines.filter((l) => /H0(->>|-x|--\))H1/.test(l))).toHaveLength(2);
  });

  it('has a grammar that rejects broken diagrams', () => {
    expect(mermaidProblems(['sequenceDiagram', '  H0->>H1: x'])).not.toEqual([]);
    expect(mermaidProblems(['sequenceDiagram', '  participant H0 as a', '  rect rgb(1, 2, 3)'])).not.toEqual([]);
    expect(mermaidProblems(['sequenceDiagram', '  participant H0 as a', '  H0->>H0: a; b'])).not.toEqual([]);
  });
});

describe('swimlane', () => {
  const trace = syntheticRun().trace;

  it('gives each busy CPU a column and marks the violating event', () => {
    const lines = renderSwimlane(trace, 14);
    expect(lines[0]).toContain('host 0 cpu 1');
    expect(lines[0]).toContain('host 1 cpu 0');
    expect(lines[0]).toContain('wire / other');
    expect(lines).toHaveLength(2 + 15);
    expect(lines.at(-1)).toMatch(/ 14 ▶\|/);
    const commitLine = lines.find((l) => l.includes('* commit txn 2'))!;
    const lane = lines[0]!.indexOf('host 1 cpu 0');
    expect(commitLine.indexOf('* commit txn 2')).toBe(lane);
  });

  it('shows at most the last N events', () => {
    expect(renderSwimlane(trace, undefined, 5)).toHaveLength(2 + 5);
  });
});

describe('scenario words', () => {
  it('collapses runs of identical steps but not different ones', () => {
    expect(describeSteps([
      { op: 'sleep', us: 5 }, { op: 'sleep', us: 5 }, { op: 'sleep', us: 6 }, { op: 'sleep', us: 5 },
    ])).toBe('sleep 5 µs ×2; sleep 6 µs; sleep 5 µs');
    expect(describeSteps([])).toBe('(no steps)');
  });
});
