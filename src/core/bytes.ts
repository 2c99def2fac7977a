/**
 * Big-endian field access and range checks shared by the wire codecs (codec.ts, tcpopts.ts).
 * Reads never throw: callers check lengths first, as the decoders must be total.
 */

export const be16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
export const be32 = (b: Uint8Array, i: number): number =>
  ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

export function put16(b: Uint8Array, i: number, v: number): void {
  b[i] = v >>> 8;
  b[i + 1] = v;
}

export function put32(b: Uint8Array, i: number, v: number): void {
  b[i] = v >>> 24;
  b[i + 1] = v >>> 16;
  b[i + 2] = v >>> 8;
  b[i + 3] = v;
}

export const isU8 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xff;
export const isU16 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffff;
export const isU32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
