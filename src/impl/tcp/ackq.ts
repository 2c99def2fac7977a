import type { CpuId } from '../../core/ids';
import type { Co } from '../kern/thread';
import type { Inet } from '../net/inet';
import type { Rollup } from '../net/netisr';
import { TF_ONOUTPUTQ } from './const';
import { tcpOutput } from './output';
import { tcpEndStep, tcpQueuedCheck } from './step';

/**
 * Read before editing: dragonfly.md A.12 (ACK aggregation), D.1 (rollups), D.11
 * (`tcpcbackq[cpu]`, `tcp_willblock`); TP-22, TP-30.
 *
 * ACK aggregation: in-order data on the header-prediction path queues its connection on the
 * CPU's ACK list instead of ACKing at once; when the netisr has drained its batch, the rollup
 * `tcp_willblock` (priority 200, before the interface start at 50) runs tcp_output for every
 * queued connection in queue order, so a burst of received segments produces one ACK. The
 * rollup is the input {rollup, cpu}: it linearizes whenever the list was not empty.
 */
export const tcpWillblock: Rollup = {
  name: 'tcp_willblock',
  prio: 200,
  pending: (inet: Inet, cpu: CpuId) => inet.tcp.percpu[cpu]!.ackq.length > 0,
  run: willblock,
};

function* willblock(inet: Inet, cpu: CpuId): Co<boolean> {
  const pc = inet.tcp.percpu[cpu]!;
  inet.k.wr(pc.obj);
  if (pc.ackq.length === 0) return false;
  inet.stats.inc(cpu, 'tcp.ackq_rollup');
  while (pc.ackq.length > 0) {
    const tp = pc.ackq.shift()!;
    tp.tFlags &= ~TF_ONOUTPUTQ;
    if (!(yield* tcpQueuedCheck(inet, tp))) continue;
    inet.k.wr(tp.obj);
    tcpOutput(inet, tp);
  }
  yield* tcpEndStep(inet);
  return true;
}
