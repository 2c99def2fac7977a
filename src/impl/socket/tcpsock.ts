import type { Endpoint, Port } from '../../core/addr';
import type { Fd } from '../../core/ids';
import type { CallResult, SocketError } from '../../core/socket';
import type { Kern } from '../kern/kern';
import { KObj, owned } from '../kern/kern';
import type { MsgPort } from '../kern/msgport';
import type { Chaseable, NetMsg } from '../net/netmsg';
import type { TcpCb } from '../tcp/tcpcb';
import { SockBuf } from './sockbuf';
import { StreamBuf } from './streambuf';
import type { AppCall } from '../../core/socket';

/**
 * Read before editing: dragonfly.md D.6 (so_port), D.7 (buffers), D.9 (where sockets live),
 * B.3 (listen queues); docs/TCP-PROFILE.md TP-10 … TP-13, TP-29.
 *
 * A TCP socket. Its state and both stream buffers are owned by the CPU of `so_port`: the profile
 * runs send and receive on the owner (TP-11, TP-12: the synchronous send and rcvd paths), so no
 * user thread ever touches them, and the established data path needs no token. The one shared
 * structure is a listening socket's accept queue (`ListenQueue`), which connections complete
 * into from every CPU and accept(2) pops on the user side: it is guarded by the listen token.
 * DEVIATION (D.7): DragonFly guards so_rcv with ssb_token because its reader runs on the user
 * side; with TP-12's owner-side receive the buffer is owned instead.
 */

/** What a TCP socket is, as the calls see it. */
export type TcpSoKind =
  /** Never connected nor listening (TP-9 … TP-13 "never connected"). */
  | 'fresh'
  | 'listen'
  /** Has, or had, a connection (`tp` says which). */
  | 'conn';

/** A user request travelling to the owner (the argument of every TCP usrreq message). */
export interface TcpReqArg {
  readonly call: AppCall;
  /** The call's result, set by the handler that completes it (or parks it, then later). */
  result: CallResult | null;
  /** A blocking send's progress: bytes appended so far (TP-11). */
  sent: number;
  /** Set while a connect travels to the connection's flow CPU (D.9). */
  connect: ConnectPlan | null;
}

/** What the old owner decided when connect linearized, carried to the flow CPU (D.9). */
export interface ConnectPlan {
  readonly lport: Port;
  readonly remote: Endpoint;
  /** The tick counter at the linearization point: ISS, TSval and timers are computed from it. */
  readonly ticks: number;
  /** Reply now (nonblocking, EINPROGRESS) or park until the handshake ends. */
  readonly blocking: boolean;
}

/** A call parked on the owner until the end of a step makes it complete (TP-9, TP-11, TP-12). */
export interface Waiter {
  readonly kind: 'recv' | 'send' | 'connect';
  readonly msg: NetMsg<TcpReqArg>;
}

/**
 * A listening socket's queue of completed connections (`so_comp`, `so_qlimit`), its parked
 * accept predicates and the overflow mark of its syncache (TP-14/15). Every field is guarded by
 * `sb.token` — the listen socket's pool token (D.7).
 */
export class ListenQueue {
  /** The token, the guarded object, and the parked predicate messages (`ssb_mlist`). */
  readonly sb: SockBuf;
  listening = false;
  qlimit = 0;
  /** Completed connections not yet accepted, in completion order (TP-10). */
  readonly comp: TcpSock[] = [];
  /** `ts_recent` of the listen tcpcb: the tick of the last syncache overflow, or null. */
  overflowAt: number | null = null;

  constructor(k: Kern, name: string) {
    this.sb = new SockBuf(k, `${name}.lq`, 0);
  }
}

let nextSock = 0;

export class TcpSock implements Chaseable {
  readonly obj: KObj;
  readonly id: number;
  /** `so_port`: read by any thread without a token (stale reads are chased, D.1). */
  port: MsgPort;
  /** The descriptor, once one is installed (informational: status and names). */
  fd: Fd | null = null;
  readonly snd: StreamBuf;
  readonly rcv: StreamBuf;
  kind: TcpSoKind = 'fresh';
  lport: Port | null = null;
  remote: Endpoint | null = null;
  tp: TcpCb | null = null;
  /** `so_error`. */
  error: SocketError | null = null;
  /** SS_CANTSENDMORE / SS_CANTRCVMORE. */
  cantSendMore = false;
  cantRcvMore = false;
  /** SS_NOFDREF: the descriptor was closed; the connection may live on (B.5). */
  noFdRef = false;
  /** The descriptor was closed or aborted: calls still in flight answer EBADF (UP-10). */
  dead = false;
  /** Calls parked on the owner, in arrival order. */
  readonly waiters: Waiter[] = [];
  /**
   * The accept queue (`so_comp`, …): every TCP socket has one, published with the socket and
   * never replaced, so any thread may follow the pointer; what it holds is guarded by its token.
   */
  readonly lq: ListenQueue;
  /**
   * For a connection created by a listener: the queue it sits on until accepted. Written under
   * `head.sb.token` (by the accepting thread and by the listener's close); read under it.
   */
  head: ListenQueue | null = null;
  /** Guarded by the head's token: the listener closed while this connection was queued. */
  listenAborted = false;
  /** Owned: this connection may still be on its listener's queue (checked lazily, tcp/step). */
  inQueue = false;
  /** The listener a passively opened connection came from (set once, at creation). */
  origin: ListenQueue | null = null;
  /** Owned: queued on its CPU's end-of-step wake list. */
  wakePending = false;

  constructor(
    k: Kern,
    port: MsgPort,
    bufs: { readonly snd: number; readonly rcv: number },
  ) {
    this.id = nextSock++;
    this.port = port;
    this.obj = new KObj(`tcpso:${this.id}`, owned(port.cpu));
    k.declare(this.obj);
    this.snd = new StreamBuf(bufs.snd);
    this.rcv = new StreamBuf(bufs.rcv);
    this.lq = new ListenQueue(k, this.obj.name);
  }

  get name(): string {
    return this.obj.name;
  }
}

