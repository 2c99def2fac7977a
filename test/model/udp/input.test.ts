/**
 * UDP input: UP-11 (what is dropped silently, demultiplexing, ICMP port unreachable with UDP-8
 * and UDP-9) and UP-12 (receive-buffer accounting). Frames are built as a peer stack would and,
 * where a test is about a malformed field, edited byte by byte afterwards.
 */
import { describe, expect, it } from 'vitest';
import { ipAddr } from '../../../src/core/addr';
import type { Fd } from '../../../src/core/ids';
import {
  ModelHarness, OTHER, PEER, SELF, decoded, ep, fixIpChecksum, onesFold, payload, put16, udpFrame,
  wire, words16,
} from '../harness';

function bound(h: ModelHarness, p: number): Fd {
  const s = h.socket();
  h.bind(s, p);
  return s;
}

const queued = (h: ModelHarness, s: Fd): number => h.state.udp.sockets.find((x) => x.fd === s)!.rcv.length;

describe('UP-11: datagrams dropped silently', () => {
  it('UDP-6: a datagram with a wrong non-zero checksum is dropped silently, even with no socket', () => {
    const h = new ModelHarness();
    const s = bound(h, 5000);
    for (const dport of [5000, 5001]) {
      const f = udpFrame(ep(PEER, 9), ep(SELF, dport), payload(20));
      f[30] = f[30]! ^ 0x01;
      expect(h.deliver(f)).toEqual({ frames: [], completions: [] });
    }
    expect(queued(h, s)).toBe(0);
    expect(h.state.udp.stats.badsum).toBe(2);
    expect(h.state.udp.stats.noport).toBe(0);
  });

  it('UDP-6: a checksum of 0 means "none" and the datagram is delivered', () => {
    const h = new ModelHarness();
    const s = bound(h, 5000);
    const f = udpFrame(ep(PEER, 9), ep(SELF, 5000), payload(20), false);
    expect(wire.udpSum(f)).toBe(0);
    h.deliver(f);
    expect(h.recv(s).result).toEqual({ ok: true, value: { kind: 'data', data: payload(20), from: ep(PEER, 9) } });
  });

  it('UDP-3 / UP-11: a length field below 8 is dropped silently', () => {
    const h = new ModelHarness();
    bound(h, 5000);
    const f = put16(udpFrame(ep(PEER, 9), ep(SELF, 5000), payload(20), false), 24, 7);
    expect(h.deliver(f).frames).toEqual([]);
    expect(h.state.udp.stats.delivered).toBe(0);
  });

  it('UP-11: a length field beyond the IP payload is dropped silently (no ICMP either)', () => {
    const h = new ModelHarness();
    bound(h, 5000);
    for (const dport of [5000, 6000]) {
      const f = put16(udpFrame(ep(PEER, 9), ep(SELF, dport), payload(20), false), 24, 29);
      expect(h.deliver(f).frames).toEqual([]);
    }
    expect(h.state.udp.stats.delivered + h.state.udp.stats.noport).toBe(0);
  });

  it('UP-11: an IP payload longer than the length field is trimmed to it', () => {
    const h = new ModelHarness();
    const s = bound(h, 5000);
    const inner = udpFrame(ep(PEER, 9), ep(SELF, 5000), payload(10));
    const f = new Uint8Array(inner.length + 6);
    f.set(inner);
    fixIpChecksum(put16(f, 2, f.length));
    h.deliver(f);
    expect(h.recv(s).result).toMatchObject({ ok: true, value: { data: payload(10) } });
  });

  it('UP-11: destination port 0 is dropped silently, without an ICMP error', () => {
    const h = new ModelHarness();
    expect(h.deliver(udpFrame(ep(PEER, 9), ep(SELF, 0), payload(4))).frames).toEqual([]);
    expect(h.state.udp.stats.badport).toBe(1);
  });

  it('UP-11: frames that are not IPv4 for this host are dropped silently', () => {
    const h = new ModelHarness();
    bound(h, 5000);
    const forOther = udpFrame(ep(PEER, 9), ep(OTHER, 5000), payload(4));
    const broadcast = udpFrame(ep(PEER, 9), ep(ipAddr(0xffffffff), 6000), payload(4));
    const multicast = udpFrame(ep(PEER, 9), ep(ipAddr(0xe0000001), 6000), payload(4));
    const garbage = Uint8Array.of(0x45, 0, 0, 3);
    for (const f of [forOther, broadcast, multicast, garbage, new Uint8Array(0)]) {
      expect(h.deliver(f)).toEqual({ frames: [], completions: [] });
    }
    expect(h.state.udp.stats.ipackets).toBe(0);
  });
});

describe('UP-11: demultiplexing', () => {
  it('UP-11: a datagram to an unconnected socket\'s port is queued with its source', () => {
    const h = new ModelHarness();
    const s = bound(h, 5000);
    h.deliver(udpFrame(ep(PEER, 9), ep(SELF, 5000), payload(5)));
    h.deliver(udpFrame(ep(OTHER, 10), ep(SELF, 5000), payload(6)));
    expect(h.recv(s).result).toEqual({ ok: true, value: { kind: 'data', data: payload(5), from: ep(PEER, 9) } });
    expect(h.recv(s).result).toEqual({ ok: true, value: { kind: 'data', data: payload(6), from: ep(OTHER, 10) } });
  });

  it('UP-11: a connected socket receives from its peer only; others get port unreachable', () => {
    const h = new ModelHarness();
    const s = bound(h, 5000);
    h.connect(s, ep(PEER, 9));
    h.deliver(udpFrame(ep(PEER, 9), ep(SELF, 5000), payload(1)));
    expect(h.last.frames).toEqual([]);
    for (const from of [ep(PEER, 10), ep(OTHER, 9)]) {
      const out = h.deliver(udpFrame(from, ep(SELF, 5000), payload(2)));
      expect(out.frames).toHaveLength(1);
      expect(decoded(out.frames[0]!).ip.dst).toBe(from.addr);
    }
    expect(queued(h, s)).toBe(1);
  });

  it('UP-11: a datagram for a port nobody holds draws no delivery and one ICMP error', () => {
    const h = new ModelHarness();
    const s = bound(h, 5000);
    expect(h.deliver(udpFrame(ep(PEER, 9), ep(SELF, 5001), payload(3))).frames).toHaveLength(1);
    expect(queued(h, s)).toBe(0);
    expect(h.state.udp.stats.noport).toBe(1);
  });
});

