import type { Co } from '../kern/thread';
import type { Inet } from './inet';
import { mycpu } from './inet';
import type { ProtoEntry } from './protosw';

/**
 * TCP's protocol switch entry until the TCP layer registers its own: segments are dropped (and
 * that drop linearizes them on their flow CPU), ICMP errors quoting TCP are dropped on CPU 0,
 * and `socket(tcp)` fails with EOPNOTSUPP (no usrreqs).
 */
export const tcpStubEntry: ProtoEntry = {
  *input(inet: Inet): Co {
    inet.stats.inc(mycpu(inet), 'tcp.dropped');
    inet.k.linearize();
  },
};
