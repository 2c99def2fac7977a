import type { IpAddr } from './addr';
import { assert } from './assert';

/**
 * Read before editing: RFC 1071 (computing the Internet checksum), HDR-3 (TCP), UDP-4/UDP-5.
 *
 * The Internet checksum is the 16-bit ones' complement of the ones' complement sum of the data
 * taken as big-endian 16-bit words, an odd final byte padded with a zero byte (not sent).
 * Sums are kept *unfolded* in a plain number — exact up to 2^53, i.e. for any buffer shorter
 * than 2^36 bytes — and folded to 16 bits once at the end (RFC 1071 §2(B), deferred carries).
 * This is on the hot path: every frame is checksummed once when encoded and once when decoded.
 */

/**
 * The unfolded sum of `bytes[start, end)` as big-endian 16-bit words, added to `initial`.
 * The range is summed as if it started on an even offset of the checksummed data; callers
 * that sum in pieces must split at even offsets (as IP, TCP and UDP headers always do).
 */
export function onesSum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  assert(
    start >= 0 && start <= end && end <= bytes.length,
    `onesSum: bad range [${start}, ${end})`,
  );
  let sum = initial;
  let i = start;
  const even = end - ((end - start) & 1);
  // Four words per iteration: fewer loop tests on the hot path.
  for (const stop = even - 7; i < stop; i += 8) {
    sum +=
      ((bytes[i]! << 8) | bytes[i + 1]!) +
      ((bytes[i + 2]! << 8) | bytes[i + 3]!) +
      ((bytes[i + 4]! << 8) | bytes[i + 5]!) +
      ((bytes[i + 6]! << 8) | bytes[i + 7]!);
  }
  for (; i < even; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (even !== end) sum += bytes[end - 1]! << 8;
  return sum;
}

/** Fold an unfolded sum to 16 bits with end-around carry: the ones' complement sum. */
export function foldSum(sum: number): number {
  assert(Number.isSafeInteger(sum) && sum >= 0, `foldSum: ${sum} is not a natural number`);
  // Split at 2^32 first: `sum` may exceed what 32-bit operators can hold.
  let s = (sum % 0x1_0000_0000) + Math.floor(sum / 0x1_0000_0000);
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** The checksum field value for data whose (unfolded) sum is `sum`: ~fold(sum). */
export const checksumOfSum = (sum: number): number => ~foldSum(sum) & 0xffff;

/** The Internet checksum of `bytes[start, end)` (RFC 1071). */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return checksumOfSum(onesSum(bytes, start, end));
}

/**
 * Data that *includes* its checksum field verifies when its ones' complement sum is all ones
 * (RFC 1071 §1: the receiver's sum of everything, checksum included, is −0).
 */
export const sumVerifies = (sum: number): boolean => foldSum(sum) === 0xffff;

/**
 * The unfolded sum of the IPv4 pseudo-header (HDR-3, UDP-4): source and destination address,
 * a zero byte, the protocol, and the transport length (header + data).
 */
export function pseudoHeaderSum(src: IpAddr, dst: IpAddr, proto: number, length: number): number {
  assert(
    Number.isInteger(proto) && proto >= 0 && proto <= 0xff,
    `pseudoHeaderSum: protocol ${proto}`,
  );
  assert(
    Number.isInteger(length) && length >= 0 && length <= 0xffff,
    `pseudoHeaderSum: length ${length}`,
  );
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + length;
}

/**
 * The TCP or UDP checksum of the transport segment `bytes[start, end)` (its checksum field
 * taken as whatever it holds — zero it first when computing). For UDP the caller applies
 * UDP-5 (a computed 0 is sent as 0xFFFF).
 */
export function transportChecksum(
  src: IpAddr,
  dst: IpAddr,
  proto: number,
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
): number {
  return checksumOfSum(onesSum(bytes, start, end, pseudoHeaderSum(src, dst, proto, end - start)));
}
