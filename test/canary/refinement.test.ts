import { describe, expect, it, vi } from 'vitest';
import { port } from '../../src/core/addr';
import { udpRefinement } from '../../properties/defs/udp.refinement';
import { caught, expectSmall } from './helpers';

/**
 * Canary for udp.refinement: a datagram leaves with the wrong source port (UP-8: src = the
 * socket's port). Every call still returns what it should, and the receiver still gets the
 * payload, so only comparing the impl's frames with the model's, byte for byte, catches it.
 */
vi.mock('../../src/impl/udp/output', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/impl/udp/output')>();
  return {
    ...real,
    udpOutput: (...args: Parameters<typeof real.udpOutput>) => {
      const [inet, lport, dst, data] = args;
      real.udpOutput(inet, port((lport + 1) & 0xffff), dst, data);
    },
  };
});

describe('canary: UDP frames carry the wrong source port', () => {
  it('is caught by udp.refinement with a one-datagram counterexample', () => {
    const cx = caught(udpRefinement, { checker: 'refinement' });
    expect(cx.verdict.message).toMatch(/udp\.srcPort/);
    expect(cx.minCpus).toBe(1);
    expectSmall(cx, { maxApps: 1, maxSteps: 3 });
  });
});
