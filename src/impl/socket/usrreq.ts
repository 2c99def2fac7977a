import type { Endpoint, Port } from '../../core/addr';
import type { CallId, Fd } from '../../core/ids';
import type { Handler } from '../net/netmsg';

/**
 * Read before editing: dragonfly.md D.5 (`netmsg_pru_*`), D.6 (sync vs async requests).
 *
 * The protocol user requests (`pr_usrreqs`) as netisr message handlers, and the arguments each
 * message carries. The socket layer (user side) builds these messages and sends them to
 * `so_port`: attach, bind, connect, shutdown and detach synchronously (`lwkt_domsg`, the user
 * thread blocks for the reply), send asynchronously (`so_pru_send_async`: never replied; errors
 * surface later through `so_error`).
 */

export interface AttachArg {
  /** Set by the handler: the descriptor of the new socket. */
  fd: Fd | null;
}

export interface BindArg {
  readonly port: Port;
}

export interface ConnectArg {
  readonly remote: Endpoint;
}

export interface SendArg {
  readonly call: CallId;
  readonly data: Uint8Array;
  /** The destination of an unconnected send; null on a connected socket. */
  readonly to: Endpoint | null;
  /** Set when redispatched: the source port, copied so the flow CPU never reads the pcb. */
  readonly src?: Port | null;
}

export interface Usrreqs {
  readonly attach: Handler<AttachArg>;
  readonly bind: Handler<BindArg>;
  readonly connect: Handler<ConnectArg>;
  readonly send: Handler<SendArg>;
  readonly shutdown: Handler<null>;
  readonly detach: Handler<null>;
}
