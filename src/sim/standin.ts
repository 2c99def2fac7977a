/**
 * TODO(core): private stand-ins for the parts of `src/core` the simulator needs (CONTRACTS.md:
 * `codec.ts` → `readIpv4Dst`, `hash.ts` → `traceHash`) until they land; each is replaced by
 * core's export as soon as it exists, and this file is deleted.
 */
import type { IpAddr } from '../core/addr';
import { ipAddr } from '../core/addr';

/** The IPv4 destination of a frame, or null when the bytes are not an IPv4 header. */
export function readIpv4Dst(bytes: Uint8Array): IpAddr | null {
  if (bytes.length < 20 || bytes[0]! >> 4 !== 4) return null;
  return ipAddr(((bytes[16]! << 24) | (bytes[17]! << 16) | (bytes[18]! << 8) | bytes[19]!) >>> 0);
}

/** A stable hash of a trace: FNV-1a over a canonical rendering (bytes as hex). */
export function traceHash(trace: readonly unknown[]): string {
  let h = 0x811c9dc5;
  const feed = (s: string): void => {
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  };
  for (const ev of trace) {
    feed(
      JSON.stringify(ev, (_k, v: unknown) =>
        v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
      ),
    );
    feed('\n');
  }
  return h.toString(16).padStart(8, '0');
}
