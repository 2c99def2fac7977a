import type { IpAddr, Port } from '../../core/addr';
import type { CpuId } from '../../core/ids';
import type { TcpConfig } from '../../core/config';
import type { Kern } from '../kern/kern';
import { KObj, owned } from '../kern/kern';
import type { TimerSet } from '../net/timermsg';
import type { TcpSock } from '../socket/tcpsock';
import type { TcpTimes } from './const';
import {
  TCP_MAXWIN, TCP_MAX_WINSHIFT, TCP_RTTVAR_SHIFT, TCPREXMTTHRESH, TCPS_CLOSED, TF_REQ_SCALE,
  TF_REQ_TSTMP,
} from './const';

/**
 * Read before editing: dragonfly.md A.1 (struct tcpcb), A.5 (scoreboard, report blocks),
 * A.9 (initial values, `tcp_newtcpcb`), D.1 (owner rule), D.10 (timer message).
 *
 * One connection's protocol control block, BSD field names in camelCase. It is owned by the CPU
 * the connection lives on (its flow CPU, D.9): `obj` is declared owned there and every handler
 * records its accesses through it. Sequence numbers are plain uint32 numbers compared with the
 * signed-difference helpers of const.ts (tcp_seq.h), which keeps the hot path allocation-free.
 */

/** A SACK block [start, end) (scoreboard entry or report block). */
export interface SackBlk {
  start: number;
  end: number;
}

/** One reassembly queue entry (`struct tseg_qent`): in-order pieces of data, maybe a FIN. */
export interface ReassEntry {
  seq: number;
  len: number;
  fin: boolean;
  data: Uint8Array[];
}

/** The 4-tuple, from this host's point of view. */
export interface TcpConnTuple {
  readonly laddr: IpAddr;
  readonly lport: Port;
  readonly faddr: IpAddr;
  readonly fport: Port;
}

let nextTcb = 0;

export class TcpCb {
  readonly obj: KObj;
  readonly id: number;
  state = TCPS_CLOSED;
  tFlags = 0;
  sackFlags = 0;
  rxtFlags = 0;

  // Send sequence variables (RFC 9293 / tcp_var.h).
  iss = 0;
  sndUna = 0;
  sndNxt = 0;
  sndMax = 0;
  sndUp = 0;
  sndRecover = 0;
  sndWl1 = 0;
  sndWl2 = 0;
  sndWnd = 0;
  maxSndwnd = 0;
  sndCwnd = TCP_MAXWIN << TCP_MAX_WINSHIFT;
  sndSsthresh = TCP_MAXWIN << TCP_MAX_WINSHIFT;
  /** TP-1: the inflight limiter is off, snd_bwnd is "infinite". */
  readonly sndBwnd = TCP_MAXWIN << TCP_MAX_WINSHIFT;
  sndWacked = 0;
  sndScale = 0;
  sndLimited = 0;
  sndMaxRexmt = 0;
  /** Tick of the last data transmission (idle restart, A.2). */
  sndLast = 0;

  // Receive sequence variables.
  irs = 0;
  rcvNxt = 0;
  rcvAdv = 0;
  rcvWnd = 0;
  rcvUp = 0;
  rcvScale = 0;
  requestRScale = 0;
  lastAckSent = 0;
  tsRecent = 0;
  tsRecentAge = 0;

  // Timing (A.9).
  tRxtcur: number;
  tRxtshift = 0;
  tSrtt = 0;
  tRttvar: number;
  tRttmin: number;
  tRttbest = 0;
  tRtttime = 0;
  tRtseq = 0;
  tRxtsyn = 0;
  tRcvtime = 0;
  tSofterror: null = null;
  tBadrxtwin = 0;
  tDupacks = 0;
  readonly tRxtthresh = TCPREXMTTHRESH;
  tMaxseg: number;
  tMaxopd: number;

  // Eifel saved state (A.10).
  sndCwndPrev = 0;
  sndWackedPrev = 0;
  sndSsthreshPrev = 0;
  sndRecoverPrev = 0;
  sndMaxPrev = 0;
  tSrttPrev = 0;
  tRttvarPrev = 0;
  tRxtcurPrev = 0;
  tRexmtTS = 0;

  // SACK sender scoreboard (A.5).
  readonly sackBlocks: SackBlk[] = [];
  lostseq = 0;
  rexmtHigh = 0;
  rexmtRescue = 0;
  // SACK receiver report state.
  readonly reportblk: SackBlk = { start: 0, end: 0 };
  readonly encloseblk: SackBlk = { start: 0, end: 0 };
  readonly sackHistory: SackBlk[] = [];

  /** The reassembly queue (`t_segq`), sorted by sequence number. */
  readonly segq: ReassEntry[] = [];

  /** Timer callouts + the one timer message (D.10); null for an embryonic tcpcb. */
  timers: TimerSet | null = null;
  /** The fair-send continuation message (`tt_sndmore`) is queued (C). */
  sndmorePending = false;

  constructor(
    k: Kern,
    readonly cpu: CpuId,
    readonly so: TcpSock,
    readonly tuple: TcpConnTuple,
    /** `connKey(local, remote)` (TP-2): the name of the connection in timer inputs. */
    readonly conn: string,
    readonly cfg: TcpConfig,
    times: TcpTimes,
  ) {
    this.id = nextTcb++;
    this.obj = new KObj(`tcb:${conn}#${this.id}`, owned(cpu));
    k.declare(this.obj);
    // tcp_newtcpcb (A.1): mssdflt until the peer's MSS is known; rttvar so that
    // srtt + 4·rttvar = TCPTV_RTOBASE; rexmt_min floor; rfc1323 requests.
    this.tMaxseg = cfg.mssdflt;
    this.tMaxopd = cfg.mssdflt;
    this.tRttvar = (times.rtobase << TCP_RTTVAR_SHIFT) >> 2;
    this.tRttmin = cfg.rexmitMinTicks;
    this.tRxtcur = times.rtobase;
    if (cfg.rfc1323) this.tFlags |= TF_REQ_SCALE | TF_REQ_TSTMP;
  }
}
