/**
 * Read before editing: dragonfly.md A.1, A.9, A.12, B.6, G; tcp_var.h / tcp_timer.h constants.
 * Every constant carries the rule it encodes. Values in ticks are functions of `hz`.
 */
import { assert } from '../../core/assert';

/** RFC 7323 §2.3 (WS-2): the largest unscaled window and the largest shift. */
export const TCP_MAXWIN = 65535;
export const TCP_MAX_WINSHIFT = 14;
/** dragonfly.md B.2 (F.19): DragonFly always requests a shift of at least 5. */
export const TCP_MIN_WINSHIFT = 5;

/** A.9: t_srtt is srtt·32, t_rttvar is rttvar·16; deltas are kept ·4. */
export const TCP_RTT_SHIFT = 5;
export const TCP_RTTVAR_SHIFT = 4;
export const TCP_DELTA_SHIFT = 2;

/** A.9 (RTO-10, TW-4): 12 retransmissions, the 13th expiry drops the connection. */
export const TCP_MAXRXTSHIFT = 12;
/** A.9: backoff multipliers by t_rxtshift. */
export const TCP_BACKOFF: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 64, 64, 64, 64, 64, 64];
export const TCP_SYN_BACKOFF_LOW: readonly number[] =
  [1, 1, 2, 4, 8, 8, 16, 16, 32, 64, 64, 64, 64];
export const TCP_SYN_BACKOFF: readonly number[] = [1, 1, 1, 1, 1, 2, 4, 8, 16, 32, 64, 64, 64];
/** A.12: sum of TCP_BACKOFF, the persist give-up horizon in units of REXMTVAL. */
export const TCP_TOTBACKOFF = 511;

/** A.9 (RTO-6): the RTO cap, 64 s. */
export const rexmtMaxTicks = (hz: number): number => 64 * hz;
/** A.9 (RTO-2): TCPTV_RTOBASE, 1 s with low_rtobase, else 3 s; RTO-11's 3 s. */
export const rtoBaseTicks = (hz: number, low: boolean): number => (low ? hz : 3 * hz);
export const rtoBase3Ticks = (hz: number): number => 3 * hz;
/** A.12: persist interval bounds 5 s … 60 s. */
export const persMinTicks = (hz: number): number => 5 * hz;
export const persMaxTicks = (hz: number): number => 60 * hz;
/** A.12: tcp_maxpersistidle = keepidle = 2 h. */
export const maxPersistIdleTicks = (hz: number): number => 7200 * hz;
/** B.5: keepintvl 75 s and t_maxidle = keepintvl · keepcnt (8) = 600 s (FIN-WAIT-2 idle). */
export const keepIntvlTicks = (hz: number): number => 75 * hz;
export const maxIdleTicks = (hz: number): number => 8 * 75 * hz;
/** A.13: ts_recent older than 24 days is invalid (TCP_PAWS_IDLE). */
export const pawsIdleTicks = (hz: number): number => 24 * 24 * 60 * 60 * hz;

/** A.1: cwnd and ssthresh start "unlimited": TCP_MAXWIN << 14. */
export const TCP_INFINITE_WINDOW = TCP_MAXWIN * 2 ** TCP_MAX_WINSHIFT;

/** HDR-1: 40 bytes of option space; RFC 7323 §3: timestamps appended as 12 bytes. */
export const TCP_MAXOLEN = 40;
export const TCPOLEN_TSTAMP_APPA = 12;
/** A.5: SACK option header (NOP,NOP,kind,len) and one block. */
export const TCPOLEN_SACK_ALIGNED = 4;
export const TCPOLEN_SACK_BLOCK = 8;
/** A.5: at most 8 scoreboard blocks, at most 4 new segments per recovery step (smartsack). */
export const MAXSAVEDBLOCKS = 8;
export const TCP_SACK_MAXBURST = 4;
/** A.5: remembered reported blocks (sackhistory). */
export const MAX_SACK_REPORT_BLOCKS = 4;
/** A.8 is out of scope: t_rxtthresh stays tcprexmtthresh. */
export const TCPREXMTTHRESH = 3;
/** A.5 force_sackrxt = 1 (fixed, TP-1). */
export const TCP_FORCE_SACKRXT = 1;

/** A.15: tcp_minmss and the mbuf cluster rounding of the MSS. */
export const TCP_MINMSS = 256;
export const MCLBYTES = 2048;
/** IPv4 + TCP fixed headers (MSS-6). */
export const TCPIP_HDR = 40;

/** A.2: RFC 3390's 4380-byte cap is iwcapsegs · 1460. */
export const IW_CAP_SEGMENT = 1460;

/** B.3: the syncache SYN|ACK backoff by slot, in units of TCPTV_RTOBASE (1 s). */
export const SYNCACHE_BACKOFF: readonly number[] = [1, 1, 2, 4, 8];
/** B.3 / TP-15: SYN cookies are accepted for 16 s after an overflow. */
export const syncookieWindowTicks = (hz: number): number => 16 * hz;

/** B.4: the largest IP datagram; bounds a TSO unit. */
export const IP_MAXPACKET = 65535;

/** STYLE P6: relations between constants, checked by a unit test. */
export function checkConstants(): void {
  assert(TCP_BACKOFF.length === TCP_MAXRXTSHIFT + 1, 'one backoff per shift');
  assert(TCP_SYN_BACKOFF_LOW.length === TCP_MAXRXTSHIFT + 1, 'one SYN backoff per shift');
  assert(TCP_SYN_BACKOFF.length === TCP_MAXRXTSHIFT + 1, 'one SYN backoff per shift');
  const total = TCP_BACKOFF.reduce((a, b) => a + b, 0);
  assert(total === TCP_TOTBACKOFF, 'tcp_totbackoff = Σ tcp_backoff');
  assert(TCP_MIN_WINSHIFT <= TCP_MAX_WINSHIFT, 'window shift bounds');
  assert(rtoBaseTicks(100, true) <= rexmtMaxTicks(100), 'initial RTO below the cap');
  assert(persMinTicks(100) < persMaxTicks(100), 'persist bounds');
}
