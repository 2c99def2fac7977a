/**
 * The UDP socket calls of docs/UDP-PROFILE.md (UP-2, UP-4, UP-5, UP-6, UP-10), one rule per
 * test: each drives a fresh model host through the socket API and states the exact results an
 * application must observe, in the profile's order of checks.
 */
import { describe, expect, it } from 'vitest';
import { port } from '../../../src/core/addr';
import { NONE, ModelHarness, PEER, ep, fail, fdOf, payload, udpFrame } from '../harness';

describe('descriptors (UP-2, UP-4)', () => {
  it('UP-2: descriptors are 3, 4, 5 … in the order sockets are created', () => {
    const h = new ModelHarness();
    expect([h.socket(), h.socket(), h.socket()]).toEqual([3, 4, 5]);
  });

  it('UP-2: a closed descriptor number is never handed out again', () => {
    const h = new ModelHarness();
    const a = h.socket();
    expect(h.close(a)).toEqual(NONE);
    expect(h.socket()).toBe(4);
  });

  it('UP-2: TCP and UDP sockets share one descriptor numbering', () => {
    const h = new ModelHarness();
    expect(h.call({ op: 'socket', proto: 'tcp' })).toEqual({ ok: true, value: { kind: 'fd', fd: 3 } });
    expect(h.socket()).toBe(4);
    expect(h.call({ op: 'close', fd: fdOf(3) })).toEqual({ ok: true, value: { kind: 'none' } });
    expect(h.call({ op: 'close', fd: fdOf(3) })).toEqual(fail('EBADF'));
    expect(h.call({ op: 'socket', proto: 'tcp' })).toEqual({ ok: true, value: { kind: 'fd', fd: 5 } });
  });

  it('UP-4: every call on an unknown descriptor fails EBADF', () => {
    const h = new ModelHarness();
    const bad = fdOf(9);
    const remote = ep(PEER, 7);
    expect(h.bind(bad, 0)).toEqual(fail('EBADF'));
    expect(h.connect(bad, remote)).toEqual(fail('EBADF'));
    expect(h.send(bad, 4, remote)).toEqual(fail('EBADF'));
    expect(h.recv(bad).result).toEqual(fail('EBADF'));
    expect(h.call({ op: 'listen', fd: bad, backlog: 5 })).toEqual(fail('EBADF'));
    expect(h.call({ op: 'accept', fd: bad, nonblocking: true })).toEqual(fail('EBADF'));
    expect(h.call({ op: 'shutdown', fd: bad })).toEqual(fail('EBADF'));
    expect(h.call({ op: 'close', fd: bad })).toEqual(fail('EBADF'));
    expect(h.call({ op: 'abort', fd: bad })).toEqual(fail('EBADF'));
  });

  it('UP-4: a closed descriptor is unknown: EBADF, also for a second close', () => {
    const h = new ModelHarness();
    const s = h.socket();
    h.close(s);
    expect(h.close(s)).toEqual(fail('EBADF'));
    expect(h.send(s, 1, ep(PEER, 9))).toEqual(fail('EBADF'));
  });

  it('UP-4: listen and accept on a UDP socket fail EOPNOTSUPP', () => {
    const h = new ModelHarness();
    const s = h.socket();
    expect(h.call({ op: 'listen', fd: s, backlog: 5 })).toEqual(fail('EOPNOTSUPP'));
    expect(h.call({ op: 'accept', fd: s, nonblocking: false })).toEqual(fail('EOPNOTSUPP'));
  });
});

