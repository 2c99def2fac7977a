/**
 * Sending: UP-7 (the results of send, checked in the profile's order), UP-8 and UP-1 (the
 * datagram on the wire, read byte by byte), and UDP-4/UDP-5 (the checksum, verified with an
 * independent ones' complement sum; a datagram whose checksum computes to 0 is constructed to
 * show it goes out as 0xFFFF).
 */
import { describe, expect, it } from 'vitest';
import type { Fd } from '../../../src/core/ids';
import {
  ModelHarness, PEER, OTHER, SELF, ep, fail, icmpFrame, onesFold, payload, wire, words16,
} from '../harness';

/** Make `h`'s connected socket `s` carry a pending ECONNREFUSED (UP-12). */
function refuse(h: ModelHarness, s: Fd): void {
  expect(h.send(s, 4).ok).toBe(true);
  const sent = h.last.frames[0]!;
  h.deliver(icmpFrame(PEER, SELF, 3, 3, sent.slice(0, 28)));
  expect(h.state.udp.sockets.find((x) => x.fd === s)!.error).toBe('ECONNREFUSED');
}

/** The UDP checksum check of RFC 768 over a frame with a 20-byte IP header: all ones. */
function udpSumOk(frame: Uint8Array): boolean {
  const udp = frame.subarray(20);
  const pseudo = [wire.ipSrc(frame) >>> 16, wire.ipSrc(frame) & 0xffff, wire.ipDst(frame) >>> 16,
    wire.ipDst(frame) & 0xffff, 17, udp.length];
  return onesFold([...pseudo, ...words16(udp)]) === 0xffff;
}

describe('UP-7: the result of send, in order of checks', () => {
  it('UP-7: a successful send returns the datagram length at once', () => {
    const h = new ModelHarness();
    const s = h.socket();
    expect(h.send(s, 100, ep(PEER, 7))).toEqual({ ok: true, value: { kind: 'sent', bytes: 100 } });
    expect(h.last.frames).toHaveLength(1);
  });

  it('UP-7: send on an unconnected socket without a destination fails EDESTADDRREQ', () => {
    const h = new ModelHarness();
    const s = h.socket();
    expect(h.send(s, 10)).toEqual(fail('EDESTADDRREQ'));
    expect(h.last.frames).toEqual([]);
    expect(h.lport(s)).toBeNull();
  });

  it('UP-7: send with a destination on a connected socket fails EISCONN', () => {
    const h = new ModelHarness();
    const s = h.socket();
    h.connect(s, ep(PEER, 7));
    expect(h.send(s, 10, ep(PEER, 7))).toEqual(fail('EISCONN'));
    expect(h.last.frames).toEqual([]);
  });

  it('UP-7: a datagram larger than maxdgram fails EMSGSIZE; exactly maxdgram is sent', () => {
    const h = new ModelHarness({ udp: { maxdgram: 100 } });
    const s = h.socket();
    expect(h.send(s, 101, ep(PEER, 7))).toEqual(fail('EMSGSIZE'));
    expect(h.send(s, 100, ep(PEER, 7))).toEqual({ ok: true, value: { kind: 'sent', bytes: 100 } });
  });

  it('UP-7: the default maxdgram is 9216', () => {
    const h = new ModelHarness();
    const s = h.socket();
    expect(h.send(s, 9217, ep(PEER, 7))).toEqual(fail('EMSGSIZE'));
    expect(h.send(s, 9216, ep(PEER, 7)).ok).toBe(true);
  });

  it('UP-7: EMSGSIZE comes before EISCONN and EDESTADDRREQ', () => {
    const h = new ModelHarness({ udp: { maxdgram: 10 } });
    const conn = h.socket();
    h.connect(conn, ep(PEER, 7));
    const unconn = h.socket();
    expect(h.send(conn, 11, ep(PEER, 7))).toEqual(fail('EMSGSIZE'));
    expect(h.send(unconn, 11)).toEqual(fail('EMSGSIZE'));
  });

  it('UP-7: a pending asynchronous error is returned once, then cleared', () => {
    const h = new ModelHarness();
    const s = h.socket();
    h.connect(s, ep(PEER, 7));
    refuse(h, s);
    expect(h.send(s, 4)).toEqual(fail('ECONNREFUSED'));
    expect(h.last.frames).toEqual([]);
    expect(h.send(s, 4).ok).toBe(true);
  });

  it('UP-7: the pending error comes before EMSGSIZE and EISCONN', () => {
    const h = new ModelHarness({ udp: { maxdgram: 10 } });
    const s = h.socket();
    h.connect(s, ep(PEER, 7));
    refuse(h, s);
    expect(h.send(s, 11, ep(PEER, 7))).toEqual(fail('ECONNREFUSED'));
    expect(h.send(s, 11, ep(PEER, 7))).toEqual(fail('EMSGSIZE'));
  });

  it('UP-7: EPIPE comes first, and leaves a pending error pending', () => {
    const h = new ModelHarness();
    const s = h.socket();
    h.connect(s, ep(PEER, 7));
    refuse(h, s);
    h.call({ op: 'shutdown', fd: s });
    expect(h.send(s, 4)).toEqual(fail('EPIPE'));
    expect(h.recv(s).result).toEqual(fail('ECONNREFUSED'));
  });

  it('UP-7: an unbound socket is bound to an ephemeral port by its first send', () => {
    const h = new ModelHarness();
    const s = h.socket();
    h.send(s, 1, ep(PEER, 7));
    expect(h.lport(s)).toBe(49152);
    h.send(s, 1, ep(PEER, 7));
    expect(h.lport(s)).toBe(49152);
    expect(h.last.frames.map(wire.udpSport)).toEqual([49152]);
  });

  it('UP-7: a send that fails binds nothing', () => {
    const h = new ModelHarness({ udp: { maxdgram: 4 } });
    const s = h.socket();
    h.send(s, 5, ep(PEER, 7));
    expect(h.lport(s)).toBeNull();
    expect(h.state.portCursor).toBe(49152);
  });
});

