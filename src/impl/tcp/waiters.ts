import { assertNever } from '../../core/assert';
import { err, ok } from '../../core/result';
import type { SocketError } from '../../core/socket';
import type { Co } from '../kern/thread';
import type { Inet } from '../net/inet';
import type { TcpSock, Waiter } from '../socket/tcpsock';
import { haveEstablished } from './const';
import { tcpServeRecv, tcpServeSend } from './usrio';
import { tcpReply } from './usrreq';

/**
 * Read before editing: TP-9 (a blocked connect completes when ESTABLISHED, or with the
 * connection's error, then cleared), TP-11, TP-12 (served "at the end of the step"), TP-13
 * (calls blocked on a closed descriptor complete EBADF); dragonfly.md D.6 (predicate messages).
 *
 * Calls parked on a socket's owner, re-examined at the end of each step that woke the socket,
 * in the order they were parked: connects first (they precede any data), then receives, then
 * sends — the order in which the step's effects reached the socket (ACK, data, window).
 */
export function* tcpServeWaiters(inet: Inet, so: TcpSock): Co {
  inet.k.wr(so.obj);
  for (const kind of ['connect', 'recv', 'send'] as const) {
    const ws = so.waiters;
    for (let i = 0; i < ws.length; ) {
      const w = ws[i]!;
      if (w.kind !== kind || !serve(inet, so, w)) {
        i++;
        continue;
      }
      ws.splice(i, 1);
    }
  }
}

function serve(inet: Inet, so: TcpSock, w: Waiter): boolean {
  switch (w.kind) {
    case 'connect':
      return serveConnect(so, w);
    case 'recv':
      return tcpServeRecv(inet, so, w.msg);
    case 'send':
      return tcpServeSend(inet, so, w.msg);
    default:
      return assertNever(w.kind, 'waiter');
  }
}

function serveConnect(so: TcpSock, w: Waiter): boolean {
  const tp = so.tp;
  if (tp !== null && haveEstablished(tp.state)) {
    tcpReply(w.msg, ok({ kind: 'none' }));
    return true;
  }
  if (tp !== null) return false;
  const e: SocketError = so.error ?? 'ECONNABORTED';
  so.error = null;
  tcpReply(w.msg, err(e));
  return true;
}

/** Complete every parked call with `e` (the descriptor was closed, TP-13). */
export function tcpFailWaiters(inet: Inet, so: TcpSock, e: SocketError): void {
  inet.k.wr(so.obj);
  for (const w of so.waiters.splice(0)) tcpReply(w.msg, err(e));
}
