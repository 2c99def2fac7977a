/**
 * Receiving: UP-9 (what recv returns, and when a blocking recv completes), UP-10 (close under a
 * blocked recv) and UP-12 (ICMP port unreachable → ECONNREFUSED on connected sockets only).
 * A blocked call's completion must appear in the outputs of exactly the step that satisfies it,
 * so the tests look at that step's outputs, not just at the eventual result.
 */
import { describe, expect, it } from 'vitest';
import type { Fd } from '../../../src/core/ids';
import {
  ModelHarness, NONE, PEER, SELF, ep, fail, icmpFrame, payload, udpFrame,
} from '../harness';

function bound(h: ModelHarness, p: number): Fd {
  const s = h.socket();
  h.bind(s, p);
  return s;
}
const dgram = (from: number, to: number, data: Uint8Array): Uint8Array => udpFrame(ep(PEER, from), ep(SELF, to), data);
const dataOf = (data: Uint8Array, from = ep(PEER, 9)) => ({ ok: true, value: { kind: 'data', data, from } });

/** A connected socket that sent one datagram, and the port unreachable that answers it. */
function refusedSetup(h: ModelHarness): { s: Fd; icmp: Uint8Array } {
  const s = h.socket();
  h.connect(s, ep(PEER, 7));
  h.send(s, 4);
  return { s, icmp: icmpFrame(PEER, SELF, 3, 3, h.last.frames[0]!.slice(0, 28)) };
}

describe('UP-9: recv', () => {
  it('UP-9: returns the oldest queued datagram with its source', () => {
    const h = new ModelHarness();
    const s = bound(h, 5000);
    h.deliver(dgram(9, 5000, payload(3, 1)));
    h.deliver(dgram(9, 5000, payload(3, 2)));
    expect(h.recv(s).result).toEqual(dataOf(payload(3, 1)));
    expect(h.recv(s).result).toEqual(dataOf(payload(3, 2)));
  });

  it('UP-9: a datagram longer than max is truncated and the rest discarded', () => {
    const h = new ModelHarness();
    const s = bound(h, 5000);
    h.deliver(dgram(9, 5000, payload(10, 1)));
    h.deliver(dgram(9, 5000, payload(10, 2)));
    expect(h.recv(s, 4).result).toEqual(dataOf(payload(10, 1).slice(0, 4)));
    expect(h.recv(s, 100).result).toEqual(dataOf(payload(10, 2)));
  });

  it('UP-9: recv with max 0 consumes a datagram and returns no bytes', () => {
    const h = new ModelHarness();
    const s = bound(h, 5000);
    h.deliver(dgram(9, 5000, payload(10)));
    expect(h.recv(s, 0).result).toEqual(dataOf(new Uint8Array(0)));
    expect(h.recv(s).result).toEqual(fail('EWOULDBLOCK'));
  });

  it('UP-9: an empty datagram is returned as data of length 0', () => {
    const h = new ModelHarness();
    const s = bound(h, 5000);
    h.deliver(dgram(9, 5000, new Uint8Array(0)));
    expect(h.recv(s).result).toEqual(dataOf(new Uint8Array(0)));
  });

  it('UP-9: nonblocking with nothing queued fails EWOULDBLOCK', () => {
    const h = new ModelHarness();
    expect(h.recv(bound(h, 5000)).result).toEqual(fail('EWOULDBLOCK'));
    expect(h.recv(h.socket()).result).toEqual(fail('EWOULDBLOCK'));
  });

  it('UP-9: a blocking recv waits, and completes in the step that delivers a datagram', () => {
    const h = new ModelHarness();
    const s = bound(h, 5000);
    const { id, result } = h.recv(s, 6, false);
    expect(result).toBeUndefined();
    expect(h.last.completions).toEqual([]);
    h.deliver(dgram(9, 6000, payload(3)));
    expect(h.last.completions).toEqual([]);
    h.deliver(dgram(9, 5000, payload(8)));
    expect(h.last.completions).toEqual([{ call: id, result: dataOf(payload(8).slice(0, 6)) }]);
    expect(h.state.pending).toEqual([]);
    expect(h.state.udp.sockets[0]!.rcv).toEqual([]);
  });

  it('UP-9: a blocking recv with data queued completes at once', () => {
    const h = new ModelHarness();
    const s = bound(h, 5000);
    h.deliver(dgram(9, 5000, payload(8)));
    expect(h.recv(s, 100, false).result).toEqual(dataOf(payload(8)));
  });

  it('UP-9: blocked receivers on one socket are served oldest first, one datagram each', () => {
    const h = new ModelHarness();
    const s = bound(h, 5000);
    const first = h.recv(s, 100, false).id;
    const second = h.recv(s, 100, false).id;
    h.deliver(dgram(9, 5000, payload(2, 1)));
    expect(h.last.completions).toEqual([{ call: first, result: dataOf(payload(2, 1)) }]);
    h.deliver(dgram(9, 5000, payload(2, 2)));
    expect(h.last.completions).toEqual([{ call: second, result: dataOf(payload(2, 2)) }]);
  });

  it('UP-9: a datagram that does not fit the buffer does not wake a blocked recv (UP-12)', () => {
    const h = new ModelHarness({ udp: { recvspace: 50 } });
    const s = bound(h, 5000);
    h.recv(s, 100, false);
    h.deliver(dgram(9, 5000, payload(35)));
    expect(h.last.completions).toEqual([]);
    expect(h.state.udp.stats.fullsock).toBe(1);
  });

  it('UP-9: queued data is returned before a pending error', () => {
    const h = new ModelHarness();
    const { s, icmp } = refusedSetup(h);
    h.deliver(udpFrame(ep(PEER, 7), ep(SELF, h.lport(s)!), payload(2)));
    h.deliver(icmp);
    expect(h.recv(s).result).toEqual(dataOf(payload(2), ep(PEER, 7)));
    expect(h.recv(s).result).toEqual(fail('ECONNREFUSED'));
    expect(h.recv(s).result).toEqual(fail('EWOULDBLOCK'));
  });
});

