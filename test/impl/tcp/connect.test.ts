import { describe, expect, test } from 'vitest';
import { hostAddr, port } from '../../../src/core/addr';
import { decodePacket } from '../../../src/core/codec';
import type { CallId } from '../../../src/core/ids';
import { TH_ACK, TH_RST, TH_SYN } from '../../../src/core/packet';
import { tcpFlowCpu } from '../../../src/core/toeplitz';
import { TCPS_ESTABLISHED } from '../../../src/impl/tcp/const';
import { conflictCycle, linearizationProblems, ownershipViolations } from '../audit';
import { World, ep, fdOf, inetOf, ok, openPair, sockOf, sum, tpOf } from './pair';

/**
 * Connections: the handshake on the wire, call results (TP-6 … TP-10), where a connection lives
 * (its flow CPU, D.8) and how connect moves a socket there with port chasing (D.1).
 */

const tcpOf = (b: Uint8Array) => {
  const d = decodePacket(b);
  if (!d.ok || d.value.body.proto !== 'tcp') throw new Error('not TCP');
  return d.value.body.tcp;
};

const commitCpu = (w: World, id: CallId): number[] =>
  w.events('commit').filter((c) => c.input.kind === 'call' && c.input.call === id &&
      c.linearizes).map((c) => c.cpu);

describe('three-way handshake', () => {
  test('SYN, SYN|ACK, ACK; connect completes none, accept returns the peer', () => {
    const w = new World({ ncpus: [2, 2] });
    const p = openPair(w);
    const flags = w.sent.map((f) => tcpOf(f.bytes).flags & (TH_SYN | TH_ACK | TH_RST));
    expect(flags.slice(0, 3)).toEqual([TH_SYN, TH_SYN | TH_ACK, TH_ACK]);
    const syn = tcpOf(w.sent[0]!.bytes);
    expect(syn.options.mss).toBe(1460);
    expect(syn.options.sackPermitted).toBe(true);
    expect(tpOf(w, p.client).state).toBe(TCPS_ESTABLISHED);
    expect(tpOf(w, p.server).state).toBe(TCPS_ESTABLISHED);
    const accepted = w.events('call-completed').find((e) => e.result.ok &&
        e.result.value.kind === 'accepted');
    expect(accepted?.result).toMatchObject({ ok: true, value: { remote: { addr: hostAddr(0), port:
        syn.srcPort } } });
    expect(sum(w, 1, 'tcp.syncache_add')).toBe(1);
    expect(sum(w, 1, 'tcp.syncache_expand')).toBe(1);
  });

  test('each connection lives on its flow CPU on both hosts (D.8)', () => {
    const w = new World({ ncpus: [4, 3] });
    for (let i = 0; i < 6; i++) {
      const p = openPair(w, { port: 80 + i, ccpu: i % 4, scpu: i % 3 });
      const c = tpOf(w, p.client);
      const s = tpOf(w, p.server);
      const t = c.tuple;
      expect(c.cpu).toBe(tcpFlowCpu(t.laddr, t.lport, t.faddr, t.fport, 4));
      expect(s.cpu).toBe(tcpFlowCpu(s.tuple.laddr, s.tuple.lport, s.tuple.faddr, s.tuple.fport, 3));
      expect(sockOf(w, p.client).port).toBe(inetOf(w, 0).netisrs[c.cpu]!.port);
    }
    expect(ownershipViolations(w.trace)).toEqual([]);
    expect(linearizationProblems(w.trace)).toEqual([]);
    expect(conflictCycle(w.trace)).toBeNull();
  });
});

describe('call results', () => {
  test('connect to a port nobody listens on: RST, ECONNREFUSED', () => {
    const w = new World({ ncpus: [1, 1] });
    const s = fdOf(w.do(0, { op: 'socket', proto: 'tcp' }));
    expect(w.do(0, { op: 'connect', fd: s, remote: ep(1, 9), nonblocking: false })).toEqual({ ok:
        false, error: 'ECONNREFUSED' });
    const rst = tcpOf(w.sent[1]!.bytes);
    expect(rst.flags).toBe(TH_RST | TH_ACK);
    // The connection ended: connect again is EINVAL (TP-9).
    expect(w.do(0, { op: 'connect', fd: s, remote: ep(1, 9), nonblocking: false })).toEqual({ ok:
        false, error: 'EINVAL' });
  });

  test('nonblocking connect: EINPROGRESS, EALREADY while connecting, EISCONN once connected',
      () => {
    const w = new World({ ncpus: [2, 1] });
    const ls = fdOf(w.do(1, { op: 'socket', proto: 'tcp' }));
    ok(w.do(1, { op: 'listen', fd: ls, backlog: 1 }));
    const lport = sockOf(w, { host: 1, fd: ls, cpu: 0 }).lport!;
    const s = fdOf(w.do(0, { op: 'socket', proto: 'tcp' }));
    const id = w.call(0, { op: 'connect', fd: s, remote: ep(1, lport), nonblocking: true });
    w.run({ done: () => w.results.has(id), untilUs: w.now });
    expect(w.results.get(id)).toEqual({ ok: false, error: 'EINPROGRESS' });
    expect(w.do(0, { op: 'connect', fd: s, remote: ep(1, lport), nonblocking: true }, { untilUs:
        0 })).toEqual({ ok: false, error: 'EALREADY' });
    w.run({ untilUs: w.now + 10_000 });
    expect(w.do(0, { op: 'connect', fd: s, remote: ep(1, lport), nonblocking:
        true })).toEqual({ ok: false, error: 'EISCONN' });
    expect(w.do(0, { op: 'listen', fd: s, backlog: 1 })).toEqual({ ok: false, error: 'EINVAL' });
    expect(w.do(1, { op: 'connect', fd: ls, remote: ep(0, 1), nonblocking: true })).toEqual({ ok:
        false, error: 'EOPNOTSUPP' });
    expect(w.do(1, { op: 'recv', fd: ls, maxBytes: 10, nonblocking: true })).toEqual({ ok: false,
        error: 'ENOTCONN' });
  });

  test('bind: EINVAL when bound, EADDRINUSE for a held port; ephemeral listen', () => {
    const w = new World({ ncpus: [1, 1] });
    const a = fdOf(w.do(0, { op: 'socket', proto: 'tcp' }));
    const b = fdOf(w.do(0, { op: 'socket', proto: 'tcp' }));
    ok(w.do(0, { op: 'bind', fd: a, port: port(700) }));
    expect(w.do(0, { op: 'bind', fd: a, port: port(701) })).toEqual({ ok: false, error: 'EINVAL' });
    expect(w.do(0, { op: 'bind', fd: b, port: port(700) })).toEqual({ ok: false, error:
        'EADDRINUSE' });
    ok(w.do(0, { op: 'listen', fd: b, backlog: 3 }));
    expect(sockOf(w, { host: 0, fd: b, cpu: 0 }).lport).toBeGreaterThanOrEqual(49152);
    ok(w.do(0, { op: 'close', fd: a }));
    ok(w.do(0, { op: 'bind', fd: fdOf(w.do(0, { op: 'socket', proto: 'tcp' })), port: port(700) }));
  });
});

