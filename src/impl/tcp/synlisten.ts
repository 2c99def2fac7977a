import { syncookieCheck, SYNCOOKIE_MSS } from '../../core/isn';
import type { Packet } from '../../core/packet';
import { TH_ACK, TH_RST, TH_SYN } from '../../core/packet';
import { isMulticast } from '../corelib';
import type { Co } from '../kern/thread';
import { getTokens, relTokens } from '../kern/token';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import type { TcpSock } from '../socket/tcpsock';
import type { TcpCb, TcpConnTuple } from './tcpcb';
import { SYNCOOKIE_LIFETIME_S, TOF_SACK_PERMITTED, haveEstablished, seqGeq, seqLeq } from './const';
import { tcpTicks, tsClock } from './globals';
import { parseOptions } from './inctx';
import { tcpInputConn } from './input';
import { lqEnqueue, newConnSock } from './listenq';
import { tcpRespondRst } from './outseg';
import type { SynEntry } from './syncache';
import {
  bucketOf, synDrop, synLookup, synNewEntry, synRespond, synSchedule, synUnschedule,
} from './syncache';
import { tcpSyncacheSocket } from './synsocket';

/**
 * Read before editing: dragonfly.md B.3 (LISTEN input: syncache_add, syncache_expand,
 * chkrst, badack), B.4 (LISTEN rules); TP-14 … TP-16.
 *
 * A segment for a listener, on its flow CPU, under the listen token (the listener may have
 * closed since the wildcard lookup: then there is no socket, TP-17). The third ACK that
 * completes a handshake creates the connection here, processes the ACK on it and queues it for
 * accept — all under the token, so the queue never holds a connection the linearization order
 * does not.
 */
export function* tcpListenInput(inet: Inet, lso: TcpSock, p: Packet): Co {
  const k = inet.k;
  const lq = lso.lq;
  if (p.body.proto !== 'tcp') return;
  const th = p.body.tcp;
  const f = th.flags & (TH_RST | TH_ACK | TH_SYN);
  const toks = f === TH_ACK ? [lq.sb.token, inet.tcp.ports.token, inet.fds.token] : [lq.sb.token];
  yield* getTokens(k, toks, 'tcp.syncache');
  k.rd(lq.sb.obj);
  if (!lq.listening) {
    relTokens(k, toks);
    tcpRespondRst(inet, p);
    return;
  }
  const t: TcpConnTuple = {
    laddr: p.ip.dst, lport: th.dstPort, faddr: p.ip.src, fport: th.srcPort,
  };
  dropStale(inet, lq, t);
  let created: TcpCb | null = null;
  if (f === TH_ACK) {
    const r = expand(inet, lso, p, t);
    if (r === 'rst') tcpRespondRst(inet, p);
    else if (r !== 'drop') created = r;
  } else if ((th.flags & TH_RST) !== 0) {
    chkrst(inet, t, th.seq);
  } else if ((th.flags & TH_ACK) !== 0) {
    badack(inet, t);
    tcpRespondRst(inet, p);
  } else if ((th.flags & TH_SYN) !== 0) {
    synArrives(inet, lso, p, t);
  }
  if (created !== null) {
    tcpInputConn(inet, created, p);
    if (haveEstablished(created.state) && created.so.tp === created) {
      lqEnqueue(inet, lq, created.so);
    }
  }
  relTokens(k, toks);
}

/**
 * An entry of this tuple made for an earlier listener on the port died when that listener closed
 * (TP-13); only one listener holds a port at a time, so any other listener's entry is stale.
 */
function dropStale(inet: Inet, lq: TcpSock['lq'], t: TcpConnTuple): void {
  const sc = inet.tcp.syncaches[mycpu(inet)]!;
  inet.k.rd(sc.obj);
  const e = synLookup(sc, bucketOf(inet, t), t);
  if (e !== null && e.lq !== lq) synDrop(inet, sc, e);
}

/** TP-14: a SYN — from itself or beyond the queue limit dropped, else into the syncache. */
function synArrives(inet: Inet, lso: TcpSock, p: Packet, t: TcpConnTuple): void {
  const lq = lso.lq;
  if (p.body.proto !== 'tcp') return;
  const th = p.body.tcp;
  if (t.lport === t.fport && t.laddr === t.faddr) return;
  if (isMulticast(t.faddr) || isMulticast(t.laddr)) return;
  if (lq.comp.length > lq.qlimit) {
    inet.stats.inc(mycpu(inet), 'tcp.listen_drop');
    return;
  }
  const sc = inet.tcp.syncaches[mycpu(inet)]!;
  inet.k.wr(sc.obj);
  const to = parseOptions(th, tsClock(inet));
  const old = synLookup(sc, bucketOf(inet, t), t);
  if (old !== null) {
    // A duplicate SYN refreshes the entry and resends the SYN|ACK; the slot is kept (TP-14).
    if (old.tsOk) old.tsRecent = to.tsval;
    old.sackOk = inet.cfg.tcp.sack && (to.flags & TOF_SACK_PERMITTED) !== 0;
    synRespond(inet, old);
    synUnschedule(inet, sc, old);
    synSchedule(inet, sc, old);
    return;
  }
  const e = synNewEntry(inet, lso, t, th.seq, to);
  makeRoom(inet, e);
  const b = sc.buckets.get(e.bucket);
  if (b === undefined) sc.buckets.set(e.bucket, [e]);
  else b.push(e);
  sc.count++;
  inet.stats.inc(mycpu(inet), 'tcp.syncache_add');
  synRespond(inet, e);
  synSchedule(inet, sc, e);
}

