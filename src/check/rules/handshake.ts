import type { TcpOptions } from '../../core/packet';
import { TH_ACK, TH_RST, TH_SYN } from '../../core/packet';
import type { SeqNum } from '../../core/seq';
import { seq, seqAdd } from '../../core/seq';
import { ticksAt } from '../../core/time';
import type { ConnTrace, Side } from './types';
import { configOf, hzOf } from './types';

/**
 * What the two SYNs fixed for a connection, read from the wire: ISSs, negotiated options, window
 * shifts and each side's sending MSS (TP-18), and how long each side spent retransmitting its SYN
 * (`t_rxtsyn`, which drives DragonFly's IW rule F.3). Oracles that need these skip a connection
 * whose handshake is not in the trace, or whose later segments contradict it (a SYN-cookie
 * connection drops timestamps, SACK and window scale, TP-15): guessing there could accuse a
 * correct stack.
 */
export interface Handshake {
  readonly iss: Readonly<Record<Side, SeqNum>>;
  /** Index of each side's first SYN. */
  readonly synAt: Readonly<Record<Side, number>>;
  readonly ts: boolean;
  readonly sack: boolean;
  /** The shift applied to window fields of non-SYN segments each side sends (WS-4). */
  readonly shift: Readonly<Record<Side, number>>;
  /** `t_maxopd`: MSS from the options, before the timestamp allowance (TP-18). */
  readonly maxopd: Readonly<Record<Side, number>>;
  /** `t_maxseg`: each side's sending MSS (TP-18, A.15). */
  readonly mss: Readonly<Record<Side, number>>;
  /** Ticks from a side's first SYN to its last timer-driven SYN retransmission (t_rxtsyn). */
  readonly synSpanTicks: Readonly<Record<Side, number>>;
  /**
   * The side answered with a SYN|ACK, so the ACK of its SYN is processed in SYN-RECEIVED and
   * counts one acked byte towards cwnd (B.3: the ACK falls into process_ACK with acked = 1).
   */
  readonly passive: Readonly<Record<Side, boolean>>;
}

const MIN_MSS = 256; // tcp_minmss (TP-1)
const MCLBYTES = 2048;
const TS_ALLOWANCE = 12; // A.13: MSS is reduced by 12 bytes with timestamps
const WS_MAX = 14; // WS-2

const cache = new WeakMap<ConnTrace, Handshake | null>();

/** The handshake facts of `conn`, or null if either SYN is missing or the trace contradicts it. */
export function handshakeOf(conn: ConnTrace): Handshake | null {
  if (!cache.has(conn)) cache.set(conn, compute(conn));
  return cache.get(conn)!;
}

function firstSyn(conn: ConnTrace, side: Side): number {
  return conn.events.findIndex((e) => e.dir === 'out' && e.side === side && (e.seg.flags & TH_SYN) !== 0 &&
    (e.seg.flags & TH_RST) === 0);
}

function sendingMss(conn: ConnTrace, side: Side, peerSyn: TcpOptions, ts: boolean): [number, number] {
  const cfg = configOf(conn, side);
  const offer = peerSyn.mss;
  const maxopd = offer === undefined ? cfg.mssdflt : Math.min(Math.max(offer, MIN_MSS), cfg.mtu - 40);
  let maxseg = maxopd - (ts ? TS_ALLOWANCE : 0);
  if (maxseg > MCLBYTES) maxseg -= maxseg % MCLBYTES;
  return [maxopd, maxseg];
}

function synSpan(conn: ConnTrace, side: Side, first: number): number {
  const hz = hzOf(conn);
  const t0 = ticksAt(conn.events[first]!.t, hz);
  let span = 0;
  conn.events.forEach((e, i) => {
    if (i <= first || e.dir !== 'out' || e.side !== side || (e.seg.flags & TH_SYN) === 0) return;
    if (e.cause?.kind !== 'timer') return;
    span = Math.max(span, ticksAt(e.t, hz) - t0);
  });
  return span;
}

/** TP-15/TS-3: once negotiated, every non-RST segment carries TS; SACK blocks only if negotiated. */
function consistent(conn: ConnTrace, ts: boolean, sack: boolean): boolean {
  return conn.events.every((e) => {
    if (e.dir !== 'out' || (e.seg.flags & (TH_SYN | TH_RST)) !== 0) return true;
    if ((e.seg.options.timestamp !== undefined) !== ts) return false;
    return sack || e.seg.options.sack === undefined;
  });
}

function compute(conn: ConnTrace): Handshake | null {
  const synA = firstSyn(conn, 'a');
  const synB = firstSyn(conn, 'b');
  if (synA < 0 || synB < 0) return null;
  const segA = conn.events[synA]!.seg;
  const segB = conn.events[synB]!.seg;
  // The active side's SYN carries no ACK; b answers with SYN|ACK (or a SYN of its own).
  if ((segA.flags & TH_ACK) !== 0) return null;
  const oa = segA.options;
  const ob = segB.options;
  const ts = oa.timestamp !== undefined && ob.timestamp !== undefined;
  const sack = oa.sackPermitted === true && ob.sackPermitted === true;
  const ws = oa.wscale !== undefined && ob.wscale !== undefined;
  if (!consistent(conn, ts, sack)) return null;
  const [opdA, segszA] = sendingMss(conn, 'a', ob, ts);
  const [opdB, segszB] = sendingMss(conn, 'b', oa, ts);
  return {
    iss: { a: seq(segA.seq), b: seq(segB.seq) },
    synAt: { a: synA, b: synB },
    ts,
    sack,
    shift: {
      a: ws ? Math.min(oa.wscale!, WS_MAX) : 0,
      b: ws ? Math.min(ob.wscale!, WS_MAX) : 0,
    },
    maxopd: { a: opdA, b: opdB },
    mss: { a: segszA, b: segszB },
    synSpanTicks: { a: synSpan(conn, 'a', synA), b: synSpan(conn, 'b', synB) },
    passive: { a: false, b: (segB.flags & TH_ACK) !== 0 },
  };
}

/** The first data sequence number of `side` (ISS + 1, SEQ-3). */
export const firstDataSeq = (hs: Handshake, side: Side): SeqNum => seqAdd(hs.iss[side], 1);