describe('UP-8 / UP-1: the datagram on the wire', () => {
  it('UP-1: TTL 64, TOS 0, DF set, IP ID 0, protocol 17, from the host address', () => {
    const h = new ModelHarness();
    const s = h.socket();
    const frames: Uint8Array[] = [];
    h.send(s, 10, ep(PEER, 7));
    frames.push(...h.last.frames);
    h.send(s, 10, ep(OTHER, 7));
    frames.push(...h.last.frames);
    expect(frames).toHaveLength(2);
    for (const f of frames) {
      expect(wire.ipTtl(f)).toBe(64);
      expect(wire.ipTos(f)).toBe(0);
      expect(wire.ipFlagsFrag(f)).toBe(0x4000);
      expect(wire.ipId(f)).toBe(0);
      expect(wire.ipProto(f)).toBe(17);
      expect(wire.ipSrc(f)).toBe(SELF);
    }
  });

  it('UP-8: an unconnected send goes from (host, local port) to `to`, carrying the data', () => {
    const h = new ModelHarness();
    const s = h.socket();
    h.bind(s, 5000);
    const data = payload(33);
    h.send(s, data, ep(OTHER, 4242));
    const f = h.last.frames[0]!;
    expect(wire.ipDst(f)).toBe(OTHER);
    expect(wire.udpSport(f)).toBe(5000);
    expect(wire.udpDport(f)).toBe(4242);
    expect(wire.udpLen(f)).toBe(8 + 33);
    expect(f.subarray(28)).toEqual(data);
    expect(f.length).toBe(20 + 8 + 33);
  });

  it('UP-8: a connected send goes to the peer', () => {
    const h = new ModelHarness();
    const s = h.socket();
    h.connect(s, ep(OTHER, 53));
    h.send(s, 3);
    const f = h.last.frames[0]!;
    expect([wire.ipDst(f), wire.udpDport(f)]).toEqual([OTHER, 53]);
  });

  it('UP-8: an empty datagram is 28 bytes on the wire', () => {
    const h = new ModelHarness();
    const s = h.socket();
    expect(h.send(s, 0, ep(PEER, 7))).toEqual({ ok: true, value: { kind: 'sent', bytes: 0 } });
    expect(h.last.frames[0]!.length).toBe(28);
    expect(wire.udpLen(h.last.frames[0]!)).toBe(8);
  });

  it('UP-8 / UDP-4: with udp.checksum on, the checksum verifies over the pseudo-header', () => {
    const h = new ModelHarness();
    const s = h.socket();
    for (const n of [0, 1, 2, 17, 1000]) {
      h.send(s, payload(n, n), ep(PEER, 7));
      const f = h.last.frames[0]!;
      expect(wire.udpSum(f)).not.toBe(0);
      expect(udpSumOk(f)).toBe(true);
    }
  });

  it('UP-8: with udp.checksum off, the checksum field is 0 ("no checksum")', () => {
    const h = new ModelHarness({ udp: { checksum: false } });
    const s = h.socket();
    h.send(s, 20, ep(PEER, 7));
    expect(wire.udpSum(h.last.frames[0]!)).toBe(0);
  });

  it('UDP-5: a checksum that computes to 0 is sent as 0xFFFF', () => {
    const h = new ModelHarness();
    const s = h.socket();
    h.bind(s, 5000);
    // Choose the last two payload bytes so the ones' complement sum is all ones: checksum 0.
    const data = payload(10);
    data[8] = 0;
    data[9] = 0;
    const pseudo = [SELF >>> 16, SELF & 0xffff, PEER >>> 16, PEER & 0xffff, 17, 18];
    const header = [5000, 7, 18, 0];
    const partial = onesFold([...pseudo, ...header, ...words16(data)]);
    const fill = 0xffff - partial;
    data[8] = fill >>> 8;
    data[9] = fill & 0xff;
    expect(onesFold([...pseudo, ...header, ...words16(data)])).toBe(0xffff);
    h.send(s, data, ep(PEER, 7));
    const f = h.last.frames[0]!;
    expect(wire.udpSum(f)).toBe(0xffff);
    expect(udpSumOk(f)).toBe(true);
  });
});
