/**
 * The netisr model: which CPU linearizes each input (UP-13 … UP-15). Expectations are computed
 * from core's Toeplitz functions (tested on their own with reference vectors), and each test
 * first checks that the CPUs it tells apart really differ on its 4-CPU host, so a wrong rule
 * cannot pass by coincidence.
 */
import { describe, expect, it } from 'vitest';
import { ipAddr, port } from '../../../src/core/addr';
import type { IpAddr } from '../../../src/core/addr';
import { encodePacket } from '../../../src/core/codec';
import { cpuId, fd } from '../../../src/core/ids';
import type { Packet } from '../../../src/core/packet';
import { seq } from '../../../src/core/seq';
import type { CallRequest } from '../../../src/core/socket';
import { tcpFlowCpu, udpFlowCpu } from '../../../src/core/toeplitz';
import { flowCpuOfFrame, readFlowKey } from '../../../src/model/netisr/flow';
import { socketOwner } from '../../../src/model/netisr/owner';
import {
  ModelHarness, OTHER, PEER, SELF, ep, fixIpChecksum, icmpFrame, payload, put16, udpFrame,
} from '../harness';

const N = 4;
const pairCpu = (a: IpAddr, b: IpAddr): number => udpFlowCpu(a, b, N);

function tcpFrame(src: IpAddr, sport: number, dst: IpAddr, dport: number): Uint8Array {
  const p: Packet = {
    ip: { src, dst, ttl: 64, id: 0, tos: 0, dontFragment: true },
    body: {
      proto: 'tcp',
      tcp: { srcPort: port(sport), dstPort: port(dport), seq: seq(1), ack: seq(0), flags: 0x02, window: 1000, urgent: 0, options: {}, payload: new Uint8Array(0) },
    },
  };
  return encodePacket(p);
}

const callInput = (h: ModelHarness, req: CallRequest, cpu = 0) =>
  ({ kind: 'call', call: h.makeCall(req, cpu) }) as const;

describe('UP-13: the flow CPU of a frame (the NIC hash)', () => {
  it('UP-13: a UDP datagram hashes its address pair, the same CPU in both directions', () => {
    const out = udpFrame(ep(SELF, 5000), ep(PEER, 7), payload(3));
    const back = udpFrame(ep(PEER, 7), ep(SELF, 5000), payload(3));
    const otherPorts = udpFrame(ep(PEER, 9999), ep(SELF, 1), payload(3));
    for (const f of [out, back, otherPorts]) expect(flowCpuOfFrame(f, N)).toBe(pairCpu(SELF, PEER));
    expect(pairCpu(SELF, PEER)).not.toBe(pairCpu(SELF, OTHER));
    expect(flowCpuOfFrame(udpFrame(ep(OTHER, 1), ep(SELF, 2), payload(0)), N)).toBe(pairCpu(SELF, OTHER));
  });

  it('UP-13: a TCP segment hashes its 4-tuple', () => {
    const f = tcpFrame(PEER, 7, SELF, 5000);
    expect(flowCpuOfFrame(f, N)).toBe(tcpFlowCpu(PEER, port(7), SELF, port(5000), N));
    expect(flowCpuOfFrame(f, 16)).toBe(tcpFlowCpu(PEER, port(7), SELF, port(5000), 16));
    expect(flowCpuOfFrame(tcpFrame(SELF, 5000, PEER, 7), 16)).toBe(flowCpuOfFrame(f, 16));
  });

  it('UP-13: the NIC hashes before any checksum is verified', () => {
    const f = udpFrame(ep(OTHER, 7), ep(SELF, 5000), payload(8));
    f[29] = f[29]! ^ 0xff;
    expect(flowCpuOfFrame(f, N)).toBe(pairCpu(SELF, OTHER));
  });

  it('UP-13 / D.2: multicast UDP goes to CPU 0', () => {
    const f = udpFrame(ep(PEER, 7), ep(ipAddr(0xe0000001), 5000), payload(1));
    expect(flowCpuOfFrame(f, N)).toBe(0);
  });

  it('UP-13 / D.2: IP fragments hash their address pair, for TCP as well', () => {
    const u = fixIpChecksum(put16(udpFrame(ep(OTHER, 7), ep(SELF, 5000), payload(8)), 6, 0x2000));
    const t = fixIpChecksum(put16(tcpFrame(OTHER, 7, SELF, 5000), 6, 0x0001));
    expect(readFlowKey(t, false)!.fragment).toBe(true);
    expect(flowCpuOfFrame(u, N)).toBe(pairCpu(SELF, OTHER));
    expect(flowCpuOfFrame(t, N)).toBe(pairCpu(SELF, OTHER));
  });

  it('UP-13: anything else goes to CPU 0: ICMP, other protocols, garbage, truncated headers', () => {
    const icmp = icmpFrame(PEER, SELF, 8, 0, payload(8));
    const gre = udpFrame(ep(PEER, 7), ep(SELF, 5000), payload(4));
    gre[9] = 47;
    const shortTcp = tcpFrame(PEER, 7, SELF, 5000).slice(0, 22);
    const longTotal = put16(udpFrame(ep(PEER, 7), ep(SELF, 5000), payload(4)), 2, 500);
    const ipv6ish = Uint8Array.of(0x60, ...new Array(40).fill(1));
    for (const f of [icmp, gre, shortTcp, longTotal, ipv6ish, new Uint8Array(0), Uint8Array.of(0x45)]) {
      expect(flowCpuOfFrame(f, N)).toBe(0);
    }
  });

  it('UP-13: with one CPU every frame is on CPU 0', () => {
    for (const f of [udpFrame(ep(PEER, 7), ep(SELF, 5000), payload(1)), tcpFrame(PEER, 7, SELF, 5000)]) {
      expect(flowCpuOfFrame(f, 1)).toBe(0);
    }
  });
});

