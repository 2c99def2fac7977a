import { describe, expect, it } from 'vitest';
import { checkCleanClose } from '../../src/check/close';
import { runScenarioChecked } from '../../src/scenario/builder';
import type { Scenario } from '../../src/scenario/types';
import { dropEvents } from './builders';
import { bulkScenario } from './tcpfixture';

const withModelPeer = (s: Scenario): Scenario =>
  ({ ...s, hosts: [s.hosts[0]!, { ...s.hosts[1]!, stack: 'model' }] });

describe('clean close: every connection ends CLOSED or in TIME-WAIT once the apps are done', () => {
  it.each([['impl', false], ['model', true]] as const)('holds with a %s server', (_n, model) => {
    const s = bulkScenario([2, 3]);
    const run = runScenarioChecked(model ? withModelPeer(s) : s, true);
    expect(run.outcome.kind).toBe('quiescent');
    expect(checkCleanClose(run)).toEqual({ ok: true });
  });

  it('flags a connection left half-open (its LAST-ACK never reached CLOSED)', () => {
    const run = runScenarioChecked(bulkScenario([2, 3]), true);
    const last = run.trace.filter((e) => e.kind === 'state' && e.to === 'CLOSED').at(-1);
    const v = checkCleanClose(dropEvents(run, (e) => e === last));
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.message).toMatch(/left in LAST-ACK/);
  });

  it('leaves runs that did not finish to the liveness checker', () => {
    const run = runScenarioChecked(bulkScenario([2, 3]), true);
    const cut = dropEvents(run, (e) => e.kind === 'state' && e.to === 'CLOSED');
    expect(checkCleanClose({ ...cut, outcome: { kind: 'time-bound', pending: [] } })).toEqual({ ok: true });
  });
});
