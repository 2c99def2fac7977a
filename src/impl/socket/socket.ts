import type { IpAddr, Port } from '../../core/addr';
import type { CpuId, Fd } from '../../core/ids';
import type { SocketError, SocketProto } from '../../core/socket';
import type { Kern } from '../kern/kern';
import { KObj, guarded, owned } from '../kern/kern';
import type { MsgPort } from '../kern/msgport';
import type { Chaseable, NetMsg } from '../net/netmsg';
import { SockBuf } from './sockbuf';

/**
 * Read before editing: dragonfly.md D.6 (so_port), D.7 (buffers, so_state), D.9 (moves).
 *
 * A socket and its protocol control block. Three disciplines:
 * - `so:<fd>` — the pcb (addresses, ports, the redispatch record), owned by the CPU of
 *   `so_port`; re-declared when the socket moves.
 * - `so:<fd>.state` — `so_state` flags, `so_error` and the count of sends in flight, read by the
 *   user side and written by both sides: guarded by the receive buffer's token.
 * - `so:<fd>.rcv` / `.snd` — the buffers, guarded by their `ssb_token`s.
 * `so_port` itself is an atomic pointer read without a token by any thread (a stale read is what
 * port chasing corrects, D.1), so it is not instrumented.
 */

export interface InPcb {
  /** null = INADDR_ANY (never bound to an address: mpcheck hosts have one address). */
  laddr: IpAddr | null;
  lport: Port | null;
  faddr: IpAddr | null;
  fport: Port | null;
  /** CPUs this (unconnected) socket's datagrams were redispatched to since the last barrier. */
  readonly redispatched: CpuId[];
  /** The CPU whose pcb list holds this socket, or null while it moves (D.9 unlink/relink). */
  linked: CpuId | null;
  /** A synchronous request waiting for sends in flight or barrier messages (udp/park.ts). */
  parked: NetMsg<unknown> | null;
  /** ICMP errors waiting for this socket's sends in flight to drain (udp/ctlinput.ts). */
  readonly parkedCtl: NetMsg<unknown>[];
  /** Barrier messages still on their round trip (udp/barrier.ts). */
  barriersOut: number;
}

export interface SoState {
  /** SS_ISCONNECTED. */
  connected: boolean;
  /** SS_CANTSENDMORE (shutdown, UP-10). */
  cantSendMore: boolean;
  /** Closed: the descriptor is gone; sleepers wake to EBADF (UP-10). */
  dead: boolean;
  /** `so_error`: a pending asynchronous error (UP-12). */
  error: SocketError | null;
  /** Sends whose user side returned `sent` but that no owner has applied (or redispatched) yet. */
  sendsInFlight: number;
}

export class Socket implements Chaseable {
  readonly obj: KObj;
  readonly stateObj: KObj;
  readonly rcv: SockBuf;
  readonly snd: SockBuf;
  readonly pcb: InPcb = {
    laddr: null, lport: null, faddr: null, fport: null,
    redispatched: [], linked: null, parked: null, parkedCtl: [], barriersOut: 0,
  };
  readonly st: SoState = {
    connected: false, cantSendMore: false, dead: false, error: null, sendsInFlight: 0,
  };

  constructor(
    k: Kern,
    readonly fd: Fd,
    readonly proto: SocketProto,
    /** `so_port`: the owner netisr's port. */
    public port: MsgPort,
    bufs: { readonly rcv: number; readonly snd: number },
  ) {
    const name = `so:${fd}`;
    this.obj = new KObj(name, owned(port.cpu));
    this.rcv = new SockBuf(k, `${name}.rcv`, bufs.rcv);
    this.snd = new SockBuf(k, `${name}.snd`, bufs.snd);
    this.stateObj = new KObj(`${name}.state`, guarded(this.rcv.token.name));
    k.declare(this.obj);
    k.declare(this.stateObj);
  }

  get name(): string {
    return this.obj.name;
  }
}
