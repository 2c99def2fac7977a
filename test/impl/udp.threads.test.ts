import { describe, expect, test } from 'vitest';
import { port } from '../../src/core/addr';
import { encodePacket, decodePacket } from '../../src/core/codec';
import type { Fd } from '../../src/core/ids';
import type { Packet } from '../../src/core/packet';
import { Rng } from '../../src/core/rng';
import type { CallRequest, CallResult } from '../../src/core/socket';
import { udpFlowCpu } from '../../src/core/toeplitz';
import { implInternals, implStats } from '../../src/impl';
import { hostId } from '../../src/core/ids';
import { netisrPortViolations } from '../../src/model';
import {
  commitsOf,
  conflictCycle,
  linearizationProblems,
  linearizingCommits,
  ownershipViolations,
} from './audit';
import { Driver, addrOf, ep, fdOf } from './driver';
import { refinementProblems } from './refine';

/**
 * Where and when the implementation applies each input (UP-13 … UP-16, docs/CONTRACTS.md): the
 * commit log it leaves for the refinement and netisr checks, and the ownership evidence for
 * checks 3a–3c. Then the same invariants over many random interleavings.
 */

const flow = (a: number, b: number, n: number): number => udpFlowCpu(addrOf(a), addrOf(b), n);

function setup(
  ncpus: [number, number],
  opts: { checkMode?: boolean; pick?: Driver['opts']['pick'] } = {},
) {
  const d = new Driver({ ncpus, ...opts });
  const sock = (h: number, cpu = 0, app = 0): Fd =>
    fdOf(d.do(h, { op: 'socket', proto: 'udp' }, { cpu, app }));
  return { d, sock };
}

const sendReq = (s: Fd, to?: { host: number; port: number }, n = 3): CallRequest => ({
  op: 'send',
  fd: s,
  data: new Uint8Array(n).fill(7),
  nonblocking: false,
  ...(to ? { to: ep(to.host, to.port) } : {}),
});

