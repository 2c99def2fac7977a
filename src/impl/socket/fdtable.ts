import type { Fd } from '../../core/ids';
import { FD_FIRST, fd as toFd } from '../../core/ids';
import type { Kern } from '../kern/kern';
import { KObj, guarded } from '../kern/kern';
import { Token } from '../kern/token';
import type { Socket } from './socket';
import type { TcpSock } from './tcpsock';

/**
 * The host's descriptor table (UP-2): 3, 4, 5 … in the order sockets are created (their
 * linearization order, since attach allocates here), never reused. Guarded by the filedesc token.
 */
export class FdTable {
  readonly token = new Token('fdtable.token');
  readonly obj: KObj;
  private readonly map = new Map<number, Socket>();
  /** TCP sockets (socket/tcpsock.ts) share the descriptor numbering (UP-2). */
  private readonly tcp = new Map<number, TcpSock>();
  private next: number = FD_FIRST;

  constructor(k: Kern) {
    this.obj = new KObj('fdtable', guarded(this.token.name));
    k.declare(this.obj);
  }

  /** The next descriptor; the caller installs a socket under it at once. */
  reserve(): Fd {
    return toFd(this.next++);
  }

  install(fd: Fd, so: Socket): void {
    this.map.set(fd, so);
  }

  get(fd: Fd): Socket | undefined {
    return this.map.get(fd);
  }

  remove(fd: Fd): boolean {
    return this.map.delete(fd);
  }

  installTcp(fd: Fd, so: TcpSock): void {
    this.tcp.set(fd, so);
  }

  getTcp(fd: Fd): TcpSock | undefined {
    return this.tcp.get(fd);
  }

  removeTcp(fd: Fd): boolean {
    return this.tcp.delete(fd);
  }

  /** Open TCP sockets with their descriptors, in descriptor order (status reports). */
  tcpSockets(): [Fd, TcpSock][] {
    return [...this.tcp.entries()].map(([n, so]) => [n as Fd, so]);
  }

  /** Open sockets in descriptor order (status reports). */
  sockets(): Socket[] {
    return [...this.map.values()];
  }
}
