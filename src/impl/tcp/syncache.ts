import type { TcpConfig } from '../../core/config';
import { connKey } from '../../core/conn';
import type { CpuId } from '../../core/ids';
import { syncacheBucket, syncookie, tcpIsn } from '../../core/isn';
import type { Packet, TcpOptions, TcpSegment } from '../../core/packet';
import { TH_ACK, TH_SYN } from '../../core/packet';
import type { SeqNum } from '../../core/seq';
import { instantOfTick, ticks as asTicks } from '../../core/time';
import type { Instant } from '../../core/time';
import { Callout } from '../kern/callout';
import type { Kern } from '../kern/kern';
import { KObj, owned } from '../kern/kern';
import { MSGF_DONE, MSGF_DROPABLE, MSGF_PRIORITY } from '../kern/msgflags';
import { sendmsg } from '../kern/msgport';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import { ipHeader } from '../net/ipout';
import { NetMsg } from '../net/netmsg';
import { nicOutput } from '../net/nic';
import type { ListenQueue, TcpSock } from '../socket/tcpsock';
import type { TcpConnTuple } from './tcpcb';
import {
  SYNCACHE_BACKOFF, SYNCACHE_SLOTS, TCP_MAXWIN, TCP_MAX_WINSHIFT, TCP_MIN_WINSHIFT, TOF_MSS,
  TOF_SACK_PERMITTED, TOF_SCALE, TOF_TS,
} from './const';
import type { TcpOpts } from './inctx';
import { tcpTicks, tsClock } from './globals';
import { synTimerHandler } from './syntimer';

/**
 * Read before editing: dragonfly.md B.3 (`tcp_syncache.c`), D.10 (the syncache's timer
 * messages), D.12; TP-14, TP-15, TP-18.
 *
 * The per-CPU syncache: SYNs on a listener, handled on their flow CPU, become entries here, not
 * sockets. Buckets by `syncacheBucket`, at most `syncacheBucketLimit` per bucket and
 * hashsize·bucketlimit per CPU; five timer queues, one per retransmission slot, each with one
 * callout and one priority message (D.10). Each entry's SYN|ACK timer is the input
 * {conn, 'synack'} (TP-2). The structure is owned by its CPU; the listener an entry belongs to
 * is consulted under its token.
 */

export interface SynEntry {
  readonly name: string;
  readonly tuple: TcpConnTuple;
  readonly lq: ListenQueue;
  readonly lso: TcpSock;
  readonly bucket: number;
  readonly irs: number;
  readonly iss: number;
  readonly peerMss: number | undefined;
  /** The peer's window shift if both sides scale, else null (TP-18). */
  readonly peerWscale: number | null;
  readonly requestRScale: number;
  sackOk: boolean;
  readonly tsOk: boolean;
  tsRecent: number;
  /** Our advertised (unscaled) window: min(recvspace, 65535). */
  readonly wnd: number;
  slot: number;
  due: Instant;
  /** Ticks spent waiting for SYN|ACK retransmissions: the connection's t_rxtsyn. */
  rxtused: number;
}

export interface Syncache {
  readonly cpu: CpuId;
  readonly obj: KObj;
  readonly buckets: Map<number, SynEntry[]>;
  /** One FIFO per retransmission slot (entries of a slot are due in arrival order). */
  readonly slots: SynEntry[][];
  readonly callouts: Callout[];
  readonly msgs: NetMsg<SynTimerArg>[];
  count: number;
}

export interface SynTimerArg {
  readonly sc: Syncache;
  readonly slot: number;
}

export function newSyncache(k: Kern, cpu: CpuId, cfg: TcpConfig): Syncache {
  void cfg;
  const obj = new KObj(`syncache:${cpu}`, owned(cpu));
  k.declare(obj);
  const sc: Syncache = {
    cpu, obj, buckets: new Map(), slots: [], callouts: [], msgs: [], count: 0,
  };
  for (let s = 0; s < SYNCACHE_SLOTS; s++) {
    sc.slots.push([]);
    const input = { kind: 'timer', conn: `syncache:${cpu}`, timer: 'synack' } as const;
    const msg = new NetMsg<SynTimerArg>(k, input, 'adone', MSGF_DROPABLE | MSGF_PRIORITY,
      synTimerHandler, { sc, slot: s });
    sc.msgs.push(msg);
    sc.callouts.push(new Callout(cpu, `syncache:${cpu}:slot${s}`, () => synExpire(sc, s)));
  }
  return sc;
}

/** The callouts post their slot's message to the owner netisr (softclock context, D.10). */
const posts = new WeakMap<Syncache, (slot: number) => void>();

function synExpire(sc: Syncache, slot: number): void {
  posts.get(sc)?.(slot);
}

/** Wire the callouts of every CPU's syncache to this host's ports (once, at build). */
export function syncacheAttach(inet: Inet): void {
  for (const sc of inet.tcp.syncaches) {
    posts.set(sc, (slot) => {
      const m = sc.msgs[slot]!;
      if ((m.flags & MSGF_DONE) === 0) return;
      sendmsg(inet.k, inet.netisrs[sc.cpu]!.port, m);
    });
  }
}

/** TP-14: slot k waits 1 s · {1, 1, 2, 4, 8}[k]. */
export const slotWaitTicks = (hz: number, slot: number): number =>
  hz * SYNCACHE_BACKOFF[Math.min(slot, SYNCACHE_SLOTS - 1)]!;

