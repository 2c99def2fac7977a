/**
 * Read before editing: RFC 9293 §3.10.7.2 (SM-5 … SM-8), RFC 4987 §3.5–3.6 (SYNC-3 … SYNC-7);
 * dragonfly.md B.3 (listen, per-CPU syncache, SYN cookies, syncache_expand/socket), F.15;
 * docs/TCP-PROFILE.md TP-14 … TP-16.
 *
 * A listener never holds TCBs for half-open connections: a SYN makes a syncache entry on the
 * CPU that received it, and the third ACK turns it into a connection on that CPU.
 * DEVIATION(RFC 9293 §3.10.7.2, SM-7): data on a SYN is neither kept nor ACKed (DISC-14).
 * DEVIATION(RFC 4987 §4, SYNC-7): cookies are always the SYN|ACK's ISS (syncookies on), but are
 * accepted only within 16 s of a syncache overflow (F.15).
 */
import type { Draft } from 'immer';
import type { Endpoint } from '../../core/addr';
import { connKey } from '../../core/conn';
import type { CpuId } from '../../core/ids';
import { SYNCOOKIE_MSS, syncacheBucket, syncookie, syncookieCheck, tcpIsn } from '../../core/isn';
import { TH_ACK, TH_RST, TH_SYN } from '../../core/packet';
import { seq, seqAdd, seqGeq, seqLeq } from '../../core/seq';
import { tcpFlowCpu } from '../../core/toeplitz';
import { calloutReset } from './callout';
import { SYNCACHE_BACKOFF, TCP_MAXWIN, rtoBaseTicks, syncookieWindowTicks } from './constants';
import type { Env } from './env';
import type { Conn } from './env';
import { connOf, dueIn, msToTicks } from './env';
import type { InSeg } from './input-types';
import { newTcb, rcvSeqInit } from './lifecycle';
import { tcpMss } from './options';
import { mssopt } from './output';
import { EMPTY, respondWithReset, tcpPacket } from './segment';
import type { SynEntry, TcpSocket } from './state';
import { tupleOf } from './state';
import { requestRScale } from './window';

const slotTicks = (env: Env, slot: number): number =>
  rtoBaseTicks(env.hz, env.cfg.lowRtobase) *
  SYNCACHE_BACKOFF[Math.min(slot, SYNCACHE_BACKOFF.length - 1)]!;

/** syncache_respond (B.3, TP-14, TP-18): the SYN|ACK of an entry. */
export function synackRespond(env: Env, e: SynEntry): void {
  env.out.packets.push(tcpPacket(e.local, e.remote, {
    seq: e.iss, ack: seqAdd(e.irs, 1), flags: TH_SYN | TH_ACK, window: e.wnd,
    options: {
      mss: mssopt(env),
      ...(e.peerWscale !== null ? { wscale: e.requestRScale } : {}),
      ...(e.sack ? { sackPermitted: true } : {}),
      ...(e.tsRecent !== null ? { timestamp: { val: env.tsClock, ecr: e.tsRecent >>> 0 } } : {}),
    },
    payload: EMPTY,
  }));
}

function removeEntry(env: Env, key: string): void {
  const i = env.d.syncache.findIndex((e) => e.key === key);
  if (i >= 0) env.d.syncache.splice(i, 1);
}

/** B.3 overflow: evict to make room on `cpu`, marking the listener as overflowed (TP-14). */
function makeRoom(env: Env, listener: Draft<TcpSocket>, cpu: CpuId, bucket: number): void {
  const mine = env.d.syncache.filter((e) => e.cpu === cpu);
  const inBucket = mine.filter((e) => e.bucket === bucket);
  let victim: SynEntry | undefined;
  if (inBucket.length >= env.cfg.syncacheBucketLimit) {
    victim = inBucket.reduce((a, b) => (b.serial < a.serial ? b : a));
  } else if (mine.length >= env.cfg.syncacheHashSize * env.cfg.syncacheBucketLimit) {
    const top = Math.max(...mine.map((e) => e.slot));
    const older = (a: SynEntry, b: SynEntry): SynEntry =>
      (b.due < a.due || (b.due === a.due && b.serial < a.serial) ? b : a);
    victim = mine.filter((e) => e.slot === top).reduce(older);
  }
  if (victim === undefined) return;
  removeEntry(env, victim.key);
  listener.listen!.overflowTick = env.ticks;
}

