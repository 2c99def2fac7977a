import { describe, expect, it } from 'vitest';
import { checkCpuIndependence, connectionWires } from '../../src/check/cpuindep';
import { decodePacket, encodePacket } from '../../src/core/codec';
import { runScenarioChecked } from '../../src/scenario/builder';
import { withTrace } from './builders';
import { bulkScenario } from './tcpfixture';

describe('cpu-independence: the same timed inputs on any CPU count give the same wire', () => {
  const base = runScenarioChecked(bulkScenario([4, 3]), false);

  it('compares connections by opener, destination and time, not by ephemeral port or ISN', () => {
    const w = connectionWires(base);
    expect(w.wires.size + w.simultaneous.size).toBe(2);
    expect(w.wires.size).toBeGreaterThan(0);
    for (const lines of w.wires.values()) expect(lines[0]!.text).toMatch(/^c>s \[S\] seq 0 ack -/);
  });

  it.each([[1, 1], [2, 2], [16, 7]] as const)('%i and %i CPUs agree with 4 and 3', (a, b) => {
    const other = runScenarioChecked(bulkScenario([a, b]), false);
    expect(checkCpuIndependence(base, other, `${a},${b} cpus`)).toEqual({ ok: true });
  });

  it('fails when one segment of a compared connection differs (a window off by one)', () => {
    const compared = [...connectionWires(base).wires.values()];
    const victim = compared[0]![3]!.seq;
    const other = withTrace(base, base.trace.map((e) => {
      if (e.seq !== victim || e.kind !== 'frame-sent') return e;
      const p = decodePacket(e.bytes);
      if (!p.ok || p.value.body.proto !== 'tcp') return e;
      const tcp = { ...p.value.body.tcp, window: p.value.body.tcp.window + 1 };
      return { ...e, bytes: encodePacket({ ...p.value, body: { proto: 'tcp', tcp } }) };
    }));
    const v = checkCpuIndependence(base, other, 'the tampered run');
    expect(compared.length).toBeGreaterThan(0);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.kind).toBe('wire-differs');
  });
});
