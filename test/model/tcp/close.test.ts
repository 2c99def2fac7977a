/**
 * Method: as handshake.test.ts — two model endpoints over the in-test relay. Each test replays a
 * closing sequence of RFC 9293 §3.6 or a TIME-WAIT / abort rule of docs/TCP-PROFILE.md (TP-13,
 * TP-24) and checks states, segments and call results.
 */
import { describe, expect, it } from 'vitest';
import { port } from '../../../src/core/addr';
import { TH_ACK, TH_FIN, TH_RST, TH_SYN } from '../../../src/core/packet';
import { seqAdd } from '../../../src/core/seq';
import { SERVER_PORT, established } from './fixtures';

const fin = (f: number): boolean => (f & TH_FIN) !== 0;

describe('TCP model: closing a connection', () => {
  it('RFC 9293 Figure 12: normal close — FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT on the closer; CLOSE-WAIT, LAST-ACK on the peer (SM-28)', () => {
    const { r, client, server } = established();
    r.call('a', { op: 'close', fd: client });
    expect(r.tcb('a').state).toBe('FIN-WAIT-1');
    r.runUntil(r.now + 5_000);
    expect(r.tcb('b').state).toBe('CLOSE-WAIT');
    // b's application sees end of stream (TP-12).
    expect(r.call('b', { op: 'recv', fd: server, maxBytes: 10, nonblocking: true })).toEqual({ ok: true, value: { kind: 'data', data: new Uint8Array(0) } });
    r.runUntil(r.now + 5_000);
    expect(r.tcb('a').state).toBe('FIN-WAIT-2');
    r.call('b', { op: 'close', fd: server });
    expect(r.tcb('b').state).toBe('LAST-ACK');
    r.runUntil(r.now + 5_000);
    expect(r.tcb('a').state).toBe('TIME-WAIT');
    r.runUntil(r.now + 5_000);
    expect(r.hasTcb('b')).toBe(false);
  });

  it('RFC 9293 Figure 13: simultaneous close — both FIN-WAIT-1 → CLOSING → TIME-WAIT, both hold TIME-WAIT (SM-29)', () => {
    const { r, client, server } = established();
    r.call('a', { op: 'close', fd: client });
    r.call('b', { op: 'close', fd: server });
    expect(r.tcb('a').state).toBe('FIN-WAIT-1');
    expect(r.tcb('b').state).toBe('FIN-WAIT-1');
    r.runUntil(r.now + 5_000);
    // Each FIN arrived before the ACK of the own FIN.
    expect(r.tcb('a').state).toBe('CLOSING');
    expect(r.tcb('b').state).toBe('CLOSING');
    r.runUntil(r.now + 5_000);
    expect(r.tcb('a').state).toBe('TIME-WAIT');
    expect(r.tcb('b').state).toBe('TIME-WAIT');
    const fins = r.wire.filter((w) => fin(w.seg.flags));
    expect(fins.length).toBeGreaterThanOrEqual(2);
  });

  it('TIME-WAIT lasts 2·MSL = 60 s from entry, then the connection and its port are gone (TW-1, DISC-10, TP-24)', () => {
    const { r, client, server } = established();
    r.call('a', { op: 'close', fd: client });
    r.runUntil(r.now + 10_000);
    r.call('b', { op: 'close', fd: server });
    r.runUntil(r.now + 10_000);
    expect(r.tcb('a').state).toBe('TIME-WAIT');
    const entered = r.now - 5_000;
    r.runUntil(entered + 59_000_000);
    expect(r.hasTcb('a')).toBe(true);
    r.runUntil(entered + 61_000_000);
    expect(r.hasTcb('a')).toBe(false);
    expect(r.a.state.sockets).toHaveLength(0);
  });

  it('a SYN beyond the window recycles TIME-WAIT: the old TCB closes and the listener answers (B.4 step 7, TW-3, TP-24)', () => {
    const { r, client, server } = established();
    const clientPort = r.tcb('a').local.port;
    // The server closes first, so b holds TIME-WAIT for the 4-tuple.
    r.call('b', { op: 'close', fd: server });
    r.runUntil(r.now + 10_000);
    r.call('a', { op: 'close', fd: client });
    r.runUntil(r.now + 10_000);
    expect(r.tcb('b').state).toBe('TIME-WAIT');
    expect(r.hasTcb('a')).toBe(false);
    r.runUntil(r.now + 1_000_000);
    // A new incarnation from the same client port: its ISN has grown by 250000/s (TP-5).
    const s = r.call('a', { op: 'socket', proto: 'tcp' });
    if (s?.ok !== true || s.value.kind !== 'fd') throw new Error('socket');
    expect(r.call('a', { op: 'bind', fd: s.value.fd, port: clientPort })).toEqual({ ok: true, value: { kind: 'none' } });
    const before = r.wire.length;
    r.call('a', { op: 'connect', fd: s.value.fd, remote: r.ep('b', SERVER_PORT), nonblocking: true });
    r.runUntil(r.now + 20_000);
    const answer = r.wire.slice(before).find((w) => w.from === 'b');
    expect(answer!.seg.flags & (TH_SYN | TH_ACK)).toBe(TH_SYN | TH_ACK);
    expect(r.tcb('a').state).toBe('ESTABLISHED');
    expect(r.tcb('b').state).toBe('ESTABLISHED');
  });

  it('a retransmitted FIN in TIME-WAIT is ACKed but does not restart 2·MSL (TP-24 DEVIATION: the duplicate FIN is trimmed first)', () => {
    const { r, client, server } = established();
    r.call('a', { op: 'close', fd: client });
    r.runUntil(r.now + 10_000);
    r.call('b', { op: 'close', fd: server });
    r.runUntil(r.now + 10_000);
    const tw = r.tcb('a');
    expect(tw.state).toBe('TIME-WAIT');
    const due = tw.timers['2msl'];
    const bFin = r.segs('b').find((w) => fin(w.seg.flags))!.seg;
    r.runUntil(r.now + 10_000_000);
    const before = r.segs('a').length;
    r.inject('a', { fromPort: SERVER_PORT, toPort: tw.local.port, seq: bFin.seq, ack: bFin.ack, flags: TH_FIN | TH_ACK, window: 1792 });
    const reply = r.segs('a')[before]!.seg;
    expect(reply.flags & (TH_ACK | TH_FIN | TH_RST)).toBe(TH_ACK);
    expect(reply.ack).toBe(seqAdd(bFin.seq, 1));
    expect(r.tcb('a').timers['2msl']).toBe(due);
  });

  it('abort sends RST|ACK with seq = snd_max and ack = rcv_nxt; the peer resets with ECONNRESET (TP-13, TP-19, SM-15)', () => {
    const { r, client, server } = established();
    const id = r.callAsync('b', { op: 'recv', fd: server, maxBytes: 100, nonblocking: false });
    const tp = r.tcb('a');
    expect(r.call('a', { op: 'abort', fd: client })).toEqual({ ok: true, value: { kind: 'none' } });
    const rst = r.segs('a').at(-1)!.seg;
    expect(rst.flags).toBe(TH_RST | TH_ACK);
    expect(rst.seq).toBe(tp.sndMax);
    expect(rst.ack).toBe(tp.rcvNxt);
    expect(rst.window).toBe(0);
    expect(rst.options).toEqual({});
    r.runUntil(r.now + 10_000);
    expect(r.hasTcb('b')).toBe(false);
    expect(r.results.get(id)).toEqual({ ok: false, error: 'ECONNRESET' });
    // Afterwards: EOF on recv, EPIPE on send (TP-11, TP-12).
    expect(r.call('b', { op: 'recv', fd: server, maxBytes: 1, nonblocking: true })).toEqual({ ok: true, value: { kind: 'data', data: new Uint8Array(0) } });
    expect(r.call('b', { op: 'send', fd: server, data: new Uint8Array(1), nonblocking: true })).toEqual({ ok: false, error: 'EPIPE' });
  });

  it('close with unread data sends FIN, not RST (F.16, TP-13); data arriving afterwards in FIN-WAIT is answered with RST (B.4 step 6)', () => {
    const { r, client, server } = established();
    r.call('b', { op: 'send', fd: server, data: new Uint8Array(100), nonblocking: false });
    r.runUntil(r.now + 300_000);
    r.call('a', { op: 'close', fd: client });
    expect(r.segs('a').at(-1)!.seg.flags & (TH_FIN | TH_RST)).toBe(TH_FIN);
    r.runUntil(r.now + 10_000);
    expect(r.tcb('a').state).toBe('FIN-WAIT-2');
    r.call('b', { op: 'send', fd: server, data: new Uint8Array(10), nonblocking: false });
    r.runUntil(r.now + 10_000);
    expect(r.segs('a').at(-1)!.seg.flags & TH_RST).toBe(TH_RST);
    expect(r.hasTcb('a')).toBe(false);
    expect(r.hasTcb('b')).toBe(false);
  });

  it('close before the handshake completes drops the connection silently (TP-13, tcp_disconnect)', () => {
    const { r } = established();
    const s = r.call('a', { op: 'socket', proto: 'tcp' });
    if (s?.ok !== true || s.value.kind !== 'fd') throw new Error('socket');
    r.call('a', { op: 'connect', fd: s.value.fd, remote: r.ep('b', 9999), nonblocking: true });
    const n = r.segs('a').length;
    r.call('a', { op: 'close', fd: s.value.fd });
    expect(r.segs('a').length).toBe(n);
    expect(r.a.state.sockets.filter((x) => x.tcb?.state === 'SYN-SENT')).toHaveLength(0);
  });

  it('after close, FIN-WAIT-2 waits 600 s of silence and then closes (B.5, TP-24)', () => {
    const { r, client } = established();
    r.call('a', { op: 'close', fd: client });
    r.runUntil(r.now + 10_000);
    expect(r.tcb('a').state).toBe('FIN-WAIT-2');
    r.runUntil(r.now + 590_000_000);
    expect(r.hasTcb('a')).toBe(true);
    r.runUntil(r.now + 20_000_000);
    expect(r.hasTcb('a')).toBe(false);
  });

  it('bind to a port held by a TIME-WAIT connection fails EADDRINUSE (TP-7)', () => {
    const { r, client, server } = established();
    const held = r.tcb('a').local.port;
    r.call('a', { op: 'close', fd: client });
    r.runUntil(r.now + 10_000);
    r.call('b', { op: 'close', fd: server });
    r.runUntil(r.now + 10_000);
    const s = r.call('a', { op: 'socket', proto: 'tcp' });
    if (s?.ok !== true || s.value.kind !== 'fd') throw new Error('socket');
    expect(r.call('a', { op: 'bind', fd: s.value.fd, port: port(held) })).toEqual({ ok: false, error: 'EADDRINUSE' });
  });
});