/** syncache_add (B.3, SM-7): a new entry and its SYN|ACK, or a resent SYN|ACK for a duplicate. */
function syncacheAdd(
  env: Env, listener: Draft<TcpSocket>, local: Endpoint, remote: Endpoint, s: InSeg,
): void {
  const key = connKey(local, remote);
  const cpu = tcpFlowCpu(remote.addr, remote.port, local.addr, local.port, env.d.config.ncpus);
  const dup = env.d.syncache.find((e) => e.key === key);
  if (dup !== undefined) {
    if (dup.tsRecent !== null && s.opts.ts !== undefined) dup.tsRecent = s.opts.ts.val;
    dup.listener = listener.sid;
    synackRespond(env, dup);
    return;
  }
  const tuple = tupleOf({ local, remote });
  const bucket = syncacheBucket(env.d.seed, cpu, tuple, env.cfg.syncacheHashSize);
  makeRoom(env, listener, cpu, bucket);
  const wscale = env.cfg.rfc1323 && s.opts.wscale !== undefined;
  const e: SynEntry = {
    key, cpu, serial: env.d.nextSerial, local, remote, listener: listener.sid, bucket,
    irs: s.seq,
    iss: seq(env.cfg.syncookies
      ? syncookie(env.d.seed, tuple, s.seq, s.opts.mss, env.ticks, env.hz)
      : tcpIsn(env.d.seed, tuple, env.ticks, env.hz)),
    peerMss: s.opts.mss, peerWscale: wscale ? s.opts.wscale! : null,
    requestRScale: requestRScale(env.cfg.recvspace),
    sack: env.cfg.sack && s.opts.sackPermitted,
    tsRecent: env.cfg.rfc1323 && s.opts.ts !== undefined ? s.opts.ts.val : null,
    wnd: Math.min(env.cfg.recvspace, TCP_MAXWIN), slot: 0, due: dueIn(env, slotTicks(env, 0)),
    rxtused: 0,
  };
  env.d.nextSerial += 1;
  env.d.syncache.push(e);
  synackRespond(env, e);
}

/** The `synack` timer of an entry (B.3): resend with backoff, or give up after rexmtlimit. */
export function synackTimer(env: Env, key: string): void {
  const e = env.d.syncache.find((x) => x.key === key);
  if (e === undefined || e.due > env.now) return;
  if (e.slot >= env.cfg.syncacheRexmtLimit) {
    removeEntry(env, key);
    return;
  }
  synackRespond(env, e);
  e.rxtused += slotTicks(env, e.slot);
  e.slot += 1;
  e.due = dueIn(env, slotTicks(env, e.slot));
}

/** A cookie-validated stand-in for a missing entry (TP-15): only the MSS class survives. */
function cookieEntry(
  env: Env, listener: Draft<TcpSocket>, local: Endpoint, remote: Endpoint, s: InSeg,
): SynEntry | null {
  if (!env.cfg.syncookies) return null;
  const over = listener.listen!.overflowTick;
  if (over === null || env.ticks - over >= syncookieWindowTicks(env.hz)) return null;
  const tuple = tupleOf({ local, remote });
  const irs = seqAdd(s.seq, -1);
  const cls = syncookieCheck(env.d.seed, tuple, irs, seqAdd(s.ack, -1), env.ticks, env.hz);
  if (cls === null) return null;
  const cpu = tcpFlowCpu(remote.addr, remote.port, local.addr, local.port, env.d.config.ncpus);
  return {
    key: connKey(local, remote), cpu, serial: 0, local, remote, listener: listener.sid, bucket: 0,
    irs, iss: seqAdd(s.ack, -1), peerMss: SYNCOOKIE_MSS[cls] === 0 ? undefined : SYNCOOKIE_MSS[cls],
    peerWscale: null, requestRScale: 0, sack: false, tsRecent: null,
    wnd: Math.min(env.cfg.recvspace, TCP_MAXWIN), slot: 0, due: env.now, rxtused: 0,
  };
}

