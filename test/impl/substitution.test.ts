import { afterEach, describe, expect, test, vi } from 'vitest';
import { port } from '../../src/core/addr';
import type { Fd } from '../../src/core/ids';
import type { CallResult } from '../../src/core/socket';
import { udpFlowCpu } from '../../src/core/toeplitz';
import { LwktMsg, MsgPort } from '../../src/impl/kern/msgport';
import type { Thread } from '../../src/impl/kern/thread';
import * as rss from '../../src/impl/net/rss';
import * as sockbuf from '../../src/impl/socket/sockbuf';
import * as barrier from '../../src/impl/udp/barrier';
import { commitsOf, ownershipViolations } from './audit';
import { Driver, addrOf, ep, fdOf } from './driver';

/**
 * The seams CONTRACTS.md promises for deliberate breaks: each behaviour a checker must catch
 * lives in a small exported unit that a test can substitute. Here each is broken on purpose and
 * the break is shown to be observable — so the audits in this directory can fail, and the
 * property tests built on the same seams have something to find.
 */

vi.mock('../../src/impl/socket/sockbuf', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/impl/socket/sockbuf')>();
  return { ...m, sbAppendAddr: vi.fn(m.sbAppendAddr) };
});
vi.mock('../../src/impl/net/rss', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/impl/net/rss')>();
  return { ...m, packetCpu: vi.fn(m.packetCpu) };
});
vi.mock('../../src/impl/udp/barrier', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/impl/udp/barrier')>();
  return { ...m, udpBarrier: vi.fn(m.udpBarrier) };
});

const original = {
  sbAppendAddr: vi.mocked(sockbuf.sbAppendAddr).getMockImplementation()!,
  packetCpu: vi.mocked(rss.packetCpu).getMockImplementation()!,
  udpBarrier: vi.mocked(barrier.udpBarrier).getMockImplementation()!,
};

afterEach(() => {
  vi.mocked(sockbuf.sbAppendAddr).mockImplementation(original.sbAppendAddr);
  vi.mocked(rss.packetCpu).mockImplementation(original.packetCpu);
  vi.mocked(barrier.udpBarrier).mockImplementation(original.udpBarrier);
  vi.restoreAllMocks();
});

function exchange(d: Driver, n = 3): { b: Fd; got: CallResult[] } {
  const a = fdOf(d.do(0, { op: 'socket', proto: 'udp' }));
  const b = fdOf(d.do(1, { op: 'socket', proto: 'udp' }));
  d.do(1, { op: 'bind', fd: b, port: port(5) });
  for (let i = 0; i < n; i++)
    d.call(0, { op: 'send', fd: a, data: Uint8Array.of(i), to: ep(1, 5), nonblocking: false });
  d.settle();
  const got: CallResult[] = [];
  for (let i = 0; i < n; i++)
    got.push(d.do(1, { op: 'recv', fd: b, maxBytes: 9, nonblocking: true }));
  return { b, got };
}

describe('deliberate breaks are observable', () => {
  test('sbAppendAddr without the ssb_token: guarded accesses without their token (check 3b)', () => {
    expect(ownershipViolations(new Driver({ ncpus: [2, 2] }).trace)).toEqual([]);
    vi.mocked(sockbuf.sbAppendAddr).mockImplementation(function* (inet, sb, rec) {
      inet.k.wr(sb.obj);
      sb.records.push(rec);
      sb.cc += rec.data.length + sockbuf.SOCKADDR_LEN;
      return true;
    });
    const d = new Driver({ ncpus: [2, 2] });
    exchange(d);
    const v = ownershipViolations(d.trace);
    expect(v.length).toBe(3);
    expect(v[0]).toMatch(/so:3\.rcv \(w\).*without so:3\.rcv\.token/);
  });

  test('a wrong flow → CPU map puts datagrams on the wrong netisr, which udp_input asserts (UP-13)', () => {
    vi.mocked(rss.packetCpu).mockImplementation(
      (p, n) => ((original.packetCpu(p, n) + 1) % n) as never,
    );
    expect(() => exchange(new Driver({ ncpus: [2, 2] }))).toThrow(/udpInput: datagram on cpu/);
  });

  test("a port that is not FIFO reorders one sender's datagrams (UP-16)", () => {
    const put = MsgPort.prototype.put;
    vi.spyOn(MsgPort.prototype, 'put').mockImplementation(function (
      this: MsgPort,
      msg: LwktMsg,
      sender: Thread,
    ) {
      put.call(this, msg, sender);
      const q = (this as unknown as { queue: LwktMsg[]; head: number }).queue;
      const head = (this as unknown as { head: number }).head;
      if (q[q.length - 1] === msg) q.splice(head, 0, q.pop()!); // LIFO instead of FIFO
    });
    // Prefer the highest thread (the user thread), so several sends queue up before a netisr runs.
    const { got } = exchange(new Driver({ ncpus: [2, 2], pick: (r) => r.length - 1 }));
    const order = got.map((r) => (r.ok && r.value.kind === 'data' ? r.value.data[0] : -1));
    expect(order).not.toEqual([0, 1, 2]);
  });

  test('without the send barrier a close linearizes before the redispatched send it follows', () => {
    vi.mocked(barrier.udpBarrier).mockImplementation(() => false);
    const f = udpFlowCpu(addrOf(0), addrOf(1), 4);
    const p = [7000, 7001, 7002, 7003].find((x) => x % 4 !== f)!;
    const pick: Driver['opts']['pick'] = (r) =>
      Math.max(
        0,
        r.findIndex((t) => t.host === 0 && t.name === `netisr/${p % 4}`),
      );
    const d = new Driver({ ncpus: [4, 1], pick });
    const s = fdOf(d.do(0, { op: 'socket', proto: 'udp' }));
    d.do(0, { op: 'bind', fd: s, port: port(p) });
    const send = d.call(0, {
      op: 'send',
      fd: s,
      data: Uint8Array.of(1),
      to: ep(1, 9),
      nonblocking: false,
    });
    d.runNamed(0, 'user/0');
    const close = d.call(0, { op: 'close', fd: s });
    d.settle();
    const order = commitsOf(d.trace)
      .filter((c) => c.linearizes && c.input.kind === 'call')
      .map((c) => c.input.kind === 'call' && c.input.call);
    expect(order.indexOf(close)).toBeLessThan(order.indexOf(send));
  });
});
