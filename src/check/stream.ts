import type { Endpoint } from '../core/addr';
import { formatEndpoint, formatIp } from '../core/addr';
import type { CallId, Fd, HostId } from '../core/ids';
import type { RunRecord, Verdict } from '../core/run';
import type { SocketError } from '../core/socket';
import { firstDifference, hexAt } from './describe';
import type { TraceIndex } from './traceindex';
import { traceIndex } from './traceindex';
import type { Violation } from './verdict';
import { verdictOf } from './verdict';

/**
 * Check 5, TCP stream integrity (ARCHITECTURE §1 "every byte sent is delivered once, in order,
 * under any finite fault plan", §6.5), from call events alone. Connections are identified from
 * the calls: a client is a TCP descriptor that connected (ok or EINPROGRESS, TP-9), a server
 * side a descriptor `accept` returned with its remote endpoint (TP-10); they pair up by addresses
 * and ports, and where the calls cannot tell two clients apart (ephemeral ports are not in any
 * result) by which pairing explains the bytes best. Per direction, the bytes received are a
 * prefix of the bytes sent (nothing corrupted, duplicated, reordered or invented); on a
 * connection nobody aborted and no call saw reset, timeout or refusal, an end of stream comes
 * only after the peer shut down and only once every byte arrived, and in a quiescent run a
 * reader still blocked is not missing bytes that were sent.
 */

export const STREAM_INTEGRITY_CHECKER = 'tcp-integrity';
export const STREAM_INTEGRITY_CLAIM =
  'each direction of a TCP connection delivers the bytes sent, once, in order (ARCHITECTURE ' +
  '§1, §6.5)';

/** Results that mean the connection broke: after one, missing bytes are allowed. */
const BROKEN: readonly SocketError[] = [
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNABORTED',
  'ECONNREFUSED',
  'EPIPE',
];

interface Chunk {
  readonly call: CallId;
  readonly seq: number;
  readonly data: Uint8Array;
}

interface Side {
  readonly host: HostId;
  readonly fd: Fd;
  readonly role: 'client' | 'server';
  /** The peer as the calls name it. */
  readonly remote: Endpoint;
  /** Client: its explicitly bound port; server: the listening port. Null if ephemeral. */
  readonly lport: number | null;
  readonly since: number;
  readonly sent: Chunk[];
  readonly received: Chunk[];
  eof: Chunk | null;
  afterEof: Chunk | null;
  /** First shutdown, close or abort issued on the descriptor. */
  closedSeq: number | null;
  broken: string | null;
  /** A blocking recv still outstanding when the run ended. */
  waiting: boolean;
  peer: Side | null;
}

interface HostFds {
  readonly tcp: Set<Fd>;
  readonly bound: Map<Fd, number>;
  readonly sides: Map<Fd, Side>;
}

function hostFds(m: Map<HostId, HostFds>, h: HostId): HostFds {
  let x = m.get(h);
  if (x === undefined) m.set(h, (x = { tcp: new Set(), bound: new Map(), sides: new Map() }));
  return x;
}

function newSide(
  s: Omit<
    Side,
    'sent' | 'received' | 'eof' | 'afterEof' | 'closedSeq' | 'broken' | 'waiting' | 'peer'
  >,
): Side {
  return {
    ...s,
    sent: [],
    received: [],
    eof: null,
    afterEof: null,
    closedSeq: null,
    broken: null,
    waiting: false,
    peer: null,
  };
}

