/**
 * Read before editing: RFC 9293 §3.3.1 (TCB variables), §3.3.2 (the 11 states); dragonfly.md A.1
 * (struct tcpcb), B.1 (states), D.7 (socket buffers); docs/TCP-PROFILE.md.
 *
 * The TCP model's state: sockets (what a descriptor or a listener's queue holds), each with at
 * most one TCB, plus the per-CPU syncache and ACK-aggregation lists. Everything is immutable from
 * the outside; steps update it through immer drafts (index.ts). Variable names are RFC 9293's in
 * camelCase where the RFC has one (sndUna, rcvNxt …), else DragonFly's (sndMax, sndRecover …).
 */
import type { Endpoint, IpAddr, Port } from '../../core/addr';
import type { HostConfig } from '../../core/config';
import type { CpuId, Fd } from '../../core/ids';
import type { SeqNum } from '../../core/seq';
import type { SocketError } from '../../core/socket';
import type { Instant } from '../../core/time';
import type { CallId } from '../../core/ids';

/** RFC 9293 §3.3.2, spelled as the RFC spells them (STYLE P3). */
export type TcpStateName =
  | 'CLOSED' | 'LISTEN' | 'SYN-SENT' | 'SYN-RECEIVED' | 'ESTABLISHED' | 'CLOSE-WAIT'
  | 'FIN-WAIT-1' | 'CLOSING' | 'LAST-ACK' | 'FIN-WAIT-2' | 'TIME-WAIT';

/** tcp_fsm.h order: DragonFly compares states numerically (TCPS_HAVE… predicates, B.1). */
const STATE_ORDER: Readonly<Record<TcpStateName, number>> = {
  CLOSED: 1, LISTEN: 2, 'SYN-SENT': 3, 'SYN-RECEIVED': 4, ESTABLISHED: 5, 'CLOSE-WAIT': 6,
  'FIN-WAIT-1': 7, CLOSING: 8, 'LAST-ACK': 9, 'FIN-WAIT-2': 10, 'TIME-WAIT': 11,
};
export const stateOrder = (s: TcpStateName): number => STATE_ORDER[s];
/** B.1 TCPS_HAVERCVDSYN. */
export const haveRcvdSyn = (s: TcpStateName): boolean =>
  STATE_ORDER[s] >= STATE_ORDER['SYN-RECEIVED'];
/** B.1 TCPS_HAVEESTABLISHED. */
export const haveEstablished = (s: TcpStateName): boolean =>
  STATE_ORDER[s] >= STATE_ORDER.ESTABLISHED;
/** B.1 TCPS_HAVERCVDFIN: the 4.4BSD definition, true only in TIME-WAIT. */
export const haveRcvdFin = (s: TcpStateName): boolean => s === 'TIME-WAIT';

/** TP-2 / D.10: the callouts of a TCB (plus the fair-send continuation), absolute due instants. */
export interface TcbTimers {
  readonly delack: Instant | null;
  readonly rexmt: Instant | null;
  readonly persist: Instant | null;
  readonly keep: Instant | null;
  readonly '2msl': Instant | null;
  readonly sndmore: Instant | null;
}
export type TcbTimerName = keyof TcbTimers;
/** D.10: the order in which timers due together run. */
export const TCB_TIMER_ORDER: readonly TcbTimerName[] =
  ['delack', 'rexmt', 'persist', 'keep', '2msl', 'sndmore'];

/** A.1 t_flags that matter to the model (TF_*), as booleans. */
export interface TcbFlags {
  readonly reqScale: boolean;
  readonly rcvdScale: boolean;
  readonly reqTstmp: boolean;
  readonly rcvdTstmp: boolean;
  readonly sackPermitted: boolean;
  readonly needSyn: boolean;
  readonly needFin: boolean;
  readonly sentFin: boolean;
  readonly ackNow: boolean;
  readonly noDelay: boolean;
  readonly rxwin0Sent: boolean;
  readonly fastRecovery: boolean;
  readonly xmitNow: boolean;
  readonly force: boolean;
  readonly onOutputQ: boolean;
  readonly sawFin: boolean;
  readonly quedFin: boolean;
  readonly fairSend: boolean;
}