describe('UP-15: where frames linearize', () => {
  it('UP-15: a datagram linearizes on its flow CPU', () => {
    const h = new ModelHarness({ ncpus: N });
    const f = udpFrame(ep(PEER, 7), ep(SELF, 5000), payload(2));
    expect(h.owner({ kind: 'frame', bytes: f })).toBe(pairCpu(SELF, PEER));
  });

  it('UP-15: an ICMP error linearizes on the flow CPU of the datagram it quotes, not CPU 0', () => {
    const h = new ModelHarness({ ncpus: N });
    const sent = udpFrame(ep(SELF, 5000), ep(OTHER, 7), payload(2));
    const icmp = icmpFrame(OTHER, SELF, 3, 3, sent.slice(0, 28));
    expect(flowCpuOfFrame(icmp, N)).toBe(0);
    expect(pairCpu(SELF, OTHER)).not.toBe(0);
    expect(h.owner({ kind: 'frame', bytes: icmp })).toBe(pairCpu(SELF, OTHER));
  });

  it('UP-15: an ICMP error quoting a TCP segment linearizes on that connection\'s CPU', () => {
    const h = new ModelHarness({ ncpus: 16 });
    const sent = tcpFrame(SELF, 5000, PEER, 7);
    const icmp = icmpFrame(PEER, SELF, 3, 1, sent.slice(0, 28));
    expect(h.owner({ kind: 'frame', bytes: icmp })).toBe(tcpFlowCpu(SELF, port(5000), PEER, port(7), 16));
  });

  it('UP-15: ICMP that is not an error, or whose quote is unreadable, stays on CPU 0', () => {
    const h = new ModelHarness({ ncpus: N });
    const sent = udpFrame(ep(SELF, 5000), ep(OTHER, 7), payload(2));
    const echo = icmpFrame(OTHER, SELF, 8, 0, sent.slice(0, 28));
    const short = icmpFrame(OTHER, SELF, 3, 3, sent.slice(0, 22));
    const badSum = icmpFrame(OTHER, SELF, 3, 3, sent.slice(0, 28));
    badSum[22] = badSum[22]! ^ 1;
    const elsewhere = icmpFrame(OTHER, PEER, 3, 3, sent.slice(0, 28));
    for (const f of [echo, short, badSum, elsewhere]) expect(h.owner({ kind: 'frame', bytes: f })).toBe(0);
  });
});

