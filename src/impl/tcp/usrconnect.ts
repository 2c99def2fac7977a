import type { Endpoint } from '../../core/addr';
import { tcpIsn } from '../../core/isn';
import { err } from '../../core/result';
import type { SocketError } from '../../core/socket';
import { tcpFlowCpu } from '../corelib';
import type { Co } from '../kern/thread';
import { getToken, relToken } from '../kern/token';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import { NetMsg } from '../net/netmsg';
import { tcpSoMove } from '../socket/tcpmove';
import type { ConnectPlan, TcpReqArg } from '../socket/tcpsock';
import type { TcpSock } from '../socket/tcpsock';
import { TCPS_SYN_RECEIVED, TCPS_SYN_SENT } from './const';
import { tcpTicks } from './globals';
import { tcpOutput } from './output';
import { tcpEndStep } from './step';
import { tcpNewConn, tcpSetState } from './subr';
import { requestScale } from './syncache';
import { TT_KEEP, tcpTimerArm } from './timer';
import { tcpReply } from './usrreq';

/**
 * Read before editing: dragonfly.md B.2 (`tcp_connect`, `tcp_connect_oncpu`), D.8
 * (`in_pcbbind_remote`), D.9 (migration with a receipt callback), D.6 (asynchronous connect and
 * its predicate); TP-9, TP-29.
 *
 * connect(2) linearizes on the socket's owner: the checks, the local port (chosen to hash to
 * this CPU when it can, TP-9) and the clock reading all happen there. The connection itself is
 * created on the 4-tuple's flow CPU: if that is another CPU the socket migrates there with the
 * request (tcpmove.ts), and the SYN leaves there, built from the linearization instant's ticks.
 * A nonblocking connect answers EINPROGRESS at once; a blocking one waits, parked on the new
 * owner, until the handshake ends (TP-9).
 */
export function* tcpUsrConnect(inet: Inet, msg: NetMsg<TcpReqArg>, remote: Endpoint,
  nonblocking: boolean): Co {
  const k = inet.k;
  const so = msg.so as TcpSock;
  k.wr(so.obj);
  const fail = connectCheck(so);
  if (fail !== null) {
    k.linearize();
    tcpReply(msg, err(fail));
    return;
  }
  const cpu = mycpu(inet);
  if (so.lport === null) {
    const ports = inet.tcp.ports;
    yield* getToken(k, ports.token, 'tcp.connect');
    k.wr(ports.obj);
    const p = ports.ephemeralFor(inet.addr, remote.addr, remote.port, inet.ncpus, cpu);
    if (p !== null) ports.hold(p);
    relToken(k, ports.token);
    if (p === null) {
      k.linearize();
      tcpReply(msg, err('EADDRNOTAVAIL'));
      return;
    }
    so.lport = p;
  }
  k.linearize();
  so.kind = 'conn';
  so.remote = remote;
  const plan: ConnectPlan = {
    lport: so.lport, remote, ticks: tcpTicks(inet), blocking: !nonblocking,
  };
  const flow = tcpFlowCpu(inet.addr, plan.lport, remote.addr, remote.port, inet.ncpus);
  let carrier = msg;
  if (nonblocking) {
    tcpReply(msg, err('EINPROGRESS'));
    carrier = new NetMsg<TcpReqArg>(k, msg.input, 'apanic', 0, connectOnCpu,
      { call: msg.arg.call, result: null, sent: 0, connect: plan }, so);
  }
  carrier.arg.connect = plan;
  if (flow !== cpu) {
    tcpSoMove(inet, so, carrier as NetMsg<unknown>, flow,
        connectOnCpu as NetMsg<unknown>['handler']);
    return;
  }
  connectHere(inet, carrier);
}

/** TP-9's order: listening, connected, connecting, finished. */
function connectCheck(so: TcpSock): SocketError | null {
  if (so.dead) return 'EBADF';
  if (so.kind === 'listen') return 'EOPNOTSUPP';
  if (so.kind === 'conn') {
    const tp = so.tp;
    if (tp === null) return 'EINVAL';
    return tp.state === TCPS_SYN_SENT || tp.state === TCPS_SYN_RECEIVED ? 'EALREADY' : 'EISCONN';
  }
  return null;
}

/** On the flow CPU: `tcp_connect_oncpu`. */
export function* connectOnCpu(inet: Inet, msg: NetMsg<TcpReqArg>): Co {
  connectHere(inet, msg);
  yield* tcpEndStep(inet);
}

/**
 * `tcp_connect_oncpu`: the tcpcb in this CPU's table with its timers, SYN-SENT, keep = keepinit,
 * ISS (TP-5) and the SYN (TP-18) — all at the linearization instant's ticks.
 */
function connectHere(inet: Inet, msg: NetMsg<TcpReqArg>): void {
  const so = msg.so as TcpSock;
  const plan = msg.arg.connect!;
  inet.k.wr(so.obj);
  inet.tcp.ticksOverride = plan.ticks;
  try {
    const tuple = {
      laddr: inet.addr, lport: plan.lport, faddr: plan.remote.addr, fport: plan.remote.port,
    };
    const tp = tcpNewConn(inet, so, tuple);
    tp.requestRScale = requestScale(inet.cfg.tcp.recvspace);
    tcpSetState(inet, tp, TCPS_SYN_SENT);
    tcpTimerArm(inet, tp, TT_KEEP, inet.tcp.times.keepinit);
    tp.iss = tcpIsn(inet.tcp.seed, tuple, plan.ticks, inet.cfg.hz);
    tp.sndUna = tp.sndNxt = tp.sndMax = tp.sndUp = tp.sndRecover = tp.iss;
    tp.tRcvtime = plan.ticks;
    tp.sndLast = plan.ticks;
    tcpOutput(inet, tp);
  } finally {
    inet.tcp.ticksOverride = null;
  }
  if (plan.blocking) so.waiters.push({ kind: 'connect', msg });
}
