/**
 * Method: the retransmission timer is observed on the wire of the relay — a's retransmissions
 * into a black hole — and compared with the RTO computed independently from the rule book's
 * formulas (dragonfly.md A.9: REXMTVAL = max(rttmin, srtt + 4·rttvar), every value + slop,
 * clamped to [rttmin, 64 s]; backoff table; drop after 12 retransmissions), and the estimator
 * is checked against RFC 6298 with DragonFly's fixed point (RTO-3, RTO-4, RTO-7, RTO-13).
 */
import { describe, expect, it } from 'vitest';
import { TH_RST } from '../../../src/core/packet';
import { SERVER_PORT, established, listening } from './fixtures';
import { bytes } from './relay';

const BACKOFF = [1, 2, 4, 8, 16, 32, 64, 64, 64, 64, 64, 64, 64];
const SLOP = 16;
const RTTMIN = 3;
const CAP = 6400;

/** The rule book's REXMTVAL, in ticks, from DragonFly's fixed-point srtt (×32) and rttvar (×16). */
const rexmtval = (srtt: number, rttvar: number): number => Math.max(RTTMIN, ((srtt >> 3) + rttvar) >> 2);
const rangeset = (v: number, lo: number): number => Math.min(CAP, Math.max(lo, v + SLOP));

describe('TCP model: retransmission timeout', () => {
  it('backs off by DragonFly\'s table with the slop on every value, caps at 64 s, and drops with ETIMEDOUT and a RST after 12 retransmissions (A.9, RTO-10, F.2)', () => {
    const { r, client } = established();
    r.drop((_s, from) => from === 'a');
    const tp = r.tcb('a');
    const t0 = r.now;
    const id = r.callAsync('a', { op: 'recv', fd: client, maxBytes: 10, nonblocking: false });
    r.call('a', { op: 'send', fd: client, data: bytes(100), nonblocking: true });
    r.runUntil(t0 + 2_000_000_000);
    const sends = r.segs('a', { data: true, since: t0 });
    expect(sends).toHaveLength(13);
    // Expected intervals, from the estimator at the time of the first send.
    let srtt = tp.srtt;
    let rttvar = tp.rttvar;
    const expected = [tp.rxtcur];
    for (let shift = 1; shift <= 12; shift++) {
      const v = rangeset(rexmtval(srtt, rttvar) * BACKOFF[shift]!, RTTMIN);
      if (shift > 3) {
        // RTO-13: after several backoffs srtt is cleared; rttvar keeps the RTO's magnitude.
        rttvar += srtt >> 5;
        srtt = 0;
      }
      expected.push(v);
    }
    const gaps = sends.slice(1).map((s, i) => (s.t - sends[i]!.t) / 10_000);
    expect(gaps).toEqual(expected.slice(0, 12));
    // With srtt cleared after the 4th backoff, REXMTVAL falls to max(3, rttvar/4): on a fast path
    // the ×64 backoff stays far below the 64 s cap (DragonFly's fixed point, dragonfly.md A.9 step 6).
    expect(Math.max(...gaps)).toBeLessThanOrEqual(CAP);
    // The 13th expiry drops the connection: ETIMEDOUT to the application, a RST on the wire.
    expect(r.results.get(id)).toEqual({ ok: false, error: 'ETIMEDOUT' });
    expect(r.segs('a').at(-1)!.seg.flags & TH_RST).toBe(TH_RST);
    expect(r.hasTcb('a')).toBe(false);
  });

  it('each RTO halves the window into ssthresh; a second RTO drives ssthresh to 2·MSS (A.9 step 8, F.1, CC-9 DEVIATION)', () => {
    const { r, client } = established();
    r.call('a', { op: 'send', fd: client, data: bytes(20 * 1448), nonblocking: true });
    r.runUntil(r.now + 500_000);
    r.drop((_s, from) => from === 'a');
    r.call('a', { op: 'send', fd: client, data: bytes(1448), nonblocking: true });
    const before = r.tcb('a');
    const t0 = r.now;
    r.runUntil(t0 + before.rxtcur * 10_000);
    const one = r.tcb('a');
    expect(one.rxtshift).toBe(1);
    expect(one.sndCwnd).toBe(1448);
    expect(one.sndSsthresh).toBe(Math.max(2, Math.floor(Math.min(before.sndWnd, before.sndCwnd) / 2 / 1448)) * 1448);
    r.runUntil(t0 + (before.rxtcur + one.rxtcur) * 10_000);
    expect(r.tcb('a').rxtshift).toBe(2);
    expect(r.tcb('a').sndSsthresh).toBe(2 * 1448);
  });

  it('the first RTT sample sets srtt = R and rttvar = R/2 (RTO-3); RTO = srtt + 4·rttvar + slop, floored at rexmit_min (not 1 s: RTO-5 DEVIATION, DISC-9)', () => {
    // Start after tick 0: t_rtttime = 0 means "not timing", so a SYN sent in tick 0 is never timed.
    const { r, listener } = listening({ a: { rfc1323: false }, b: { rfc1323: false } });
    void listener;
    r.runUntil(1_000_000);
    const s = r.call('a', { op: 'socket', proto: 'tcp' });
    if (s?.ok !== true || s.value.kind !== 'fd') throw new Error('socket');
    r.call('a', { op: 'connect', fd: s.value.fd, remote: r.ep('b', SERVER_PORT), nonblocking: true });
    r.runUntil(1_100_000);
    const tp = r.tcb('a');
    // The SYN was timed: R = 1 tick (10 ms round trip).
    expect(tp.srtt).toBe(1 << 5);
    expect(tp.rttvar).toBe(1 << 3);
    expect(tp.rxtcur).toBe(rangeset(rexmtval(tp.srtt, tp.rttvar), Math.max(RTTMIN, 1 + 2)));
    expect(tp.rxtcur).toBeLessThan(100);
  });

  it('Karn: without timestamps a retransmitted segment gives no RTT sample (RTO-7)', () => {
    const { r, client } = established({ a: { rfc1323: false }, b: { rfc1323: false } });
    const first = r.segs('a').length;
    r.dropIndex('a', first);
    const before = r.tcb('a');
    r.call('a', { op: 'send', fd: client, data: bytes(100), nonblocking: true });
    expect(r.tcb('a').rtttime).not.toBe(0);
    r.runUntil(r.now + before.rxtcur * 10_000);
    expect(r.tcb('a').rxtshift).toBe(1);
    expect(r.tcb('a').rtttime).toBe(0);
    r.runUntil(r.now + 500_000);
    const after = r.tcb('a');
    expect(after.sndUna).toBe(after.sndMax);
    expect(after.srtt).toBe(before.srtt);
    expect(after.rttvar).toBe(before.rttvar);
    // Backoff is kept until a valid sample (RTO-12): the next new data is timed and collapses it.
    expect(after.rxtshift).toBe(1);
  });

  it('with timestamps every ACK that advances snd_una is a sample, retransmissions included (TS-9, RTO-7 exception, A.9)', () => {
    const { r, client } = established();
    const first = r.segs('a').length;
    r.dropIndex('a', first);
    r.call('a', { op: 'send', fd: client, data: bytes(100), nonblocking: true });
    const before = r.tcb('a');
    r.runUntil(r.now + before.rxtcur * 10_000 + 200_000);
    expect(r.tcb('a').rxtshift).toBe(0);
  });
});