describe('UP-14: socket owners and the calls that linearize on them', () => {
  /** Created on CPU 1; bound to 5000 (owner 0); connected to PEER (owner pairCpu). */
  function placements() {
    expect(new Set([1, 5000 % N, pairCpu(SELF, PEER)]).size).toBe(3);
    return { created: 1, bound: 5000 % N, connected: pairCpu(SELF, PEER) };
  }

  it('UP-14: socket(udp) linearizes on the caller\'s CPU, where the socket is created', () => {
    const h = new ModelHarness({ ncpus: N });
    for (const cpu of [0, 1, 2, 3]) {
      expect(h.owner(callInput(h, { op: 'socket', proto: 'udp' }, cpu))).toBe(cpu);
      const s = h.socket(cpu);
      expect(socketOwner(h.state, s)).toBe(cpu);
    }
  });

  it('UP-14: the owner moves from the creating CPU to lport % ncpus on bind, to the flow CPU on connect', () => {
    const where = placements();
    const h = new ModelHarness({ ncpus: N });
    const s = h.socket(where.created);
    expect(socketOwner(h.state, s)).toBe(where.created);
    h.bind(s, 5000);
    expect(socketOwner(h.state, s)).toBe(where.bound);
    h.connect(s, ep(PEER, 7));
    expect(socketOwner(h.state, s)).toBe(where.connected);
    h.close(s);
    expect(socketOwner(h.state, s)).toBeNull();
  });

  it('UP-14: bind, connect, shutdown, close and abort linearize on the owner before the call', () => {
    const where = placements();
    const h = new ModelHarness({ ncpus: N });
    const s = h.socket(where.created);
    // Issued from CPU 2: the caller's CPU does not matter once the socket exists.
    const at = (req: CallRequest) => h.owner(callInput(h, req, 2));
    expect(at({ op: 'bind', fd: s, port: port(5000) })).toBe(where.created);
    expect(at({ op: 'connect', fd: s, remote: ep(PEER, 7), nonblocking: false })).toBe(where.created);
    h.bind(s, 5000);
    expect(at({ op: 'connect', fd: s, remote: ep(PEER, 7), nonblocking: false })).toBe(where.bound);
    expect(at({ op: 'bind', fd: s, port: port(6000) })).toBe(where.bound); // EINVAL, still the owner
    h.connect(s, ep(PEER, 7));
    for (const op of ['shutdown', 'close', 'abort'] as const) expect(at({ op, fd: s })).toBe(where.connected);
    expect(at({ op: 'connect', fd: s, remote: ep(OTHER, 7), nonblocking: false })).toBe(where.connected);
  });

  it('UP-14: an implicitly bound socket (by send) is owned by lport % ncpus', () => {
    const h = new ModelHarness({ ncpus: N });
    const s = h.socket(1);
    h.send(s, 1, ep(PEER, 7));
    expect(h.lport(s)).toBe(49152);
    expect(socketOwner(h.state, s)).toBe(49152 % N);
  });
});

