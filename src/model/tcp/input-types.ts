/**
 * The segment being processed and the flow of one tcp_input call (RFC 9293 §3.10.7). The
 * segment is trimmed in place as the steps run (ACC-5), so it is a local mutable record that
 * never enters the state.
 */
import type { SeqNum } from '../../core/seq';
import type { AckSackInfo } from './congestion/newreno';
import type { SegOpts } from './options';

export interface InSeg {
  seq: SeqNum;
  readonly ack: SeqNum;
  flags: number;
  /** The window field as received (unscaled). */
  readonly win: number;
  data: Uint8Array;
  readonly opts: SegOpts;
}

/** How a step ends (the labels of tcp_input). */
export type Outcome =
  | 'continue'
  | 'done'
  | 'drop'
  | 'dropafterack'
  | 'dropwithreset'
  /** TIME-WAIT recycled: look the segment up again (B.4 step 7, TP-24). */
  | 'findpcb'
  /** Jump to step 6 (window update, URG, text, FIN). */
  | 'step6';

/** State carried across the steps of one tcp_input call. */
export interface Flow {
  /** The scaled send window the segment advertises (tiwin). */
  tiwin: number;
  needOutput: boolean;
  /** A duplicate ACK whose processing waits until after the data and FIN (A.3 steps 4–5). */
  delayedDupack: { readonly ack: SeqNum; readonly info: AckSackInfo } | null;
  /** What the SACK scoreboard update reported for this ACK. */
  sackInfo: AckSackInfo;
}
