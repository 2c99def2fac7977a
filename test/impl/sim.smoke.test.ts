import fc from 'fast-check';
import { expect, test } from 'vitest';
import { hostId } from '../../src/core/ids';
import { RUN_CHECKERS } from '../../src/check';
import { netisrPortViolations } from '../../src/model';
import { udpScenarioArb } from '../../src/scenario/arbitraries';
import { runScenarioChecked } from '../../src/scenario/builder';
import { conflictCycle, linearizationProblems, ownershipViolations } from './audit';
import { refinementProblems } from './refine';

/**
 * The implementation under the real simulator, on the generated UDP scenarios (links with delay,
 * jitter, faults, random schedules, impl and model peers): no crash; this directory's own audits
 * (every input linearized once, ownership disciplines, conflict-serializability, refinement
 * against the model, the model's service-loop rules); and every checker of src/check.
 * A smoke test of the whole seam; the properties proper live in properties/.
 */
test('impl hosts under the simulator: no crash, audits and checkers clean', () => {
  fc.assert(
    fc.property(udpScenarioArb({ stacks: 'mixed' }), (sc) => {
      const run = runScenarioChecked(sc, true);
      if (run.outcome.kind === 'crash') {
        throw new Error(`${run.outcome.message}\n${run.outcome.stack}`);
      }
      expect(ownershipViolations(run.trace)).toEqual([]);
      const impl = run.trace.filter((e) => !('host' in e) || sc.hosts[e.host]?.stack === 'impl');
      expect(linearizationProblems(impl)).toEqual([]);
      expect(conflictCycle(run.trace)).toBeNull();
      for (const h of run.hosts) {
        if (sc.hosts[h.index]!.stack !== 'impl') continue;
        expect(refinementProblems(run.trace, h.index, h.config, h.addr)).toEqual([]);
        expect(netisrPortViolations(run.trace, hostId(h.index))).toEqual([]);
      }
      for (const [name, check] of Object.entries(RUN_CHECKERS)) {
        const v = check(run);
        expect(v.ok ? 'ok' : `${name}: ${v.message}\n${(v.details ?? []).join('\n')}`).toBe('ok');
      }
    }),
    { numRuns: Number(process.env.RUNS ?? 60), seed: Number(process.env.SEED ?? 1) },
  );
});