describe('connect moves the socket to the flow CPU (D.8, D.1)', () => {
  /** A local port whose flow to host 1's port 80 hashes to `cpu` of `ncpus`. */
  function portFor(cpu: number, ncpus: number): number {
    for (let p = 2000; ; p++) {
      if (tcpFlowCpu(hostAddr(0), port(p), hostAddr(1), port(80), ncpus) === cpu) return p;
    }
  }

  test('the move switches so_port; a request sent to the old port meanwhile is chased', () => {
    // User threads run before netisrs whenever both can.
    const userFirst = (r: readonly { name: string }[]): number =>
      Math.max(0, r.findIndex((t) => t.name.startsWith('user/')));
    const w = new World({ ncpus: [4, 1], pick: userFirst });
    const ls = fdOf(w.do(1, { op: 'socket', proto: 'tcp' }));
    ok(w.do(1, { op: 'bind', fd: ls, port: port(80) }));
    ok(w.do(1, { op: 'listen', fd: ls, backlog: 4 }));
    const s = fdOf(w.do(0, { op: 'socket', proto: 'tcp' }, { cpu: 0 }));
    ok(w.do(0, { op: 'bind', fd: s, port: port(portFor(3, 4)) }, { cpu: 0 }));
    const so = sockOf(w, { host: 0, fd: s, cpu: 0 });
    expect(so.port).toBe(inetOf(w, 0).netisrs[0]!.port);
    // Both requests reach CPU 0's port before its netisr runs: the connect moves the socket,
    // the send behind it finds the socket gone and follows it to CPU 3.
    const c = w.call(0, { op: 'connect', fd: s, remote: ep(1, 80), nonblocking: false }, { cpu: 0,
        app: 1 });
    const d = w.call(0, { op: 'send', fd: s, data: new Uint8Array(10), nonblocking: false },
        { cpu: 1, app: 2 });
    w.run({ done: () => w.results.has(c) && w.results.has(d) });
    expect(w.results.get(c)).toEqual({ ok: true, value: { kind: 'none' } });
    expect(so.port).toBe(inetOf(w, 0).netisrs[3]!.port);
    expect(so.tp!.cpu).toBe(3);
    expect(sum(w, 0, 'tcp.moved')).toBe(1);
    expect(sum(w, 0, 'netisr.chased')).toBeGreaterThan(0);
    expect(commitCpu(w, c)).toEqual([0]);
    expect(commitCpu(w, d)).toEqual([3]);
    // It ran on the new owner while the connection was still in SYN-SENT (TP-11).
    expect(w.results.get(d)).toEqual({ ok: false, error: 'ENOTCONN' });
    expect(ownershipViolations(w.trace)).toEqual([]);
    expect(linearizationProblems(w.trace)).toEqual([]);
  });

  test('an unbound connect picks a port whose flow stays on the owner CPU (TP-9)', () => {
    const w = new World({ ncpus: [4, 1] });
    const ls = fdOf(w.do(1, { op: 'socket', proto: 'tcp' }));
    ok(w.do(1, { op: 'bind', fd: ls, port: port(80) }));
    ok(w.do(1, { op: 'listen', fd: ls, backlog: 4 }));
    for (const cpu of [2, 1, 3]) {
      const s = fdOf(w.do(0, { op: 'socket', proto: 'tcp' }, { cpu }));
      ok(w.do(0, { op: 'connect', fd: s, remote: ep(1, 80), nonblocking: false }, { cpu }));
      expect(tpOf(w, { host: 0, fd: s, cpu }).cpu).toBe(cpu);
    }
    expect(sum(w, 0, 'tcp.moved')).toBe(0);
  });
});
