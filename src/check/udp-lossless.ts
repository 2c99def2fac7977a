import type { Endpoint } from '../core/addr';
import { formatEndpoint } from '../core/addr';
import { assertNever } from '../core/assert';
import { formatFrame } from '../core/format';
import type { CallId, Fd, HostId } from '../core/ids';
import type { RunRecord } from '../core/run';
import type { AppCall } from '../core/socket';
import type { FrameFate } from '../core/trace';
import type { Arrival, UdpView } from './datagrams';
import { callEffectiveSeq, isUdpFd } from './datagrams';
import { formatCall } from './describe';
import type { TraceIndex } from './traceindex';
import type { Violation } from './verdict';

/**
 * "All of them on a lossless link" (ARCHITECTURE §6.5). When no frame of the run was dropped,
 * duplicated, partitioned away or refused by a full link, every datagram that reached a socket
 * stays there until a recv takes it: a recv that finds nothing (EWOULDBLOCK), or a blocking recv
 * still waiting when the run ends, while a datagram sits queued for that socket means the stack
 * lost it. The check follows the socket table from the calls (UP-5, UP-6, UP-10) and the demux
 * rule (UP-11) in the order the host linearized things, and it makes no claim where the profile
 * allows a loss: a datagram that would overflow the receive buffer (UP-12, `udps_fullsock`),
 * and from then on that socket; sockets whose port came from the ephemeral cursor (the calls do
 * not say which port that was); queued datagrams of a closed socket (UP-10).
 */

/** The fates that lose, copy or refuse a frame; 'delay' only reorders, and is fine. */
const FAULTS: readonly FrameFate[] = ['drop', 'duplicate', 'partitioned', 'overflow'];

/** UP-12: each queued datagram also stores its source address. */
const RECORD_OVERHEAD = 16;

interface Sock {
  readonly host: HostId;
  readonly fd: Fd;
  lport: number | null;
  peer: Endpoint | null;
  readonly queue: Map<number, Arrival>;
  bytes: number;
  /** A full-buffer drop was allowed at some point: no further claims on this socket. */
  mayDrop: boolean;
}

type Action =
  | { readonly kind: 'bind'; readonly host: HostId; readonly fd: Fd; readonly port: number }
  | { readonly kind: 'connect'; readonly host: HostId; readonly fd: Fd; readonly remote: Endpoint }
  | { readonly kind: 'close'; readonly host: HostId; readonly fd: Fd }
  | {
      readonly kind: 'recv';
      readonly host: HostId;
      readonly fd: Fd;
      readonly call: AppCall;
      readonly got: Arrival | null;
      readonly seq: number;
    }
  | { readonly kind: 'queue'; readonly arrival: Arrival };

interface Timed {
  readonly at: number;
  readonly action: Action;
}

function callActions(ix: TraceIndex, v: UdpView, matched: ReadonlyMap<CallId, Arrival>): Timed[] {
  const out: Timed[] = [];
  for (const done of ix.completions.values()) {
    const call = ix.calls.get(done.call)?.call;
    if (call === undefined || call.req.op === 'socket' || !isUdpFd(v, done.host, call.req.fd))
      continue;
    const at = callEffectiveSeq(v, call.id, done.seq);
    const { host } = done;
    const req = call.req;
    const r = done.result;
    let action: Action | null = null;
    if (req.op === 'bind' && r.ok && req.port !== 0)
      action = { kind: 'bind', host, fd: req.fd, port: req.port };
    if (req.op === 'connect' && r.ok)
      action = { kind: 'connect', host, fd: req.fd, remote: req.remote };
    if ((req.op === 'close' || req.op === 'abort') && r.ok)
      action = { kind: 'close', host, fd: req.fd };
    if (req.op === 'recv' && (r.ok || r.error === 'EWOULDBLOCK')) {
      action = {
        kind: 'recv',
        host,
        fd: req.fd,
        call,
        got: r.ok ? (matched.get(call.id) ?? null) : null,
        seq: done.seq,
      };
    }
    if (action !== null) out.push({ at, action });
  }
  return out;
}

/** UP-11: the socket a datagram goes to — the exact connected match, else the unconnected one. */
function demux(socks: Iterable<Sock>, host: HostId, a: Arrival): Sock | undefined {
  const { src, dst } = a.datagram;
  let unconnected: Sock | undefined;
  for (const s of socks) {
    if (s.host !== host || s.lport !== dst.port) continue;
    if (s.peer === null) unconnected = s;
    else if (s.peer.addr === src.addr && s.peer.port === src.port) return s;
  }
  return unconnected;
}