describe('UP-10: close under a blocked recv', () => {
  it('UP-10: close completes a recv blocked on the descriptor with EBADF, in the same step', () => {
    const h = new ModelHarness();
    const s = bound(h, 5000);
    const blocked = h.recv(s, 100, false).id;
    const closing = h.issue({ op: 'close', fd: s });
    expect(closing.result).toEqual(NONE);
    expect(h.last.completions).toContainEqual({ call: blocked, result: fail('EBADF') });
    expect(h.last.completions).toHaveLength(2);
  });

  it('UP-10: a recv blocked on an unbound socket waits until close', () => {
    const h = new ModelHarness();
    const s = h.socket();
    const blocked = h.recv(s, 100, false).id;
    h.deliver(dgram(9, 49152, payload(2)));
    expect(h.results.has(blocked)).toBe(false);
    h.close(s);
    expect(h.results.get(blocked)).toEqual(fail('EBADF'));
  });

  it('UP-10: close leaves recvs blocked on other descriptors waiting', () => {
    const h = new ModelHarness();
    const a = bound(h, 5000);
    const b = bound(h, 5001);
    const onB = h.recv(b, 100, false).id;
    h.close(a);
    expect(h.results.has(onB)).toBe(false);
    expect(h.state.pending).toHaveLength(1);
  });
});

describe('UP-12: ICMP port unreachable reaching UDP', () => {
  it('UP-12: a port unreachable quoting a connected socket\'s datagram sets ECONNREFUSED', () => {
    const h = new ModelHarness();
    const { s, icmp } = refusedSetup(h);
    expect(h.deliver(icmp)).toEqual({ frames: [], completions: [] });
    expect(h.recv(s).result).toEqual(fail('ECONNREFUSED'));
    expect(h.recv(s).result).toEqual(fail('EWOULDBLOCK'));
  });

  it('UP-12: the error wakes a blocked recv, which reports it and clears it', () => {
    const h = new ModelHarness();
    const { s, icmp } = refusedSetup(h);
    const blocked = h.recv(s, 100, false).id;
    h.deliver(icmp);
    expect(h.last.completions).toEqual([{ call: blocked, result: fail('ECONNREFUSED') }]);
    expect(h.send(s, 3).ok).toBe(true);
  });

  it('UP-12: unconnected sockets ignore ICMP errors', () => {
    const h = new ModelHarness();
    const s = h.socket();
    h.send(s, 4, ep(PEER, 7));
    const sent = h.last.frames[0]!;
    const blocked = h.recv(s, 100, false).id;
    h.deliver(icmpFrame(PEER, SELF, 3, 3, sent.slice(0, 28)));
    expect(h.results.has(blocked)).toBe(false);
    expect(h.send(s, 4, ep(PEER, 7)).ok).toBe(true);
  });

  it('UP-12: the quoted datagram must match the connected socket exactly', () => {
    const h = new ModelHarness();
    const { s, icmp } = refusedSetup(h);
    const variants: Array<[number, number]> = [
      [20, 0x01], // quoted source port: another local port
      [22, 0x01], // quoted destination port: another peer port
      [16, 0x01], // quoted destination address: another peer
      [12, 0x01], // quoted source address: not this host
    ];
    for (const [at, flip] of variants) {
      const quote = icmp.slice(28);
      quote[at] = quote[at]! ^ flip;
      h.deliver(icmpFrame(PEER, SELF, 3, 3, quote));
    }
    expect(h.state.udp.sockets.find((x) => x.fd === s)!.error).toBeNull();
  });

  it('UP-12: only port unreachable counts; other ICMP errors have no effect', () => {
    const h = new ModelHarness();
    const { s, icmp } = refusedSetup(h);
    const quote = icmp.slice(28);
    for (const [type, code] of [[3, 0], [3, 1], [3, 4], [11, 0], [12, 0], [8, 0]]) {
      h.deliver(icmpFrame(PEER, SELF, type!, code!, quote));
    }
    expect(h.recv(s).result).toEqual(fail('EWOULDBLOCK'));
  });

  it('UP-12: a port unreachable with a bad ICMP checksum is dropped', () => {
    const h = new ModelHarness();
    const { s, icmp } = refusedSetup(h);
    const bad = icmp.slice();
    bad[23] = bad[23]! ^ 0xff;
    h.deliver(bad);
    expect(h.recv(s).result).toEqual(fail('EWOULDBLOCK'));
  });

  it('UP-12: a port unreachable for a closed socket changes nothing', () => {
    const h = new ModelHarness();
    const { s, icmp } = refusedSetup(h);
    h.close(s);
    const before = h.state;
    h.deliver(icmp);
    expect(h.state).toBe(before);
  });
});
