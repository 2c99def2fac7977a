import { describe, expect, test } from 'vitest';
import { port } from '../../src/core/addr';
import type { Fd } from '../../src/core/ids';
import { fd } from '../../src/core/ids';
import type { CallResult, SocketError } from '../../src/core/socket';
import { implInternals } from '../../src/impl';
import { udpFlowCpu } from '../../src/core/toeplitz';
import { Driver, addrOf, ep, fdOf } from './driver';

/**
 * UDP at the socket API (UDP-PROFILE UP-2 … UP-12) on two impl hosts driven call by call: every
 * result an application can observe, including the asynchronous ones (ECONNREFUSED from an ICMP
 * port unreachable, a blocked recv woken by a datagram, an error or a close).
 */

const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const OK_NONE: CallResult = { ok: true, value: { kind: 'none' } };
const fail = (e: SocketError): CallResult => ({ ok: false, error: e });

class Udp {
  constructor(readonly d: Driver) {}
  socket(h: number, cpu = 0, app = 0): Fd {
    return fdOf(this.d.do(h, { op: 'socket', proto: 'udp' }, { cpu, app }));
  }
  bind(h: number, s: Fd, p: number, cpu = 0): CallResult {
    return this.d.do(h, { op: 'bind', fd: s, port: port(p) }, { cpu });
  }
  connect(h: number, s: Fd, to: { host: number; port: number }, cpu = 0): CallResult {
    return this.d.do(
      h,
      { op: 'connect', fd: s, remote: ep(to.host, to.port), nonblocking: false },
      { cpu },
    );
  }
  send(
    h: number,
    s: Fd,
    data: Uint8Array,
    to?: { host: number; port: number },
    cpu = 0,
  ): CallResult {
    const req = {
      op: 'send',
      fd: s,
      data,
      nonblocking: false,
      ...(to ? { to: ep(to.host, to.port) } : {}),
    } as const;
    return this.d.do(h, req, { cpu });
  }
  recv(h: number, s: Fd, max = 65535, nonblocking = true, cpu = 0): CallResult {
    return this.d.do(h, { op: 'recv', fd: s, maxBytes: max, nonblocking }, { cpu });
  }
  lport(h: number, s: Fd): number | null {
    return implInternals(this.d.hosts[h]!)!.fds.get(s)!.pcb.lport;
  }
  ownerCpu(h: number, s: Fd): number {
    return implInternals(this.d.hosts[h]!)!.fds.get(s)!.port.cpu;
  }
}

const data = (r: CallResult): { data: number[]; from?: { addr: number; port: number } } => {
  if (!r.ok || r.value.kind !== 'data') throw new Error(`not data: ${JSON.stringify(r)}`);
  return { data: [...r.value.data], ...(r.value.from ? { from: { ...r.value.from } } : {}) };
};

describe('descriptors and binding (UP-2 … UP-5)', () => {
  test('descriptors are 3, 4, 5 … in creation order and never reused', () => {
    const u = new Udp(new Driver({ ncpus: [4, 1] }));
    expect([u.socket(0, 0), u.socket(0, 3), u.socket(0, 1)]).toEqual([3, 4, 5]);
    expect(u.d.do(0, { op: 'close', fd: fd(4) })).toEqual(OK_NONE);
    expect(u.socket(0, 2)).toBe(6);
  });

  test('TCP sockets share the descriptor numbering; listen and accept on UDP are EOPNOTSUPP; unknown fds EBADF', () => {
    const u = new Udp(new Driver({ ncpus: [2, 1] }));
    expect(u.d.do(0, { op: 'socket', proto: 'tcp' })).toEqual({ ok: true, value: { kind: 'fd', fd: 3 } });
    const s = u.socket(0);
    expect(u.d.do(0, { op: 'listen', fd: s, backlog: 5 })).toEqual(fail('EOPNOTSUPP'));
    expect(u.d.do(0, { op: 'accept', fd: s, nonblocking: true })).toEqual(fail('EOPNOTSUPP'));
    for (const req of [
      { op: 'bind', fd: fd(9), port: port(1) },
      { op: 'connect', fd: fd(9), remote: ep(1, 1), nonblocking: false },
      { op: 'send', fd: fd(9), data: bytes(1), to: ep(1, 1), nonblocking: false },
      { op: 'recv', fd: fd(9), maxBytes: 1, nonblocking: true },
      { op: 'shutdown', fd: fd(9) },
      { op: 'close', fd: fd(9) },
      { op: 'abort', fd: fd(9) },
      { op: 'listen', fd: fd(9), backlog: 1 },
    ] as const) {
      expect(u.d.do(0, req)).toEqual(fail('EBADF'));
    }
  });

  test('bind: EINVAL when bound, EADDRINUSE when taken, ephemeral ports from one cursor (UP-3, UP-5)', () => {
    const u = new Udp(new Driver({ ncpus: [4, 1] }));
    const [a, b, c, e, f] = [
      u.socket(0, 0),
      u.socket(0, 1),
      u.socket(0, 2),
      u.socket(0, 3),
      u.socket(0, 0),
    ];
    expect(u.bind(0, a, 0)).toEqual(OK_NONE);
    expect(u.lport(0, a)).toBe(49152);
    expect(u.bind(0, a, 7000)).toEqual(fail('EINVAL'));
    expect(u.bind(0, b, 49153)).toEqual(OK_NONE);
    expect(u.bind(0, c, 49153)).toEqual(fail('EADDRINUSE'));
    expect(u.bind(0, c, 0)).toEqual(OK_NONE);
    expect(u.lport(0, c)).toBe(49154); // 49153 is held: skipped
    expect(u.connect(0, e, { host: 1, port: 9 })).toEqual(OK_NONE); // connect binds first (UP-6)
    expect(u.lport(0, e)).toBe(49155);
    expect(u.d.do(0, { op: 'close', fd: a })).toEqual(OK_NONE);
    expect(u.bind(0, f, 49152)).toEqual(OK_NONE); // the port is free at once (UP-10)
  });

  test('a bound socket moves to lport % ncpus; a connected one to its flow CPU (UP-14)', () => {
    const u = new Udp(new Driver({ ncpus: [4, 1] }));
    const s = u.socket(0, 2);
    expect(u.ownerCpu(0, s)).toBe(2);
    u.bind(0, s, 7001);
    expect(u.ownerCpu(0, s)).toBe(7001 % 4);
    u.connect(0, s, { host: 1, port: 53 });
    expect(u.ownerCpu(0, s)).toBe(udpFlowCpu(addrOf(0), addrOf(1), 4));
  });
});

