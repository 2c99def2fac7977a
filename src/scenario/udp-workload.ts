import { UDP_DEFAULTS } from '../core/config';
import type { AppSpec, FaultPlan, HostSpec, LinkSpec, PeerRef, ScriptStep } from './types';

/**
 * UDP workloads as a small *plan* that compiles to application scripts. fast-check generates and
 * shrinks the plan (fewer flows, fewer sends, smaller sizes); `compileUdpWorkload` turns it into
 * scripts deterministically, given the hosts, links and fault plan it will run with. Indices in
 * the plan (hosts, CPUs, targets) are taken modulo what exists, so the plan stays valid while
 * the hosts shrink around it.
 *
 * How receivers drain depends on the path: when every datagram they expect is sure to arrive
 * (lossless links, room in the receive buffer — UP-12), they make exactly that many blocking
 * recvs, so a missing datagram shows as an app blocked for good; otherwise they poll with
 * nonblocking recvs and sleeps, which never hangs on a lost datagram.
 */

/** Receive ports: receiver r's socket k binds RECV_PORT_BASE + 2r + k (distinct per host). */
export const RECV_PORT_BASE = 7000;
/** Nobody ever binds this port: sends to it draw ICMP port unreachable (UP-11). */
export const CLOSED_PORT = 9999;
/** Fixed source ports a sender may bind (collisions give EADDRINUSE, an error path we want). */
export const SEND_PORT_BASE = 5000;
/** UP-12: each queued datagram also costs the sockaddr stored with it. */
export const SOCKADDR_COST = 16;

/** A send's size, resolved against the sending host's maxdgram at compile time. */
export type SizePlan =
  | { readonly kind: 'small'; readonly bytes: number }
  /** Exactly maxdgram: the largest datagram UP-7 accepts. */
  | { readonly kind: 'max' }
  /** maxdgram + extra: refused with EMSGSIZE (UP-7). */
  | { readonly kind: 'over'; readonly extra: number };

export interface ReceiverPlan {
  readonly host: number;
  readonly cpu: number;
  readonly startUs: number;
  /** Sockets this receiver opens (1 or 2), each on its own well-known port. */
  readonly sockets: number;
  /** recv's maxBytes: 'full' takes any datagram, otherwise datagrams are truncated (UP-9). */
  readonly maxBytes: 'full' | number;
  /** Nonblocking polls before giving up, in lossy mode. */
  readonly polls: number;
  readonly pollGapUs: number;
  /** In lossy mode: close after this many polls, mid-stream (later datagrams draw ICMP). */
  readonly closeAfterPolls: number | null;
  /**
   * Connect socket 0 to this sender's bound port (UP-11: a connected socket receives only from
   * its peer; datagrams from anyone else draw ICMP port unreachable). A sender without a fixed
   * port makes the receiver connect to CLOSED_PORT on the sender's host: nobody's peer.
   */
  readonly connectTo: number | null;
}

export type TargetPlan =
  | { readonly kind: 'receiver'; readonly receiver: number; readonly socket: number }
  /** A host with nothing bound on CLOSED_PORT: ICMP port unreachable; connected → ECONNREFUSED. */
  | { readonly kind: 'closed'; readonly host: number };

/** Deliberate misuse a sender may add; each must fail without sending (UP-5, UP-7). */
export type QuirkPlan =
  'send-to-while-connected' | 'send-without-to' | 'bind-twice' | 'send-after-shutdown';

export interface SenderPlan {
  readonly host: number;
  readonly cpu: number;
  readonly startUs: number;
  readonly connected: boolean;
  /** Bind SEND_PORT_BASE + n first (null: the stack binds an ephemeral port, UP-3). */
  readonly bindPort: number | null;
  readonly target: TargetPlan;
  readonly sends: readonly SizePlan[];
  readonly gapUs: number;
  /** Close the socket after this many sends; the rest go to a closed descriptor (EBADF). */
  readonly closeAfter: number | null;
  readonly quirks: readonly QuirkPlan[];
}

export interface UdpWorkloadPlan {
  readonly receivers: readonly ReceiverPlan[];
  readonly senders: readonly SenderPlan[];
}

/** What compiling needs to know about the world the workload runs in. */
export interface WorldFacts {
  readonly hosts: readonly HostSpec[];
  readonly links: readonly LinkSpec[];
  readonly faults: FaultPlan;
}

export const maxdgramOf = (h: HostSpec): number => h.udp?.maxdgram ?? UDP_DEFAULTS.maxdgram;
export const recvspaceOf = (h: HostSpec): number => h.udp?.recvspace ?? UDP_DEFAULTS.recvspace;

export function resolveSize(size: SizePlan, maxdgram: number): number {
  switch (size.kind) {
    case 'small':
      return Math.min(size.bytes, maxdgram);
    case 'max':
      return maxdgram;
    case 'over':
      return maxdgram + size.extra;
  }
}

