/**
 * Method: an established pair over the relay, one side sending. The tests check when ACKs go
 * out (TP-22: delayed, aggregated at the rollup, immediate), Nagle and the receiver's window
 * policy (TP-20, TP-21), and zero-window probing (TP-26), by reading the segments on the wire.
 */
import { describe, expect, it } from 'vitest';
import { TH_ACK, TH_PSH } from '../../../src/core/packet';
import { seqAdd, seqDiff } from '../../../src/core/seq';
import { EPHEMERAL_FIRST, hostAddr, port } from '../../../src/core/addr';
import { tcpIsn } from '../../../src/core/isn';
import { SERVER_PORT, established, listening } from './fixtures';
import type { WireRecord } from './relay';
import { bytes } from './relay';

const pureAcks = (segs: readonly WireRecord[]): WireRecord[] =>
  segs.filter((w) => w.seg.payload.length === 0 && (w.seg.flags & TH_ACK) !== 0);

describe('TCP model: data transfer and acknowledgement', () => {
  it('in-order data is ACKed every second segment (TW-6, CC-16, DELAY_ACK A.12)', () => {
    const { r, client } = established();
    const t0 = r.now;
    r.call('a', { op: 'send', fd: client, data: bytes(2 * 1448), nonblocking: false });
    r.runUntil(t0 + 50_000);
    const acks = pureAcks(r.segs('b', { since: t0 }));
    expect(acks).toHaveLength(1);
    expect(acks[0]!.seg.ack).toBe(seqAdd(r.tcb('a').sndUna, 0));
    expect(seqDiff(acks[0]!.seg.ack, r.segs('a', { data: true })[0]!.seg.seq)).toBe(2 * 1448);
  });

  it('a lone segment is ACKed when the 100 ms delayed-ACK timer fires (CC-16 < 500 ms, TP-22)', () => {
    const { r, client } = established();
    const t0 = r.now;
    r.call('a', { op: 'send', fd: client, data: bytes(100), nonblocking: false });
    r.runUntil(t0 + 300_000);
    const acks = pureAcks(r.segs('b', { since: t0 }));
    expect(acks).toHaveLength(1);
    const arrived = t0 + 5_000;
    // Armed in the tick of arrival for 10 ticks: due when the counter reads that tick + 10.
    expect(acks[0]!.t).toBe((Math.floor(arrived / 10_000) + 10) * 10_000);
  });

  it('segments that arrive in one netisr batch are ACKed once, at the rollup (TP-22, ACK aggregation A.12)', () => {
    const { r, client } = established();
    r.batch = true;
    const t0 = r.now;
    r.call('a', { op: 'send', fd: client, data: bytes(3 * 1448), nonblocking: false });
    r.runUntil(t0 + 6_000);
    const acks = pureAcks(r.segs('b', { since: t0 }));
    expect(acks).toHaveLength(1);
    expect(acks[0]!.seg.ack).toBe(r.tcb('b').rcvNxt);
  });

  it('without aggregation the second segment of a batch is ACKed at once and the third waits for the delayed ACK', () => {
    const { r, client } = established({ b: { aggregateAcks: false } });
    r.batch = true;
    const t0 = r.now;
    r.call('a', { op: 'send', fd: client, data: bytes(3 * 1448), nonblocking: false });
    r.runUntil(t0 + 6_000);
    const acks = pureAcks(r.segs('b', { since: t0 }));
    expect(acks).toHaveLength(1);
    const firstData = r.segs('a', { data: true })[0]!.seg.seq;
    expect(seqDiff(acks[0]!.seg.ack, firstData)).toBe(2 * 1448);
  });

  it('an out-of-order segment is ACKed at once with a SACK block for it (CC-10, CC-18, SACK-4)', () => {
    const { r, client } = established();
    const first = r.segs('a').length;
    r.dropIndex('a', first);
    const t0 = r.now;
    r.call('a', { op: 'send', fd: client, data: bytes(2 * 1448), nonblocking: false });
    r.runUntil(t0 + 6_000);
    const data = r.segs('a', { data: true });
    const acks = pureAcks(r.segs('b', { since: t0 }));
    expect(acks).toHaveLength(1);
    expect(acks[0]!.seg.ack).toBe(data[0]!.seg.seq);
    expect(acks[0]!.seg.options.sack).toEqual([{ start: data[1]!.seg.seq, end: seqAdd(data[1]!.seg.seq, 1448) }]);
  });

  it('Nagle holds a small segment while data is outstanding, and sends it when the ACK comes (WIN-7, TP-21)', () => {
    const { r, client } = established();
    const t0 = r.now;
    r.call('a', { op: 'send', fd: client, data: bytes(100), nonblocking: false });
    r.call('a', { op: 'send', fd: client, data: bytes(100, 1), nonblocking: false });
    const sent = r.segs('a', { data: true, since: t0 });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.seg.flags & TH_PSH).toBe(TH_PSH);
    r.runUntil(t0 + 200_000);
    const all = r.segs('a', { data: true, since: t0 });
    expect(all).toHaveLength(2);
    // The second left only after the (delayed) ACK of the first came back.
    const ack = pureAcks(r.segs('b', { since: t0 }))[0]!;
    expect(all[1]!.t).toBe(ack.t + 5_000);
  });

  it('with Nagle off (TF_NODELAY) both small segments leave at once (MUST-17)', () => {
    const { r, client } = established({ a: { nagle: false } });
    const t0 = r.now;
    r.call('a', { op: 'send', fd: client, data: bytes(100), nonblocking: false });
    r.call('a', { op: 'send', fd: client, data: bytes(100, 1), nonblocking: false });
    expect(r.segs('a', { data: true, since: t0 })).toHaveLength(2);
  });

  it('the receiver sends a pure window update only when the window can grow by half the buffer (avoid_pure_win_update, F.12, TP-20)', () => {
    const { r, client, server } = established();
    r.call('a', { op: 'send', fd: client, data: bytes(40_000), nonblocking: false });
    r.runUntil(r.now + 2_000_000);
    expect(r.tcb('b').rcvNxt).toBe(seqAdd(r.tcb('a').sndUna, 0));
    const t1 = r.now;
    r.call('b', { op: 'recv', fd: server, maxBytes: 10_000, nonblocking: true });
    expect(pureAcks(r.segs('b', { since: t1 }))).toHaveLength(0);
    r.call('b', { op: 'recv', fd: server, maxBytes: 30_000, nonblocking: true });
    const upd = pureAcks(r.segs('b', { since: t1 }));
    expect(upd).toHaveLength(1);
    expect(upd[0]!.seg.window << 5).toBe(57344 - 0);
  });

  it('a zero window is probed by persist with one byte beyond it, at 5 s and then backing off, until the window opens (ZWP-1 … ZWP-6, TP-26)', () => {
    // A receive buffer of exactly 20 segments fills to a true zero window.
    const { r, client, server } = established({ b: { recvspace: 20 * 1448 } });
    r.call('a', { op: 'send', fd: client, data: bytes(40_000), nonblocking: true });
    r.runUntil(r.now + 1_000_000);
    expect(r.tcb('b').rcvNxt).toBe(seqAdd(r.tcb('b').irs, 1 + 20 * 1448));
    expect(pureAcks(r.segs('b')).at(-1)!.seg.window).toBe(0);
    const tp = r.tcb('a');
    expect(tp.sndWnd).toBe(0);
    expect(tp.timers.persist).not.toBeNull();
    expect(tp.timers.rexmt).toBeNull();
    const t0 = r.now;
    r.runUntil(t0 + 80_000_000);
    const probes = r.segs('a', { data: true, since: t0 });
    expect(probes.length).toBeGreaterThanOrEqual(6);
    expect(probes.every((p) => p.seg.payload.length === 1)).toBe(true);
    // The same byte, at snd_una, beyond the zero window; each is answered with window 0 (ZWP-4).
    expect(new Set(probes.map((p) => p.seg.seq)).size).toBe(1);
    expect(probes[0]!.seg.seq).toBe(tp.sndUna);
    const gaps = probes.slice(1).map((p, i) => p.t - probes[i]!.t);
    expect(gaps[0]).toBe(5_000_000);
    expect(gaps.at(-1)!).toBeGreaterThan(gaps[0]!);
    // Answered probes keep the connection alive (ZWP-5).
    expect(r.tcb('a').state).toBe('ESTABLISHED');
    // The application reads: the window update reopens the flow and everything arrives (ZWP-6).
    let got = 0;
    for (let i = 0; i < 40 && got < 40_000; i++) {
      const rr = r.call('b', { op: 'recv', fd: server, maxBytes: 100_000, nonblocking: true });
      if (rr?.ok === true && rr.value.kind === 'data') got += rr.value.data.length;
      r.runUntil(r.now + 500_000);
    }
    expect(got).toBe(40_000);
  });
});

