/**
 * Method: a bulk transfer from a to b over the relay with scripted losses (by a's data-segment
 * index) or delayed ACKs. Each test reproduces a loss-recovery scenario of the rule book and
 * checks what was (re)transmitted, when, and what happened to cwnd/ssthresh, against the rule
 * IDs and DragonFly's variants (dragonfly.md A.4 … A.10, docs/TCP-PROFILE.md TP-25 … TP-28).
 */
import { describe, expect, it } from 'vitest';
import { seqAdd } from '../../../src/core/seq';
import type { Fd } from '../../../src/core/ids';
import type { Relay, WireRecord } from './relay';
import { bytes } from './relay';
import { established } from './fixtures';

const MSS = 1448;

/** Data segments a sent, with whether each repeats an earlier sequence number. */
function dataSends(r: Relay): { w: WireRecord; rexmit: boolean }[] {
  const seen = new Set<number>();
  return r.segs('a', { data: true }).map((w) => {
    const rexmit = seen.has(w.seg.seq);
    seen.add(w.seg.seq);
    return { w, rexmit };
  });
}

/** Everything b's application reads. */
function drain(r: Relay, fd: Fd): number {
  let got = 0;
  for (;;) {
    const rr = r.call('b', { op: 'recv', fd, maxBytes: 1 << 20, nonblocking: true });
    if (rr?.ok !== true || rr.value.kind !== 'data' || rr.value.data.length === 0) return got;
    got += rr.value.data.length;
  }
}