describe('linearization points (UP-14, UP-15)', () => {
  test("a datagram linearizes once, on its address pair's CPU", () => {
    const { d, sock } = setup([4, 4]);
    const b = sock(1);
    d.do(1, { op: 'bind', fd: b, port: port(7) });
    const a = sock(0, 2);
    d.do(0, sendReq(a, { host: 1, port: 7 }), { cpu: 2 });
    const delivered = d.events('frame-delivered').filter((e) => e.host === 1);
    expect(delivered).toHaveLength(1);
    const lin = linearizingCommits(d.trace).get(`h1 frame ${delivered[0]!.delivery}`)!;
    expect(lin.map((c) => c.cpu)).toEqual([flow(0, 1, 4)]);
    expect(linearizationProblems(d.trace)).toEqual([]);
  });

  test('a send linearizes on the flow CPU, in the commit that transmits its frame', () => {
    const { d, sock } = setup([4, 1]);
    const s = sock(0, 0);
    const f = flow(0, 1, 4);
    const p = [7000, 7001, 7002, 7003].find((x) => x % 4 !== f)!; // owner ≠ flow: a redispatch
    d.do(0, { op: 'bind', fd: s, port: port(p) });
    const id = d.call(0, sendReq(s, { host: 1, port: 9 }));
    d.settle();
    const mine = commitsOf(d.trace).filter((c) => c.input.kind === 'call' && c.input.call === id);
    const proto = mine.filter((c) => c.input.kind === 'call' && c.input.phase === 'proto');
    expect(proto.map((c) => [c.cpu, c.linearizes, c.frames.length])).toEqual([
      [p % 4, false, 0],
      [f, true, 1],
    ]);
    const user = mine.filter((c) => c.input.kind === 'call' && c.input.phase === 'user');
    expect(user.map((c) => [c.linearizes, c.completions])).toEqual([[false, [id]]]);
    expect(implStats(d.hosts[0]!)!.totals['udp.redispatch']).toBe(1);
  });

  test('an unbound send binds on the flow CPU in the transmitting commit, then moves to lport % ncpus', () => {
    const { d, sock } = setup([4, 1]);
    const s = sock(0, 3);
    const id = d.call(0, sendReq(s, { host: 1, port: 9 }), { cpu: 3 });
    d.settle();
    const f = flow(0, 1, 4);
    const lin = linearizingCommits(d.trace).get(`h0 call ${id}`)!;
    expect(lin.map((c) => [c.cpu, c.frames.length])).toEqual([[f, 1]]);
    const so = implInternals(d.hosts[0]!)!.fds.get(s)!;
    expect(so.pcb.lport).toBe(49152);
    expect(so.port.cpu).toBe(49152 % 4);
    expect(ownershipViolations(d.trace)).toEqual([]);
  });

  test('bind and connect linearize on the owner before the move; the new owner only relinks and replies', () => {
    const { d, sock } = setup([4, 1]);
    const s = sock(0, 2);
    const bindId = d.call(0, { op: 'bind', fd: s, port: port(4001) }, { cpu: 2 });
    d.settle();
    const bindProto = commitsOf(d.trace).filter(
      (c) => c.input.kind === 'call' && c.input.call === bindId && c.input.phase === 'proto',
    );
    expect(bindProto.map((c) => [c.cpu, c.linearizes])).toEqual([
      [2, true],
      [4001 % 4, false],
    ]);
    const connId = d.call(
      0,
      { op: 'connect', fd: s, remote: ep(1, 53), nonblocking: false },
      { cpu: 2 },
    );
    d.settle();
    const connProto = commitsOf(d.trace).filter(
      (c) => c.input.kind === 'call' && c.input.call === connId && c.input.phase === 'proto',
    );
    const f = flow(0, 1, 4);
    expect(connProto.map((c) => [c.cpu, c.linearizes])).toEqual(
      f === 4001 % 4
        ? [[f, true]]
        : [
            [4001 % 4, true],
            [f, false],
          ],
    );
  });

  test("an ICMP error is taken on CPU 0 and linearizes on the quoted flow's CPU", () => {
    const { d, sock } = setup([4, 1]);
    const s = sock(0);
    d.do(0, { op: 'connect', fd: s, remote: ep(1, 9), nonblocking: false });
    d.do(0, sendReq(s));
    const icmp = d.events('frame-delivered').filter((e) => e.host === 0);
    expect(icmp).toHaveLength(1);
    const all = commitsOf(d.trace).filter(
      (c) => c.input.kind === 'frame' && c.input.delivery === icmp[0]!.delivery && c.host === 0,
    );
    const f = flow(0, 1, 4);
    expect(all.map((c) => [c.cpu, c.linearizes])).toEqual(
      f === 0
        ? [[0, true]]
        : [
            [0, false],
            [f, true],
          ],
    );
  });

  test('frames that do not decode are dropped on CPU 0, linearized there, never thrown on', () => {
    const { d } = setup([4, 1]);
    const deliveries = [
      new Uint8Array(0),
      new Uint8Array([0x45, 1, 2]),
      new Uint8Array(40).fill(0xff),
    ].map((b) => d.inject(0, b));
    d.settle();
    for (const dl of deliveries) {
      expect(
        linearizingCommits(d.trace)
          .get(`h0 frame ${dl}`)!
          .map((c) => c.cpu),
      ).toEqual([0]);
    }
    expect(implStats(d.hosts[0]!)!.totals['nic.rxbad']).toBe(3);
  });
});