describe('bind (UP-5)', () => {
  it('UP-5: bind to a free port succeeds with no value', () => {
    const h = new ModelHarness();
    const s = h.socket();
    expect(h.bind(s, 5000)).toEqual(NONE);
    expect(h.lport(s)).toBe(5000);
  });

  it('UP-5: binding a bound socket fails EINVAL, even to another port', () => {
    const h = new ModelHarness();
    const s = h.socket();
    h.bind(s, 5000);
    expect(h.bind(s, 5001)).toEqual(fail('EINVAL'));
    expect(h.bind(s, 0)).toEqual(fail('EINVAL'));
    expect(h.lport(s)).toBe(5000);
  });

  it('UP-5: a socket bound implicitly (by connect or send) is bound: EINVAL', () => {
    const h = new ModelHarness();
    const a = h.socket();
    const b = h.socket();
    h.connect(a, ep(PEER, 7));
    h.send(b, 3, ep(PEER, 7));
    expect(h.bind(a, 6000)).toEqual(fail('EINVAL'));
    expect(h.bind(b, 6000)).toEqual(fail('EINVAL'));
  });

  it('UP-5: a port held by another UDP socket fails EADDRINUSE (connected holders too)', () => {
    const h = new ModelHarness();
    const a = h.socket();
    const b = h.socket();
    h.bind(a, 5000);
    h.connect(a, ep(PEER, 7));
    expect(h.bind(b, 5000)).toEqual(fail('EADDRINUSE'));
    expect(h.lport(b)).toBeNull();
  });

  it('UP-5: EINVAL is checked before EADDRINUSE', () => {
    const h = new ModelHarness();
    const a = h.socket();
    const b = h.socket();
    h.bind(a, 5000);
    h.bind(b, 5001);
    expect(h.bind(b, 5000)).toEqual(fail('EINVAL'));
  });

  it('UP-5: bind to port 0 takes an ephemeral port (UP-3)', () => {
    const h = new ModelHarness();
    const s = h.socket();
    expect(h.bind(s, 0)).toEqual(NONE);
    expect(h.lport(s)).toBe(49152);
  });

  it('UP-10: the port of a closed socket is free at once', () => {
    const h = new ModelHarness();
    const a = h.socket();
    h.bind(a, 5000);
    h.close(a);
    expect(h.bind(h.socket(), 5000)).toEqual(NONE);
  });
});

describe('connect (UP-6)', () => {
  it('UP-6: connect binds an unbound socket to an ephemeral port and sets the peer', () => {
    const h = new ModelHarness();
    const s = h.socket();
    expect(h.connect(s, ep(PEER, 7))).toEqual(NONE);
    expect(h.lport(s)).toBe(49152);
    expect(h.state.udp.sockets[0]!.peer).toEqual(ep(PEER, 7));
  });

  it('UP-6: connect keeps an explicitly bound port', () => {
    const h = new ModelHarness();
    const s = h.socket();
    h.bind(s, 5000);
    h.connect(s, ep(PEER, 7));
    expect(h.lport(s)).toBe(5000);
    expect(h.state.portCursor).toBe(49152);
  });

  it('UP-6: connecting a connected socket fails EISCONN and keeps the first peer', () => {
    const h = new ModelHarness();
    const s = h.socket();
    h.connect(s, ep(PEER, 7));
    expect(h.connect(s, ep(PEER, 8))).toEqual(fail('EISCONN'));
    expect(h.state.udp.sockets[0]!.peer).toEqual(ep(PEER, 7));
  });

  it('UP-6: connect never blocks, whatever the nonblocking flag says', () => {
    const h = new ModelHarness();
    const s = h.socket();
    const { result } = h.issue({ op: 'connect', fd: s, remote: ep(PEER, 7), nonblocking: true });
    expect(result).toEqual(NONE);
    expect(h.last.frames).toEqual([]);
  });
});

describe('shutdown and close (UP-10)', () => {
  it('UP-10: shutdown succeeds with no value and later sends fail EPIPE', () => {
    const h = new ModelHarness();
    const s = h.socket();
    h.connect(s, ep(PEER, 7));
    expect(h.call({ op: 'shutdown', fd: s })).toEqual(NONE);
    expect(h.send(s, 4)).toEqual(fail('EPIPE'));
    expect(h.last.frames).toEqual([]);
  });

  it('UP-10: shutdown leaves receiving alone', () => {
    const h = new ModelHarness();
    const s = h.socket();
    h.bind(s, 5000);
    h.call({ op: 'shutdown', fd: s });
    h.deliver(udpFrame(ep(PEER, 9), ep(h.state.addr, 5000), payload(3)));
    expect(h.recv(s).result).toMatchObject({ ok: true, value: { kind: 'data', data: payload(3) } });
  });

  it('UP-10: close discards queued datagrams (a new socket on the port sees none of them)', () => {
    const h = new ModelHarness();
    const a = h.socket();
    h.bind(a, 5000);
    h.deliver(udpFrame(ep(PEER, 9), ep(h.state.addr, 5000), payload(3)));
    expect(h.close(a)).toEqual(NONE);
    const b = h.socket();
    h.bind(b, 5000);
    expect(h.recv(b).result).toEqual(fail('EWOULDBLOCK'));
  });

  it('UP-10: abort is close for UDP', () => {
    const h = new ModelHarness();
    const a = h.socket();
    h.bind(a, 5000);
    expect(h.call({ op: 'abort', fd: a })).toEqual(NONE);
    expect(h.bind(h.socket(), port(5000))).toEqual(NONE);
    expect(h.last.frames).toEqual([]);
  });
});