describe('send and recv (UP-6 … UP-9)', () => {
  test('a datagram arrives whole with its source; recv truncates to max and discards the rest', () => {
    const u = new Udp(new Driver({ ncpus: [4, 2] }));
    const a = u.socket(0, 1);
    const b = u.socket(1);
    u.bind(1, b, 7000);
    expect(u.send(0, a, bytes(1, 2, 3, 4, 5), { host: 1, port: 7000 }, 1)).toEqual({
      ok: true,
      value: { kind: 'sent', bytes: 5 },
    });
    expect(u.send(0, a, bytes(6, 7), { host: 1, port: 7000 }, 1)).toEqual({
      ok: true,
      value: { kind: 'sent', bytes: 2 },
    });
    expect(data(u.recv(1, b, 3))).toEqual({
      data: [1, 2, 3],
      from: { addr: addrOf(0), port: 49152 },
    });
    expect(data(u.recv(1, b))).toEqual({ data: [6, 7], from: { addr: addrOf(0), port: 49152 } });
    expect(u.recv(1, b)).toEqual(fail('EWOULDBLOCK'));
  });

  test('send checks in UP-7 order: EPIPE, pending error, EMSGSIZE, EISCONN, EDESTADDRREQ', () => {
    const u = new Udp(new Driver({ ncpus: [2, 2], udp: { maxdgram: 100 } }));
    const s = u.socket(0);
    expect(u.send(0, s, new Uint8Array(101), { host: 1, port: 1 })).toEqual(fail('EMSGSIZE'));
    expect(u.send(0, s, new Uint8Array(101))).toEqual(fail('EMSGSIZE')); // size before address
    expect(u.send(0, s, bytes(1))).toEqual(fail('EDESTADDRREQ'));
    expect(u.send(0, s, new Uint8Array(100), { host: 1, port: 1 })).toMatchObject({ ok: true });
    u.connect(0, s, { host: 1, port: 2 });
    expect(u.connect(0, s, { host: 1, port: 3 })).toEqual(fail('EISCONN'));
    expect(u.send(0, s, bytes(1), { host: 1, port: 2 })).toEqual(fail('EISCONN'));
    expect(u.send(0, s, bytes(1))).toMatchObject({ ok: true });
    expect(u.d.do(0, { op: 'shutdown', fd: s })).toEqual(OK_NONE);
    expect(u.send(0, s, new Uint8Array(500), { host: 1, port: 2 })).toEqual(fail('EPIPE'));
  });

  test('a connected socket receives only from its peer; others get ICMP port unreachable (UP-11)', () => {
    const u = new Udp(new Driver({ ncpus: [2, 4, 1] }));
    const srv = u.socket(1);
    u.bind(1, srv, 5000);
    u.connect(1, srv, { host: 0, port: 6000 });
    const peer = u.socket(0);
    u.bind(0, peer, 6000);
    const stranger = u.socket(2);
    u.bind(2, stranger, 6000);
    u.send(2, stranger, bytes(9), { host: 1, port: 5000 });
    u.send(0, peer, bytes(8), { host: 1, port: 5000 });
    expect(data(u.recv(1, srv))).toEqual({ data: [8], from: { addr: addrOf(0), port: 6000 } });
    expect(u.recv(1, srv)).toEqual(fail('EWOULDBLOCK'));
    // The stranger's socket is unconnected: the ICMP error does not reach it (UP-12).
    expect(u.recv(2, stranger)).toEqual(fail('EWOULDBLOCK'));
    expect(implInternals(u.d.hosts[1]!)!.stats.sum('icmp.unreach_out')).toBe(1);
    expect(implInternals(u.d.hosts[2]!)!.stats.sum('icmp.ctl_notify')).toBe(0);
  });

  test('ICMP port unreachable → ECONNREFUSED on the connected socket, once (UP-12)', () => {
    const u = new Udp(new Driver({ ncpus: [4, 2] }));
    const s = u.socket(0, 3);
    u.connect(0, s, { host: 1, port: 9999 });
    expect(u.send(0, s, bytes(1), undefined, 3)).toMatchObject({ ok: true });
    expect(u.recv(0, s, 10, true, 3)).toEqual(fail('ECONNREFUSED'));
    expect(u.recv(0, s, 10, true, 3)).toEqual(fail('EWOULDBLOCK'));
    u.send(0, s, bytes(2), undefined, 3);
    // The pending error is reported by the next send and cleared.
    expect(u.send(0, s, bytes(3), undefined, 3)).toEqual(fail('ECONNREFUSED'));
    expect(u.send(0, s, bytes(4), undefined, 3)).toMatchObject({ ok: true });
  });

  test('a full receive buffer drops datagrams: queued + len + 16 ≤ recvspace (UP-12)', () => {
    for (const [recvspace, fits] of [
      [3 * (100 + 16), 3],
      [3 * (100 + 16) - 1, 2],
    ] as const) {
      const u = new Udp(new Driver({ ncpus: [2, 2], udp: { recvspace } }));
      const a = u.socket(0);
      const b = u.socket(1);
      u.bind(1, b, 7);
      for (let i = 0; i < 4; i++) u.send(0, a, new Uint8Array(100).fill(i), { host: 1, port: 7 });
      const got: number[] = [];
      for (let r = u.recv(1, b); r.ok; r = u.recv(1, b)) got.push(data(r).data[0]!);
      expect(got).toEqual([0, 1, 2].slice(0, fits));
      expect(implInternals(u.d.hosts[1]!)!.stats.sum('udp.fullsock')).toBe(4 - fits);
    }
  });
});

