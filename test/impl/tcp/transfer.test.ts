import { describe, expect, test } from 'vitest';
import { decodePacket } from '../../../src/core/codec';
import { TH_FIN, TH_RST } from '../../../src/core/packet';
import {
  TCPS_CLOSE_WAIT, TCPS_FIN_WAIT_2, TCPS_LAST_ACK, TCPS_TIME_WAIT,
} from '../../../src/impl/tcp/const';
import { conflictCycle, linearizationProblems, ownershipViolations } from '../audit';
import { World, drain, inetOf, ok, openPair, pattern, sum, tpOf, transfer } from './pair';

/**
 * Data transfer and the end of a connection: both directions at once, half-close, close with
 * and without unread data, abort, TIME-WAIT and its 2·MSL expiry (TP-11 … TP-13, B.5).
 */

const flagsOf = (w: World, from: number): number[] =>
  w.sent.filter((f) => f.from === from).map((f) => {
    const d = decodePacket(f.bytes);
    return d.ok && d.value.body.proto === 'tcp' ? d.value.body.tcp.flags : -1;
  });

const audits = (w: World): void => {
  expect(ownershipViolations(w.trace)).toEqual([]);
  expect(linearizationProblems(w.trace)).toEqual([]);
  expect(conflictCycle(w.trace)).toBeNull();
};

const liveConns = (w: World, h: number): number =>
  inetOf(w, h).tcp.tables.reduce((n, t) => n + t.connections().length, 0);

describe('data transfer', () => {
  test.each([
    ['TSO, SACK, timestamps', { tso: true }],
    ['no TSO, no SACK, no RFC 1323', { tso: false, sack: false, rfc1323: false }],
    ['small buffers, MTU 576', { sendspace: 4096, recvspace: 8192, mtu: 576 }],
  ])('1 MB each way at once, intact (%s)', (_n, tcp) => {
    const w = new World({ ncpus: [3, 2], tcp });
    const p = openPair(w, { ccpu: 2, scpu: 1 });
    const up = pattern(1 << 20, 1);
    const down = pattern(1 << 20, 2);
    // Each side sends and receives; run the two directions interleaved.
    const a = w.call(0, { op: 'send', fd: p.client.fd, data: up, nonblocking: false }, { cpu: 2,
        app: 1 });
    const got = transfer(w, p.server, p.client, down, { chunk: 100_000, rmax: 30_000 });
    const rest = drainN(w, p.server, up.length);
    w.run({ done: () => w.results.has(a) });
    ok(w.results.get(a)!);
    expect(Buffer.compare(got, Buffer.from(down))).toBe(0);
    expect(Buffer.compare(rest, Buffer.from(up))).toBe(0);
    audits(w);
  });
});

/** Blocking recvs until `n` bytes arrived. */
function drainN(w: World, e: Parameters<typeof drain>[1], n: number): Uint8Array {
  const got: Uint8Array[] = [];
  let have = 0;
  while (have < n) {
    const r = w.do(e.host, { op: 'recv', fd: e.fd, maxBytes: 1 << 16, nonblocking: false }, { cpu:
        e.cpu });
    if (!r.ok || r.value.kind !== 'data' || r.value.data.length === 0) break;
    got.push(r.value.data);
    have += r.value.data.length;
  }
  return Buffer.concat(got);
}

