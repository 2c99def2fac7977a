import type { SeqNum } from '../../core/seq';
import type { Cause } from './types';

/**
 * What the sender shadow (sender.ts) records for each of its side's events: for a segment it
 * processed, how DragonFly's ACK processing classified it; for a segment it sent, what kind of
 * transmission it was.
 */

export type Undo = 'none' | 'rto' | 'fr' | 'maybe';

export interface InStep {
  readonly kind: 'in';
  readonly index: number;
  /** Not processed as an ACK of the data phase (RST, SYN, PAWS drop, handshake, no ACK flag). */
  readonly ignored: boolean;
  /** The ACK of this side's SYN that completed its handshake. */
  readonly establishing: boolean;
  /** Bytes newly acknowledged (0: not advancing). */
  readonly acked: number;
  /** Counted as a duplicate ACK (A.3), including those inflating cwnd in recovery. */
  readonly dup: boolean;
  /** t_dupacks after this segment. */
  readonly dupCount: number;
  /** snd_limited when this segment arrived (segments already sent by Limited Transmit). */
  readonly limited: number;
  /** A duplicate ACK the snd_recover guard refused (A.4 step 2). */
  readonly blockedByRecover: boolean;
  readonly wasInRecovery: boolean;
  /** In recovery, advancing but not reaching snd_recover (A.4 partial ACK). */
  readonly partial: boolean;
  /** In recovery and reaching snd_recover: recovery ends (A.4). */
  readonly exit: boolean;
  /** Eifel detection on this ACK (A.10): certain undo of a timeout or fast retransmit, or maybe. */
  readonly undo: Undo;
  /** The ACK brought SACK information the scoreboard did not have. */
  readonly newSack: boolean;
  /** A timestamp echo that gives an RTT sample (A.9). */
  readonly tsSample: boolean;
  /** The segment carried data or a FIN: its processing also owes an ACK (TF_ACKNOW output). */
  readonly carries: boolean;
}

export interface OutStep {
  readonly kind: 'out';
  readonly index: number;
  readonly cause: Cause;
  readonly syn: boolean;
  readonly start: SeqNum;
  readonly payloadEnd: SeqNum;
  readonly end: SeqNum;
  readonly payload: number;
  /** Payload bytes never sent before. */
  readonly newBytes: number;
  /** Resends sequence space already sent (payload or FIN). */
  readonly rexmt: boolean;
  readonly atUna: boolean;
  /** Starts fast recovery: a fast, early or IsLost retransmission (A.4, A.6, A.7). */
  readonly frEntry: boolean;
  /** A retransmission by the rexmt timer (A.9). */
  readonly rto: boolean;
  readonly unaBefore: SeqNum;
  readonly maxBefore: SeqNum;
}

export type Step = InStep | OutStep;