describe('the send barrier and the ICMP deferral keep UP-15 linearizations consistent', () => {
  test('a close cannot overtake a redispatched send: the send linearizes first', () => {
    const f = flow(0, 1, 4);
    const p = [7000, 7001, 7002, 7003].find((x) => x % 4 !== f)!;
    // Always run the owner's netisr before the flow CPU's, the schedule that would reorder them.
    const pick: Driver['opts']['pick'] = (r) =>
      Math.max(
        0,
        r.findIndex((t) => t.host === 0 && t.name === `netisr/${p % 4}`),
      );
    const { d, sock } = setup([4, 1], { pick });
    const s = sock(0);
    d.do(0, { op: 'bind', fd: s, port: port(p) });
    const send = d.call(0, sendReq(s, { host: 1, port: 9 }));
    d.settle();
    const close = d.call(0, { op: 'close', fd: s });
    d.settle();
    const order = commitsOf(d.trace)
      .filter((c) => c.linearizes && c.input.kind === 'call')
      .map((c) => c.input.kind === 'call' && c.input.call);
    expect(order.indexOf(send)).toBeLessThan(order.indexOf(close));
    expect(d.results.get(close)).toEqual({ ok: true, value: { kind: 'none' } });
  });

  test("a close sent to a socket's new port waits for the sends still chasing it from the old one", () => {
    const n = [4, 3, 5, 6, 7, 8].find((x) => flow(0, 1, x) !== 0 && 49152 % x !== flow(0, 1, x))!;
    const f = flow(0, 1, n);
    const { d, sock } = setup([n, 1]);
    const s = sock(0);
    const sends = [d.call(0, sendReq(s, { host: 1, port: 9 }))];
    d.runNamed(0, 'user/0'); // S1 queued on cpu 0, where the unbound socket lives
    d.runNamed(0, 'netisr/0'); // S1 moves the socket to its flow CPU
    sends.push(
      d.call(0, sendReq(s, { host: 1, port: 9 })),
      d.call(0, sendReq(s, { host: 1, port: 9 })),
    );
    d.runNamed(0, 'user/0');
    d.runNamed(0, 'user/0'); // S2, S3 queued on the flow CPU behind S1
    d.runNamed(0, `netisr/${f}`); // S1 binds 49152, transmits, moves the socket on to 49152 % n
    const close = d.call(0, { op: 'close', fd: s });
    d.runNamed(0, 'user/0'); // the close goes straight to the new owner, ahead of S2 and S3
    d.settle();
    const order = commitsOf(d.trace)
      .filter((c) => c.linearizes && c.input.kind === 'call')
      .map((c) => c.input.kind === 'call' && c.input.call);
    for (const id of sends) expect(order.indexOf(id)).toBeLessThan(order.indexOf(close));
    expect(d.sent.filter((x) => x.from === 0)).toHaveLength(3);
    expect(refinementProblems(d.trace, 0, d.hosts[0]!.env.config, d.hosts[0]!.env.addr)).toEqual(
      [],
    );
  });

  test('an ICMP error that reaches the owner before an already-accepted send is applied after it', () => {
    const n = [2, 3, 4, 5, 6, 7, 8].find((x) => flow(0, 1, x) !== 0)!;
    const f = flow(0, 1, n);
    const { d, sock } = setup([n, 1]);
    const s = sock(0, f);
    d.do(0, { op: 'connect', fd: s, remote: ep(1, 9), nonblocking: false }, { cpu: f });
    const lport = implInternals(d.hosts[0]!)!.fds.get(s)!.pcb.lport!;
    // A forged port unreachable about our datagram to 10.0.0.2:9.
    const quoted = encodePacket({
      ip: { src: addrOf(0), dst: addrOf(1), ttl: 64, id: 0, tos: 0, dontFragment: true },
      body: {
        proto: 'udp',
        udp: { srcPort: port(lport), dstPort: port(9), payload: new Uint8Array(4) },
      },
    }).slice(0, 28);
    const icmp: Packet = {
      ip: { src: addrOf(1), dst: addrOf(0), ttl: 64, id: 0, tos: 0, dontFragment: true },
      body: { proto: 'icmp', icmp: { type: 3, code: 3, quoted } },
    };
    const dl = d.inject(0, encodePacket(icmp));
    d.runNamed(0, 'netisr/0'); // ICMP → forwarded to the flow CPU
    const send = d.call(0, sendReq(s), { cpu: f });
    d.runNamed(0, 'user/0'); // the send passes its checks: `sent`, pru_send queued behind the ICMP
    expect(d.results.get(send)).toMatchObject({ ok: true });
    d.settle();
    const lin = linearizingCommits(d.trace);
    const sendAt = lin.get(`h0 call ${send}`)![0]!.seq;
    const icmpAt = lin.get(`h0 frame ${dl}`)![0]!.seq;
    expect(sendAt).toBeLessThan(icmpAt);
    expect(implStats(d.hosts[0]!)!.totals['icmp.ctl_deferred']).toBe(1);
    expect(d.do(0, { op: 'recv', fd: s, maxBytes: 1, nonblocking: true }, { cpu: f })).toEqual({
      ok: false,
      error: 'ECONNREFUSED',
    });
  });
});

