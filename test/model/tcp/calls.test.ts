/**
 * Method: calls are issued through the relay (relay.call) and their results compared with the
 * exact values docs/TCP-PROFILE.md TP-6 … TP-13 lists; ownership (TP-29) and the ephemeral-port
 * rule of TP-9 are checked with the model's own owner functions and the Toeplitz flow hash.
 */
import { describe, expect, it } from 'vitest';
import { EPHEMERAL_FIRST, port } from '../../../src/core/addr';
import { callId, cpuId, fd } from '../../../src/core/ids';
import { tcpFlowCpu } from '../../../src/core/toeplitz';
import { tcpCallOwner, tcpPollAt } from '../../../src/model/tcp';
import { SERVER_PORT, established, listening } from './fixtures';
import { Relay, bytes } from './relay';

const none = { ok: true, value: { kind: 'none' } } as const;

function sock(r: Relay, side: 'a' | 'b', cpu = 0) {
  const s = r.call(side, { op: 'socket', proto: 'tcp' }, cpu);
  if (s?.ok !== true || s.value.kind !== 'fd') throw new Error('socket');
  return s.value.fd;
}

describe('TCP model: socket calls', () => {
  it('socket numbers descriptors 3, 4, 5 … (UP-2, TP-6); bind checks EINVAL, EADDRINUSE, and port 0 takes the UP-3 cursor (TP-7)', () => {
    const r = new Relay();
    expect(sock(r, 'a')).toBe(fd(3));
    const s = sock(r, 'a');
    expect(s).toBe(fd(4));
    expect(r.call('a', { op: 'bind', fd: s, port: port(0) })).toEqual(none);
    expect(r.a.state.sockets[1]!.lport).toBe(EPHEMERAL_FIRST);
    expect(r.call('a', { op: 'bind', fd: s, port: port(80) })).toEqual({ ok: false, error: 'EINVAL' });
    const t = sock(r, 'a');
    expect(r.call('a', { op: 'bind', fd: t, port: EPHEMERAL_FIRST })).toEqual({ ok: false, error: 'EADDRINUSE' });
    expect(r.call('a', { op: 'bind', fd: t, port: port(0) })).toEqual(none);
    expect(r.a.state.sockets[2]!.lport).toBe(EPHEMERAL_FIRST + 1);
  });

  it('listen, accept and connect refuse what they cannot do (TP-8 … TP-10)', () => {
    const { r, client, listener, server } = established();
    expect(r.call('a', { op: 'listen', fd: client, backlog: 5 })).toEqual({ ok: false, error: 'EINVAL' });
    expect(r.call('a', { op: 'accept', fd: client, nonblocking: true })).toEqual({ ok: false, error: 'EINVAL' });
    expect(r.call('b', { op: 'accept', fd: listener, nonblocking: true })).toEqual({ ok: false, error: 'EWOULDBLOCK' });
    expect(r.call('b', { op: 'connect', fd: listener, remote: r.ep('a', 1), nonblocking: true })).toEqual({ ok: false, error: 'EOPNOTSUPP' });
    expect(r.call('b', { op: 'recv', fd: listener, maxBytes: 1, nonblocking: true })).toEqual({ ok: false, error: 'ENOTCONN' });
    expect(r.call('b', { op: 'send', fd: listener, data: bytes(1), nonblocking: true })).toEqual({ ok: false, error: 'ENOTCONN' });
    expect(r.call('b', { op: 'shutdown', fd: listener })).toEqual({ ok: false, error: 'ENOTCONN' });
    expect(r.call('b', { op: 'recv', fd: server, maxBytes: 0, nonblocking: true })).toEqual({ ok: false, error: 'EINVAL' });
    r.call('a', { op: 'abort', fd: client });
    r.runUntil(r.now + 10_000);
    expect(r.call('b', { op: 'connect', fd: server, remote: r.ep('a', 1), nonblocking: true })).toEqual({ ok: false, error: 'EINVAL' });
  });

  it('a blocking accept completes when the handshake does; closing the listener completes a blocked accept EBADF (TP-10, UP-10)', () => {
    const { r, listener } = listening();
    const id = r.callAsync('b', { op: 'accept', fd: listener, nonblocking: false });
    const c = sock(r, 'a');
    r.call('a', { op: 'connect', fd: c, remote: r.ep('b', SERVER_PORT), nonblocking: true });
    r.runUntil(50_000);
    expect(r.results.get(id)).toMatchObject({ ok: true, value: { kind: 'accepted', fd: fd(4), remote: { addr: r.a.addr } } });
    const id2 = r.callAsync('b', { op: 'accept', fd: listener, nonblocking: false });
    r.call('b', { op: 'close', fd: listener });
    expect(r.results.get(id2)).toEqual({ ok: false, error: 'EBADF' });
  });

  it('send checks EPIPE, then the pending error, then ENOTCONN (TP-11); a connecting socket cannot send yet', () => {
    const r = new Relay();
    const s = sock(r, 'a');
    expect(r.call('a', { op: 'send', fd: s, data: bytes(1), nonblocking: true })).toEqual({ ok: false, error: 'ENOTCONN' });
    r.call('a', { op: 'connect', fd: s, remote: r.ep('b', SERVER_PORT), nonblocking: true });
    expect(r.call('a', { op: 'send', fd: s, data: bytes(1), nonblocking: true })).toEqual({ ok: false, error: 'ENOTCONN' });
    // b has no listener: a is refused, and afterwards cannot send.
    r.runUntil(50_000);
    expect(r.call('a', { op: 'send', fd: s, data: bytes(1), nonblocking: true })).toEqual({ ok: false, error: 'EPIPE' });
    expect(r.call('a', { op: 'recv', fd: s, maxBytes: 1, nonblocking: true })).toEqual({ ok: false, error: 'ECONNREFUSED' });
    expect(r.call('a', { op: 'recv', fd: s, maxBytes: 1, nonblocking: true })).toEqual({ ok: true, value: { kind: 'data', data: new Uint8Array(0) } });
  });

  it('shutdown sends FIN and later sends fail EPIPE; the peer still sends and we still receive (SM-3, TP-13)', () => {
    const { r, client, server } = established();
    expect(r.call('a', { op: 'shutdown', fd: client })).toEqual(none);
    expect(r.tcb('a').state).toBe('FIN-WAIT-1');
    expect(r.call('a', { op: 'send', fd: client, data: bytes(1), nonblocking: true })).toEqual({ ok: false, error: 'EPIPE' });
    r.runUntil(r.now + 10_000);
    r.call('b', { op: 'send', fd: server, data: bytes(50), nonblocking: true });
    r.runUntil(r.now + 200_000);
    expect(r.call('a', { op: 'recv', fd: client, maxBytes: 100, nonblocking: true })).toEqual({ ok: true, value: { kind: 'data', data: bytes(50) } });
  });

  it('the send buffer: nonblocking takes what fits or EWOULDBLOCK; blocking waits and completes with every byte (TP-11)', () => {
    const { r, client, server } = established({ a: { sendspace: 10_000 } });
    r.drop((_s, from) => from === 'a');
    expect(r.call('a', { op: 'send', fd: client, data: bytes(8_000), nonblocking: true })).toEqual({ ok: true, value: { kind: 'sent', bytes: 8_000 } });
    expect(r.call('a', { op: 'send', fd: client, data: bytes(5_000), nonblocking: true })).toEqual({ ok: true, value: { kind: 'sent', bytes: 2_000 } });
    expect(r.call('a', { op: 'send', fd: client, data: bytes(1), nonblocking: true })).toEqual({ ok: false, error: 'EWOULDBLOCK' });
    const r2 = established({ a: { sendspace: 10_000 } });
    const id = r2.r.callAsync('a', { op: 'send', fd: r2.client, data: bytes(30_000), nonblocking: false });
    expect(r2.r.results.has(id)).toBe(false);
    let got = 0;
    for (let i = 0; i < 50 && !r2.r.results.has(id); i++) {
      r2.r.runUntil(r2.r.now + 100_000);
      const rr = r2.r.call('b', { op: 'recv', fd: r2.server, maxBytes: 1 << 20, nonblocking: true });
      if (rr?.ok === true && rr.value.kind === 'data') got += rr.value.data.length;
    }
    expect(r2.r.results.get(id)).toEqual({ ok: true, value: { kind: 'sent', bytes: 30_000 } });
    void server;
    void got;
  });

  it('a blocked recv completes with the data that arrives, or EBADF when its descriptor is closed (TP-12, UP-10)', () => {
    const { r, client, server } = established();
    const id = r.callAsync('b', { op: 'recv', fd: server, maxBytes: 3, nonblocking: false });
    r.call('a', { op: 'send', fd: client, data: bytes(5), nonblocking: true });
    r.runUntil(r.now + 10_000);
    expect(r.results.get(id)).toEqual({ ok: true, value: { kind: 'data', data: bytes(5).slice(0, 3) } });
    const id2 = r.callAsync('a', { op: 'recv', fd: client, maxBytes: 3, nonblocking: false });
    r.call('a', { op: 'close', fd: client });
    expect(r.results.get(id2)).toEqual({ ok: false, error: 'EBADF' });
  });

  it('connect picks a port whose 4-tuple hashes to the socket\'s CPU and moves the socket to that flow CPU (TP-9, D.8, D.9, TP-29)', () => {
    const r = new Relay({ ncpus: 4 });
    const s = sock(r, 'a', 2);
    const req = { op: 'send', fd: s, data: bytes(1), nonblocking: true } as const;
    expect(tcpCallOwner(r.a.state, { id: callId(99), app: 0, cpu: cpuId(1), req })).toBe(cpuId(2));
    r.call('a', { op: 'connect', fd: s, remote: r.ep('b', SERVER_PORT), nonblocking: true }, 2);
    const so = r.a.state.sockets.find((x) => x.fd === s)!;
    const cpu = tcpFlowCpu(r.a.addr, so.lport!, r.b.addr, port(SERVER_PORT), 4);
    expect(cpu).toBe(cpuId(2));
    expect(so.owner).toBe(cpu);
    // The ports skipped were free but hashed elsewhere.
    for (let p = EPHEMERAL_FIRST; p < so.lport!; p++) {
      expect(tcpFlowCpu(r.a.addr, port(p), r.b.addr, port(SERVER_PORT), 4)).not.toBe(cpuId(2));
    }
    expect(tcpCallOwner(r.a.state, { id: callId(99), app: 0, cpu: cpuId(1), req: { op: 'listen', fd: s, backlog: 1 } })).toBe(cpuId(0));
    expect(tcpCallOwner(r.a.state, { id: callId(99), app: 0, cpu: cpuId(1), req: { op: 'accept', fd: s, nonblocking: true } })).toBeNull();
  });

  it('fair send: output triggered by a send stops after 4 segments and continues from the `sndmore` continuation, due at once (TP-21, C)', () => {
    const { r, client, server } = established({ a: { tso: false, idleRestart: false }, b: { recvspace: 1 << 18 } });
    // Open cwnd first.
    r.call('a', { op: 'send', fd: client, data: bytes(30 * 1448), nonblocking: true });
    r.runUntil(r.now + 1_000_000);
    r.call('b', { op: 'recv', fd: server, maxBytes: 1 << 20, nonblocking: true });
    expect(r.tcb('a').sndCwnd).toBeGreaterThan(8 * 1448);
    const t0 = r.now;
    r.call('a', { op: 'send', fd: client, data: bytes(10 * 1448), nonblocking: true });
    expect(r.segs('a', { data: true, since: t0 })).toHaveLength(4);
    const due = tcpPollAt(r.a.state);
    expect(due).toEqual({ at: r.now, conn: r.tcb('a').key, timer: 'sndmore' });
    r.runUntil(r.now);
    expect(r.segs('a', { data: true, since: t0 }).length).toBeGreaterThan(4);
  });

  it('fair send with TSO counts the pieces of a TSO unit: one unit goes out, then `sndmore` (TP-21)', () => {
    const { r, client, server } = established({ a: { idleRestart: false }, b: { recvspace: 1 << 18 } });
    r.call('a', { op: 'send', fd: client, data: bytes(30 * 1448), nonblocking: true });
    r.runUntil(r.now + 1_000_000);
    r.call('b', { op: 'recv', fd: server, maxBytes: 1 << 20, nonblocking: true });
    const cwndSegs = Math.floor(r.tcb('a').sndCwnd / 1448);
    const t0 = r.now;
    r.call('a', { op: 'send', fd: client, data: bytes(20 * 1448), nonblocking: true });
    // One TSO unit of ⌊cwnd/MSS⌋ whole segments (≥ 4 pieces), then the continuation.
    const first = r.segs('a', { data: true, since: t0 });
    expect(first.length).toBe(Math.min(cwndSegs, 20));
    expect(first.every((w) => w.seg.payload.length === 1448)).toBe(true);
    expect(r.tcb('a').timers.sndmore === null).toBe(first.length === 20);
  });
});
