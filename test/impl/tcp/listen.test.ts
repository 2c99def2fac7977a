import { describe, expect, test } from 'vitest';
import { port } from '../../../src/core/addr';
import { decodePacket } from '../../../src/core/codec';
import type { CallId } from '../../../src/core/ids';
import { TH_RST, TH_SYN } from '../../../src/core/packet';
import { tcpFlowCpu } from '../../../src/core/toeplitz';
import { conflictCycle, linearizationProblems, ownershipViolations } from '../audit';
import { World, acceptedFd, ep, fdOf, inetOf, ok, sum } from './pair';
import type { SentFrame } from './world';

/**
 * Listeners (dragonfly.md B.3, D.8, D.9; TP-10, TP-13 … TP-16): bound and listening on CPU 0
 * with the entry in every CPU's wildcard table; SYNs and the connections they create handled on
 * the flow's CPU; the accept queue under the listen token; closing a listener aborts what it
 * queued, with RSTs in queue order, and fails blocked accepts EBADF.
 */

const seg = (f: SentFrame) => {
  const d = decodePacket(f.bytes);
  return d.ok && d.value.body.proto === 'tcp' ? d.value.body.tcp : null;
};

function listener(w: World, p: number, backlog: number, cpu = 0) {
  const ls = fdOf(w.do(1, { op: 'socket', proto: 'tcp' }, { cpu }));
  ok(w.do(1, { op: 'bind', fd: ls, port: port(p) }, { cpu }));
  ok(w.do(1, { op: 'listen', fd: ls, backlog }, { cpu }));
  return ls;
}

/** n clients on host 0 connect (nonblocking) to host 1's port p; their call ids. */
function connectMany(w: World, n: number, p: number): CallId[] {
  const ids: CallId[] = [];
  for (let i = 0; i < n; i++) {
    const s = fdOf(w.do(0, { op: 'socket', proto: 'tcp' }, { cpu: i % 2 }));
    ids.push(w.call(0, { op: 'connect', fd: s, remote: ep(1, p), nonblocking: false }, { cpu:
        i % 2, app: 10 + i }));
  }
  return ids;
}

describe('listening', () => {
  test('listen puts the entry in every CPU\'s table; SYNs are handled on the flow CPU', () => {
    const w = new World({ ncpus: [2, 4] });
    const ls = listener(w, 80, 16, 3);
    const inet = inetOf(w, 1);
    for (const t of inet.tcp.tables) expect(t.lookupWild(port(80))).not.toBeNull();
    const done = connectMany(w, 8, 80);
    w.run({ done: () => done.every((id) => w.results.has(id)) });
    w.run({ untilUs: w.now + 10_000 });
    for (const id of done) expect(w.results.get(id)).toEqual({ ok: true, value: { kind: 'none' } });
    const frames = new Map(w.events('frame-delivered').map((e) => [e.delivery, e.frame]));
    const bytes = new Map(w.sent.map((f) => [f.frame, f.bytes]));
    const synCommits = w.events('commit').filter((c) => {
      if (c.host !== 1 || c.input.kind !== 'frame' || !c.linearizes) return false;
      const t = seg({ bytes: bytes.get(frames.get(c.input.delivery)!)! } as SentFrame);
      return t !== null && (t.flags & TH_SYN) !== 0;
    });
    expect(synCommits).toHaveLength(8);
    for (const c of synCommits) {
      if (c.input.kind !== 'frame') continue;
      const frame = frames.get(c.input.delivery);
      const t = seg(w.sent.find((s) => s.frame === frame)!)!;
      expect(c.cpu).toBe(tcpFlowCpu(inet.addr, t.dstPort, w.hosts[0]!.env.addr, t.srcPort, 4));
    }
    // Eight accepts, on any CPU, in completion order.
    for (let i = 0; i < 8; i++) acceptedFd(w.do(1, { op: 'accept', fd: ls, nonblocking: true },
        { cpu: i % 4 }));
    expect(w.do(1, { op: 'accept', fd: ls, nonblocking: true })).toEqual({ ok: false, error:
        'EWOULDBLOCK' });
    expect(ownershipViolations(w.trace)).toEqual([]);
    expect(linearizationProblems(w.trace)).toEqual([]);
    expect(conflictCycle(w.trace)).toBeNull();
  });

  test('beyond the backlog, SYNs are dropped (TP-14)', () => {
    const w = new World({ ncpus: [2, 2] });
    listener(w, 80, 1);
    connectMany(w, 5, 80);
    w.run({ untilUs: w.now + 500_000 });
    expect(sum(w, 1, 'tcp.listen_drop')).toBeGreaterThan(0);
  });
});

describe('closing a listener (TP-13)', () => {
  test('queued connections are aborted with RSTs in queue order; a blocked accept fails EBADF',
      () => {
    const w = new World({ ncpus: [2, 3] });
    const ls = listener(w, 80, 8, 1);
    const done = connectMany(w, 4, 80);
    w.run({ done: () => done.every((id) => w.results.has(id)) });
    w.run({ untilUs: w.now + 10_000 });
    const lso = inetOf(w, 1).fds.getTcp(ls)!;
    const order = lso.lq.comp.map((so) => so.tp!.tuple.fport);
    expect(order).toHaveLength(4);
    // Accept one; block a second accept on an emptied queue from another app later.
    acceptedFd(w.do(1, { op: 'accept', fd: ls, nonblocking: false }, { cpu: 1 }));
    const queued = order.slice(1);
    const mark = w.sent.length;
    ok(w.do(1, { op: 'close', fd: ls }, { cpu: 2, app: 3 }));
    w.run({ untilUs: w.now + 50_000 });
    const rsts = w.sent.slice(mark).filter((f) => f.from === 1 && (seg(f)!.flags & TH_RST) !== 0);
    expect(rsts.map((f) => seg(f)!.dstPort)).toEqual(queued);
    for (const t of inetOf(w, 1).tcp.tables) expect(t.lookupWild(port(80))).toBeNull();
    // Clients of the aborted connections see the reset.
    expect(sum(w, 0, 'tcp.drops')).toBe(3);
    // The accepted connection still holds port 80 (TP-7): EADDRINUSE; a listener on another
    // port, with an accept blocked on it, fails that accept EBADF when it closes.
    const again = fdOf(w.do(1, { op: 'socket', proto: 'tcp' }));
    expect(w.do(1, { op: 'bind', fd: again, port: port(80) })).toEqual({ ok: false, error:
        'EADDRINUSE' });
    const ls2 = listener(w, 81, 8, 0);
    const a = w.call(1, { op: 'accept', fd: ls2, nonblocking: false }, { cpu: 2, app: 4 });
    w.run({ untilUs: w.now + 1000 });
    expect(w.results.has(a)).toBe(false);
    ok(w.do(1, { op: 'close', fd: ls2 }, { app: 5 }));
    w.run({ done: () => w.results.has(a) });
    expect(w.results.get(a)).toEqual({ ok: false, error: 'EBADF' });
    expect(ownershipViolations(w.trace)).toEqual([]);
    expect(linearizationProblems(w.trace)).toEqual([]);
  });
});
