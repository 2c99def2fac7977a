/**
 * Method: b listens; SYNs come from a's sockets over the relay or are forged with
 * relay.inject. The tests follow the syncache of dragonfly.md B.3 (docs/TCP-PROFILE.md TP-14 …
 * TP-16): SYN|ACK retransmission and expiry, overflow and SYN cookies, the backlog.
 */
import { describe, expect, it } from 'vitest';
import { TH_ACK, TH_RST, TH_SYN } from '../../../src/core/packet';
import { seqAdd } from '../../../src/core/seq';
import { SERVER_PORT, listening } from './fixtures';
import type { Relay } from './relay';

function client(r: Relay) {
  const s = r.call('a', { op: 'socket', proto: 'tcp' });
  if (s?.ok !== true || s.value.kind !== 'fd') throw new Error('socket');
  r.call('a', { op: 'connect', fd: s.value.fd, remote: r.ep('b', SERVER_PORT), nonblocking: true });
  return s.value.fd;
}

const synacks = (r: Relay) => r.segs('b').filter((w) => (w.seg.flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK));

describe('TCP model: listen, syncache and SYN cookies', () => {
  it('an unanswered SYN|ACK is resent after 1, 1, 2, 4, 8 s and the entry dropped 16 s after the SYN (TP-14, B.3)', () => {
    const { r } = listening();
    // Nobody answers from port 7000 (a would reset the unknown SYN|ACK).
    r.drop((_s, from) => from === 'a');
    r.inject('b', { fromPort: 7000, toPort: SERVER_PORT, seq: 1000, flags: TH_SYN, options: { mss: 1460 } });
    r.runUntil(30_000_000);
    expect(synacks(r).map((w) => w.t / 1_000_000)).toEqual([0, 1, 2, 4, 8]);
    expect(r.b.state.syncache).toHaveLength(0);
    // The late ACK finds no entry and no recent overflow: RST (TP-16).
    const iss = synacks(r)[0]!.seg.seq;
    r.inject('b', { fromPort: 7000, toPort: SERVER_PORT, seq: 1001, ack: seqAdd(iss, 1), flags: TH_ACK });
    expect(r.segs('b').at(-1)!.seg).toMatchObject({ flags: TH_RST, seq: seqAdd(iss, 1) });
  });

  it('SYN data is neither kept nor ACKed (DISC-14, SM-7 DEVIATION); a duplicate SYN resends the same SYN|ACK', () => {
    const { r } = listening();
    r.inject('b', { fromPort: 7000, toPort: SERVER_PORT, seq: 1000, flags: TH_SYN, payload: new Uint8Array(20) });
    r.inject('b', { fromPort: 7000, toPort: SERVER_PORT, seq: 1000, flags: TH_SYN, payload: new Uint8Array(20) });
    const [x, y] = synacks(r);
    expect(x!.seg.ack).toBe(1001);
    expect(y!.seg.seq).toBe(x!.seg.seq);
    expect(r.b.state.syncache).toHaveLength(1);
  });

  it('SYN cookies are accepted after a syncache overflow: the connection comes up with only the MSS class (TP-15, SYNC-4, SYNC-6, F.15)', () => {
    // One bucket of one entry per CPU: the second SYN evicts the first.
    const { r, listener } = listening({ b: { syncacheHashSize: 1, syncacheBucketLimit: 1 } });
    const c1 = client(r);
    const c2 = client(r);
    r.runUntil(5_000);
    expect(r.b.state.syncache).toHaveLength(1);
    expect(r.b.state.sockets.find((s) => s.fd === listener)!.listen!.overflowTick).toBe(0);
    r.runUntil(50_000);
    const a1 = r.call('b', { op: 'accept', fd: listener, nonblocking: true });
    const a2 = r.call('b', { op: 'accept', fd: listener, nonblocking: true });
    expect(a1?.ok).toBe(true);
    expect(a2?.ok).toBe(true);
    const conns = r.b.state.sockets.filter((s) => s.tcb !== null).map((s) => s.tcb!);
    expect(conns.map((t) => t.state)).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    // The cookie connection (the first client's) lost window scale, timestamps and SACK; MSS class 1460.
    const cookie = conns.find((t) => t.remote.port === r.tcb('a', 0).local.port)!;
    expect(cookie.flags.rcvdTstmp).toBe(false);
    expect(cookie.sndScale).toBe(0);
    expect(cookie.flags.sackPermitted).toBe(false);
    expect(cookie.maxseg).toBe(1460);
    void c1;
    void c2;
  });

  it('a forged ACK with a wrong cookie, or any cookie without a recent overflow, is answered with RST (TP-15, TP-16)', () => {
    const { r } = listening({ b: { syncacheHashSize: 1, syncacheBucketLimit: 1 } });
    r.inject('b', { fromPort: 7001, toPort: SERVER_PORT, seq: 5000, ack: 12345, flags: TH_ACK });
    expect(r.segs('b').at(-1)!.seg.flags).toBe(TH_RST);
    expect(r.b.state.sockets.filter((s) => s.tcb !== null)).toHaveLength(0);
  });

  it('with syncookies off the SYN|ACK carries an ordinary ISN and overflow just loses the evicted entry (TP-5, TP-14)', () => {
    const { r, listener } = listening({ b: { syncookies: false, syncacheHashSize: 1, syncacheBucketLimit: 1 } });
    client(r);
    client(r);
    r.runUntil(50_000);
    expect(r.call('b', { op: 'accept', fd: listener, nonblocking: true })?.ok).toBe(true);
    expect(r.call('b', { op: 'accept', fd: listener, nonblocking: true })).toEqual({ ok: false, error: 'EWOULDBLOCK' });
    // The evicted client's ACK drew a RST; that client was reset.
    expect(r.segs('b').some((w) => (w.seg.flags & TH_RST) !== 0)).toBe(true);
  });

  it('the listen backlog: SYNs are dropped silently once the completed queue holds more than qlimit (TP-14, B.3)', () => {
    const { r, listener } = listening({}, 1);
    for (let i = 0; i < 3; i++) client(r);
    r.runUntil(50_000);
    const queue = r.b.state.sockets.find((s) => s.fd === listener)!.listen!.queue;
    // qlen ≤ qlimit admits a SYN: two get in (qlen 0 and 1), the third SYN is dropped.
    expect(queue).toHaveLength(2);
    const accepted = [0, 1, 2].map(() => r.call('b', { op: 'accept', fd: listener, nonblocking: true }));
    expect(accepted.map((x) => x?.ok)).toEqual([true, true, false]);
  });

  it('a RST inside [irs, irs + window] removes the entry; an ACK with SYN set draws a RST and removes it (B.3)', () => {
    const { r } = listening();
    r.inject('b', { fromPort: 7000, toPort: SERVER_PORT, seq: 1000, flags: TH_SYN });
    r.inject('b', { fromPort: 7000, toPort: SERVER_PORT, seq: 1000 + 100_000, flags: TH_RST });
    expect(r.b.state.syncache).toHaveLength(1);
    r.inject('b', { fromPort: 7000, toPort: SERVER_PORT, seq: 1001, flags: TH_RST });
    expect(r.b.state.syncache).toHaveLength(0);
    r.inject('b', { fromPort: 7002, toPort: SERVER_PORT, seq: 1000, flags: TH_SYN });
    r.inject('b', { fromPort: 7002, toPort: SERVER_PORT, seq: 1000, ack: 1, flags: TH_SYN | TH_ACK });
    expect(r.b.state.syncache).toHaveLength(0);
    expect(r.segs('b').at(-1)!.seg).toMatchObject({ flags: TH_RST, seq: 1 });
  });

  it('closing a listener aborts its queued connections with RST and forgets its syncache (TP-13)', () => {
    const { r, listener } = listening();
    client(r);
    r.runUntil(50_000);
    r.inject('b', { fromPort: 7000, toPort: SERVER_PORT, seq: 1000, flags: TH_SYN });
    expect(r.b.state.syncache).toHaveLength(1);
    r.call('b', { op: 'close', fd: listener });
    expect(r.b.state.syncache).toHaveLength(0);
    expect(r.segs('b').at(-1)!.seg.flags & TH_RST).toBe(TH_RST);
    r.runUntil(r.now + 10_000);
    expect(r.hasTcb('a')).toBe(false);
  });
});
