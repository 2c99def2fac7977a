/**
 * Method: a spurious timeout made on purpose — b's ACKs of one flight are held up in the network
 * long enough for a's retransmit timer to fire, and the first of them then echoes the TSval of the
 * original transmissions (EIF-5). The scripted sender undoes the timeout as DragonFly does (A.10);
 * the broken variants forget ssthresh, or do not detect the spurious timeout at all.
 */
import { describe, expect, it } from 'vitest';
import { checkConnection, checkEifel } from '../../../src/check/rules';
import { bulkFlow } from './flow';
import type { Breaks } from './flow';

/** ACKs sent at 350 ms are held 1.15 s, past the timeout (those beyond offset 20000 longer still). */
const spike = (t: number, ack: number): number => (t >= 350 && t < 360 ? (ack <= 20_000 ? 1150 : 1300) : 50);
const spurious = (breaks: Breaks = {}) => bulkFlow({ total: 80_000, ackDelayMs: spike, breaks });

describe('Eifel detection and response (A.10, EIR-5, EIR-6)', () => {
  it('a spurious timeout undone the DragonFly way passes every oracle', () => {
    const { conn } = spurious();
    expect(conn.events.some((e) => e.cause?.kind === 'timer')).toBe(true);
    expect(checkConnection(conn).map((v) => `[${v.rule}] ${v.message}`)).toEqual([]);
  });

  it('flags an undo that restores cwnd but not ssthresh: growth falls behind slow start (EIR-6)', () => {
    const found = checkEifel(spurious({ undoKeepsSsthresh: true }).conn);
    expect(found.map((v) => v.rule)).toEqual(['EIR-6']);
    expect(found[0]!.message).toContain('slow start');
  });

  it('flags go-back-N after an ACK that proves the timeout spurious (EIR-5)', () => {
    const found = checkEifel(spurious({ noUndo: true }).conn);
    expect(found.map((v) => v.rule)).toContain('EIR-5');
  });

  it('stands down on the growth check when the application writes are unknown', () => {
    const { conn } = spurious({ undoKeepsSsthresh: true });
    expect(checkEifel({ ...conn, supply: {} })).toEqual([]);
  });

  it('does not fire without timestamps (detection needs them; A.10 heuristic is not observable)', () => {
    const { conn } = bulkFlow({ total: 80_000, ts: false, ackDelayMs: spike, breaks: { undoKeepsSsthresh: true } });
    expect(checkEifel(conn)).toEqual([]);
  });
});
