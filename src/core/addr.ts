import { assert } from './assert';
import type { Result } from './result';
import { err, ok } from './result';

/** An IPv4 address as an unsigned 32-bit number (network order's numeric value). */
export type IpAddr = number & { readonly __brand: 'IpAddr' };
export type Port = number & { readonly __brand: 'Port' };

export const ipAddr = (n: number): IpAddr => (n >>> 0) as IpAddr;
export const port = (n: number): Port => {
  assert(Number.isInteger(n) && n >= 0 && n <= 0xffff, `port: ${n} out of range`);
  return n as Port;
};

export interface Endpoint {
  readonly addr: IpAddr;
  readonly port: Port;
}

export const formatIp = (a: IpAddr): string =>
  [a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff].join('.');
export const formatEndpoint = (e: Endpoint): string => `${formatIp(e.addr)}:${e.port}`;

export function parseIp(text: string): Result<IpAddr, string> {
  const parts = text.split('.');
  if (parts.length !== 4) return err(`'${text}' is not a dotted-quad IPv4 address`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return err(`'${text}' is not a dotted-quad IPv4 address`);
    n = n * 256 + Number(p);
  }
  return ok(ipAddr(n));
}

/** Host i of a run has address 10.0.0.(i+1): deterministic and easy to read in traces. */
export const hostAddr = (index: number): IpAddr => ipAddr((10 << 24) + index + 1);

/** First port of DragonFly's ephemeral range (IANA dynamic range; both stacks allocate from it in the same order). */
export const EPHEMERAL_FIRST = 49152 as Port;
export const EPHEMERAL_LAST = 65535 as Port;