describe('the service loop (D.1, UP-16)', () => {
  test('a long burst is handled in batches of 32, each ended by a rollup, FIFO per sender', () => {
    // Host 0 runs first whenever it can, so host 1's port fills up before its netisr runs.
    const pick: Driver['opts']['pick'] = (r) => (r.some((t) => t.host === 0) ? 0 : r.length - 1);
    const { d, sock } = setup([1, 1], { pick });
    const a = sock(0);
    const b = sock(1);
    d.do(1, { op: 'bind', fd: b, port: port(5) });
    for (let i = 0; i < 40; i++) d.call(0, sendReq(a, { host: 1, port: 5 }));
    d.settle();
    const h1 = commitsOf(d.trace).filter((c) => c.host === 1 && c.cpu === 0 && c.thread === 0);
    const batch = h1.map((c) => (c.input.kind === 'rollup' ? '|' : '.')).join('');
    expect(batch).toContain(`${'.'.repeat(32)}|${'.'.repeat(8)}|`);
    expect(netisrPortViolations(d.trace, hostId(1))).toEqual([]);
    expect(netisrPortViolations(d.trace, hostId(0))).toEqual([]);
  });
});

describe('the wire (UP-1, UP-8, UP-11)', () => {
  test("datagrams carry UP-1's IP header and a UDP checksum only when configured", () => {
    for (const checksum of [true, false]) {
      const d = new Driver({ ncpus: [2, 2], udp: { checksum } });
      const s = fdOf(d.do(0, { op: 'socket', proto: 'udp' }));
      d.do(0, sendReq(s, { host: 1, port: 9 }, 5));
      const out = d.sent.filter((x) => x.from === 0)[0]!;
      const p = decodePacket(out.bytes);
      expect(p.ok && p.value.ip).toEqual({
        src: addrOf(0),
        dst: addrOf(1),
        ttl: 64,
        id: 0,
        tos: 0,
        dontFragment: true,
      });
      const sum = (out.bytes[26]! << 8) | out.bytes[27]!;
      expect(sum !== 0).toBe(checksum);
    }
  });

  test('the port unreachable quotes the offending IP header and 8 payload bytes (UDP-8)', () => {
    const d = new Driver({ ncpus: [2, 2] });
    const s = fdOf(d.do(0, { op: 'socket', proto: 'udp' }));
    d.do(0, sendReq(s, { host: 1, port: 9 }, 30));
    const [dgram, reply] = d.sent;
    const p = decodePacket(reply!.bytes);
    expect(p.ok && p.value.body.proto === 'icmp' && p.value.body.icmp).toEqual({
      type: 3,
      code: 3,
      quoted: dgram!.bytes.slice(0, 28),
    });
  });

  test('no ICMP error in reply to a multicast or broadcast source (UDP-9)', () => {
    const d = new Driver({ ncpus: [2] });
    for (const src of [0xe0000001, 0xffffffff, 0]) {
      const p: Packet = {
        ip: {
          src: src as Packet['ip']['src'],
          dst: addrOf(0),
          ttl: 64,
          id: 0,
          tos: 0,
          dontFragment: true,
        },
        body: {
          proto: 'udp',
          udp: { srcPort: port(1), dstPort: port(2), payload: new Uint8Array(1) },
        },
      };
      d.inject(0, encodePacket(p));
    }
    d.settle();
    expect(d.sent).toEqual([]);
    expect(implStats(d.hosts[0]!)!.totals['icmp.unreach_suppressed']).toBe(3);
  });
});

describe('instrumentation', () => {
  function workload(checkMode: boolean): Driver {
    const { d, sock } = setup([4, 2], { checkMode });
    const a = sock(0, 1);
    const b = sock(1, 1);
    d.do(1, { op: 'bind', fd: b, port: port(99) }, { cpu: 1 });
    for (let i = 0; i < 3; i++) d.do(0, sendReq(a, { host: 1, port: 99 }), { cpu: 1 });
    d.do(1, { op: 'recv', fd: b, maxBytes: 9, nonblocking: true }, { cpu: 1 });
    d.do(0, { op: 'close', fd: a }, { cpu: 1 });
    return d;
  }

  test('access, object and token events exist in check mode only; commits and results do not change', () => {
    const on = workload(true);
    const off = workload(false);
    for (const kind of ['access', 'object', 'token'] as const) {
      expect(on.events(kind).length).toBeGreaterThan(0);
      expect(off.events(kind)).toEqual([]);
    }
    const strip = (d: Driver) =>
      d.trace
        .filter(
          (e) => e.kind === 'commit' || e.kind === 'call-completed' || e.kind === 'frame-sent',
        )
        .map(({ seq: _s, ...rest }) => rest);
    expect(strip(off)).toEqual(strip(on));
    // Per datagram: the table's infotoken for the lookup, then so_rcv's ssb_token for the append.
    expect(implStats(off.hosts[1]!)!.tokenAcquisitions.get('udp.input')).toBe(2 * 3);
    expect(implStats(off.hosts[1]!)!.tokenAcquisitions.get('so.recv')).toBe(1);
  });

  test("every access respects its object's discipline and the conflict graph is acyclic", () => {
    const d = workload(true);
    expect(ownershipViolations(d.trace)).toEqual([]);
    expect(conflictCycle(d.trace)).toBeNull();
  });
});

