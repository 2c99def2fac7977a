/**
 * Method: two model endpoints (a = 10.0.0.1, b = 10.0.0.2) are wired by the in-test relay
 * (relay.ts) with a 5 ms one-way delay; losses are scripted by segment index. Each test replays a
 * sequence from RFC 9293 §3.5 or a rule of docs/TCP-PROFILE.md and checks the segments on the
 * wire, the states and the call results. All state the tests touch is frozen (immer auto-freeze).
 */
import { describe, expect, it } from 'vitest';
import { port } from '../../../src/core/addr';
import { TH_ACK, TH_RST, TH_SYN } from '../../../src/core/packet';
import { seqAdd } from '../../../src/core/seq';
import { SERVER_PORT, established, listening } from './fixtures';
import { Relay } from './relay';

const flagsOf = (f: number): number => f & (TH_SYN | TH_ACK | TH_RST | 0x01);

function connectFrom(r: Relay, side: 'a' | 'b', to: 'a' | 'b', toPort: number, nonblocking = true) {
  const s = r.call(side, { op: 'socket', proto: 'tcp' });
  if (s?.ok !== true || s.value.kind !== 'fd') throw new Error('socket');
  const fd = s.value.fd;
  const id = r.callAsync(side, { op: 'connect', fd, remote: r.ep(to, toPort), nonblocking });
  return { fd, id };
}

