import type { Fd } from '../../../src/core/ids';
import type { CallResult } from '../../../src/core/socket';
import { implInternals } from '../../../src/impl';
import type { Inet } from '../../../src/impl';
import type { Counter } from '../../../src/impl/net/stats';
import type { TcpCb } from '../../../src/impl/tcp/tcpcb';
import type { TcpSock } from '../../../src/impl/socket/tcpsock';
import { World, acceptedFd, ep, fdOf } from './world';

/**
 * Test helpers over the two-host World: a connected pair (host 1 listens, host 0 connects),
 * bulk transfers driven by blocking calls, and introspection of the implementation's state.
 */

export interface End {
  readonly host: number;
  readonly fd: Fd;
  readonly cpu: number;
}

export interface Pair {
  readonly listener: End;
  readonly client: End;
  readonly server: End;
}

export const inetOf = (w: World, h: number): Inet => implInternals(w.hosts[h]!)!;
export const sockOf = (w: World, e: End): TcpSock => inetOf(w, e.host).fds.getTcp(e.fd)!;
export const tpOf = (w: World, e: End): TcpCb => sockOf(w, e).tp!;
export const sum = (w: World, h: number, c: Counter): number => inetOf(w, h).stats.sum(c);
export const ok = (r: CallResult): void => {
  if (!r.ok) throw new Error(`call failed: ${r.error}`);
};

/** Listen on host 1 (`port`), connect from host 0, accept: the three descriptors. */
export function openPair(w: World, o: { scpu?: number; ccpu?: number; port?: number } = {}): Pair {
  const scpu = o.scpu ?? 0;
  const ccpu = o.ccpu ?? 0;
  const p = o.port ?? 80;
  const ls = fdOf(w.do(1, { op: 'socket', proto: 'tcp' }, { cpu: scpu }));
  ok(w.do(1, { op: 'bind', fd: ls, port: p as never }, { cpu: scpu }));
  ok(w.do(1, { op: 'listen', fd: ls, backlog: 8 }, { cpu: scpu }));
  const cs = fdOf(w.do(0, { op: 'socket', proto: 'tcp' }, { cpu: ccpu }));
  const acc = w.call(1, { op: 'accept', fd: ls, nonblocking: false }, { cpu: scpu });
  ok(w.do(0, { op: 'connect', fd: cs, remote: ep(1, p), nonblocking: false }, { cpu: ccpu }));
  w.run({ done: () => w.results.has(acc) });
  const as = acceptedFd(w.results.get(acc)!);
  return {
    listener: { host: 1, fd: ls, cpu: scpu },
    client: { host: 0, fd: cs, cpu: ccpu },
    server: { host: 1, fd: as, cpu: scpu },
  };
}

export const pattern = (n: number, salt = 0): Uint8Array =>
  new Uint8Array(n).map((_, i) => (i * 31 + salt + (i >> 8)) & 255);

/**
 * Send `data` from `a` (one blocking send per `chunk` bytes) while `b` receives with blocking
 * recvs of at most `rmax` bytes, until all of it arrived (or EOF, or an error).
 */
export function transfer(
  w: World, a: End, b: End, data: Uint8Array, o: { chunk?: number; rmax?: number } = {},
): Uint8Array {
  const chunk = o.chunk ?? 1 << 20;
  const rmax = o.rmax ?? 1 << 16;
  const got: Uint8Array[] = [];
  let have = 0;
  let off = 0;
  let sid: number | null = null;
  let rid: number | null = null;
  while (have < data.length) {
    if (sid === null && off < data.length) {
      const n = Math.min(chunk, data.length - off);
      sid = w.call(a.host, { op: 'send', fd: a.fd, data: data.subarray(off, off + n), nonblocking:
          false }, { cpu: a.cpu });
      off += n;
    }
    if (rid === null) rid = w.call(b.host, { op: 'recv', fd: b.fd, maxBytes: rmax, nonblocking:
        false }, { cpu: b.cpu });
    const s = sid;
    const r = rid;
    w.run({ done: () => w.results.has(r as never) || (s !== null && w.results.has(s as never)) });
    if (s !== null && w.results.has(s as never)) {
      ok(w.results.get(s as never)!);
      sid = null;
    }
    const rr = w.results.get(r as never);
    if (rr === undefined) continue;
    rid = null;
    if (!rr.ok || rr.value.kind !== 'data' || rr.value.data.length === 0) break;
    got.push(rr.value.data);
    have += rr.value.data.length;
  }
  if (sid !== null) {
    const s = sid;
    w.run({ done: () => w.results.has(s as never) });
  }
  return Buffer.concat(got);
}

/** Blocking recvs until EOF or an error; the bytes and the final result. */
export function drain(w: World, e: End): { data: Uint8Array; last: CallResult } {
  const got: Uint8Array[] = [];
  for (;;) {
    const r = w.do(e.host, { op: 'recv', fd: e.fd, maxBytes: 1 << 16, nonblocking: false }, { cpu:
        e.cpu });
    if (!r.ok || r.value.kind !== 'data' || r.value.data.length === 0) {
      return { data: Buffer.concat(got), last: r };
    }
    got.push(r.value.data);
  }
}

export { World, ep, fdOf, acceptedFd };
