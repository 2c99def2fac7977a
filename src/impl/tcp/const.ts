import { assert } from '../../core/assert';

/**
 * Read before editing: dragonfly.md A.1 (tcpcb flags), A.9 (RTO constants, backoff tables),
 * A.12 (persist), B.1 (states), B.6 (timers), G (defaults); docs/TCP-PROFILE.md TP-1, TP-3.
 *
 * The numbers of DragonFly's TCP as `tcp_var.h`, `tcp_fsm.h` and `tcp_timer.h` define them.
 * Times are in ticks of the host's `hz` unless a name says otherwise.
 */

/** B.1 `tcp_fsm.h`: TCPS_*; ordered, so `state >= ESTABLISHED` reads as in BSD. */
export const TCPS_CLOSED = 1;
export const TCPS_LISTEN = 2;
export const TCPS_SYN_SENT = 3;
export const TCPS_SYN_RECEIVED = 4;
export const TCPS_ESTABLISHED = 5;
export const TCPS_CLOSE_WAIT = 6;
export const TCPS_FIN_WAIT_1 = 7;
export const TCPS_CLOSING = 8;
export const TCPS_LAST_ACK = 9;
export const TCPS_FIN_WAIT_2 = 10;
export const TCPS_TIME_WAIT = 11;

export const STATE_NAMES: readonly string[] = [
  'TERMINATING', 'CLOSED', 'LISTEN', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT',
  'FIN-WAIT-1', 'CLOSING', 'LAST-ACK', 'FIN-WAIT-2', 'TIME-WAIT',
];

/** B.1: TCPS_HAVERCVDSYN, TCPS_HAVEESTABLISHED, TCPS_HAVERCVDFIN (4.4BSD's: TIME_WAIT only). */
export const haveRcvdSyn = (s: number): boolean => s >= TCPS_SYN_RECEIVED;
export const haveEstablished = (s: number): boolean => s >= TCPS_ESTABLISHED;
export const haveRcvdFin = (s: number): boolean => s >= TCPS_TIME_WAIT;

/** A.1 `t_flags` (the subset this implementation uses; values as tcp_var.h). */
export const TF_ACKNOW = 0x1;
export const TF_DELACK = 0x2;
export const TF_NODELAY = 0x4;
export const TF_SENTFIN = 0x10;
export const TF_REQ_SCALE = 0x20;
export const TF_RCVD_SCALE = 0x40;
export const TF_REQ_TSTMP = 0x80;
export const TF_RCVD_TSTMP = 0x100;
export const TF_SACK_PERMITTED = 0x200;
export const TF_NEEDSYN = 0x400;
export const TF_NEEDFIN = 0x800;
export const TF_MORETOCOME = 0x10000;
export const TF_SAWFIN = 0x20000;
export const TF_LASTIDLE = 0x40000;
export const TF_RXWIN0SENT = 0x80000;
export const TF_FASTRECOVERY = 0x100000;
export const TF_QUEDFIN = 0x200000;
export const TF_XMITNOW = 0x400000;
export const TF_FORCE = 0x2000000;
export const TF_ONOUTPUTQ = 0x4000000;
export const TF_FAIRSEND = 0x8000000;
export const TF_RXRESIZED = 0x80000000;

/** A.1 `sack_flags`. */
export const TSACK_F_SACKRESCUED = 0x1;
export const TSACK_F_DUPSEG = 0x2;
export const TSACK_F_ENCLOSESEG = 0x4;
export const TSACK_F_SACKLEFT = 0x8;

/** A.1 `rxt_flags` (Eifel, A.10). */
export const TRXT_F_REBASERTO = 0x1;
export const TRXT_F_WASFRECOVERY = 0x2;
export const TRXT_F_FIRSTACCACK = 0x4;
export const TRXT_F_FASTREXMT = 0x8;
export const TRXT_F_EARLYREXMT = 0x10;

/** Option flags of a parsed segment (`struct tcpopt` to_flags). */
export const TOF_TS = 0x1;
export const TOF_MSS = 0x2;
export const TOF_SCALE = 0x4;
export const TOF_SACK_PERMITTED = 0x8;
export const TOF_SACK = 0x10;
export const TOF_DSACK = 0x20;
export const TOF_SACK_REDUNDANT = 0x40;

/** RFC 7323 §2.2: the largest unscaled window; TCP_MAX_WINSHIFT 14, TCP_MIN_WINSHIFT 5 (B.2). */
export const TCP_MAXWIN = 65535;
export const TCP_MAX_WINSHIFT = 14;
export const TCP_MIN_WINSHIFT = 5;
/** HDR-1: at most 40 bytes of options (TCP_MAXOLEN). */
export const TCP_MAXOLEN = 40;
/** TCPOLEN_TSTAMP_APPA: NOP NOP TS = 12 bytes, taken off t_maxseg (A.15). */
export const TCPOLEN_TSTAMP_APPA = 12;
/** A.15: `tcp_minmss`; MCLBYTES rounding of t_maxseg. */
export const TCP_MINMSS = 256;
export const MCLBYTES = 2048;
/** A.5: MAXSAVEDBLOCKS, TCP_SACK_MAXBURST; MAX_SACK_REPORT_BLOCKS. */
export const MAXSAVEDBLOCKS = 8;
export const TCP_SACK_MAXBURST = 4;
export const MAX_SACK_REPORT_BLOCKS = 4;
/** TP-1: t_rxtthresh is fixed at tcprexmtthresh (NCR off); force_sackrxt 1. */
export const TCPREXMTTHRESH = 3;
export const TCP_FORCE_SACKRXT = 1;

