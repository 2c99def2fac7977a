import { describe, expect, it, vi } from 'vitest';
import { udpIntegrity } from '../../properties/defs/udp.integrity';
import { caught, expectSmall } from './helpers';

/**
 * Canary for udp.integrity: the receive path corrupts the payload — the last byte of every
 * datagram appended to a receive buffer is flipped, as a bad copy out of the mbuf chain would.
 * The wire is right and every call succeeds; only comparing what recv returned with what was
 * sent shows it. An empty datagram has no byte to flip, so the counterexample needs one byte.
 */
vi.mock('../../src/impl/socket/sockbuf', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/impl/socket/sockbuf')>();
  return {
    ...real,
    sbAppendAddr: (...[inet, sb, rec, path]: Parameters<typeof real.sbAppendAddr>) => {
      const data = rec.data.slice();
      if (data.length > 0) data[data.length - 1] ^= 0xff;
      return real.sbAppendAddr(inet, sb, { ...rec, data }, path);
    },
  };
});

describe('canary: payload corrupted on the way into the receive buffer', () => {
  it('is caught by udp.integrity with a one-byte datagram', () => {
    const cx = caught(udpIntegrity, { checker: 'udp-integrity' });
    expect(cx.verdict.kind).toBe('udp-corrupted');
    const sends = cx.scenario.apps.flatMap((a) => a.steps).filter((x) => x.op === 'send');
    expect(sends).toEqual([expect.objectContaining({ bytes: 1 })]);
    expectSmall(cx, { maxApps: 2, maxSteps: 5 });
  });
});
