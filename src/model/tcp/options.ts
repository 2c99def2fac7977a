/**
 * Read before editing: RFC 9293 §3.7.1 (MSS-1 … MSS-6), RFC 7323 §2.2/§3.2 (WS-1, WS-2, TS-2 …
 * TS-4), RFC 2018 (SACK-1, SACK-2), RFC 2883; dragonfly.md A.5 (parsing), A.15 (tcp_mss);
 * docs/TCP-PROFILE.md TP-18.
 *
 * tcp_dooptions over the codec's decoded options, and tcp_mss.
 */
import type { Draft } from 'immer';
import type { SackBlock, TcpOptions } from '../../core/packet';
import type { SeqNum } from '../../core/seq';
import { seqLeq } from '../../core/seq';
import {
  MCLBYTES, TCP_MAX_WINSHIFT, TCP_MINMSS, TCPIP_HDR, TCPOLEN_TSTAMP_APPA,
} from './constants';
import { initialWindow } from './congestion/cc';
import type { Env } from './env';
import { ndsackBlocks } from './sack';
import type { Tcb } from './state';

/** What tcp_dooptions extracts (struct tcpopt). */
export interface SegOpts {
  readonly mss: number | undefined;
  readonly wscale: number | undefined;
  readonly sackPermitted: boolean;
  readonly ts: { readonly val: number; readonly ecr: number } | undefined;
  /** The SACK option's blocks (TOF_SACK), null if absent or invalid. */
  readonly sack: readonly SackBlock[] | null;
  readonly dsack: boolean;
}

/**
 * tcp_dooptions: MSS, window scale and SACK-permitted count only on a SYN (MSS-2, WS-1, SACK-1);
 * a shift above 14 is taken as 14 (WS-2); an echo from the future is zeroed; a SACK option with
 * any empty or reversed block is ignored whole.
 */
export function parseOptions(env: Env, o: TcpOptions, isSyn: boolean, ack: SeqNum): SegOpts {
  let ts = o.timestamp;
  if (ts !== undefined && ts.ecr !== 0 && ((ts.ecr - env.tsClock) | 0) > 0) {
    ts = { val: ts.val, ecr: 0 };
  }
  let sack: readonly SackBlock[] | null = o.sack ?? null;
  if (sack !== null && sack.some((b) => seqLeq(b.end, b.start))) sack = null;
  return {
    mss: isSyn ? o.mss : undefined,
    wscale: isSyn && o.wscale !== undefined ? Math.min(o.wscale, TCP_MAX_WINSHIFT) : undefined,
    sackPermitted: isSyn && o.sackPermitted === true,
    ts,
    sack,
    dsack: sack !== null && ndsackBlocks(sack, ack) > 0,
  };
}

/**
 * tcp_mss (A.15, MSS-4/MSS-5, TP-18): t_maxopd = min(max(offer, 256), mtu − 40), no offer →
 * mssdflt; t_maxseg drops the timestamp option and rounds down to whole mbuf clusters above
 * 2048; cwnd starts at IW (t_rxtsyn must already be set).
 * DEVIATION(dragonfly.md A.15): socket buffers are not rounded up to a multiple of the MSS.
 */
export function tcpMss(env: Env, tp: Draft<Tcb>, offer: number | undefined): void {
  let off = offer === undefined || offer === 0 ? env.cfg.mssdflt : offer;
  off = Math.max(off, TCP_MINMSS, 64);
  let mss = Math.min(env.cfg.mtu - TCPIP_HDR, off);
  tp.maxopd = mss;
  if (tp.flags.reqTstmp && tp.flags.rcvdTstmp) mss -= TCPOLEN_TSTAMP_APPA;
  if (mss > MCLBYTES) mss = Math.floor(mss / MCLBYTES) * MCLBYTES;
  if (env.cfg.sendspace < mss) mss = env.cfg.sendspace;
  tp.maxseg = mss;
  tp.sndCwnd = initialWindow(env, tp);
}
