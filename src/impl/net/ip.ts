import { assertNever } from '../../core/assert';
import type { Co } from '../kern/thread';
import { icmpInput } from './icmp';
import type { Inet } from './inet';
import { mycpu } from './inet';
import type { NetMsg } from './netmsg';
import type { PacketArg } from './protosw';

/**
 * Read before editing: dragonfly.md D.3 (`ip_input` on the netisr the hash chose).
 *
 * The handler of every frame message. A frame that did not decode, or is not addressed to this
 * host (no forwarding, no broadcast or multicast reception in mpcheck), is dropped and that drop
 * is the frame's linearizing commit; otherwise the transport's input takes over.
 */
export function* ipInput(inet: Inet, msg: NetMsg<PacketArg>): Co {
  const cpu = mycpu(inet);
  const p = msg.arg.packet;
  if (p === null) {
    inet.stats.inc(cpu, 'ip.badframe');
    inet.k.linearize();
    return;
  }
  inet.stats.inc(cpu, 'ip.ipackets');
  if (p.ip.dst !== inet.addr) {
    inet.stats.inc(cpu, 'ip.notforus');
    inet.k.linearize();
    return;
  }
  const body = p.body;
  switch (body.proto) {
    case 'udp':
      return yield* inet.protosw.udp.input(inet, msg, p);
    case 'tcp':
      return yield* inet.protosw.tcp.input(inet, msg, p);
    case 'icmp':
      return yield* icmpInput(inet, msg, p);
    default:
      return assertNever(body, 'transport');
  }
}