describe('UP-15: where sends and receives linearize', () => {
  it('UP-15: a successful connected send linearizes on the flow CPU, which is the owner', () => {
    const h = new ModelHarness({ ncpus: N });
    const s = h.socket(1);
    h.connect(s, ep(PEER, 7));
    const send = callInput(h, { op: 'send', fd: s, data: payload(3), nonblocking: false }, 1);
    expect(h.owner(send)).toBe(pairCpu(SELF, PEER));
    expect(h.owner(send)).toBe(socketOwner(h.state, s));
  });

  it('UP-15: an unconnected send linearizes on the flow CPU of its destination (a redispatch)', () => {
    const h = new ModelHarness({ ncpus: N });
    const s = h.socket(1);
    h.bind(s, 5000);
    const to = (addr: IpAddr) => callInput(h, { op: 'send', fd: s, data: payload(3), to: ep(addr, 7), nonblocking: false });
    expect(h.owner(to(PEER))).toBe(pairCpu(SELF, PEER));
    expect(h.owner(to(OTHER))).toBe(pairCpu(SELF, OTHER));
    expect(socketOwner(h.state, s)).toBe(0);
  });

  it('UP-15: the first send of an unbound socket linearizes on the flow CPU too', () => {
    const h = new ModelHarness({ ncpus: N });
    const s = h.socket(1);
    const send = callInput(h, { op: 'send', fd: s, data: payload(3), to: ep(OTHER, 7), nonblocking: false });
    expect(h.owner(send)).toBe(pairCpu(SELF, OTHER));
  });

  it('UP-15: a send that fails linearizes on the user side, whatever the failure', () => {
    const h = new ModelHarness({ ncpus: N, udp: { maxdgram: 10 } });
    const unconn = h.socket(1);
    const conn = h.socket(1);
    h.connect(conn, ep(PEER, 7));
    const shut = h.socket(1);
    h.connect(shut, ep(PEER, 8));
    h.call({ op: 'shutdown', fd: shut });
    const send = (f: number, n: number, to?: ReturnType<typeof ep>) =>
      h.owner(callInput(h, { op: 'send', fd: fd(f), data: payload(n), nonblocking: false, ...(to ? { to } : {}) }));
    expect(send(unconn, 3)).toBeNull(); // EDESTADDRREQ
    expect(send(unconn, 11, ep(PEER, 7))).toBeNull(); // EMSGSIZE
    expect(send(conn, 3, ep(PEER, 7))).toBeNull(); // EISCONN
    expect(send(shut, 3)).toBeNull(); // EPIPE
    expect(send(99, 3, ep(PEER, 7))).toBeNull(); // EBADF
    // A pending error: the send fails with it, on the user side.
    h.send(conn, 3);
    h.deliver(icmpFrame(PEER, SELF, 3, 3, h.last.frames[0]!.slice(0, 28)));
    expect(send(conn, 3)).toBeNull();
  });

  it('UP-15: every recv linearizes on the user side, blocking or not, with or without data', () => {
    const h = new ModelHarness({ ncpus: N });
    const s = h.socket(2);
    h.bind(s, 5000);
    h.deliver(udpFrame(ep(PEER, 7), ep(SELF, 5000), payload(2)));
    for (const nonblocking of [true, false]) {
      expect(h.owner(callInput(h, { op: 'recv', fd: s, maxBytes: 10, nonblocking }, 2))).toBeNull();
    }
  });

  it('UP-4: calls the socket layer refuses linearize on the user side', () => {
    const h = new ModelHarness({ ncpus: N });
    const s = h.socket(3);
    expect(h.owner(callInput(h, { op: 'listen', fd: s, backlog: 1 }))).toBeNull();
    expect(h.owner(callInput(h, { op: 'accept', fd: s, nonblocking: true }))).toBeNull();
    for (const op of ['close', 'shutdown', 'abort'] as const) {
      expect(h.owner(callInput(h, { op, fd: fd(42) }))).toBeNull();
    }
  });
});

describe('rollups and timers', () => {
  it('a rollup runs on the CPU it names', () => {
    const h = new ModelHarness({ ncpus: N });
    for (const cpu of [0, 1, 2, 3]) expect(h.owner({ kind: 'rollup', cpu: cpuId(cpu) })).toBe(cpu);
    expect(() => h.owner({ kind: 'rollup', cpu: cpuId(4) })).toThrow(/rollup on CPU 4/);
  });

  it('TP-29: a timer of a connection the host does not have linearizes nowhere (user side)', () => {
    const h = new ModelHarness({ ncpus: N });
    expect(h.owner({ kind: 'timer', conn: 'x', timer: 'rexmt' })).toBeNull();
  });

  it('TP-29: socket(tcp) on the caller CPU; bind and listen on CPU 0; accept on the user side', () => {
    const h = new ModelHarness({ ncpus: N });
    expect(h.owner(callInput(h, { op: 'socket', proto: 'tcp' }, 3))).toBe(3);
    const r = h.call({ op: 'socket', proto: 'tcp' }, 3);
    expect(r.ok).toBe(true);
    const s = fd(3);
    expect(h.owner(callInput(h, { op: 'bind', fd: s, port: port(80) }, 3))).toBe(0);
    expect(h.owner(callInput(h, { op: 'listen', fd: s, backlog: 4 }, 3))).toBe(0);
    expect(h.owner(callInput(h, { op: 'accept', fd: s, nonblocking: true }, 3))).toBeNull();
    expect(h.owner(callInput(h, { op: 'recv', fd: s, maxBytes: 1, nonblocking: true }, 3))).toBe(3);
  });

  it('UP-14: a caller CPU outside the host is a bug in the caller', () => {
    const h = new ModelHarness({ ncpus: N });
    expect(() => h.owner(callInput(h, { op: 'socket', proto: 'udp' }, 4))).toThrow(/UP-14/);
  });
});