/** The link joining two hosts, or -1. */
export function linkBetween(links: readonly LinkSpec[], x: number, y: number): number {
  return links.findIndex((l) => (l.a === x && l.b === y) || (l.a === y && l.b === x));
}

/** True if the plan can lose no frame on this link: no drop, partition or tail drop. */
export function linkLossless(facts: WorldFacts, link: number): boolean {
  if (link < 0) return false;
  if (facts.links[link]!.capacity > 0) return false;
  if (facts.faults.partitions.some((p) => p.link === link && p.endUs > p.startUs)) return false;
  return !facts.faults.frames.some((f) => f.link === link && f.fate === 'drop');
}

const duplicates = (facts: WorldFacts, link: number): boolean =>
  facts.faults.frames.some((f) => f.link === link && f.fate === 'duplicate');

/** Resolve a plan's host index against the hosts that exist, avoiding `not` when possible. */
export function otherHost(n: number, wanted: number, not: number): number {
  const h = wanted % n;
  return h !== not || n === 1 ? h : (h + 1) % n;
}

interface Flow {
  readonly sender: number;
  readonly sizes: readonly number[];
  readonly link: number;
  /** False when whether the datagrams reach the socket depends on the interleaving. */
  readonly certain: boolean;
}

/** The peer a receiver's socket 0 connects to, and the sender that owns it (if any). */
interface ConnectedPeer {
  readonly sender: number;
  readonly peer: PeerRef;
  /** The sender surely holds the port: no other sender on its host binds the same one. */
  readonly certain: boolean;
}

export function connectedPeer(
  r: ReceiverPlan,
  plan: UdpWorkloadPlan,
  n: number,
): ConnectedPeer | null {
  if (r.connectTo === null || plan.senders.length === 0) return null;
  const j = r.connectTo % plan.senders.length;
  const s = plan.senders[j]!;
  const host = senderHost(s, plan, n);
  if (s.bindPort === null) return { sender: -1, peer: { host, port: CLOSED_PORT }, certain: true };
  const rivals = plan.senders.filter(
    (o, k) => k !== j && o.bindPort === s.bindPort && senderHost(o, plan, n) === host,
  );
  const peer = { host, port: SEND_PORT_BASE + s.bindPort };
  return { sender: j, peer, certain: rivals.length === 0 };
}

/**
 * The host a sender runs on: its plan's host, moved off its receiver's host when it can be (the
 * simulator has no loopback, so a datagram to its own host is never delivered).
 */
export function senderHost(s: SenderPlan, plan: UdpWorkloadPlan, n: number): number {
  if (s.target.kind !== 'receiver' || plan.receivers.length === 0) return s.host % n;
  const recv = plan.receivers[s.target.receiver % plan.receivers.length]!;
  return otherHost(n, s.host, recv.host % n);
}

/** The datagrams each receiver socket should get: [receiver][socket] → flows into it. */
function flowsInto(plan: UdpWorkloadPlan, facts: WorldFacts): Flow[][][] {
  const n = facts.hosts.length;
  const flows: Flow[][][] = plan.receivers.map((r) => Array.from({ length: r.sockets }, () => []));
  if (plan.receivers.length === 0) return flows;
  plan.senders.forEach((s, j) => {
    if (s.target.kind !== 'receiver') return;
    const r = s.target.receiver % plan.receivers.length;
    const recv = plan.receivers[r]!;
    const host = senderHost(s, plan, n);
    const recvHost = recv.host % n;
    if (host === recvHost) return;
    const maxdgram = maxdgramOf(facts.hosts[host]!);
    const limit = s.closeAfter ?? s.sends.length;
    const sizes = s.sends
      .slice(0, limit)
      .map((z) => resolveSize(z, maxdgram))
      .filter((b) => b <= maxdgram);
    const link = linkBetween(facts.links, host, recvHost);
    const socket = s.target.socket % recv.sockets;
    const connected = socket === 0 ? connectedPeer(recv, plan, n) : null;
    // A connected socket gets only its peer's datagrams; the others draw ICMP (UP-11).
    if (connected !== null && connected.sender !== j && connected.certain) return;
    const certain = connected === null || connected.certain;
    flows[r]![socket]!.push({ sender: j, sizes, link, certain });
  });
  return flows;
}

/** Every expected datagram will arrive and fit in the receive buffer: blocking recvs are safe. */
function drainsBlocking(flows: readonly Flow[], facts: WorldFacts, recvspace: number): boolean {
  let queued = 0;
  for (const f of flows) {
    if (!f.certain || !linkLossless(facts, f.link)) return false;
    const factor = duplicates(facts, f.link) ? 2 : 1;
    for (const b of f.sizes) queued += factor * (b + SOCKADDR_COST);
  }
  return queued <= recvspace;
}

