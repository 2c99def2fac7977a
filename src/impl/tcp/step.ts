import type { Port } from '../../core/addr';
import type { Co } from '../kern/thread';
import { getToken, relToken } from '../kern/token';
import type { Inet } from '../net/inet';
import { mycpu } from '../net/inet';
import type { TcpSock } from '../socket/tcpsock';
import type { TcpCb } from './tcpcb';
import { tcpServeWaiters } from './waiters';

/**
 * Read before editing: TP-9 … TP-12 ("at the end of the step that …"), TP-10 (a queued
 * connection that dies leaves the queue), TP-13 (a listener's close aborts its queue),
 * dragonfly.md D.7 (`sowakeup`), D.13 (tokens).
 *
 * The end of a step on a netisr. Protocol code runs without tokens and without yielding; what
 * needs a token — releasing a port, taking a dead connection off its listener's queue — is
 * recorded and done here, still inside the step's transaction; then the sockets the step woke
 * serve their parked calls (a blocked recv takes data, a blocked send appends, a blocked connect
 * completes), in the order they were woken. Every TCP handler ends with `tcpEndStep`.
 */

export type Deferred =
  | { readonly kind: 'release-port'; readonly port: Port }
  | { readonly kind: 'unqueue'; readonly so: TcpSock };

/** Record token work for the end of the running step. */
export function tcpDefer(inet: Inet, d: Deferred): void {
  const pc = inet.tcp.percpu[mycpu(inet)]!;
  inet.k.wr(pc.obj);
  pc.deferred.push(d);
}

/** `sorwakeup`/`sowwakeup`: the socket's parked calls are re-examined at the end of the step. */
export function tcpWake(inet: Inet, so: TcpSock): void {
  if (so.wakePending || so.waiters.length === 0) return;
  const pc = inet.tcp.percpu[mycpu(inet)]!;
  inet.k.wr(pc.obj);
  so.wakePending = true;
  pc.wake.push(so);
}

export function* tcpEndStep(inet: Inet): Co {
  const pc = inet.tcp.percpu[mycpu(inet)]!;
  while (pc.deferred.length > 0 || pc.wake.length > 0) {
    const d = pc.deferred.shift();
    if (d !== undefined) {
      yield* applyDeferred(inet, d);
      continue;
    }
    const so = pc.wake.shift()!;
    so.wakePending = false;
    yield* tcpServeWaiters(inet, so);
  }
}

function* applyDeferred(inet: Inet, d: Deferred): Co {
  const k = inet.k;
  switch (d.kind) {
    case 'release-port': {
      const ports = inet.tcp.ports;
      yield* getToken(k, ports.token, 'tcp.close');
      k.wr(ports.obj);
      ports.release(d.port);
      relToken(k, ports.token);
      return;
    }
    case 'unqueue': {
      const lq = d.so.origin!;
      yield* getToken(k, lq.sb.token, 'tcp.listenq');
      k.wr(lq.sb.obj);
      if (d.so.head === lq) {
        const i = lq.comp.indexOf(d.so);
        if (i >= 0) lq.comp.splice(i, 1);
        d.so.head = null;
      }
      relToken(k, lq.sb.token);
      k.wr(d.so.obj);
      d.so.inQueue = false;
      return;
    }
  }
}

/**
 * A passively opened connection may still sit on its listener's queue; the first event after
 * the listener let go of it (accepted it, or aborted it at close, TP-13) settles which. Returns
 * false for a connection its listener aborted: it is gone for the linearization order, and the
 * caller must behave as if there were no connection (the abort's RST follows, tcp/listen.ts).
 */
export function* tcpQueuedCheck(inet: Inet, tp: TcpCb): Co<boolean> {
  const so = tp.so;
  if (!so.inQueue) return true;
  const k = inet.k;
  const lq = so.origin!;
  yield* getToken(k, lq.sb.token, 'tcp.listenq');
  k.rd(lq.sb.obj);
  const aborted = so.listenAborted;
  const stillQueued = so.head !== null;
  relToken(k, lq.sb.token);
  if (aborted) return false;
  if (!stillQueued) {
    k.wr(so.obj);
    so.inQueue = false;
  }
  return true;
}
