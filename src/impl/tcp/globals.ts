import type { CpuId } from '../../core/ids';
import { ticksAt } from '../../core/time';
import type { Kern } from '../kern/kern';
import { KObj, owned } from '../kern/kern';
import { TcpPorts } from '../inpcb/tcpports';
import { TcpTable } from '../inpcb/tcptable';
import type { Inet } from '../net/inet';
import type { TcpSock } from '../socket/tcpsock';
import type { TcpTimes } from './const';
import { tcpTimes } from './const';
import type { Deferred } from './step';
import type { Syncache } from './syncache';
import { newSyncache } from './syncache';
import type { TcpCb } from './tcpcb';

/**
 * Read before editing: dragonfly.md D.8 (per-CPU tables), D.11 (`tcpcbackq[cpu]`), D.12 (per-CPU
 * structures), TP-3 (ticks), TP-5 (the host seed stands in for DragonFly's secrets).
 *
 * TCP's host-wide state: one set of per-CPU structures per netisr (connection and wildcard
 * tables, syncache, ACK-aggregation queue, the sockets to wake at the end of the running step)
 * and the host-wide port table.
 */

/** One CPU's TCP state besides its table: owned by that CPU. */
export interface TcpPerCpu {
  readonly cpu: CpuId;
  readonly obj: KObj;
  /** `tcpcbackq[cpu]` (A.12): connections owing an aggregated ACK, in queue order. */
  readonly ackq: TcpCb[];
  /** Sockets whose parked calls may now complete: served at the end of the step (TP-9/11/12). */
  readonly wake: TcpSock[];
  /** Work that needs a token, done at the end of the running step (step.ts). */
  readonly deferred: Deferred[];
}

export interface TcpGlobals {
  readonly tables: readonly TcpTable<TcpCb, TcpSock>[];
  readonly ports: TcpPorts;
  readonly syncaches: readonly Syncache[];
  readonly percpu: readonly TcpPerCpu[];
  readonly times: TcpTimes;
  /** TP-5: the secret of ISNs, cookies and syncache hashing (the replay seeds with the index). */
  readonly seed: number;
  /**
   * The tick counter to use instead of the clock's, while a connect that linearized earlier on
   * another CPU runs on the flow CPU (D.9): its SYN is the one of the linearization instant.
   */
  ticksOverride: number | null;
}

export function buildTcpGlobals(k: Kern, cpus: readonly CpuId[], hz: number, seed: number,
  cfg: Inet['cfg']['tcp']): TcpGlobals {
  return {
    tables: cpus.map((cpu) => new TcpTable<TcpCb, TcpSock>(k, cpu)),
    ports: new TcpPorts(k),
    syncaches: cpus.map((cpu) => newSyncache(k, cpu, cfg)),
    percpu: cpus.map((cpu) => {
      const obj = new KObj(`tcp:${cpu}`, owned(cpu));
      k.declare(obj);
      return { cpu, obj, ackq: [], wake: [], deferred: [] };
    }),
    times: tcpTimes(hz, cfg),
    seed,
    ticksOverride: null,
  };
}

/** `ticks` now (TP-3), or the connect's linearization ticks while one is being completed. */
export function tcpTicks(inet: Inet): number {
  const o = inet.tcp.ticksOverride;
  return o !== null ? o : ticksAt(inet.env.now(), inet.cfg.hz);
}

/** TP-4: the timestamp clock TSval = ticks + 1. */
export const tsClock = (inet: Inet): number => (tcpTicks(inet) + 1) >>> 0;