/** A.10 rxt_flags and the saved congestion state for Eifel / spurious-RTO undo. */
export interface EifelState {
  readonly rebaseRto: boolean;
  readonly wasFRecovery: boolean;
  readonly firstAccAck: boolean;
  readonly fastRexmt: boolean;
  readonly earlyRexmt: boolean;
  readonly cwndPrev: number;
  readonly wackedPrev: number;
  readonly ssthreshPrev: number;
  readonly recoverPrev: SeqNum;
  readonly maxPrev: SeqNum;
  readonly srttPrev: number;
  readonly rttvarPrev: number;
  readonly rxtcurPrev: number;
  /** The TS clock when the retransmission was sent (t_rexmtTS). */
  readonly rexmtTS: number;
  /** Tick before which an ACK after the first RTO counts as spurious (t_badrxtwin). */
  readonly badrxtwin: number;
}

export interface SeqRange {
  readonly start: SeqNum;
  readonly end: SeqNum;
}

/** A.5 sender scoreboard and RFC 6675 variables. */
export interface SackSender {
  /** SACKed ranges above sndUna, sorted, at most MAXSAVEDBLOCKS. */
  readonly blocks: readonly SeqRange[];
  readonly lostseq: SeqNum;
  /** HighRxt. */
  readonly rexmtHigh: SeqNum;
  /** RescueRxt, meaningful while `rescued`. */
  readonly rexmtRescue: SeqNum;
  readonly rescued: boolean;
}

/** A.5 receiver report state (reportblk, encloseblk, sack_flags, sackhistory). */
export interface SackReceiver {
  readonly reportblk: SeqRange;
  readonly encloseblk: SeqRange;
  readonly dupSeg: boolean;
  readonly encloseSeg: boolean;
  readonly sackLeft: boolean;
  readonly history: readonly SeqRange[];
}

/** One reassembly-queue entry (tseg_qent): data at `seq`, FIN after it if `fin`. */
export interface ReassEntry {
  readonly seq: SeqNum;
  readonly data: Uint8Array;
  readonly fin: boolean;
}

/** The transmission control block (RFC 9293 §3.3.1; struct tcpcb, dragonfly.md A.1). */
export interface Tcb {
  readonly key: string;
  /** Creation order, for deterministic tie-breaking (TP-3). */
  readonly serial: number;
  readonly state: TcpStateName;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly iss: SeqNum;
  readonly irs: SeqNum;
  readonly sndUna: SeqNum;
  readonly sndNxt: SeqNum;
  readonly sndMax: SeqNum;
  readonly sndUp: SeqNum;
  readonly sndRecover: SeqNum;
  readonly sndWl1: SeqNum;
  readonly sndWl2: SeqNum;
  readonly sndWnd: number;
  readonly maxSndwnd: number;
  readonly rcvNxt: SeqNum;
  readonly rcvAdv: SeqNum;
  readonly rcvWnd: number;
  readonly lastAckSent: SeqNum;
  readonly sndScale: number;
  readonly rcvScale: number;
  readonly requestRScale: number;
  readonly requestedSScale: number;
  readonly flags: TcbFlags;
  readonly tsRecent: number;
  readonly tsRecentAge: number;
  readonly maxseg: number;
  readonly maxopd: number;
  readonly sndCwnd: number;
  readonly sndSsthresh: number;
  readonly sndWacked: number;
  readonly dupacks: number;
  readonly sndLimited: number;
  readonly rxtthresh: number;
  readonly srtt: number;
  readonly rttvar: number;
  readonly rttmin: number;
  readonly rxtcur: number;
  readonly rxtshift: number;
  /** Tick at which the timed segment was sent, 0 = not timing (t_rtttime). */
  readonly rtttime: number;
  readonly rtseq: SeqNum;
  /** Ticks spent retransmitting SYN or SYN|ACK (t_rxtsyn). */
  readonly rxtsyn: number;
  /** Tick of the last data transmission (snd_last) and of the last reception (t_rcvtime). */
  readonly sndLast: number;
  readonly rcvtime: number;
  readonly sndMaxRexmt: SeqNum;
  readonly eifel: EifelState;
  readonly sack: SackSender;
  readonly sackRcv: SackReceiver;
  readonly reass: readonly ReassEntry[];
  readonly timers: TcbTimers;
}

