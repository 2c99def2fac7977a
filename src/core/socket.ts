import type { Endpoint, Port } from './addr';
import type { CallId, CpuId, Fd } from './ids';
import type { Result } from './result';

/**
 * The socket API as an application sees it: the calls a scenario's scripts make and the results
 * they observe. Both stacks implement exactly this surface; refinement compares results call by
 * call, so everything observable lives here and nothing else does.
 */

export type SocketProto = 'tcp' | 'udp';

/** Socket errors are values an application observes (STYLE P6), spelled as errno names. */
export type SocketError =
  | 'EBADF'
  | 'EINVAL'
  | 'EOPNOTSUPP'
  | 'EADDRINUSE'
  | 'EADDRNOTAVAIL'
  | 'EISCONN'
  | 'ENOTCONN'
  | 'EDESTADDRREQ'
  | 'EALREADY'
  /** A nonblocking TCP connect was started (docs/TCP-PROFILE.md TP-9). */
  | 'EINPROGRESS'
  | 'EMSGSIZE'
  | 'ENOBUFS'
  | 'EWOULDBLOCK'
  | 'EPIPE'
  | 'ECONNREFUSED'
  | 'ECONNRESET'
  | 'ECONNABORTED'
  | 'ETIMEDOUT'
  | 'EHOSTUNREACH';

export const SOCKET_ERRORS: readonly SocketError[] = [
  'EBADF', 'EINVAL', 'EOPNOTSUPP', 'EADDRINUSE', 'EADDRNOTAVAIL', 'EISCONN', 'ENOTCONN',
  'EDESTADDRREQ', 'EALREADY', 'EINPROGRESS', 'EMSGSIZE', 'ENOBUFS', 'EWOULDBLOCK', 'EPIPE', 'ECONNREFUSED',
  'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH',
];

export type CallRequest =
  | { readonly op: 'socket'; readonly proto: SocketProto }
  /** port 0 asks for an ephemeral port. */
  | { readonly op: 'bind'; readonly fd: Fd; readonly port: Port }
  | { readonly op: 'connect'; readonly fd: Fd; readonly remote: Endpoint; readonly nonblocking: boolean }
  | { readonly op: 'listen'; readonly fd: Fd; readonly backlog: number }
  | { readonly op: 'accept'; readonly fd: Fd; readonly nonblocking: boolean }
  /** `to` only for unconnected UDP sockets. */
  | { readonly op: 'send'; readonly fd: Fd; readonly data: Uint8Array; readonly to?: Endpoint; readonly nonblocking: boolean }
  | { readonly op: 'recv'; readonly fd: Fd; readonly maxBytes: number; readonly nonblocking: boolean }
  /** shutdown(SHUT_WR): TCP sends FIN after queued data; UDP refuses further sends. */
  | { readonly op: 'shutdown'; readonly fd: Fd }
  | { readonly op: 'close'; readonly fd: Fd }
  /** close with SO_LINGER 0: TCP sends RST. */
  | { readonly op: 'abort'; readonly fd: Fd };

export type CallOp = CallRequest['op'];

export type CallValue =
  | { readonly kind: 'none' }
  | { readonly kind: 'fd'; readonly fd: Fd }
  | { readonly kind: 'accepted'; readonly fd: Fd; readonly remote: Endpoint }
  | { readonly kind: 'sent'; readonly bytes: number }
  /** TCP end of stream is `data` of length 0; `from` is set for UDP. */
  | { readonly kind: 'data'; readonly data: Uint8Array; readonly from?: Endpoint };

export type CallResult = Result<CallValue, SocketError>;

/** One application call as issued: the user thread's CPU is where its syscall half runs. */
export interface AppCall {
  readonly id: CallId;
  /** Index of the application script that issued the call. */
  readonly app: number;
  readonly cpu: CpuId;
  readonly req: CallRequest;
}

export interface CallCompletion {
  readonly call: CallId;
  readonly result: CallResult;
}