/** syncache_socket (B.3): the connection, in SYN-RECEIVED on this CPU, queued on the listener. */
function syncacheSocket(env: Env, listener: Draft<TcpSocket>, e: SynEntry): Draft<TcpSocket> {
  const tp = newTcb(env, e.local, e.remote, 'SYN-RECEIVED', e.iss);
  const so: TcpSocket = {
    sid: env.d.nextSid, fd: null, owner: e.cpu, lport: e.local.port, listen: null,
    listener: listener.sid, tcb: tp, hadConnection: true, connected: false, cantSendMore: false,
    cantRcvMore: false, error: null, snd: EMPTY, rcv: EMPTY,
  };
  env.d.nextSid += 1;
  env.d.sockets.push(so as Draft<TcpSocket>);
  listener.listen!.queue.push(so.sid);
  const d = env.d.sockets[env.d.sockets.length - 1]!;
  const t = d.tcb!;
  rcvSeqInit(t, e.irs);
  t.sndWl1 = e.irs;
  t.rcvWnd = e.wnd;
  t.rcvAdv = seqAdd(t.rcvAdv, t.rcvWnd);
  t.flags.reqScale = e.peerWscale !== null;
  t.flags.rcvdScale = e.peerWscale !== null;
  if (e.peerWscale !== null) {
    t.sndScale = e.peerWscale;
    t.requestRScale = e.requestRScale;
  }
  t.flags.reqTstmp = e.tsRecent !== null;
  t.flags.rcvdTstmp = e.tsRecent !== null;
  if (e.tsRecent !== null) {
    t.tsRecent = e.tsRecent;
    t.tsRecentAge = env.ticks;
  }
  t.flags.sackPermitted = e.sack;
  t.rxtsyn = e.rxtused;
  tcpMss(env, t, e.peerMss);
  calloutReset(env, t, 'keep', msToTicks(env, env.cfg.keepinitMs));
  // What tcp_output would have done when the SYN|ACK went out.
  t.sndMax = seqAdd(e.iss, 1);
  t.sndNxt = t.sndMax;
  t.lastAckSent = t.rcvNxt;
  return d;
}

/** The third ACK (TP-16): a connection, 'refused' (backlog), or null (no entry / bad ACK). */
function syncacheExpand(
  env: Env, listener: Draft<TcpSocket>, local: Endpoint, remote: Endpoint, s: InSeg,
): Draft<TcpSocket> | 'refused' | null {
  const key = connKey(local, remote);
  let e: SynEntry | null = env.d.syncache.find((x) => x.key === key) ?? null;
  if (e === null) e = cookieEntry(env, listener, local, remote, s);
  else removeEntry(env, key);
  if (e === null || s.ack !== seqAdd(e.iss, 1)) return null;
  const l = listener.listen!;
  if (l.queue.length * 2 > l.qlimit * 3) return 'refused';
  return syncacheSocket(env, listener, e);
}

/** A segment for a listener (SM-5 … SM-8, B.3, TP-14 … TP-16). */
export function listenInput(
  env: Env, listener: Draft<TcpSocket>, local: Endpoint, remote: Endpoint, s: InSeg,
  continueInput: (c: Conn, s: InSeg) => void,
): void {
  const ctl = s.flags & (TH_RST | TH_ACK | TH_SYN);
  const cause = { seq: s.seq, ack: s.ack, flags: s.flags, dataLen: s.data.length };
  const reset = (): void => respondWithReset(env, local, remote, cause);
  if (ctl === TH_ACK) {
    const so = syncacheExpand(env, listener, local, remote, s);
    if (so === null) reset();
    if (so === null || so === 'refused') return;
    continueInput(connOf(so), s);
    return;
  }
  if (ctl !== TH_SYN) {
    const e = env.d.syncache.find((x) => x.key === connKey(local, remote));
    if ((s.flags & TH_RST) !== 0) {
      if (e !== undefined && seqGeq(s.seq, e.irs) && seqLeq(s.seq, seqAdd(e.irs, e.wnd))) {
        removeEntry(env, e.key);
      }
      return;
    }
    if ((s.flags & TH_ACK) !== 0) {
      if (e !== undefined) removeEntry(env, e.key);
      reset();
    }
    return;
  }
  // RFC 1122 4.2.3.10 / B.3: a SYN from this very socket is forged; broadcast/multicast never
  // arrive (UP-1).
  if (local.port === remote.port && local.addr === remote.addr) return;
  if (listener.listen!.queue.length > listener.listen!.qlimit) return;
  syncacheAdd(env, listener, local, remote, s);
}
