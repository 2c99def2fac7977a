import type { IpAddr } from '../../core/addr';
import type { Ipv4Header } from '../../core/packet';
import type { Inet } from './inet';

/** UP-1: TTL 64, TOS 0, DF set, IP ID 0 (DEVIATION from DragonFly's drawn IDs, see UP-1). */
export const IP_DEFAULT_TTL = 64;

export function ipHeader(inet: Inet, dst: IpAddr): Ipv4Header {
  return { src: inet.addr, dst, ttl: IP_DEFAULT_TTL, id: 0, tos: 0, dontFragment: true };
}
