import { assert } from './assert';

/** RFC 9293 §3.4 (SEQ-1): sequence numbers live in 0 … 2^32−1 and compare modulo 2^32. */
export type SeqNum = number & { readonly __brand: 'SeqNum' };

export const seq = (n: number): SeqNum => (n >>> 0) as SeqNum;
/** SEQ-2: lt(a,b) ⇔ int32(a − b) < 0. */
export const seqLt = (a: SeqNum, b: SeqNum): boolean => ((a - b) | 0) < 0;
export const seqLeq = (a: SeqNum, b: SeqNum): boolean => ((a - b) | 0) <= 0;
export const seqGt = (a: SeqNum, b: SeqNum): boolean => ((a - b) | 0) > 0;
export const seqGeq = (a: SeqNum, b: SeqNum): boolean => ((a - b) | 0) >= 0;
export const seqMax = (a: SeqNum, b: SeqNum): SeqNum => (seqGt(a, b) ? a : b);
export const seqMin = (a: SeqNum, b: SeqNum): SeqNum => (seqLt(a, b) ? a : b);

export const seqAdd = (a: SeqNum, n: number): SeqNum => {
  assert(Number.isInteger(n) && n > -(2 ** 31) && n < 2 ** 31, `seqAdd: ${n} out of range`);
  return ((a + n) >>> 0) as SeqNum;
};
/** The distance from b forward to a, as a signed 32-bit number (SEQ-2). */
export const seqDiff = (a: SeqNum, b: SeqNum): number => (a - b) | 0;
/** SEQ-7: is s in [lo, lo + len)? */
export const seqInWindow = (s: SeqNum, lo: SeqNum, len: number): boolean =>
  seqGeq(s, lo) && seqDiff(s, lo) < len;