describe('closing', () => {
  test('half-close: shutdown sends FIN, the peer reads EOF and can still send', () => {
    const w = new World({ ncpus: [2, 2] });
    const p = openPair(w);
    ok(w.do(0, { op: 'send', fd: p.client.fd, data: pattern(3000), nonblocking: false }));
    ok(w.do(0, { op: 'shutdown', fd: p.client.fd }));
    const r = drain(w, p.server);
    expect(r.data.length).toBe(3000);
    expect(r.last).toEqual({ ok: true, value: { kind: 'data', data: new Uint8Array(0) } });
    w.run({ untilUs: w.now + 10_000 });
    expect(tpOf(w, p.server).state).toBe(TCPS_CLOSE_WAIT);
    expect(tpOf(w, p.client).state).toBe(TCPS_FIN_WAIT_2);
    expect(w.do(0, { op: 'send', fd: p.client.fd, data: pattern(1), nonblocking:
        false })).toEqual({ ok: false, error: 'EPIPE' });
    const back = transfer(w, p.server, p.client, pattern(50_000, 9));
    expect(back.length).toBe(50_000);
    ok(w.do(1, { op: 'close', fd: p.server.fd }));
    expect(drain(w, p.client).last).toEqual({ ok: true, value: { kind: 'data', data:
        new Uint8Array(0) } });
    audits(w);
  });

  test('the active closer waits 2·MSL in TIME-WAIT, then the connection is gone', () => {
    const w = new World({ ncpus: [1, 1], tcp: { mslMs: 1000 } });
    const p = openPair(w);
    transfer(w, p.client, p.server, pattern(10_000));
    const c = tpOf(w, p.client);
    ok(w.do(0, { op: 'close', fd: p.client.fd }));
    w.run({ untilUs: w.now + 10_000 });
    expect(tpOf(w, p.server).state).toBe(TCPS_CLOSE_WAIT);
    ok(w.do(1, { op: 'close', fd: p.server.fd }));
    w.run({ untilUs: w.now + 10_000 });
    expect(c.state).toBe(TCPS_TIME_WAIT);
    expect(liveConns(w, 1)).toBe(0);
    expect(liveConns(w, 0)).toBe(1);
    const t0 = w.now;
    w.run({ done: () => liveConns(w, 0) === 0 });
    expect(w.now - t0).toBeGreaterThanOrEqual(1_990_000);
    expect(w.now - t0).toBeLessThanOrEqual(2_030_000);
    expect(sum(w, 0, 'tcp.msl_timeo')).toBe(1);
    audits(w);
  });

  test('close with unread data: FIN, no RST (TP-13)', () => {
    const w = new World({ ncpus: [1, 1] });
    const p = openPair(w);
    ok(w.do(0, { op: 'send', fd: p.client.fd, data: pattern(5000), nonblocking: false }));
    w.run({ untilUs: w.now + 50_000 });
    ok(w.do(1, { op: 'close', fd: p.server.fd }));
    w.run({ untilUs: w.now + 50_000 });
    const server = flagsOf(w, 1);
    expect(server.some((f) => (f & TH_FIN) !== 0)).toBe(true);
    expect(server.some((f) => (f & TH_RST) !== 0)).toBe(false);
    const c = tpOf(w, p.client);
    expect(c.state).toBe(TCPS_CLOSE_WAIT);
    ok(w.do(0, { op: 'close', fd: p.client.fd }));
    expect(c.state).toBe(TCPS_LAST_ACK);
  });

  test('abort: RST; the peer\'s blocked recv fails ECONNRESET and its connection is gone', () => {
    const w = new World({ ncpus: [2, 2] });
    const p = openPair(w, { scpu: 1 });
    const r = w.call(1, { op: 'recv', fd: p.server.fd, maxBytes: 100, nonblocking: false }, { cpu:
        1 });
    w.run({ untilUs: w.now + 1000 });
    expect(w.results.has(r)).toBe(false);
    ok(w.do(0, { op: 'abort', fd: p.client.fd }));
    w.run({ done: () => w.results.has(r) });
    expect(w.results.get(r)).toEqual({ ok: false, error: 'ECONNRESET' });
    expect(flagsOf(w, 0).at(-1)! & TH_RST).toBe(TH_RST);
    expect(liveConns(w, 0) + liveConns(w, 1)).toBe(0);
    expect(w.do(1, { op: 'send', fd: p.server.fd, data: pattern(1), nonblocking:
        false })).toEqual({ ok: false, error: 'EPIPE' });
    audits(w);
  });

  test('calls blocked on a descriptor that is closed complete EBADF', () => {
    const w = new World({ ncpus: [2, 2] });
    const p = openPair(w);
    const r = w.call(1, { op: 'recv', fd: p.server.fd, maxBytes: 100, nonblocking: false }, { app:
        1 });
    w.run({ untilUs: w.now + 1000 });
    ok(w.do(1, { op: 'close', fd: p.server.fd }, { app: 2 }));
    w.run({ done: () => w.results.has(r) });
    expect(w.results.get(r)).toEqual({ ok: false, error: 'EBADF' });
  });
});
