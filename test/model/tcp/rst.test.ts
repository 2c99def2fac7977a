/**
 * Method: an established pair over the relay; forged segments are injected into one side
 * (relay.inject) and the reaction is checked against the RST rules DragonFly keeps (dragonfly.md
 * B.4, F.11; docs/TCP-PROFILE.md TP-17, TP-23): a RST is valid anywhere in
 * [last_ack_sent, last_ack_sent + rcv_wnd], an in-window SYN resets, nothing is challenged.
 */
import { describe, expect, it } from 'vitest';
import { TH_ACK, TH_FIN, TH_RST, TH_SYN } from '../../../src/core/packet';
import { seqAdd } from '../../../src/core/seq';
import { SERVER_PORT, established } from './fixtures';
import { Relay } from './relay';

describe('TCP model: RST generation and acceptance', () => {
  it('a RST anywhere in the window resets the connection, ECONNRESET (RST-4, DEVIATION of RST-8: no challenge ACK)', () => {
    const { r, server } = established();
    const tp = r.tcb('b');
    const id = r.callAsync('b', { op: 'recv', fd: server, maxBytes: 10, nonblocking: false });
    const before = r.segs('b').length;
    r.inject('b', { fromPort: tp.remote.port, toPort: SERVER_PORT, seq: seqAdd(tp.lastAckSent, 30000), flags: TH_RST });
    expect(r.segs('b').length).toBe(before);
    expect(r.hasTcb('b')).toBe(false);
    expect(r.results.get(id)).toEqual({ ok: false, error: 'ECONNRESET' });
  });

  it('a RST at the right edge last_ack_sent + rcv_wnd is still accepted; one beyond it is ignored (B.4 step 2)', () => {
    const { r } = established();
    const tp = r.tcb('b');
    const edge = seqAdd(tp.lastAckSent, tp.rcvWnd === 0 ? 57344 : tp.rcvWnd);
    r.inject('b', { fromPort: tp.remote.port, toPort: SERVER_PORT, seq: seqAdd(edge, 1), flags: TH_RST });
    expect(r.tcb('b').state).toBe('ESTABLISHED');
    r.inject('b', { fromPort: tp.remote.port, toPort: SERVER_PORT, seq: seqAdd(tp.lastAckSent, -1), flags: TH_RST });
    expect(r.tcb('b').state).toBe('ESTABLISHED');
    r.inject('b', { fromPort: tp.remote.port, toPort: SERVER_PORT, seq: edge, flags: TH_RST });
    expect(r.hasTcb('b')).toBe(false);
  });

  it('a RST out of the window draws nothing and changes nothing (RST-6)', () => {
    const { r } = established();
    const tp = r.tcb('a');
    const before = r.segs('a').length;
    r.inject('a', { fromPort: SERVER_PORT, toPort: tp.local.port, seq: seqAdd(tp.rcvNxt, 1_000_000), flags: TH_RST | TH_ACK, ack: tp.sndNxt });
    expect(r.segs('a').length).toBe(before);
    expect(r.tcb('a')).toEqual(tp);
  });

  it('a SYN inside the window resets the connection and is answered with RST (B.4 step 9, F.11; not RFC 5961 RST-10)', () => {
    const { r, client } = established();
    const tp = r.tcb('a');
    r.inject('a', { fromPort: SERVER_PORT, toPort: tp.local.port, seq: seqAdd(tp.rcvNxt, 100), flags: TH_SYN });
    const out = r.segs('a').slice(-2).map((w) => w.seg);
    // tcp_drop's RST (tcp_output in CLOSED), then dropwithreset's answer to the SYN.
    expect(out[0]!.flags).toBe(TH_RST | TH_ACK);
    expect(out[1]!.flags).toBe(TH_RST | TH_ACK);
    expect(out[1]!.ack).toBe(seqAdd(tp.rcvNxt, 101));
    expect(r.hasTcb('a')).toBe(false);
    expect(r.call('a', { op: 'recv', fd: client, maxBytes: 1, nonblocking: true })).toEqual({ ok: false, error: 'ECONNRESET' });
  });

  it('a segment with an unacceptable sequence number gets an ACK, not a RST (ACC-3, RST-3)', () => {
    const { r } = established();
    const tp = r.tcb('a');
    const before = r.segs('a').length;
    r.inject('a', { fromPort: SERVER_PORT, toPort: tp.local.port, seq: seqAdd(tp.rcvNxt, 200_000), ack: tp.sndNxt, flags: TH_ACK, payload: new Uint8Array(10), window: 1792 });
    const reply = r.segs('a')[before]!.seg;
    expect(reply.flags & (TH_RST | TH_ACK)).toBe(TH_ACK);
    expect(reply.seq).toBe(tp.sndNxt);
    expect(reply.ack).toBe(tp.rcvNxt);
  });

  it('no socket: a segment with ACK gets <SEQ=SEG.ACK><RST>; one without gets <SEQ=0><ACK=SEG.SEQ+len><RST,ACK>, FIN not counted (SM-4, TP-17)', () => {
    const r = new Relay();
    r.inject('b', { fromPort: 1234, toPort: 4321, seq: 1000, ack: 5555, flags: TH_ACK, payload: new Uint8Array(7) });
    expect(r.segs('b').at(-1)!.seg).toMatchObject({ flags: TH_RST, seq: 5555, ack: 0, window: 0 });
    r.inject('b', { fromPort: 1234, toPort: 4321, seq: 1000, flags: TH_FIN, payload: new Uint8Array(7) });
    expect(r.segs('b').at(-1)!.seg).toMatchObject({ flags: TH_RST | TH_ACK, seq: 0, ack: 1007 });
    r.inject('b', { fromPort: 1234, toPort: 4321, seq: 1000, flags: TH_SYN });
    expect(r.segs('b').at(-1)!.seg).toMatchObject({ flags: TH_RST | TH_ACK, seq: 0, ack: 1001 });
    // Never a RST for a RST.
    const n = r.segs('b').length;
    r.inject('b', { fromPort: 1234, toPort: 4321, seq: 1000, flags: TH_RST });
    expect(r.segs('b').length).toBe(n);
  });

  it('a RST in TIME-WAIT is ignored (RFC 1337, B.4 step 2)', () => {
    const { r, client, server } = established();
    r.call('a', { op: 'close', fd: client });
    r.runUntil(r.now + 10_000);
    r.call('b', { op: 'close', fd: server });
    r.runUntil(r.now + 10_000);
    const tp = r.tcb('a');
    expect(tp.state).toBe('TIME-WAIT');
    r.inject('a', { fromPort: SERVER_PORT, toPort: tp.local.port, seq: tp.rcvNxt, flags: TH_RST });
    expect(r.tcb('a').state).toBe('TIME-WAIT');
  });
});