/** A listener's state (B.3): backlog and the last syncache overflow. */
export interface ListenState {
  readonly qlimit: number;
  /** Completed connections waiting for accept, oldest first (socket ids). */
  readonly queue: readonly number[];
  /** `ticks` of the last syncache overflow on this listener, or null (TP-15). */
  readonly overflowTick: number | null;
}

/**
 * A socket: what a descriptor names, or an accepted-but-not-yet-taken connection on a listener's
 * queue, or a connection that outlived its descriptor (FIN-WAIT-2, TIME-WAIT …).
 */
export interface TcpSocket {
  readonly sid: number;
  readonly fd: Fd | null;
  /** UP-14 / TP-29: the netisr that owns the socket now. */
  readonly owner: CpuId;
  readonly lport: Port | null;
  readonly listen: ListenState | null;
  /** The listener whose queue holds this connection until accept (sonewconn), else null. */
  readonly listener: number | null;
  readonly tcb: Tcb | null;
  /** True once connect or the handshake gave it a connection (ENOTCONN vs EOF, EINVAL). */
  readonly hadConnection: boolean;
  /** soisconnected was called (ESTABLISHED reached). */
  readonly connected: boolean;
  readonly cantSendMore: boolean;
  readonly cantRcvMore: boolean;
  readonly error: SocketError | null;
  /** so_snd: bytes from sndUna on (acked data is dropped). */
  readonly snd: Uint8Array;
  /** so_rcv: in-order data not yet read. */
  readonly rcv: Uint8Array;
}

/** B.3: one syncache entry, on the CPU that received the SYN. */
export interface SynEntry {
  readonly key: string;
  readonly cpu: CpuId;
  readonly serial: number;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly listener: number;
  readonly bucket: number;
  readonly irs: SeqNum;
  readonly iss: SeqNum;
  readonly peerMss: number | undefined;
  /** The peer's window scale if both sides scale (SCF_WINSCALE), else null. */
  readonly peerWscale: number | null;
  readonly requestRScale: number;
  readonly sack: boolean;
  /** The peer's TSval to echo if timestamps are on (SCF_TIMESTAMP), else null. */
  readonly tsRecent: number | null;
  /** The window advertised in the SYN|ACK (unscaled). */
  readonly wnd: number;
  readonly slot: number;
  readonly due: Instant;
  /** Ticks spent retransmitting the SYN|ACK (sc_rxtused → t_rxtsyn). */
  readonly rxtused: number;
}

/** A call waiting for the protocol (TP-9 … TP-12). */
export type Waiter =
  | { readonly kind: 'connect'; readonly call: CallId; readonly sid: number }
  | { readonly kind: 'accept'; readonly call: CallId; readonly sid: number }
  | { readonly kind: 'recv'; readonly call: CallId; readonly sid: number;
      readonly maxBytes: number }
  | { readonly kind: 'send'; readonly call: CallId; readonly sid: number;
      readonly rest: Uint8Array; readonly total: number };

export interface TcpHostState {
  readonly config: HostConfig;
  readonly addr: IpAddr;
  readonly seed: number;
  readonly sockets: readonly TcpSocket[];
  readonly syncache: readonly SynEntry[];
  /** TP-22: per CPU, connections (keys) with an aggregated ACK due at the next rollup. */
  readonly ackq: readonly (readonly string[])[];
  readonly waiters: readonly Waiter[];
  readonly nextSid: number;
  readonly nextSerial: number;
}

/** The 4-tuple of a TCB as `core/isn` takes it. */
export const tupleOf = (t: { readonly local: Endpoint; readonly remote: Endpoint }) => ({
  laddr: t.local.addr, lport: t.local.port, faddr: t.remote.addr, fport: t.remote.port,
});
