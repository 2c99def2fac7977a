import { assert } from '../core/assert';
import type { Host, HostEnv, RunnableThread, SocketStatus } from '../core/host';
import type { ThreadId } from '../core/ids';
import type { AppCall } from '../core/socket';
import { formatEndpoint, formatIp } from '../core/addr';
import { buildInet } from './inetbuild';
import type { Thread } from './kern/thread';
import type { Inet } from './net/inet';
import { nicInput } from './net/nic';
import type { Socket } from './socket/socket';
import type { UserThread } from './socket/uthread';
import { spawnUserThread } from './socket/uthread';
import { tcpStatus } from './tcp/status';

/**
 * Read before editing: ARCHITECTURE §5 (the Host seam), docs/CONTRACTS.md.
 *
 * The per-CPU implementation behind the Host seam. Frames enter at the NIC (RSS → a netisr
 * port), calls are queued on the application's user thread for that CPU (created on demand),
 * time fires callouts (which post timer messages), and the simulator runs one thread at a time,
 * each until it next yields.
 */

const internals = new WeakMap<Host, Inet>();

export function createImplHost(env: HostEnv): Host {
  const inet = buildInet(env);
  const k = inet.k;
  const users = new Map<string, UserThread>();
  const views = new Map<Thread, RunnableThread>();
  const view = (td: Thread): RunnableThread => {
    let v = views.get(td);
    if (v === undefined) {
      v = { host: env.id, thread: td.id, cpu: td.cpu, name: td.name };
      views.set(td, v);
    }
    return v;
  };
  const host: Host = {
    env,
    frameArrives: (delivery, _frame, bytes) => nicInput(inet, delivery, bytes),
    callIssued: (call: AppCall) => {
      const ok = call.cpu >= 0 && call.cpu < inet.ncpus;
      assert(ok, `callIssued: cpu ${call.cpu} of ${inet.ncpus}`);
      const key = `${call.app}/${call.cpu}`;
      let ut = users.get(key);
      if (ut === undefined) {
        ut = spawnUserThread(inet, call.app, call.cpu);
        users.set(key, ut);
      }
      ut.calls.push(call);
    },
    timeAdvanced: () => {
      inet.callouts.fireDue(env.now(), (cpu, fn) => k.inContext(inet.softclockTd[cpu]!, fn));
    },
    nextDeadline: () => inet.callouts.next(),
    runnable: () => k.runnable().map(view),
    run: (thread: ThreadId) => k.run(k.thread(thread)),
    status: () => [
      ...inet.fds.sockets().map((so) => socketStatus(inet, so)),
      ...tcpStatus(inet),
    ],
  };
  internals.set(host, inet);
  return host;
}

/** The stack behind an impl host (tests, bench, reports); undefined for other hosts. */
export function implInternals(host: Host): Inet | undefined {
  return internals.get(host);
}

function socketStatus(inet: Inet, so: Socket): SocketStatus {
  const p = so.pcb;
  const parts: string[] = [];
  if (p.lport === null) parts.push('unbound');
  else if (p.faddr === null) parts.push(`bound ${formatIp(inet.addr)}:${p.lport}`);
  else {
    const peer = formatEndpoint({ addr: p.faddr, port: p.fport! });
    parts.push(`connected ${formatIp(inet.addr)}:${p.lport} -> ${peer}`);
  }
  if (so.st.cantSendMore) parts.push('shut-wr');
  if (so.st.error !== null) parts.push(`error=${so.st.error}`);
  if (so.rcv.records.length > 0) parts.push(`rcvq=${so.rcv.records.length}`);
  parts.push(`cpu${so.port.cpu}`);
  return { key: `${so.proto}:fd${so.fd}`, proto: so.proto, state: parts.join(' ') };
}