describe('UDP-8 / UDP-9: ICMP port unreachable', () => {
  it('UDP-8: type 3 code 3 back to the source, quoting the IP header and 8 bytes unchanged', () => {
    const h = new ModelHarness();
    const dgram = udpFrame(ep(PEER, 1234), ep(SELF, 7777), payload(40));
    const [icmp] = h.deliver(dgram).frames;
    expect(icmp).toBeDefined();
    const p = decoded(icmp!);
    expect(p.ip).toEqual({ src: SELF, dst: PEER, ttl: 64, id: 0, tos: 0, dontFragment: true });
    expect(p.body).toEqual({ proto: 'icmp', icmp: { type: 3, code: 3, quoted: dgram.slice(0, 28) } });
    // The wire form: 20 (IP) + 8 (ICMP header, unused word 0) + 28 quoted; checksum verifies.
    expect(icmp!.length).toBe(56);
    expect(wire.u32(icmp!, 24)).toBe(0);
    expect(onesFold(words16(icmp!.subarray(20)))).toBe(0xffff);
  });

  it('UDP-9: no ICMP error answers a datagram from a source that is not one host', () => {
    const h = new ModelHarness();
    const sources = [0, 0x7f000001, 0xffffffff, 0xe0000005, 0xf0000001].map((a) => ipAddr(a));
    for (const src of sources) {
      expect(h.deliver(udpFrame(ep(src, 9), ep(SELF, 6000), payload(3))).frames).toEqual([]);
    }
    expect(h.state.udp.stats.noportbcast).toBe(sources.length);
  });

  it('UDP-9: the ICMP error is never sent for a broadcast or multicast destination', () => {
    const h = new ModelHarness();
    for (const dst of [0xffffffff, 0xe0000001, 0xef123456]) {
      expect(h.deliver(udpFrame(ep(PEER, 9), ep(ipAddr(dst), 6000), payload(3))).frames).toEqual([]);
    }
  });

  it('UP-11: no rate limit: every unwanted datagram is answered', () => {
    const h = new ModelHarness();
    let answers = 0;
    for (let i = 0; i < 50; i++) answers += h.deliver(udpFrame(ep(PEER, 9), ep(SELF, 6000), payload(1))).frames.length;
    expect(answers).toBe(50);
  });
});

describe('UP-12: receive-buffer accounting', () => {
  it('UP-12: a datagram fits when queued + len + 16 <= recvspace, counting 16 per queued record', () => {
    const h = new ModelHarness({ udp: { recvspace: 100 } });
    const s = bound(h, 5000);
    h.deliver(udpFrame(ep(PEER, 9), ep(SELF, 5000), payload(34))); // charged 50
    h.deliver(udpFrame(ep(PEER, 9), ep(SELF, 5000), payload(34))); // 100: exactly full
    h.deliver(udpFrame(ep(PEER, 9), ep(SELF, 5000), payload(0))); // 116 > 100: dropped
    expect(queued(h, s)).toBe(2);
    expect(h.state.udp.stats.fullsock).toBe(1);
    expect(h.last.frames).toEqual([]);
  });

  it('UP-12: a datagram bigger than the whole buffer is dropped even when it is empty', () => {
    const h = new ModelHarness({ udp: { recvspace: 100 } });
    const s = bound(h, 5000);
    h.deliver(udpFrame(ep(PEER, 9), ep(SELF, 5000), payload(85)));
    expect(queued(h, s)).toBe(0);
    h.deliver(udpFrame(ep(PEER, 9), ep(SELF, 5000), payload(84)));
    expect(queued(h, s)).toBe(1);
  });

  it('UP-12: receiving a datagram frees its charge', () => {
    const h = new ModelHarness({ udp: { recvspace: 100 } });
    const s = bound(h, 5000);
    h.deliver(udpFrame(ep(PEER, 9), ep(SELF, 5000), payload(84)));
    h.deliver(udpFrame(ep(PEER, 9), ep(SELF, 5000), payload(1)));
    expect(h.state.udp.stats.fullsock).toBe(1);
    h.recv(s);
    h.deliver(udpFrame(ep(PEER, 9), ep(SELF, 5000), payload(84)));
    expect(queued(h, s)).toBe(1);
    expect(h.state.udp.sockets[0]!.rcvBytes).toBe(100);
  });

  it('UP-12: with the default recvspace (42080), 40 datagrams of 1024 bytes fit and the 41st does not', () => {
    const h = new ModelHarness();
    const s = bound(h, 5000);
    for (let i = 0; i < 41; i++) h.deliver(udpFrame(ep(PEER, 9), ep(SELF, 5000), payload(1024, i)));
    expect(queued(h, s)).toBe(40);
    expect(h.state.udp.stats.fullsock).toBe(1);
  });
});