function receiverApp(
  r: ReceiverPlan,
  i: number,
  plan: UdpWorkloadPlan,
  flows: readonly Flow[][],
  facts: WorldFacts,
): AppSpec {
  const host = r.host % facts.hosts.length;
  const spec = facts.hosts[host]!;
  const steps: ScriptStep[] = [];
  const names = Array.from({ length: r.sockets }, (_, k) => `r${i}.${k}`);
  names.forEach((name, k) => {
    steps.push({ op: 'socket', proto: 'udp', name });
    steps.push({ op: 'bind', sock: name, port: RECV_PORT_BASE + 2 * i + k });
  });
  const connected = connectedPeer(r, plan, facts.hosts.length);
  if (connected !== null) steps.push({ op: 'connect', sock: names[0]!, peer: connected.peer });
  const maxBytes = r.maxBytes === 'full' ? 65535 : r.maxBytes;
  const blocking = flows.every((fs) => drainsBlocking(fs, facts, recvspaceOf(spec)));
  if (blocking) {
    names.forEach((name, k) => {
      const expected = flows[k]!.reduce((sum, f) => sum + f.sizes.length, 0);
      for (let m = 0; m < expected; m++) steps.push({ op: 'recv', sock: name, maxBytes });
    });
  } else {
    // Sleep first: senders start later, so an immediate poll would only see EWOULDBLOCK.
    for (let p = 0; p < r.polls; p++) {
      if (r.closeAfterPolls !== null && p === r.closeAfterPolls) break;
      steps.push({ op: 'sleep', us: r.pollGapUs });
      for (const name of names) steps.push({ op: 'recv', sock: name, maxBytes, nonblocking: true });
    }
  }
  for (const name of names) steps.push({ op: 'close', sock: name });
  return { host, cpu: r.cpu % spec.ncpus, startUs: r.startUs, steps };
}

function senderApp(s: SenderPlan, j: number, plan: UdpWorkloadPlan, facts: WorldFacts): AppSpec {
  const n = facts.hosts.length;
  const host = senderHost(s, plan, n);
  const spec = facts.hosts[host]!;
  const name = `s${j}`;
  const peer = targetPeer(s, host, plan, n);
  const steps: ScriptStep[] = [{ op: 'socket', proto: 'udp', name }];
  if (s.bindPort !== null)
    steps.push({ op: 'bind', sock: name, port: SEND_PORT_BASE + s.bindPort });
  if (s.quirks.includes('bind-twice')) steps.push({ op: 'bind', sock: name, port: 0 });
  if (s.connected) steps.push({ op: 'connect', sock: name, peer });
  if (s.quirks.includes('send-to-while-connected') && s.connected) {
    steps.push({ op: 'send', sock: name, bytes: 1, to: peer });
  }
  if (s.quirks.includes('send-without-to') && !s.connected)
    steps.push({ op: 'send', sock: name, bytes: 1 });
  s.sends.forEach((size, k) => {
    if (s.closeAfter === k) steps.push({ op: 'close', sock: name });
    const bytes = resolveSize(size, maxdgramOf(spec));
    steps.push(
      s.connected ? { op: 'send', sock: name, bytes } : { op: 'send', sock: name, bytes, to: peer },
    );
    if (s.gapUs > 0) steps.push({ op: 'sleep', us: s.gapUs });
  });
  if (s.quirks.includes('send-after-shutdown')) {
    steps.push({ op: 'shutdown', sock: name });
    steps.push(
      s.connected
        ? { op: 'send', sock: name, bytes: 1 }
        : { op: 'send', sock: name, bytes: 1, to: peer },
    );
  }
  steps.push({ op: 'close', sock: name });
  return { host, cpu: s.cpu % spec.ncpus, startUs: s.startUs, steps };
}

function targetPeer(
  s: SenderPlan,
  host: number,
  plan: UdpWorkloadPlan,
  n: number,
): { host: number; port: number } {
  const t = s.target;
  if (t.kind === 'receiver' && plan.receivers.length > 0) {
    const r = t.receiver % plan.receivers.length;
    const recv = plan.receivers[r]!;
    return { host: recv.host % n, port: RECV_PORT_BASE + 2 * r + (t.socket % recv.sockets) };
  }
  const wanted = t.kind === 'closed' ? t.host : host + 1;
  return { host: otherHost(n, wanted, host), port: CLOSED_PORT };
}

/**
 * Scripts for the plan: receivers first (they bind before any sender starts, see the arbitrary's
 * start times), then senders. A receiver whose senders all sit on its own host still binds and
 * polls; such a sender's datagrams have no route (the simulator has no loopback) and count as lost.
 */
export function compileUdpWorkload(plan: UdpWorkloadPlan, facts: WorldFacts): AppSpec[] {
  const flows = flowsInto(plan, facts);
  const receivers = plan.receivers.map((r, i) => receiverApp(r, i, plan, flows[i]!, facts));
  const senders = plan.senders.map((s, j) => senderApp(s, j, plan, facts));
  return [...receivers, ...senders];
}