/** The timer queue of a slot (a rexmtlimit above 4 keeps using the last queue). */
export const slotQueue = (slot: number): number => Math.min(slot, SYNCACHE_SLOTS - 1);

/** Queue `e` on its slot's timer queue, due one slot wait from now, and arm the slot's callout. */
export function synSchedule(inet: Inet, sc: Syncache, e: SynEntry): void {
  const t = tcpTicks(inet);
  e.due = instantOfTick(asTicks(t + slotWaitTicks(inet.cfg.hz, e.slot)), inet.cfg.hz);
  const qi = slotQueue(e.slot);
  const q = sc.slots[qi]!;
  q.push(e);
  if (q.length === 1) inet.callouts.reset(sc.callouts[qi]!, e.due);
}

/** Take `e` off its timer queue (re-arming the slot's callout for the new head). */
export function synUnschedule(inet: Inet, sc: Syncache, e: SynEntry): void {
  const qi = slotQueue(e.slot);
  const q = sc.slots[qi]!;
  const i = q.indexOf(e);
  if (i < 0) return;
  q.splice(i, 1);
  if (i !== 0) return;
  const head = q[0];
  if (head === undefined) inet.callouts.stop(sc.callouts[qi]!);
  else inet.callouts.reset(sc.callouts[qi]!, head.due);
}

export function synLookup(sc: Syncache, bucket: number, t: TcpConnTuple): SynEntry | null {
  const b = sc.buckets.get(bucket);
  if (b === undefined) return null;
  for (const e of b) {
    const u = e.tuple;
    if (u.fport === t.fport && u.faddr === t.faddr && u.lport === t.lport) return e;
  }
  return null;
}

/** `syncache_drop`: out of its bucket and its timer queue. */
export function synDrop(inet: Inet, sc: Syncache, e: SynEntry): void {
  inet.k.wr(sc.obj);
  const b = sc.buckets.get(e.bucket);
  if (b !== undefined) {
    const i = b.indexOf(e);
    if (i >= 0) b.splice(i, 1);
    if (b.length === 0) sc.buckets.delete(e.bucket);
    sc.count--;
  }
  synUnschedule(inet, sc, e);
  inet.stats.inc(sc.cpu, 'tcp.syncache_drop');
}

export const bucketOf = (inet: Inet, t: TcpConnTuple): number =>
  syncacheBucket(inet.tcp.seed, mycpu(inet), t, inet.cfg.tcp.syncacheHashSize);

/** B.2/TP-18: the smallest shift ≥ 5 with 65535·2^s ≥ recvspace (at most 14). */
export function requestScale(recvspace: number): number {
  let s = TCP_MIN_WINSHIFT;
  while (s < TCP_MAX_WINSHIFT && TCP_MAXWIN * 2 ** s < recvspace) s++;
  return s;
}

/** A new entry for a SYN (TP-14): ISS a cookie with `syncookies` (TP-15), else TP-5's. */
export function synNewEntry(inet: Inet, lso: TcpSock, t: TcpConnTuple, seq: number,
  to: TcpOpts): SynEntry {
  const cfg = inet.cfg.tcp;
  const ticks = tcpTicks(inet);
  const peerMss = (to.flags & TOF_MSS) !== 0 ? to.mss : undefined;
  const iss = cfg.syncookies
    ? syncookie(inet.tcp.seed, t, seq, peerMss, ticks, inet.cfg.hz)
    : tcpIsn(inet.tcp.seed, t, ticks, inet.cfg.hz);
  return {
    name: connKey({ addr: t.laddr, port: t.lport }, { addr: t.faddr, port: t.fport }),
    tuple: t, lq: lso.lq, lso, bucket: bucketOf(inet, t), irs: seq, iss, peerMss,
    peerWscale: cfg.rfc1323 && (to.flags & TOF_SCALE) !== 0 ? to.wscale : null,
    requestRScale: requestScale(cfg.recvspace),
    sackOk: cfg.sack && (to.flags & TOF_SACK_PERMITTED) !== 0,
    tsOk: cfg.rfc1323 && (to.flags & TOF_TS) !== 0,
    tsRecent: to.tsval, wnd: Math.min(cfg.recvspace, TCP_MAXWIN), slot: 0,
    due: 0 as Instant, rxtused: 0,
  };
}

/** `syncache_respond`: the SYN|ACK (TP-14, TP-18): unscaled window, options as offered. */
export function synRespond(inet: Inet, e: SynEntry): void {
  const cfg = inet.cfg.tcp;
  const opts: { -readonly [K in keyof TcpOptions]: TcpOptions[K] } = { mss: cfg.mtu - 40 };
  if (e.peerWscale !== null) opts.wscale = e.requestRScale;
  if (e.sackOk) opts.sackPermitted = true;
  if (e.tsOk) opts.timestamp = { val: tsClock(inet), ecr: e.tsRecent >>> 0 };
  const t = e.tuple;
  const tcp: TcpSegment = {
    srcPort: t.lport, dstPort: t.fport, seq: e.iss as SeqNum, ack: ((e.irs + 1) >>> 0) as SeqNum,
    flags: TH_SYN | TH_ACK, window: e.wnd, urgent: 0, options: opts, payload: new Uint8Array(0),
  };
  const p: Packet = { ip: ipHeader(inet, t.faddr), body: { proto: 'tcp', tcp } };
  inet.stats.inc(mycpu(inet), 'tcp.sndtotal');
  nicOutput(inet, p);
}