/** TP-14: a full bucket evicts its oldest entry, a full cache the oldest of the highest slot. */
function makeRoom(inet: Inet, e: SynEntry): void {
  const cfg = inet.cfg.tcp;
  const sc = inet.tcp.syncaches[mycpu(inet)]!;
  const b = sc.buckets.get(e.bucket);
  let victim: SynEntry | null = null;
  if (b !== undefined && b.length >= cfg.syncacheBucketLimit) victim = b[0]!;
  else if (sc.count >= cfg.syncacheHashSize * cfg.syncacheBucketLimit) {
    for (let s = sc.slots.length - 1; s >= 0 && victim === null; s--) {
      victim = sc.slots[s]![0] ?? null;
    }
  }
  if (victim === null) return;
  // The overflow mark lives in the victim's listener; mpcheck hosts see its token held here
  // when it is this listener, and the mark is only a hint otherwise (D.12: racy in DragonFly too).
  if (victim.lq === e.lq) {
    inet.k.wr(e.lq.sb.obj);
    e.lq.overflowAt = tcpTicks(inet);
  }
  synDrop(inet, sc, victim);
}

/** `syncache_expand` (TP-15, TP-16): the connection, 'rst', or 'drop' (queue too long). */
function expand(inet: Inet, lso: TcpSock, p: Packet, t: TcpConnTuple): TcpCb | 'rst' | 'drop' {
  const lq = lso.lq;
  if (p.body.proto !== 'tcp') return 'drop';
  const th = p.body.tcp;
  const sc = inet.tcp.syncaches[mycpu(inet)]!;
  inet.k.wr(sc.obj);
  const e = synLookup(sc, bucketOf(inet, t), t);
  let plan: SynEntry | null = e;
  if (e === null) plan = cookie(inet, lso, p, t);
  if (plan === null) return 'rst';
  if (th.ack !== ((plan.iss + 1) >>> 0)) return 'rst';
  if (lq.comp.length * 2 > lq.qlimit * 3) {
    if (e !== null) synDrop(inet, sc, e);
    inet.stats.inc(mycpu(inet), 'tcp.listen_drop');
    return 'drop';
  }
  if (e !== null) synDrop(inet, sc, e);
  const so = newConnSock(inet, lq);
  inet.stats.inc(mycpu(inet), 'tcp.syncache_expand');
  return tcpSyncacheSocket(inet, so, plan);
}

/** TP-15: a SYN cookie, accepted only after a recent overflow of this listener. */
function cookie(inet: Inet, lso: TcpSock, p: Packet, t: TcpConnTuple): SynEntry | null {
  const cfg = inet.cfg.tcp;
  const lq = lso.lq;
  if (p.body.proto !== 'tcp' || !cfg.syncookies || lq.overflowAt === null) return null;
  const ticks = tcpTicks(inet);
  if (ticks - lq.overflowAt >= SYNCOOKIE_LIFETIME_S * inet.cfg.hz) return null;
  const th = p.body.tcp;
  const irs = (th.seq - 1) >>> 0;
  const iss = (th.ack - 1) >>> 0;
  const cls = syncookieCheck(inet.tcp.seed, t, irs, iss, ticks, inet.cfg.hz);
  if (cls === null) return null;
  inet.stats.inc(mycpu(inet), 'tcp.syncookie_ok');
  const mss = SYNCOOKIE_MSS[cls]!;
  const none = { flags: 0, tsval: 0, tsecr: 0, mss: 0, wscale: 0, sack: [] };
  const e = synNewEntry(inet, lso, t, irs, none);
  return { ...e, iss, peerMss: mss === 0 ? undefined : mss };
}

/** `syncache_chkrst` (TP-16): a RST with irs ≤ seq ≤ irs + window removes the entry. */
function chkrst(inet: Inet, t: TcpConnTuple, seq: number): void {
  const sc = inet.tcp.syncaches[mycpu(inet)]!;
  inet.k.wr(sc.obj);
  const e = synLookup(sc, bucketOf(inet, t), t);
  if (e !== null && seqGeq(seq, e.irs) && seqLeq(seq, (e.irs + e.wnd) >>> 0)) synDrop(inet, sc, e);
}

/** `syncache_badack` (TP-16): an ACK with SYN or RST on a listener removes the entry. */
function badack(inet: Inet, t: TcpConnTuple): void {
  const sc = inet.tcp.syncaches[mycpu(inet)]!;
  inet.k.wr(sc.obj);
  const e = synLookup(sc, bucketOf(inet, t), t);
  if (e !== null) synDrop(inet, sc, e);
}
