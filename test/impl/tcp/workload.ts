import { port } from '../../../src/core/addr';
import type { TcpConfig } from '../../../src/core/config';
import type { CallId, Fd } from '../../../src/core/ids';
import { Rng } from '../../../src/core/rng';
import type { CallRequest, CallResult } from '../../../src/core/socket';
import { implInternals } from '../../../src/impl';
import { World, ep } from './world';

/**
 * Random TCP workloads on the test world, for the cross-checks: a swarm configuration (each
 * switch of TcpConfig on or off per run), links with loss, reordering and duplication, random
 * scheduling, one to four CPUs per host, and applications that open, use and close connections
 * with random calls — blocking and nonblocking sends and receives, shutdowns, closes, aborts,
 * a listener that may close with connections still queued. Each app runs one call at a time, on
 * its own CPU, on its own sockets (as the simulator's apps do). What was sent and received is
 * recorded per connection, for the integrity check.
 */

export interface Flow {
  /** Bytes each end's sends were reported to have queued, in order. */
  readonly sent: Uint8Array[];
  readonly received: Uint8Array[];
}

export interface WorkloadRun {
  readonly w: World;
  readonly seed: number;
  /** Per connection (client local port), both directions: [client→server, server→client]. */
  readonly flows: Map<string, [Flow, Flow]>;
}

interface App {
  readonly host: number;
  readonly cpu: number;
  readonly id: number;
  busy: CallId | null;
  socks: Fd[];
  listener: Fd | null;
  /** Shut down once only: a second shutdown in SYN-SENT reaches DragonFly's setpersist panic. */
  shut: Set<Fd>;
  pending: ((r: CallResult) => void) | null;
}

export function swarmConfig(rng: Rng): Partial<TcpConfig> {
  const b = (): boolean => rng.int(0, 3) > 0;
  return {
    sack: b(), rfc1323: b(), tso: b(), aggregateAcks: b(), delayedAck: b(), nagle: b(),
    limitedTransmit: b(), earlyRetransmit: b(), eifel: b(), rfc3390: b(), syncookies: b(),
    avoidPureWinUpdate: b(), idleRestart: b(), smartsack: b(), rescuesack: b(), rfc6675: b(),
    fairsend: rng.int(0, 2) === 0 ? 0 : rng.int(1, 6),
    recvspace: [2048, 8192, 57344, 200000][rng.int(0, 3)]!,
    sendspace: [4096, 16384, 57344][rng.int(0, 2)]!,
    mtu: [576, 1500, 9000][rng.int(0, 1)]!,
  };
}

export function runWorkload(seed: number, o: { calls?: number; loss?: number } = {}): WorkloadRun {
  const rng = Rng.fromSeed(seed).fork('tcp-workload');
  const ncpus = [rng.int(1, 4), rng.int(1, 4)];
  const loss = o.loss ?? [0, 0, 0.02, 0.1][rng.int(0, 3)]!;
  const w = new World({
    ncpus, tcp: [swarmConfig(rng), swarmConfig(rng)], delayUs: rng.int(50, 30_000),
    pick: (r) => rng.int(0, r.length - 1),
    deliver: () => {
      // Learn every live connection's key before a segment can end it (a reset connection's
      // socket may still hold data for a first recv).
      for (let h = 0; h < 2; h++) {
        for (const [fd] of implInternals(w.hosts[h]!)!.fds.tcpSockets()) connKeyOf(w, h, fd);
      }
      return rng.float() < loss ? false : rng.float() < 0.05 ? rng.int(1, 20_000) : true;
    },
    duplicate: () => (rng.float() < 0.01 ? rng.int(0, 5000) : null),
  });
  const flows = new Map<string, [Flow, Flow]>();
  const apps: App[] = [];
  for (let i = 0; i < rng.int(1, 3); i++) apps.push(newApp(apps.length, 1, rng.int(0,
      ncpus[1]! - 1)));
  for (let i = 0; i < rng.int(1, 3); i++) apps.push(newApp(apps.length, 0, rng.int(0,
      ncpus[0]! - 1)));
  const run: WorkloadRun = { w, seed, flows };
  const total = o.calls ?? rng.int(10, 80);
  for (let n = 0; n < total; n++) {
    const idle = apps.filter((a) => a.busy === null);
    if (idle.length > 0) issue(run, rng, idle[rng.int(0, idle.length - 1)]!);
    w.run({ done: () => apps.some((a) => a.busy !== null && settle(w, a)), untilUs:
        w.now + rng.int(0, 3_000_000) });
    for (const a of apps) if (a.busy !== null) settle(w, a);
  }
  // Finish: close everything, let the connections die down.
  for (const a of apps) {
    w.run({ done: () => a.busy === null || settle(w, a), untilUs: w.now + 200_000_000 });
    for (const s of [...a.socks, ...(a.listener !== null ? [a.listener] : [])]) {
      if (a.busy !== null) break;
      const id = w.call(a.host, { op: 'close', fd: s }, { app: a.id, cpu: a.cpu });
      w.run({ done: () => w.results.has(id), untilUs: w.now + 10_000_000 });
    }
  }
  w.run({ untilUs: w.now + 400_000_000 });
  return run;
}

function newApp(id: number, host: number, cpu: number): App {
  return { host, cpu, id, busy: null, socks: [], listener: null, shut: new Set(), pending: null };
}

function settle(w: World, a: App): boolean {
  const r = a.busy !== null ? w.results.get(a.busy) : undefined;
  if (r === undefined) return false;
  a.busy = null;
  const k = a.pending;
  a.pending = null;
  k?.(r);
  return true;
}

