/**
 * Method: conforming traces first. The scripted bulk transfer (flow.ts) follows DragonFly's
 * documented sender and receiver rules; every oracle must stay silent on it, lossless and lossy,
 * with and without timestamps — an oracle that accuses correct behaviour is worse than none.
 */
import { describe, expect, it } from 'vitest';
import { checkConnection } from '../../../src/check/rules';
import { bulkFlow } from './flow';

const silent = (conn: Parameters<typeof checkConnection>[0]): void => {
  const found = checkConnection(conn);
  expect(found.map((v) => `[${v.rule}] @${v.at} ${v.message}`)).toEqual([]);
};

describe('rule oracles on conforming transfers', () => {
  it('a lossless bulk transfer in slow start passes every oracle', () => {
    const { conn } = bulkFlow({ total: 40_000 });
    expect(conn.events.length).toBeGreaterThan(50);
    silent(conn);
  });

  it('one loss repaired by fast retransmit after Limited Transmit passes', () => {
    const { conn } = bulkFlow({ total: 30_000, lose: [5000] });
    silent(conn);
  });

  it('two losses in one window (NewReno partial ACK) pass', () => {
    const { conn } = bulkFlow({ total: 30_000, lose: [5000, 8000] });
    silent(conn);
  });

  it('a lost tail repaired by timeouts with backoff passes', () => {
    const { conn } = bulkFlow({ total: 3000, lose: [2000] });
    silent(conn);
  });

  it('a segment lost six times in a row, repaired after backed-off timeouts, passes', () => {
    const { conn } = bulkFlow({ total: 3000, lose: [2000, 2000, 2000, 2000, 2000, 2000] });
    expect(conn.events.filter((e) => e.cause?.kind === 'timer').length).toBe(6);
    silent(conn);
  });

  it('without timestamps the same transfers pass', () => {
    silent(bulkFlow({ total: 3000, ts: false, lose: [2000, 2000, 2000, 2000, 2000, 2000] }).conn);
    silent(bulkFlow({ total: 30_000, ts: false, lose: [5000, 8000] }).conn);
    silent(bulkFlow({ total: 3000, ts: false, lose: [2000] }).conn);
  });
});
