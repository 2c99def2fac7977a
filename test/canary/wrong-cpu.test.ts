import { describe, expect, it, vi } from 'vitest';
import { netisrConformance } from '../../properties/defs/netisr.conformance';
import { caught, expectSmall } from './helpers';

/**
 * Canary (issue #2, break 1): datagrams processed on the wrong CPU. The implementation's flow-CPU
 * function is off by one CPU — a wrong RSS indirection table. The impl stays consistent with
 * itself (NIC dispatch, socket owners after connect, its own pair assertions all use the same
 * wrong map), so only the netisr model (UP-13 … UP-15) can tell: a connected socket and its
 * datagrams linearize on a CPU the model does not name. One CPU hides the break, so the smallest
 * counterexample needs two.
 */
vi.mock('../../src/impl/corelib', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/impl/corelib')>();
  return {
    ...real,
    udpFlowCpu: (...args: Parameters<typeof real.udpFlowCpu>) => {
      const right = real.udpFlowCpu(...args);
      return ((right + 1) % args[2]) as typeof right;
    },
  };
});

describe('canary: UDP flows hashed to the wrong CPU', () => {
  it('is caught by netisr.conformance, shrunk to a small two-CPU scenario', () => {
    const cx = caught(netisrConformance, { checker: 'netisr-conformance' });
    expect(cx.verdict.kind).toBe('wrong-cpu');
    expect(cx.minCpus).toBe(2);
    expectSmall(cx, { maxApps: 2, maxSteps: 6 });
  });
});