/** Read the connections and their byte streams from the call events, in trace order. */
function collect(run: RunRecord, ix: TraceIndex): Side[] {
  const hosts = new Map<HostId, HostFds>();
  const sides: Side[] = [];
  for (const done of ix.completions.values()) {
    const call = ix.calls.get(done.call)?.call;
    if (call === undefined) continue;
    const hf = hostFds(hosts, done.host);
    const req = call.req;
    const r = done.result;
    if (req.op === 'socket') {
      if (req.proto === 'tcp' && r.ok && r.value.kind === 'fd') hf.tcp.add(r.value.fd);
      continue;
    }
    if (!hf.tcp.has(req.fd)) continue;
    const side = hf.sides.get(req.fd);
    if (side !== undefined && !r.ok && BROKEN.includes(r.error))
      side.broken ??= `${req.op} → ${r.error}`;
    const chunk = (data: Uint8Array): Chunk => ({ call: call.id, seq: done.seq, data });
    switch (req.op) {
      case 'bind':
        if (r.ok && req.port !== 0) hf.bound.set(req.fd, req.port);
        break;
      case 'connect':
        if ((r.ok || r.error === 'EINPROGRESS') && side === undefined) {
          const s = newSide({
            host: done.host,
            fd: req.fd,
            role: 'client',
            remote: req.remote,
            lport: hf.bound.get(req.fd) ?? null,
            since: done.seq,
          });
          hf.sides.set(req.fd, s);
          sides.push(s);
        }
        break;
      case 'accept':
        if (r.ok && r.value.kind === 'accepted') {
          const { fd, remote } = r.value;
          hf.tcp.add(fd);
          const s = newSide({
            host: done.host,
            fd,
            role: 'server',
            remote,
            lport: hf.bound.get(req.fd) ?? null,
            since: done.seq,
          });
          hf.sides.set(fd, s);
          sides.push(s);
        }
        break;
      case 'send':
        if (side !== undefined && r.ok && r.value.kind === 'sent')
          side.sent.push(chunk(req.data.subarray(0, r.value.bytes)));
        break;
      case 'recv':
        if (side === undefined || !r.ok || r.value.kind !== 'data') break;
        if (r.value.data.length === 0) side.eof ??= chunk(r.value.data);
        else if (side.eof !== null) side.afterEof ??= chunk(r.value.data);
        else side.received.push(chunk(r.value.data));
        break;
      default:
        break;
    }
  }
  markIssued(run, ix, hosts);
  return sides;
}

/** Shutdowns, closes and aborts count from when they were issued; blocked recvs at the end. */
function markIssued(run: RunRecord, ix: TraceIndex, hosts: Map<HostId, HostFds>): void {
  const ranToEnd = run.outcome.kind === 'quiescent';
  for (const [h, issued] of ix.callsOn) {
    const hf = hosts.get(h);
    if (hf === undefined) continue;
    for (const ev of issued) {
      const req = ev.call.req;
      if (req.op === 'socket') continue;
      const side = hf.sides.get(req.fd);
      if (side === undefined || ev.seq < side.since) continue;
      if (req.op === 'shutdown' || req.op === 'close' || req.op === 'abort')
        side.closedSeq ??= ev.seq;
      if (req.op === 'abort') side.broken ??= 'aborted';
      if (req.op === 'recv' && !req.nonblocking && ranToEnd && !ix.completions.has(ev.call.id))
        side.waiting = true;
    }
  }
}

const sameAddrPort = (e: Endpoint, addr: number, p: number | null): boolean =>
  e.addr === addr && (p === null || e.port === p);

function concat(chunks: readonly Chunk[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.data.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c.data, at);
    at += c.data.length;
  }
  return out;
}

function commonPrefix(a: Uint8Array, b: Uint8Array): number {
  const i = firstDifference(a, b);
  return i < 0 ? a.length : Math.min(i, a.length, b.length);
}

/** Pair each accepted side with the client it talks to (see the file comment). */
function pair(run: RunRecord, sides: readonly Side[]): void {
  const clients = sides.filter((s) => s.role === 'client');
  for (const server of sides.filter((s) => s.role === 'server')) {
    const serverAddr = run.hosts[server.host]!.addr;
    const candidates = clients.filter(
      (c) =>
        c.peer === null &&
        run.hosts[c.host]!.addr === server.remote.addr &&
        sameAddrPort(c.remote, serverAddr, server.lport) &&
        (c.lport === null || c.lport === server.remote.port),
    );
    let best: Side | null = null;
    let bestScore = -1;
    const serverRecv = concat(server.received);
    const serverSent = concat(server.sent);
    for (const c of candidates) {
      const score =
        commonPrefix(serverRecv, concat(c.sent)) + commonPrefix(concat(c.received), serverSent);
      if (score > bestScore) [best, bestScore] = [c, score];
    }
    if (best !== null) [best.peer, server.peer] = [server, best];
  }
}

/** The local port of a side: a client's comes from its bind or, once paired, from the accept. */
const localPort = (s: Side): number | null =>
  s.role === 'server' ? s.lport : (s.lport ?? s.peer?.remote.port ?? null);

/** "10.0.0.1:49152 (host 0 fd 3)". */
function name(run: RunRecord, s: Side): string {
  const p = localPort(s);
  return (
    `${formatIp(run.hosts[s.host]!.addr)}${p !== null ? `:${p}` : ''} (host ${s.host} fd ` +
    `${s.fd})`
  );
}