function lostReport(s: Sock, what: string, atSeq: number, call: AppCall): Violation {
  const first = [...s.queue.values()][0]!;
  return {
    kind: 'udp-lost',
    atSeq,
    message:
      `host ${s.host}: ${what} while ${s.queue.size} datagram(s) delivered to fd ` +
      `${s.fd} were queued, on a run without faults`,
    details: [
      formatCall(call),
      `socket: port ${s.lport}${s.peer !== null ? `, connected to ${formatEndpoint(s.peer)}` : ''}`,
      `oldest queued: delivery ${first.delivery} of frame ${first.datagram.frame} ` +
        `@${first.ev.seq}: ${formatFrame(first.datagram.sent.bytes)}`,
    ],
  };
}

function apply(run: RunRecord, socks: Map<string, Sock>, t: Timed, out: Violation[]): void {
  const a = t.action;
  const sockOf = (host: HostId, fd: Fd): Sock => {
    const key = `${host}|${fd}`;
    let s = socks.get(key);
    if (s === undefined) {
      s = { host, fd, lport: null, peer: null, queue: new Map(), bytes: 0, mayDrop: false };
      socks.set(key, s);
    }
    return s;
  };
  switch (a.kind) {
    case 'bind':
      sockOf(a.host, a.fd).lport = a.port;
      return;
    case 'connect':
      sockOf(a.host, a.fd).peer = a.remote;
      return;
    case 'close':
      socks.delete(`${a.host}|${a.fd}`);
      return;
    case 'queue': {
      const host = a.arrival.ev.host;
      const s = demux(socks.values(), host, a.arrival);
      if (s === undefined) return;
      const size = a.arrival.datagram.payload.length + RECORD_OVERHEAD;
      if (s.bytes + size > run.hosts[host]!.config.udp.recvspace) s.mayDrop = true;
      else {
        s.queue.set(a.arrival.delivery, a.arrival);
        s.bytes += size;
      }
      return;
    }
    case 'recv': {
      const s = socks.get(`${a.host}|${a.fd}`);
      if (s === undefined) return;
      if (a.got !== null) {
        if (s.queue.delete(a.got.delivery))
          s.bytes -= a.got.datagram.payload.length + RECORD_OVERHEAD;
        return;
      }
      if (!s.mayDrop && s.queue.size > 0) {
        out.push(
          lostReport(s, `recv call ${a.call.id} found nothing (EWOULDBLOCK)`, a.seq, a.call),
        );
        s.mayDrop = true; // one report per socket: what follows is the same loss
      }
      return;
    }
    default:
      assertNever(a, 'action');
  }
}

/** Blocking recvs still waiting when the run ended, on sockets with datagrams queued. */
function waitingAtEnd(
  ix: TraceIndex,
  v: UdpView,
  socks: Map<string, Sock>,
  out: Violation[],
): void {
  for (const [host, issued] of ix.callsOn) {
    for (const ev of issued) {
      const req = ev.call.req;
      if (req.op !== 'recv' || req.nonblocking || ix.completions.has(ev.call.id)) continue;
      if (!isUdpFd(v, host, req.fd)) continue;
      const s = socks.get(`${host}|${req.fd}`);
      if (s === undefined || s.mayDrop || s.queue.size === 0) continue;
      out.push(
        lostReport(
          s,
          `blocking recv call ${ev.call.id} still waits at the end of the run`,
          ev.seq,
          ev.call,
        ),
      );
      s.mayDrop = true;
    }
  }
}

/** The lossless-run violations; none when the run had a fault (then losses are allowed). */
export function losslessViolations(
  run: RunRecord,
  ix: TraceIndex,
  v: UdpView,
  matched: ReadonlyMap<CallId, Arrival>,
): Violation[] {
  if (FAULTS.some((f) => (ix.fates.get(f) ?? 0) > 0)) return [];
  const timed = callActions(ix, v, matched);
  for (const arrival of v.arrivals) {
    timed.push({
      at: v.linearizedAt.get(`d${arrival.delivery}`) ?? arrival.ev.seq,
      action: { kind: 'queue', arrival },
    });
  }
  timed.sort((x, y) => x.at - y.at);
  const socks = new Map<string, Sock>();
  const out: Violation[] = [];
  for (const t of timed) apply(run, socks, t, out);
  // A recv still blocked is only wrong if the run ran to its end: a step bound or a crash stops
  // the world with threads still runnable.
  if (run.outcome.kind === 'quiescent' || run.outcome.kind === 'time-bound')
    waitingAtEnd(ix, v, socks, out);
  return out;
}