describe('TCP model: sequence space', () => {
  it('SEQ-1/SEQ-2: a transfer whose sequence numbers wrap past 2^32 is delivered intact', () => {
    // Open the connection when a's ISS (TP-5: F + 2500 per tick) lies just below 2^32.
    const tuple = { laddr: hostAddr(0), lport: port(EPHEMERAL_FIRST), faddr: hostAddr(1), fport: port(SERVER_PORT) };
    const f = tcpIsn(11, tuple, 0, 100);
    const ticksAtWrap = Math.ceil((2 ** 32 - 20_000 - f) / 2500);
    const { r, listener } = listening();
    r.runUntil(ticksAtWrap * 10_000);
    const s = r.call('a', { op: 'socket', proto: 'tcp' });
    if (s?.ok !== true || s.value.kind !== 'fd') throw new Error('socket');
    r.call('a', { op: 'connect', fd: s.value.fd, remote: r.ep('b', SERVER_PORT), nonblocking: true });
    r.runUntil(r.now + 50_000);
    const acc = r.call('b', { op: 'accept', fd: listener, nonblocking: true });
    if (acc?.ok !== true || acc.value.kind !== 'accepted') throw new Error('accept');
    expect(r.tcb('a').iss).toBeGreaterThan(2 ** 32 - 30_000);
    const data = bytes(50_000, 3);
    r.call('a', { op: 'send', fd: s.value.fd, data, nonblocking: true });
    r.runUntil(r.now + 2_000_000);
    expect(r.tcb('a').sndUna).toBeLessThan(100_000);
    expect(r.call('b', { op: 'recv', fd: acc.value.fd, maxBytes: 1 << 20, nonblocking: true })).toEqual({ ok: true, value: { kind: 'data', data } });
  });
});
