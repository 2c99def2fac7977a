import { EPHEMERAL_FIRST } from '../src/core/addr';
import { decodePacket, encodePacket } from '../src/core/codec';
import type { Host, HostEnv } from '../src/core/host';
import { FD_FIRST, cpuId } from '../src/core/ids';
import type { AppCall } from '../src/core/socket';
import type { TcpCtx, TcpHostState, TcpStep } from '../src/model/tcp';
import {
  tcpInitial, tcpPollAt, tcpRollup, tcpSegmentArrives, tcpStatus, tcpTimerFires, tcpUserCall,
} from '../src/model/tcp';

/**
 * A TCP-only model host for the bench, until src/model/host.ts routes TCP (its TODO(tcp)s): the
 * pure TCP model (src/model/tcp) behind the `Host` interface, each input applied atomically
 * when it arrives (no threads), frames encoded and decoded as a real host does, and after every
 * input a rollup of each CPU whose ACK queue is non-empty (the netisr drained). Only TCP
 * descriptors exist; no trace is emitted (bench mode).
 */
export function createTcpModelHost(env: HostEnv): Host {
  let s: TcpHostState = tcpInitial(env.config, env.addr, env.id);
  let ctx: TcpCtx = { nextFd: FD_FIRST, portCursor: EPHEMERAL_FIRST };
  const apply = (st: TcpStep): void => {
    s = st.state;
    ctx = st.ctx;
    for (const p of st.outputs.packets) env.transmit(encodePacket(p));
    for (const c of st.outputs.completions) env.complete(c);
  };
  const rollups = (): void => {
    for (let cpu = 0; cpu < s.ackq.length; cpu++) {
      if (s.ackq[cpu]!.length > 0) apply(tcpRollup(s, ctx, cpuId(cpu), env.now()));
    }
  };
  return {
    env,
    frameArrives: (_d, _f, bytes) => {
      const p = decodePacket(bytes);
      if (!p.ok || p.value.ip.dst !== env.addr || p.value.body.proto !== 'tcp') return;
      apply(tcpSegmentArrives(s, ctx, p.value, env.now()));
      rollups();
    },
    callIssued: (call: AppCall) => {
      apply(tcpUserCall(s, ctx, call, env.now()));
      rollups();
    },
    timeAdvanced: () => {
      for (let due = tcpPollAt(s); due !== null && due.at <= env.now(); due = tcpPollAt(s)) {
        apply(tcpTimerFires(s, ctx, due.conn, due.timer, env.now()));
        rollups();
      }
    },
    nextDeadline: () => tcpPollAt(s)?.at ?? null,
    runnable: () => [],
    run: () => undefined,
    status: () => tcpStatus(s),
  };
}