describe('TCP model: opening a connection', () => {
  it('RFC 9293 Figure 6: basic three-way handshake (SM-25), with the TP-18 options', () => {
    const { r } = established();
    const [syn, synack, ack] = r.wire;
    expect(flagsOf(syn!.seg.flags)).toBe(TH_SYN);
    expect(syn!.seg.options).toMatchObject({ mss: 1460, wscale: 5, sackPermitted: true, timestamp: { val: 1, ecr: 0 } });
    expect(flagsOf(synack!.seg.flags)).toBe(TH_SYN | TH_ACK);
    expect(synack!.seg.ack).toBe(seqAdd(syn!.seg.seq, 1));
    // TP-14: the SYN|ACK window is min(recvspace, 65535), never scaled (WS-3).
    expect(synack!.seg.window).toBe(57344);
    expect(synack!.seg.options).toMatchObject({ mss: 1460, wscale: 5, sackPermitted: true });
    expect(flagsOf(ack!.seg.flags)).toBe(TH_ACK);
    expect(ack!.seg.seq).toBe(seqAdd(syn!.seg.seq, 1));
    expect(ack!.seg.ack).toBe(seqAdd(synack!.seg.seq, 1));
    expect(r.tcb('a').state).toBe('ESTABLISHED');
    expect(r.tcb('b').state).toBe('ESTABLISHED');
    // TP-18: MSS 1460 less 12 for timestamps.
    expect(r.tcb('a').maxseg).toBe(1448);
    expect(r.tcb('a').sndScale).toBe(5);
    expect(r.wire).toHaveLength(3);
  });

  it('RFC 9293 Figure 7: simultaneous open goes SYN-SENT → SYN-RECEIVED → ESTABLISHED on both sides (SM-26, DISC-5)', () => {
    const r = new Relay();
    const mk = (side: 'a' | 'b', p: number) => {
      const s = r.call(side, { op: 'socket', proto: 'tcp' });
      if (s?.ok !== true || s.value.kind !== 'fd') throw new Error('socket');
      r.call(side, { op: 'bind', fd: s.value.fd, port: port(p) });
      return s.value.fd;
    };
    const fa = mk('a', 5000);
    const fb = mk('b', 6000);
    const ca = r.callAsync('a', { op: 'connect', fd: fa, remote: r.ep('b', 6000), nonblocking: false });
    const cb = r.callAsync('b', { op: 'connect', fd: fb, remote: r.ep('a', 5000), nonblocking: false });
    expect(r.tcb('a').state).toBe('SYN-SENT');
    r.runUntil(5_000);
    // Each bare SYN found its receiver in SYN-SENT: both moved to SYN-RECEIVED (SM-11).
    expect(r.tcb('a').state).toBe('SYN-RECEIVED');
    expect(r.tcb('b').state).toBe('SYN-RECEIVED');
    r.runUntil(20_000);
    expect(r.tcb('a').state).toBe('ESTABLISHED');
    expect(r.tcb('b').state).toBe('ESTABLISHED');
    expect(r.results.get(ca)).toEqual({ ok: true, value: { kind: 'none' } });
    expect(r.results.get(cb)).toEqual({ ok: true, value: { kind: 'none' } });
    // DEVIATION(RFC 9293 §3.10.7.3, SM-11): the answer is an ACK of the peer's SYN, not a
    // SYN|ACK — tcp_output drops the SYN flag because our SYN was already sent (snd_nxt > snd_una);
    // it only reappears if the retransmission timer fires. Four segments open the connection.
    const kinds = r.wire.map((w) => flagsOf(w.seg.flags));
    expect(kinds.slice(0, 4)).toEqual([TH_SYN, TH_SYN, TH_ACK, TH_ACK]);
    const [synA, ackA] = r.segs('a');
    const [synB, ackB] = r.segs('b');
    expect(ackA!.seg.seq).toBe(seqAdd(synA!.seg.seq, 1));
    expect(ackA!.seg.ack).toBe(seqAdd(synB!.seg.seq, 1));
    expect(ackB!.seg.ack).toBe(seqAdd(synA!.seg.seq, 1));
    // Data flows both ways afterwards.
    r.call('a', { op: 'send', fd: fa, data: new Uint8Array([1, 2, 3]), nonblocking: false });
    r.runUntil(200_000);
    expect(r.call('b', { op: 'recv', fd: fb, maxBytes: 10, nonblocking: true })).toEqual({ ok: true, value: { kind: 'data', data: new Uint8Array([1, 2, 3]) } });
  });

  it('a lost SYN|ACK is retransmitted by the syncache after 1 s; the RTO is then at least 3 s (TP-14, RTO-11) and IW stays RFC 3390 (F.3: less than 3 s of SYN retransmission)', () => {
    // Without timestamps: with them, the handshake's own RTT sample replaces the 3 s at once,
    // as in tcp_input, where tcp_established runs before process_ACK's tcp_xmit_timer.
    const { r, listener } = listening({ a: { rfc1323: false }, b: { rfc1323: false } });
    r.dropIndex('b', 0);
    const { fd } = connectFrom(r, 'a', 'b', SERVER_PORT);
    r.runUntil(900_000);
    expect(r.tcb('a').state).toBe('SYN-SENT');
    // a's own SYN retransmission is due at 1 s (TCPTV_RTOBASE); b's SYN|ACK retransmission too.
    r.runUntil(1_100_000);
    expect(r.tcb('a').state).toBe('ESTABLISHED');
    const synacks = r.segs('b').filter((w) => flagsOf(w.seg.flags) === (TH_SYN | TH_ACK));
    expect(synacks.length).toBeGreaterThanOrEqual(2);
    // Armed in tick 0 (at 5 ms) for 100 ticks: due when the tick counter reads 100 (TP-3).
    expect(synacks[0]!.t).toBe(5_000);
    expect(synacks[1]!.t).toBe(1_000_000);
    const acc = r.call('b', { op: 'accept', fd: listener, nonblocking: true });
    expect(acc?.ok).toBe(true);
    // b's connection: t_rxtsyn = 100 ticks > 0 → RTO = 3 s; IW = min(4·1460, max(2·1460, 4380)),
    // plus one byte: the ACK of the SYN counts as 1 acked byte in slow start (tcp_input as written).
    expect(r.tcb('b').rxtsyn).toBe(100);
    expect(r.tcb('b').rxtcur).toBe(300);
    expect(r.tcb('b').sndCwnd).toBe(4381);
    void fd;
  });

  it('after ≥ 3 s of SYN retransmission the initial window is 2·MSS, not 1 (IW-5 DEVIATION F.3, TP-27)', () => {
    const { r } = listening();
    r.dropIndex('a', 0, 1, 2);
    connectFrom(r, 'a', 'b', SERVER_PORT);
    r.runUntil(20_000_000);
    const syns = r.segs('a').filter((w) => flagsOf(w.seg.flags) === TH_SYN);
    // SYN backoff (A.9): 1 s, then RANGESET(1 s · 1) = 1.16 s, then RANGESET(1 s · 2) = 2.16 s.
    expect(syns.map((w) => w.t)).toEqual([0, 1_000_000, 2_160_000, 4_320_000]);
    expect(r.tcb('a').state).toBe('ESTABLISHED');
    expect(r.tcb('a').rxtsyn).toBeGreaterThanOrEqual(300);
    expect(r.tcb('a').sndCwnd).toBe(2 * 1448);
  });

  it('a RST answering our SYN refuses a blocking connect with ECONNREFUSED (SM-10, RST-1)', () => {
    const r = new Relay();
    const { id } = connectFrom(r, 'a', 'b', 9, false);
    r.runUntil(50_000);
    expect(r.results.get(id)).toEqual({ ok: false, error: 'ECONNREFUSED' });
    const rst = r.segs('b')[0]!.seg;
    expect(rst.flags).toBe(TH_RST | TH_ACK);
    expect(rst.seq).toBe(0);
    expect(rst.ack).toBe(seqAdd(r.segs('a')[0]!.seg.seq, 1));
    expect(r.hasTcb('a')).toBe(false);
  });

  it('a connect that is never answered times out with ETIMEDOUT at keepinit (75 s, TP-24)', () => {
    const r = new Relay();
    r.drop((_s, from) => from === 'a');
    const { id } = connectFrom(r, 'a', 'b', SERVER_PORT, false);
    r.runUntil(74_000_000);
    expect(r.results.has(id)).toBe(false);
    r.runUntil(76_000_000);
    expect(r.results.get(id)).toEqual({ ok: false, error: 'ETIMEDOUT' });
    // No RST: a SYN was never received (tcp_drop only resets after SYN-RECEIVED).
    expect(r.segs('a').every((w) => (w.seg.flags & TH_RST) === 0)).toBe(true);
  });

  it('a nonblocking connect answers EINPROGRESS, then EALREADY, then EISCONN (TP-9)', () => {
    const { r } = listening();
    const { fd, id } = connectFrom(r, 'a', 'b', SERVER_PORT);
    expect(r.results.get(id)).toEqual({ ok: false, error: 'EINPROGRESS' });
    expect(r.call('a', { op: 'connect', fd, remote: r.ep('b', SERVER_PORT), nonblocking: true })).toEqual({ ok: false, error: 'EALREADY' });
    r.runUntil(50_000);
    expect(r.call('a', { op: 'connect', fd, remote: r.ep('b', SERVER_PORT), nonblocking: true })).toEqual({ ok: false, error: 'EISCONN' });
  });
});
