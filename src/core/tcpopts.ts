import { assert } from './assert';
import { be16, be32, isU16, isU32, isU8, put16, put32 } from './bytes';
import type { DecodeError, SackBlock, TcpOptions } from './packet';
import type { Result } from './result';
import { err, ok } from './result';
import type { SeqNum } from './seq';

/**
 * Read before editing: HDR-4, HDR-5 (RFC 9293 §3.1–3.2), RFC 7323 §2.2 and §3.2 (window scale,
 * timestamps), RFC 2018 §2–3 (SACK-permitted, SACK).
 *
 * TCP options: one canonical layout out, any layout in. Both stacks encode through here, so
 * options they agree on give identical bytes; decoding accepts what any peer may send.
 */

/** HDR-1: the data offset is 4 bits of 32-bit words, so at most 60 − 20 bytes of options. */
export const TCP_OPTIONS_MAX = 40;

/** Option kinds (HDR-4, RFC 7323, RFC 2018). */
export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MAXSEG = 2;
export const TCPOPT_WINDOW = 3;
export const TCPOPT_SACK_PERMITTED = 4;
export const TCPOPT_SACK = 5;
export const TCPOPT_TIMESTAMP = 8;

/**
 * Bytes the canonical layout takes for `o`: MSS (4); NOP+WSCALE (4); NOP,NOP,SACK-permitted (4);
 * NOP,NOP,TIMESTAMP (12); NOP,NOP,SACK (4 + 8 per block). Every piece is 32-bit aligned, as BSD
 * lays them out, so no trailing padding is ever needed.
 */
export function tcpOptionsLength(o: TcpOptions): number {
  return (
    (o.mss !== undefined ? 4 : 0) +
    (o.wscale !== undefined ? 4 : 0) +
    (o.sackPermitted === true ? 4 : 0) +
    (o.timestamp !== undefined ? 12 : 0) +
    (o.sack !== undefined ? 4 + 8 * o.sack.length : 0)
  );
}

/** Write the canonical layout of `o` at `at`; returns the offset after it. */
export function encodeTcpOptions(b: Uint8Array, at: number, o: TcpOptions): number {
  let i = at;
  if (o.mss !== undefined) {
    assert(isU16(o.mss), `encode: MSS ${o.mss} out of range`);
    b[i] = TCPOPT_MAXSEG;
    b[i + 1] = 4;
    put16(b, i + 2, o.mss);
    i += 4;
  }
  if (o.wscale !== undefined) {
    assert(isU8(o.wscale), `encode: window scale ${o.wscale} out of range`);
    b.set([TCPOPT_NOP, TCPOPT_WINDOW, 3, o.wscale], i);
    i += 4;
  }
  if (o.sackPermitted === true) {
    b.set([TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK_PERMITTED, 2], i);
    i += 4;
  }
  if (o.timestamp !== undefined) {
    const { val, ecr } = o.timestamp;
    assert(isU32(val) && isU32(ecr), `encode: timestamp ${val}/${ecr} out of range`);
    b.set([TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP, 10], i);
    put32(b, i + 4, val);
    put32(b, i + 8, ecr);
    i += 12;
  }
  if (o.sack !== undefined) {
    b.set([TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK, 2 + 8 * o.sack.length], i);
    i += 4;
    for (const block of o.sack) {
      assert(isU32(block.start) && isU32(block.end), 'encode: SACK block edge out of range');
      put32(b, i, block.start);
      put32(b, i + 4, block.end);
      i += 8;
    }
  }
  return i;
}

type MutableOptions = { -readonly [K in keyof TcpOptions]: TcpOptions[K] };

const badOption = (detail: string): Result<never, DecodeError> =>
  err({ kind: 'bad-option', detail });

/** Fixed lengths of the options we interpret (HDR-4, RFC 7323, RFC 2018). */
const OPTION_LENGTH: Readonly<Record<number, number>> = {
  [TCPOPT_MAXSEG]: 4,
  [TCPOPT_WINDOW]: 3,
  [TCPOPT_SACK_PERMITTED]: 2,
  [TCPOPT_TIMESTAMP]: 10,
};

/**
 * Parse options in `b[start, end)` in any order and alignment (HDR-5). Unknown options with a
 * valid length are skipped (MUST-6); a length below 2, past the header, or wrong for a known
 * kind is `bad-option` (MUST-7). Parsing stops at EOL; a repeated option keeps the last value.
 */
export function decodeTcpOptions(
  b: Uint8Array,
  start: number,
  end: number,
): Result<TcpOptions, DecodeError> {
  const o: MutableOptions = {};
  let i = start;
  while (i < end) {
    const kind = b[i]!;
    if (kind === TCPOPT_EOL) break;
    if (kind === TCPOPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) return badOption(`kind ${kind} at option byte ${i - start} has no length`);
    const len = b[i + 1]!;
    if (len < 2) return badOption(`kind ${kind} has length ${len} < 2`);
    if (i + len > end) return badOption(`kind ${kind} of length ${len} runs past the header`);
    const want = OPTION_LENGTH[kind];
    if (want !== undefined && len !== want)
      return badOption(`kind ${kind} has length ${len}, not ${want}`);
    switch (kind) {
      case TCPOPT_MAXSEG:
        o.mss = be16(b, i + 2);
        break;
      case TCPOPT_WINDOW:
        o.wscale = b[i + 2]!;
        break;
      case TCPOPT_SACK_PERMITTED:
        o.sackPermitted = true;
        break;
      case TCPOPT_TIMESTAMP:
        o.timestamp = { val: be32(b, i + 2), ecr: be32(b, i + 6) };
        break;
      case TCPOPT_SACK: {
        if ((len - 2) % 8 !== 0)
          return badOption(`SACK length ${len}: length − 2 is not a multiple of 8`);
        const blocks: SackBlock[] = [];
        for (let j = i + 2; j < i + len; j += 8) {
          blocks.push({ start: be32(b, j) as SeqNum, end: be32(b, j + 4) as SeqNum });
        }
        o.sack = blocks;
        break;
      }
      default:
        break; // HDR-5 (MUST-6): an unknown option with a length is ignored.
    }
    i += len;
  }
  return ok(o);
}