describe('TCP model: loss recovery', () => {
  it('RFC 3042 Limited Transmit: one loss at cwnd 3 — a new segment on dupacks 1 and 2, cwnd unchanged, then fast retransmit on the third (LT-2 … LT-4, F.7)', () => {
    const { r, client } = established({ a: { sack: false, earlyRetransmit: false }, b: { sack: false } });
    expect(r.tcb('a').sndCwnd).toBe(4380);
    const first = r.segs('a').length;
    r.dropIndex('a', first);
    r.call('a', { op: 'send', fd: client, data: bytes(20 * MSS), nonblocking: true });
    const iw = dataSends(r);
    expect(iw).toHaveLength(3);
    const lost = iw[0]!.w.seg.seq;
    const cwndBefore = r.tcb('a').sndCwnd;
    const sndMaxBefore = r.tcb('a').sndMax;
    r.runUntil(r.now + 10_000);
    // Two dupacks have arrived: each sent one new, never-sent segment, and cwnd did not move.
    const lt = dataSends(r).slice(3);
    expect(lt).toHaveLength(2);
    expect(lt.map((x) => x.w.seg.seq)).toEqual([sndMaxBefore, seqAdd(sndMaxBefore, MSS)]);
    expect(lt.every((x) => !x.rexmit)).toBe(true);
    expect(r.tcb('a').sndCwnd).toBe(cwndBefore);
    expect(r.tcb('a').sndLimited).toBe(2);
    r.runUntil(r.now + 10_000);
    // The segments sent by Limited Transmit drew the third dupack: fast retransmit of the loss.
    const fr = dataSends(r)[5]!;
    expect(fr.rexmit).toBe(true);
    expect(fr.w.seg.seq).toBe(lost);
    // A.2: ssthresh = max(2, ⌊min(wnd, cwnd)/2/MSS⌋)·MSS = 2·MSS; NewReno inflation by the dupacks not used by LT.
    expect(r.tcb('a').sndSsthresh).toBe(2 * MSS);
    expect(r.tcb('a').rxtshift).toBe(0);
    r.runUntil(r.now + 2_000_000);
    expect(dataSends(r).filter((x) => x.rexmit)).toHaveLength(1);
  });

  it('without Limited Transmit the same single loss at cwnd 3 waits for the retransmission timer (RFC 3042 §1)', () => {
    const { r, client } = established({ a: { sack: false, earlyRetransmit: false, limitedTransmit: false }, b: { sack: false } });
    const first = r.segs('a').length;
    r.dropIndex('a', first);
    const t0 = r.now;
    r.call('a', { op: 'send', fd: client, data: bytes(20 * MSS), nonblocking: true });
    r.runUntil(t0 + 150_000);
    expect(dataSends(r).filter((x) => x.rexmit)).toHaveLength(0);
    r.runUntil(t0 + 1_500_000);
    const rexmit = dataSends(r).find((x) => x.rexmit)!;
    expect(rexmit.w.t - t0).toBeGreaterThanOrEqual(190_000);
    expect(r.tcb('a').sndSsthresh).toBe(2 * MSS);
  });

  it('RFC 6582 NewReno: two losses in one window are repaired in one recovery — fast retransmit, then the partial ACK resends the second hole (NR-2 … NR-4, F.5)', () => {
    const { r, client, server } = established({ a: { sack: false, earlyRetransmit: false }, b: { sack: false, recvspace: 1 << 18 } });
    const first = r.segs('a').length;
    r.dropIndex('a', first + 12, first + 15);
    r.call('a', { op: 'send', fd: client, data: bytes(39 * MSS), nonblocking: true });
    r.runUntil(r.now + 40_000);
    const sent = dataSends(r);
    const hole1 = sent[12]!.w.seg.seq;
    const hole2 = sent[15]!.w.seg.seq;
    const rex = sent.filter((x) => x.rexmit).map((x) => x.w.seg.seq);
    expect(rex).toEqual([hole1]);
    const tp = r.tcb('a');
    expect(tp.flags.fastRecovery).toBe(true);
    const ssthresh = tp.sndSsthresh;
    const recover = tp.sndRecover;
    r.runUntil(r.now + 10_000);
    // The partial ACK (it stops at hole2, below `recover`) retransmits hole2 at once and stays in recovery.
    const rex2 = dataSends(r).filter((x) => x.rexmit).map((x) => x.w.seg.seq);
    expect(rex2).toEqual([hole1, hole2]);
    expect(r.tcb('a').flags.fastRecovery).toBe(true);
    expect(r.tcb('a').sndRecover).toBe(recover);
    r.runUntil(r.now + 10_000);
    // The full ACK ends recovery; ssthresh was set once for both losses (INV-4) and the burst is capped (NR-8).
    const after = r.tcb('a');
    expect(after.flags.fastRecovery).toBe(false);
    expect(after.sndSsthresh).toBe(ssthresh);
    r.runUntil(r.now + 3_000_000);
    expect(dataSends(r).filter((x) => x.rexmit)).toHaveLength(2);
    expect(r.tcb('a').rxtshift).toBe(0);
    expect(drain(r, server)).toBe(39 * MSS);
  });

  it('RFC 5827 Early Retransmit (DragonFly variant): two segments outstanding, the first lost — retransmitted on the first dupack, needs timestamps (ER-2, F.8)', () => {
    const { r, client } = established({ a: { sack: false }, b: { sack: false } });
    const first = r.segs('a').length;
    r.dropIndex('a', first);
    const t0 = r.now;
    r.call('a', { op: 'send', fd: client, data: bytes(2 * MSS), nonblocking: true });
    r.runUntil(t0 + 12_000);
    const rex = dataSends(r).filter((x) => x.rexmit);
    expect(rex).toHaveLength(1);
    expect(rex[0]!.w.t - t0).toBe(10_000);
    expect(r.tcb('a').eifel.earlyRexmt).toBe(true);
    expect(r.tcb('a').flags.fastRecovery).toBe(true);
  });

  it('Early Retransmit with SACK fires when ownd − MSS bytes are SACKed (A.7)', () => {
    const { r, client } = established();
    const first = r.segs('a').length;
    r.dropIndex('a', first);
    const t0 = r.now;
    r.call('a', { op: 'send', fd: client, data: bytes(2 * MSS), nonblocking: true });
    r.runUntil(t0 + 12_000);
    expect(dataSends(r).filter((x) => x.rexmit)).toHaveLength(1);
  });

  it('without timestamps DragonFly does no Early Retransmit: the loss waits for the RTO (F.8)', () => {
    const { r, client } = established({ a: { sack: false, rfc1323: false }, b: { sack: false, rfc1323: false } });
    const first = r.segs('a').length;
    r.dropIndex('a', first);
    const t0 = r.now;
    r.call('a', { op: 'send', fd: client, data: bytes(2 * MSS), nonblocking: true });
    r.runUntil(t0 + 150_000);
    expect(dataSends(r).filter((x) => x.rexmit)).toHaveLength(0);
    r.runUntil(t0 + 2_000_000);
    expect(dataSends(r).filter((x) => x.rexmit)).toHaveLength(1);
  });

  it('RFC 6675 SACK recovery of three holes: every hole retransmitted exactly once, before any timeout (SR-4, SR-7, SR-8, F.9)', () => {
    const { r, client, server } = established({ b: { recvspace: 1 << 18 } });
    const first = r.segs('a').length;
    r.dropIndex('a', first + 12, first + 14, first + 16);
    r.call('a', { op: 'send', fd: client, data: bytes(39 * MSS), nonblocking: true });
    r.runUntil(r.now + 60_000);
    const sent = dataSends(r);
    const holes = [12, 14, 16].map((i) => sent[i]!.w.seg.seq);
    const rex = sent.filter((x) => x.rexmit).map((x) => x.w.seg.seq);
    expect([...rex].sort((x, y) => x - y)).toEqual(holes);
    // All three went out in the same recovery step (pipe allowed it), at the same instant.
    const rexAt = sent.filter((x) => x.rexmit).map((x) => x.w.t);
    expect(new Set(rexAt).size).toBe(1);
    r.runUntil(r.now + 3_000_000);
    expect(dataSends(r).filter((x) => x.rexmit)).toHaveLength(3);
    expect(r.tcb('a').rxtshift).toBe(0);
    expect(r.tcb('a').flags.fastRecovery).toBe(false);
    expect(drain(r, server)).toBe(39 * MSS);
  });

  it('RFC 3522/4015 Eifel: a spurious RTO is detected by the timestamp echo and undone — cwnd and ssthresh restored, no go-back-N, RTO rebased (EIF-5, EIR-5, EIR-8, F.10)', () => {
    const { r, client } = established();
    // Delay b's ACK of the data beyond a's RTO, and lose the ACK of the retransmission.
    const nb = r.segs('b').length;
    r.extraDelay.set(`b:${nb}`, 300_000);
    r.dropIndex('b', nb + 1);
    const before = r.tcb('a');
    r.call('a', { op: 'send', fd: client, data: bytes(100), nonblocking: true });
    r.runUntil(r.now + 250_000);
    const rto = r.tcb('a');
    expect(rto.rxtshift).toBe(1);
    expect(rto.sndCwnd).toBe(MSS);
    expect(dataSends(r).filter((x) => x.rexmit)).toHaveLength(1);
    r.runUntil(r.now + 200_000);
    const undone = r.tcb('a');
    // The ACK echoed the original TSval (< the retransmission's): spurious. Undo (plus ABC growth for 100 bytes).
    expect(undone.sndSsthresh).toBe(before.sndSsthresh);
    expect(undone.sndCwnd).toBe(before.sndCwnd + 100);
    expect(undone.rxtshift).toBe(0);
    expect(undone.eifel.rebaseRto).toBe(true);
    // The next sample for new data rebases the RTO to at least the old RTO + G (2 ticks).
    r.call('a', { op: 'send', fd: client, data: bytes(100, 1), nonblocking: true });
    r.runUntil(r.now + 300_000);
    const rebased = r.tcb('a');
    expect(rebased.eifel.rebaseRto).toBe(false);
    expect(rebased.rxtcur).toBeGreaterThanOrEqual(undone.eifel.rxtcurPrev + 2);
    expect(dataSends(r).filter((x) => x.rexmit)).toHaveLength(1);
  });

  it('with Eifel off the same spurious RTO is not undone (eifel = 0)', () => {
    const { r, client } = established({ a: { eifel: false } });
    const nb = r.segs('b').length;
    r.extraDelay.set(`b:${nb}`, 300_000);
    r.dropIndex('b', nb + 1);
    r.call('a', { op: 'send', fd: client, data: bytes(100), nonblocking: true });
    r.runUntil(r.now + 450_000);
    expect(r.tcb('a').sndSsthresh).toBe(2 * MSS);
  });
});
