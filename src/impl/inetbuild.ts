import type { HostEnv } from '../core/host';
import { cpuId } from '../core/ids';
import { CalloutWheel } from './kern/callout';
import { KObj, Kern, owned } from './kern/kern';
import { MsgPort } from './kern/msgport';
import { IDLE } from './kern/thread';
import type { Co, Thread } from './kern/thread';
import { PcbInfo } from './inpcb/pcbinfo';
import { PortTable } from './inpcb/ports';
import type { Inet, Netisr, PcbList } from './net/inet';
import { netisrLoop } from './net/netisr';
import { Stats } from './net/stats';
import { FdTable } from './socket/fdtable';
import type { Socket } from './socket/socket';
import { udpProtoEntry } from './udp';
import { buildTcpGlobals } from './tcp/globals';
import { tcpAttachHost, tcpProtoEntry } from './tcp';

/**
 * Build one host's stack: a netisr thread and port per CPU (D.1), the interrupt and softclock
 * pseudo threads, UDP's shared per-CPU tables and port table (D.8), the descriptor table.
 * Thread ids: netisrs 0 … n−1, then the pseudo threads; user threads are created on demand.
 */
export function buildInet(env: HostEnv): Inet {
  const k = new Kern(env.id, env.trace);
  const ncpus = env.config.ncpus;
  const cpus = Array.from({ length: ncpus }, (_, i) => cpuId(i));
  // The loops reference `inet`, assigned below; generator bodies only run once scheduled.
  let inet: Inet | null = null;
  const netisrs: Netisr[] = cpus.map((cpu) => {
    const port = new MsgPort(k, cpu, null);
    const ni: { cpu: typeof cpu; port: MsgPort; td: Thread | null } = { cpu, port, td: null };
    const loop = (): Co<never> => lazyLoop(() => inet!, ni as Netisr);
    const td = k.spawn(cpu, `netisr/${cpu}`, 'netisr', () => port.length > 0, loop);
    td.block = IDLE;
    port.owner = td;
    ni.td = td;
    return ni as Netisr;
  });
  const nicTd = k.spawn(cpuId(0), 'nic', 'pseudo', () => false);
  const softclockTd = cpus.map((cpu) => k.spawn(cpu, `softclock/${cpu}`, 'pseudo', () => false));
  const pcbLists: PcbList[] = cpus.map((cpu) => {
    const obj = new KObj(`pcblist:${cpu}`, owned(cpu));
    k.declare(obj);
    return { cpu, obj, sockets: new Set<Socket>() };
  });
  inet = {
    k, env, cfg: env.config, addr: env.addr, ncpus, netisrs,
    callouts: new CalloutWheel(),
    stats: new Stats(ncpus),
    protosw: { udp: udpProtoEntry, tcp: tcpProtoEntry },
    fds: new FdTable(k),
    udp: {
      tables: cpus.map((cpu) => new PcbInfo<Socket>(k, `udbinfo:${cpu}`, cpu, true)),
      ports: new PortTable<Socket>(k, 'udp'),
    },
    tcp: buildTcpGlobals(k, cpus, env.config.hz, env.id, env.config.tcp),
    nicTd, softclockTd, rollups: [], pcbLists,
  };
  tcpAttachHost(inet);
  return inet;
}

/** Defer reading `inet` until the netisr first runs (it is built after its threads). */
function* lazyLoop(get: () => Inet, ni: Netisr): Co<never> {
  return yield* netisrLoop(get(), ni);
}