/** A.9: TCP_RTT_SHIFT (srtt ×32), TCP_RTTVAR_SHIFT (rttvar ×16), TCP_DELTA_SHIFT. */
export const TCP_RTT_SHIFT = 5;
export const TCP_RTTVAR_SHIFT = 4;
export const TCP_DELTA_SHIFT = 2;
/** A.9: TCP_MAXRXTSHIFT and the backoff tables (13 entries, index = t_rxtshift). */
export const TCP_MAXRXTSHIFT = 12;
export const TCP_BACKOFF: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 64, 64, 64, 64, 64, 64];
export const TCP_SYN_BACKOFF_LOW: readonly number[] = [1, 1, 2, 4, 8, 8, 16, 16, 32, 64, 64, 64,
    64];
export const TCP_SYN_BACKOFF: readonly number[] = [1, 1, 1, 1, 1, 2, 4, 8, 16, 32, 64, 64, 64];
/** A.9: Σ tcp_backoff = 511 (tcp_totbackoff), used by the persist drop rule (A.12, TP-26). */
export const TCP_TOTBACKOFF = 511;
/** TP-14: the syncache's SYN|ACK retransmission slots wait 1 s × {1, 1, 2, 4, 8}. */
export const SYNCACHE_BACKOFF: readonly number[] = [1, 1, 2, 4, 8];
/** TP-15: a listener's overflow makes cookies acceptable for 16 s. */
export const SYNCOOKIE_LIFETIME_S = 16;
/** B.3: cachelimit per CPU is hashsize × bucketlimit; timer queues per retransmission slot. */
export const SYNCACHE_SLOTS = 5;

/** Read-only derived timer values for one host (`hz`-dependent, as tcp_timer.h's TCPTV_*). */
export interface TcpTimes {
  readonly hz: number;
  /** TCPTV_RTOBASE: 1 s with low_rtobase, else 3 s (A.9). */
  readonly rtobase: number;
  readonly rtobase3: number;
  readonly rexmtmax: number;
  readonly persmin: number;
  readonly persmax: number;
  readonly keepinit: number;
  readonly keepintvl: number;
  readonly maxidle: number;
  readonly msl: number;
  readonly delack: number;
  /** 2 h: tcp_maxpersistidle (A.12). */
  readonly maxpersistidle: number;
  /** RFC 1323 PAWS: 24 days of ticks (TCP_PAWS_IDLE). */
  readonly pawsIdle: number;
}

/** TP-3: a duration in ms is ⌊ms·hz/1000⌋ ticks, at least 1. */
export const msToTicks = (msv: number, hz: number): number => Math.max(1,
    Math.floor((msv * hz) / 1000));

export function tcpTimes(
  hz: number, cfg: { lowRtobase: boolean; keepinitMs: number; mslMs: number; delackTimeMs: number },
): TcpTimes {
  assert(Number.isInteger(hz) && hz >= 1, `tcpTimes: hz ${hz}`);
  const keepintvl = 75 * hz;
  return {
    hz,
    rtobase: (cfg.lowRtobase ? 1 : 3) * hz,
    rtobase3: 3 * hz,
    rexmtmax: 64 * hz,
    persmin: 5 * hz,
    persmax: 60 * hz,
    keepinit: msToTicks(cfg.keepinitMs, hz),
    keepintvl,
    // A.1: t_maxidle = t_keepintvl · t_keepcnt = 75 s × 8 = 600 s.
    maxidle: keepintvl * 8,
    msl: msToTicks(cfg.mslMs, hz),
    delack: msToTicks(cfg.delackTimeMs, hz),
    maxpersistidle: 2 * 60 * 60 * hz,
    pawsIdle: 24 * 24 * 60 * 60 * hz,
  };
}

/** A.9 TCPT_RANGESET: always add the slop, then clamp to [min, max]. */
export function rangeset(value: number, min: number, max: number, slop: number): number {
  const v = value + slop;
  if (v < min) return min;
  if (v > max) return max;
  return v;
}

/** Signed 32-bit difference a − b (SEQ_LT & co. are `diff(a, b) < 0`, tcp_seq.h). */
export const sdiff = (a: number, b: number): number => (a - b) | 0;
export const seqLt = (a: number, b: number): boolean => ((a - b) | 0) < 0;
export const seqLeq = (a: number, b: number): boolean => ((a - b) | 0) <= 0;
export const seqGt = (a: number, b: number): boolean => ((a - b) | 0) > 0;
export const seqGeq = (a: number, b: number): boolean => ((a - b) | 0) >= 0;
export const seqMin = (a: number, b: number): number => (seqLt(a, b) ? a : b);
export const seqMax = (a: number, b: number): number => (seqGt(a, b) ? a : b);
/** Sequence addition modulo 2^32. */
export const sadd = (a: number, n: number): number => (a + n) >>> 0;

export function checkConstants(): void {
  assert(TCP_BACKOFF.length === TCP_MAXRXTSHIFT + 1, 'tcp_backoff has 13 entries');
  assert(TCP_BACKOFF.reduce((s, x) => s + x, 0) === TCP_TOTBACKOFF, 'Σ tcp_backoff = 511');
  assert(TCP_SYN_BACKOFF_LOW.length === TCP_MAXRXTSHIFT + 1, 'syn backoff has 13 entries');
  assert(SYNCACHE_BACKOFF.length === SYNCACHE_SLOTS, 'one syncache backoff per slot');
  assert(TCP_MIN_WINSHIFT <= TCP_MAX_WINSHIFT, 'window shift bounds');
}