describe('random interleavings', () => {
  /**
   * Three apps per host on different CPUs exchange datagrams over bound, connected and unbound
   * sockets, with blocking and nonblocking receives, under a random choice of thread at every
   * step. Whatever the interleaving: no assertion fires, every input linearizes exactly once,
   * every access respects its discipline, the transactions are conflict-serializable, and on
   * a lossless link every datagram sent to a bound port is received once.
   */
  test.each(Array.from({ length: 40 }, (_, i) => i))('seed %i', (seed) => {
    const rng = Rng.fromSeed(seed).fork('impl-udp');
    const ncpus: [number, number] = [rng.int(1, 6), rng.int(1, 6)];
    const d = new Driver({ ncpus, pick: (r) => rng.int(0, r.length - 1) });
    const results: CallResult[] = [];
    const socks: Fd[][] = [[], []];
    for (const h of [0, 1]) {
      for (let app = 0; app < 3; app++) {
        const cpu = app % ncpus[h]!;
        const s = fdOf(d.do(h, { op: 'socket', proto: 'udp' }, { app, cpu }));
        socks[h]!.push(s);
        d.do(h, { op: 'bind', fd: s, port: port(1000 + app) }, { app, cpu });
      }
    }
    // App 2 on each host connects to the other host's app 2.
    for (const h of [0, 1])
      d.do(
        h,
        { op: 'connect', fd: socks[h]![2]!, remote: ep(1 - h, 1002), nonblocking: false },
        { app: 2, cpu: 2 % ncpus[h]! },
      );
    const sent: string[] = [];
    const ids: number[] = [];
    for (let round = 0; round < 6; round++) {
      for (const h of [0, 1]) {
        for (let app = 0; app < 3; app++) {
          const cpu = app % ncpus[h]!;
          const payload = Uint8Array.from([h, app, round]);
          const to = app === 2 ? undefined : { host: 1 - h, port: 1000 + rng.int(0, 1) };
          sent.push(`${1 - h}:${app === 2 ? 1002 : to!.port}:${payload.join('.')}`);
          ids.push(
            d.call(
              h,
              {
                op: 'send',
                fd: socks[h]![app]!,
                data: payload,
                nonblocking: false,
                ...(to ? { to: ep(to.host, to.port) } : {}),
              },
              { app, cpu },
            ),
          );
        }
      }
      for (let k = rng.int(0, 20); k > 0 && d.step(); k--);
    }
    d.settle();
    for (const id of ids) results.push(d.results.get(id as never)!);
    expect(results.every((r) => r.ok && r.value.kind === 'sent')).toBe(true);
    const got: string[] = [];
    for (const h of [0, 1]) {
      for (let app = 0; app < 3; app++) {
        const cpu = app % ncpus[h]!;
        for (;;) {
          const r = d.do(
            h,
            { op: 'recv', fd: socks[h]![app]!, maxBytes: 10, nonblocking: true },
            { app, cpu },
          );
          if (!r.ok) break;
          if (r.value.kind === 'data')
            got.push(`${h}:${1000 + app}:${[...r.value.data].join('.')}`);
        }
      }
    }
    expect(got.sort()).toEqual(sent.sort());
    expect(linearizationProblems(d.trace)).toEqual([]);
    expect(ownershipViolations(d.trace)).toEqual([]);
    expect(conflictCycle(d.trace)).toBeNull();
  });
});