/** Which call of `chunks` holds stream byte `i`. */
function chunkAt(chunks: readonly Chunk[], i: number): Chunk | null {
  let at = 0;
  for (const c of chunks) {
    if (i < at + c.data.length) return c;
    at += c.data.length;
  }
  return null;
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Bytes received in direction `from` → `to` against the bytes sent. */
function direction(run: RunRecord, from: Side, to: Side, out: Violation[]): void {
  const sent = concat(from.sent);
  const got = concat(to.received);
  const conn = `${name(run, from)} → ${name(run, to)}`;
  const i = firstDifference(got, sent.subarray(0, Math.min(sent.length, got.length)));
  if (i >= 0 && i < got.length && i < sent.length) {
    const at = chunkAt(to.received, i)!;
    const probe = got.subarray(i, Math.min(got.length, i + 8));
    const where = indexOf(sent, probe);
    const kind =
      where >= 0 && where < i ? 'tcp-duplicated' : where > i ? 'tcp-gap' : 'tcp-corrupted';
    const what =
      kind === 'tcp-duplicated'
        ? `repeats stream byte ${where}`
        : kind === 'tcp-gap'
          ? `skips ahead to stream byte ${where}`
          : 'differs from what was sent';
    out.push({
      kind,
      atSeq: at.seq,
      message: `${conn}: stream byte ${i}, received by call ${at.call}, ${what}`,
      details: [
        `received [${hexAt(got, i)}]`,
        `sent     [${hexAt(sent, i)}] (by call ${chunkAt(from.sent, i)?.call})`,
        `${got.length} bytes received, ${sent.length} sent`,
      ],
    });
    return;
  }
  if (got.length > sent.length) {
    const at = chunkAt(to.received, sent.length)!;
    out.push({
      kind: 'tcp-extra-bytes',
      atSeq: at.seq,
      message:
        `${conn}: ${got.length} bytes received but only ${sent.length} sent (call ` +
        `${at.call} got the excess)`,
    });
    return;
  }
  endOfStream(conn, from, to, got.length, sent.length, out);
}

function endOfStream(
  conn: string,
  from: Side,
  to: Side,
  got: number,
  sent: number,
  out: Violation[],
): void {
  if (to.afterEof !== null) {
    out.push({
      kind: 'tcp-data-after-eof',
      atSeq: to.afterEof.seq,
      message: `${conn}: call ${to.afterEof.call} received data after the end of stream`,
    });
  }
  if (from.broken !== null || to.broken !== null) return;
  const eof = to.eof;
  if (eof !== null && (from.closedSeq === null || from.closedSeq > eof.seq)) {
    out.push({
      kind: 'tcp-eof-without-fin',
      atSeq: eof.seq,
      message:
        `${conn}: call ${eof.call} saw the end of stream before the sender shut down or ` +
        `closed`,
    });
  } else if (eof !== null && got < sent) {
    out.push({
      kind: 'tcp-premature-eof',
      atSeq: eof.seq,
      message: `${conn}: end of stream after ${got} of ${sent} bytes sent`,
    });
  } else if (to.waiting && got < sent) {
    out.push({
      kind: 'tcp-lost',
      message:
        `${conn}: a blocking recv still waits at the end of a quiescent run with ` +
        `${sent - got} sent byte(s) never delivered`,
    });
  }
}

/** Check 5 (TCP) over the whole run. */
export function checkStreamIntegrity(run: RunRecord): Verdict {
  const ix = traceIndex(run);
  const sides = collect(run, ix);
  pair(run, sides);
  const out: Violation[] = [];
  for (const s of sides) {
    if (s.peer !== null) {
      direction(run, s.peer, s, out);
      continue;
    }
    if (s.role === 'server') {
      out.push({
        kind: 'tcp-unpaired-accept',
        atSeq: s.since,
        message:
          `host ${s.host}: accept returned fd ${s.fd} from ${formatEndpoint(s.remote)}, ` +
          `a connection no client opened`,
      });
    } else if (s.received.length > 0) {
      out.push({
        kind: 'tcp-unpaired-data',
        atSeq: s.received[0]!.seq,
        message: `host ${s.host}: fd ${s.fd} received data on a connection no server accepted`,
      });
    }
  }
  return verdictOf(STREAM_INTEGRITY_CHECKER, STREAM_INTEGRITY_CLAIM, out);
}
