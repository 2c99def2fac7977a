import { assert } from '../../core/assert';
import type { IpAddr } from '../../core/addr';
import type { HostConfig } from '../../core/config';
import type { HostEnv } from '../../core/host';
import type { CpuId } from '../../core/ids';
import type { CalloutWheel } from '../kern/callout';
import type { KObj, Kern } from '../kern/kern';
import type { MsgPort } from '../kern/msgport';
import type { Thread } from '../kern/thread';
import type { PcbInfo } from '../inpcb/pcbinfo';
import type { PortTable } from '../inpcb/ports';
import type { FdTable } from '../socket/fdtable';
import type { Socket } from '../socket/socket';
import type { Rollup } from './netisr';
import type { Protosw } from './protosw';
import type { Stats } from './stats';
import type { TcpGlobals } from '../tcp/globals';

/**
 * One host's network stack: the kernel, the netisrs, the per-CPU tables and the host-wide
 * tables. Every layer's functions take it as their first argument (there is no global state:
 * several hosts live in one simulation).
 */

/** A netisr: the protocol thread of one CPU (dragonfly.md D.1) with its port and rollups. */
export interface Netisr {
  readonly cpu: CpuId;
  readonly port: MsgPort;
  readonly td: Thread;
}

/** UDP's host-wide state: per-CPU shared tables (D.8) and the port table (UP-3). */
export interface UdpGlobals {
  readonly tables: readonly PcbInfo<Socket>[];
  readonly ports: PortTable<Socket>;
}

export interface Inet {
  readonly k: Kern;
  readonly env: HostEnv;
  readonly cfg: HostConfig;
  readonly addr: IpAddr;
  readonly ncpus: number;
  readonly netisrs: readonly Netisr[];
  readonly callouts: CalloutWheel;
  readonly stats: Stats;
  readonly protosw: Protosw;
  readonly fds: FdTable;
  readonly udp: UdpGlobals;
  /** TCP's per-CPU tables, syncaches, ACK queues and the port table (tcp/globals.ts). */
  readonly tcp: TcpGlobals;
  /** The NIC's interrupt context and each CPU's softclock: senders of messages, never run. */
  readonly nicTd: Thread;
  readonly softclockTd: readonly Thread[];
  /** End-of-batch hooks, higher priority first (netisr.ts). */
  readonly rollups: Rollup[];
  /** Sockets linked on each CPU (the owner's pcb list, owned by that CPU). */
  readonly pcbLists: readonly PcbList[];
}

export interface PcbList {
  readonly cpu: CpuId;
  /** `pcblist:<cpu>`, owned by its CPU. */
  readonly obj: KObj;
  readonly sockets: Set<Socket>;
}

/** The CPU the running netisr (or user thread) is on. */
export const mycpu = (inet: Inet): CpuId => inet.k.curthread().cpu;

/** The running netisr's descriptor; asserts the current thread is a netisr. */
export function curNetisr(inet: Inet): Netisr {
  const td = inet.k.curthread();
  const ni = inet.netisrs[td.cpu]!;
  assert(ni.td === td, `curNetisr: ${td.name} is not a netisr`);
  return ni;
}
