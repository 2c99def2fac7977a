import { describe, expect, it, vi } from 'vitest';
import { determinism } from '../../properties/defs/determinism';
import { caught, expectSmall } from './helpers';

/**
 * Canary: state that leaks between runs. The IP header builder draws its ID from a module-level
 * counter instead of UP-1's constant 0, so the second run of a scenario numbers its packets on
 * from where the first stopped. The determinism property must see two runs differ.
 */
vi.mock('../../src/impl/net/ipout', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/impl/net/ipout')>();
  let leaked = 0;
  return {
    ...real,
    ipHeader: (...args: Parameters<typeof real.ipHeader>) => ({
      ...real.ipHeader(...args),
      id: leaked++ & 0xffff,
    }),
  };
});

describe('canary: IP IDs from a counter that survives the run', () => {
  it('is caught by determinism with a one-datagram scenario', () => {
    const cx = caught(determinism, { checker: 'determinism' });
    expect(cx.verdict.kind).toBe('trace');
    expectSmall(cx, { maxApps: 1, maxSteps: 3 });
  });
});
