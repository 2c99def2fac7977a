/**
 * Method: the sender's cwnd/ssthresh are read from a's TCB (the model state is plain frozen data)
 * while the relay moves a bulk transfer; the growth rules are also checked step by step by
 * applying `openCwnd` to a frozen TCB through immer. Rules: RFC 3390 (IW-1, IW-2), RFC 5681
 * (CC-6 … CC-9, CC-15), RFC 3465 ABC, DragonFly's variants (dragonfly.md A.2, F.3, F.4).
 */
import { produce } from 'immer';
import { describe, expect, it } from 'vitest';
import { TCP_DEFAULTS } from '../../../src/core/config';
import { openCwnd } from '../../../src/model/tcp/congestion/cc';
import type { Env } from '../../../src/model/tcp/env';
import type { Tcb } from '../../../src/model/tcp';
import { established } from './fixtures';
import { bytes } from './relay';

const envWith = (tcp: Partial<typeof TCP_DEFAULTS> = {}): Env => ({ cfg: { ...TCP_DEFAULTS, ...tcp } }) as unknown as Env;
const grow = (tp: Tcb, acked: number, tcp: Partial<typeof TCP_DEFAULTS> = {}): Tcb =>
  produce(tp, (d) => openCwnd(envWith(tcp), d, acked));

describe('TCP model: congestion control', () => {
  it('RFC 3390 initial window: 3 segments of 1448 (4380 bytes) go out before the first ACK (IW-1, IW-2, DISC-1)', () => {
    const { r, client } = established();
    const t0 = r.now;
    r.call('a', { op: 'send', fd: client, data: bytes(20 * 1448), nonblocking: true });
    expect(r.segs('a', { data: true, since: t0 })).toHaveLength(3);
    expect(r.tcb('a').sndCwnd).toBe(4380);
  });

  it('with a 576-byte MTU the initial window is 4 segments: min(4·MSS, max(2·MSS, 4380)) (IW-2)', () => {
    const { r, client } = established({ a: { mtu: 576 }, b: { mtu: 576 } });
    const mss = r.tcb('a').maxseg;
    expect(mss).toBe(536 - 12);
    const t0 = r.now;
    r.call('a', { op: 'send', fd: client, data: bytes(20 * mss), nonblocking: true });
    expect(r.segs('a', { data: true, since: t0 })).toHaveLength(4);
  });

  it('rfc3390 = 0: the initial window is 2·MSS', () => {
    const { r, client } = established({ a: { rfc3390: false } });
    const t0 = r.now;
    r.call('a', { op: 'send', fd: client, data: bytes(20 * 1448), nonblocking: true });
    expect(r.segs('a', { data: true, since: t0 })).toHaveLength(2);
  });

  it('slow start with ABC grows cwnd by min(acked, 2·MSS) per ACK while cwnd ≤ ssthresh (CC-7 DEVIATION, F.4)', () => {
    const { r } = established();
    const tp = r.tcb('a');
    expect(tp.sndCwnd <= tp.sndSsthresh).toBe(true);
    expect(grow(tp, 2 * 1448).sndCwnd).toBe(tp.sndCwnd + 2 * 1448);
    expect(grow(tp, 5 * 1448).sndCwnd).toBe(tp.sndCwnd + 2 * 1448);
    expect(grow(tp, 100).sndCwnd).toBe(tp.sndCwnd + 100);
    // While resending after an RTO (snd_nxt < snd_max) L is one MSS.
    const resending = produce(tp, (d) => { d.sndNxt = d.sndUna; d.sndMax = ((d.sndUna + 5000) >>> 0) as Tcb['sndMax']; });
    expect(grow(resending, 3 * 1448).sndCwnd).toBe(tp.sndCwnd + 1448);
    // Without ABC: one MSS per ACK, whatever it acknowledges.
    expect(grow(tp, 100, { abc: false }).sndCwnd).toBe(tp.sndCwnd + 1448);
  });

  it('congestion avoidance adds one MSS per cwnd of acknowledged bytes (CC-8 byte counting, A.2)', () => {
    const { r } = established();
    const ca = produce(r.tcb('a'), (d) => { d.sndSsthresh = 4 * 1448; d.sndCwnd = 5 * 1448; d.sndWacked = 0; });
    let t = ca;
    for (let i = 0; i < 4; i++) t = grow(t, 1448);
    expect(t.sndCwnd).toBe(5 * 1448);
    expect(t.sndWacked).toBe(4 * 1448);
    t = grow(t, 1448);
    expect(t.sndCwnd).toBe(6 * 1448);
    expect(t.sndWacked).toBe(0);
  });

  it('cwnd never exceeds TCP_MAXWIN << snd_scale (A.2)', () => {
    const { r } = established();
    const big = produce(r.tcb('a'), (d) => { d.sndCwnd = 65535 * 32 - 10; });
    expect(grow(big, 2 * 1448).sndCwnd).toBe(65535 * 32);
  });

  it('after an idle period of an RTO or more, cwnd restarts from RW = min(cwnd, IW) (CC-15, RFC 2861 decay with idle_cwv, A.2)', () => {
    const { r, client, server } = established();
    r.call('a', { op: 'send', fd: client, data: bytes(30 * 1448), nonblocking: true });
    r.runUntil(r.now + 1_000_000);
    r.call('b', { op: 'recv', fd: server, maxBytes: 1 << 20, nonblocking: true });
    const grown = r.tcb('a');
    expect(grown.sndCwnd).toBeGreaterThan(4380);
    r.runUntil(r.now + 5_000_000);
    r.call('a', { op: 'send', fd: client, data: bytes(1448), nonblocking: true });
    const after = r.tcb('a');
    expect(after.sndCwnd).toBe(4380);
    expect(after.sndSsthresh).toBe(Math.max(grown.sndSsthresh, Math.floor((3 * grown.sndCwnd) / 4)));
  });

  it('idle_restart = 0 keeps cwnd across idle periods', () => {
    const { r, client, server } = established({ a: { idleRestart: false } });
    r.call('a', { op: 'send', fd: client, data: bytes(30 * 1448), nonblocking: true });
    r.runUntil(r.now + 1_000_000);
    r.call('b', { op: 'recv', fd: server, maxBytes: 1 << 20, nonblocking: true });
    const grown = r.tcb('a').sndCwnd;
    r.runUntil(r.now + 5_000_000);
    r.call('a', { op: 'send', fd: client, data: bytes(1448), nonblocking: true });
    expect(r.tcb('a').sndCwnd).toBe(grown);
  });
});