function call(run: WorkloadRun, a: App, req: CallRequest, then?: (r: CallResult) => void): void {
  a.busy = run.w.call(a.host, req, { app: a.id, cpu: a.cpu });
  a.pending = then ?? null;
}

const fdOfResult = (r: CallResult): Fd | null => (r.ok && r.value.kind === 'fd' ? r.value.fd :
    null);

/** The flow of connection `key`, created on first use. */
function flowOf(run: WorkloadRun, key: string): [Flow, Flow] {
  let f = run.flows.get(key);
  if (f === undefined) {
    f = [{ sent: [], received: [] }, { sent: [], received: [] }];
    run.flows.set(key, f);
  }
  return f;
}

const keys = new WeakMap<object, string>();

/**
 * The connection of socket `s` on host `h` (test introspection): the client's port and ISS,
 * which the server's socket knows as its peer's port and IRS. Cached while the tcpcb exists.
 */
function connKeyOf(run: WorkloadRun | World, h: number, s: Fd): string | null {
  const w = run instanceof World ? run : run.w;
  const so = implInternals(w.hosts[h]!)!.fds.getTcp(s);
  if (so === undefined) return null;
  const tp = so.tp;
  if (tp !== null && keys.get(so) === undefined) {
    keys.set(so, h === 0 ? `${tp.tuple.lport}/${tp.iss}` : `${tp.tuple.fport}/${tp.irs}`);
  }
  return keys.get(so) ?? null;
}

function issue(run: WorkloadRun, rng: Rng, a: App): void {
  if (a.host === 1 && a.listener === null) return serverSetup(run, rng, a);
  if (a.host === 0 && a.socks.length === 0) return clientConnect(run, rng, a);
  if (a.host === 1 && (a.socks.length === 0 || rng.int(0, 5) === 0)) {
    const ls = a.listener!;
    if (rng.int(0, 15) === 0) {
      call(run, a, { op: 'close', fd: ls }, () => { a.listener = null; });
      return;
    }
    call(run, a, { op: 'accept', fd: ls, nonblocking: rng.bool(0.3) }, (r) => {
      if (r.ok && r.value.kind === 'accepted') {
        a.socks.push(r.value.fd);
        connKeyOf(run, a.host, r.value.fd);
      }
    });
    return;
  }
  if (a.host === 0 && rng.int(0, 6) === 0) return clientConnect(run, rng, a);
  dataOp(run, rng, a, a.socks[rng.int(0, a.socks.length - 1)]!);
}

function serverSetup(run: WorkloadRun, rng: Rng, a: App): void {
  call(run, a, { op: 'socket', proto: 'tcp' }, (r) => {
    const s = fdOfResult(r);
    if (s === null) return;
    const p = 80 + rng.int(0, 1);
    call(run, a, { op: 'bind', fd: s, port: port(p) }, () => {
      call(run, a, { op: 'listen', fd: s, backlog: rng.int(0, 3) }, (lr) => {
        if (lr.ok) a.listener = s;
      });
    });
  });
}

function clientConnect(run: WorkloadRun, rng: Rng, a: App): void {
  call(run, a, { op: 'socket', proto: 'tcp' }, (r) => {
    const s = fdOfResult(r);
    if (s === null) return;
    a.socks.push(s);
    call(run, a, { op: 'connect', fd: s, remote: ep(1, 80 + rng.int(0, 1)), nonblocking:
        rng.bool(0.3) });
  });
}

function dataOp(run: WorkloadRun, rng: Rng, a: App, s: Fd): void {
  const dir = a.host === 0 ? 0 : 1;
  const pick = rng.int(0, 19);
  connKeyOf(run, a.host, s);
  if (pick < 8) {
    const n = rng.int(1, 40_000);
    const data = new Uint8Array(n).map(() => rng.int(0, 255));
    // Recorded whole at issue (a blocked send may be partly transmitted and never complete);
    // the completion trims it to what the call reported.
    const k0 = connKeyOf(run, a.host, s);
    const sent = k0 === null ? null : flowOf(run, k0)[dir]!.sent;
    const at = sent?.push(data) ?? 0;
    call(run, a, { op: 'send', fd: s, data, nonblocking: rng.bool(0.3) }, (r) => {
      if (sent === null) {
        if (r.ok) throw new Error(`send on fd ${s} succeeded without a connection`);
        return;
      }
      // A blocked send that fails EPIPE may have appended part of its data before the
      // connection died (TP-11); nothing follows it on that stream, so its data is an upper bound.
      const n = r.ok && r.value.kind === 'sent' ? r.value.bytes : !r.ok && r.error === 'EPIPE' ?
          data.length : 0;
      sent[at - 1] = data.subarray(0, n);
    });
  } else if (pick < 16) {
    call(run, a, { op: 'recv', fd: s, maxBytes: rng.int(1, 60_000), nonblocking: rng.bool(0.4) },
        (r) => {
      const k = connKeyOf(run, a.host, s);
      if (r.ok && r.value.kind === 'data' && r.value.data.length > 0) {
        if (k === null) throw new Error(`recv on fd ${s} returned data without a connection`);
        flowOf(run, k)[1 - dir]!.received.push(r.value.data);
      }
    });
  } else if (pick < 18) {
    if (a.shut.has(s)) return;
    a.shut.add(s);
    call(run, a, { op: 'shutdown', fd: s });
  } else {
    const op = pick === 18 ? 'close' : 'abort';
    call(run, a, { op, fd: s }, () => {
      a.socks = a.socks.filter((x) => x !== s);
      a.shut.delete(s);
    });
  }
}

export { Rng };