describe('blocking recv (UP-9, UP-10, UP-12)', () => {
  test('a blocked recv completes when a datagram arrives', () => {
    const u = new Udp(new Driver({ ncpus: [2, 4] }));
    const b = u.socket(1, 3);
    u.bind(1, b, 80, 3);
    const r = u.d.call(1, { op: 'recv', fd: b, maxBytes: 100, nonblocking: false }, { cpu: 3 });
    u.d.settle();
    expect(u.d.results.has(r)).toBe(false);
    const a = u.socket(0);
    u.send(0, a, bytes(42), { host: 1, port: 80 });
    expect(data(u.d.results.get(r)!)).toEqual({
      data: [42],
      from: { addr: addrOf(0), port: 49152 },
    });
  });

  test('a blocked recv on a connected socket wakes with ECONNREFUSED', () => {
    const u = new Udp(new Driver({ ncpus: [4, 1] }));
    const s = u.socket(0, 1);
    u.connect(0, s, { host: 1, port: 4 });
    const r = u.d.call(
      0,
      { op: 'recv', fd: s, maxBytes: 100, nonblocking: false },
      { cpu: 1, app: 1 },
    );
    u.d.settle();
    u.send(0, s, bytes(1), undefined, 1);
    expect(u.d.results.get(r)).toEqual(fail('ECONNREFUSED'));
  });

  test('close completes a recv blocked on the socket with EBADF and discards queued data', () => {
    const u = new Udp(new Driver({ ncpus: [2, 2] }));
    const s = u.socket(0);
    u.bind(0, s, 3000);
    const r = u.d.call(
      0,
      { op: 'recv', fd: s, maxBytes: 100, nonblocking: false },
      { app: 1, cpu: 1 },
    );
    u.d.settle();
    expect(u.d.do(0, { op: 'close', fd: s }, { app: 2 })).toEqual(OK_NONE);
    expect(u.d.results.get(r)).toEqual(fail('EBADF'));
    expect(u.recv(0, s)).toEqual(fail('EBADF'));
  });
});
