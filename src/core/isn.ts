import type { IpAddr, Port } from './addr';
import { assert } from './assert';
import { fmix32 } from './rng';

/**
 * The secret-keyed choices of a TCP host (docs/TCP-PROFILE.md TP-5, TP-14, TP-15): initial send
 * sequence numbers, SYN cookies and the syncache bucket hash. Both stacks compute them with these
 * functions, so the wire is identical. Each is a pure function of the host's seed (standing in
 * for DragonFly's random secrets), the 4-tuple and the tick counter — never of how many calls came
 * before — so replaying a commit log in the impl's order gives the same numbers.
 */

/** The 4-tuple from the host's point of view. */
export interface TcpTuple {
  readonly laddr: IpAddr;
  readonly lport: Port;
  readonly faddr: IpAddr;
  readonly fport: Port;
}

const TAG_ISN = 0x49534e31;
const TAG_COOKIE = 0x434f4f4b;
const TAG_SYNCACHE = 0x53594e43;

/** A keyed 32-bit hash of `words` under `seed` and a domain tag (stands in for MD5(secret, …)). */
function keyed(seed: number, tag: number, words: readonly number[]): number {
  let h = fmix32((seed >>> 0) ^ tag);
  h = fmix32(h ^ (Math.floor(seed / 2 ** 32) >>> 0));
  for (const w of words) h = fmix32((h ^ (w >>> 0)) + 0x9e3779b9);
  return h >>> 0;
}

const tupleWords = (t: TcpTuple): number[] => [t.laddr, t.faddr, ((t.lport << 16) | t.fport) >>> 0];

/**
 * TP-5 (SEQ-8, RFC 6528 shape; dragonfly.md B.8): ISN = (F(secret, 4-tuple) & 0x0FFFFFFF) + M,
 * where M = ticks · ⌊250000 / hz⌋ is RFC 6528's 4 µs clock read at tick granularity.
 * DEVIATION: DragonFly also adds 1–2 MiB per call and reseeds every 20 s; a pure function of
 * (seed, tuple, time) is what lets two stacks agree, and it still grows with time (TW-3).
 */
export function tcpIsn(seed: number, t: TcpTuple, ticksNow: number, hz: number): number {
  assert(Number.isInteger(ticksNow) && ticksNow >= 0, `tcpIsn: ticks ${ticksNow}`);
  const perTick = Math.floor(250_000 / hz);
  const f = keyed(seed, TAG_ISN, tupleWords(t)) & 0x0fffffff;
  return (f + ((ticksNow * perTick) % 2 ** 32)) >>> 0;
}

/** B.3: the MSS classes a SYN cookie can encode; index 0 means "no MSS option" (mssdflt). */
export const SYNCOOKIE_MSS: readonly number[] = [0, 536, 1460, 8960];

/** B.3: cookie secrets rotate every half second (`ticks·2/hz`), 32 of them: a 16 s lifetime. */
export const syncookieEpoch = (ticksNow: number, hz: number): number =>
  Math.floor((ticksNow * 2) / hz);

const cookieBits = (seed: number, epoch: number, t: TcpTuple): number =>
  (keyed(seed, TAG_COOKIE, [epoch, ...tupleWords(t)]) & ~31) >>> 0;

/** B.3: the MSS class of a peer's offer: the largest class not above it (absent → class 0). */
export function syncookieMssClass(peerMss: number | undefined): number {
  let cls = 0;
  if (peerMss === undefined) return 0;
  for (let i = 1; i < SYNCOOKIE_MSS.length; i++) if (SYNCOOKIE_MSS[i]! <= peerMss) cls = i;
  return cls;
}

/**
 * TP-15 (dragonfly.md B.3): the SYN cookie used as the SYN|ACK's ISS:
 * ((mss class << 5) | secret index) XOR peer ISS XOR (F(secret, 4-tuple), low 5 bits clear).
 */
export function syncookie(
  seed: number, t: TcpTuple, irs: number, peerMss: number | undefined, ticksNow: number, hz: number,
): number {
  const epoch = syncookieEpoch(ticksNow, hz);
  const cls = syncookieMssClass(peerMss);
  return (((cls << 5) | (epoch & 31)) ^ irs ^ cookieBits(seed, epoch, t)) >>> 0;
}

/**
 * TP-15: check `cookie` (the third ACK's ack − 1) against the peer ISS `irs` (its seq − 1).
 * The index names the most recent epoch with those low 5 bits, so a cookie is at most 16 s old.
 * Returns the MSS class restored, or null when the cookie is not one of ours.
 */
export function syncookieCheck(
  seed: number, t: TcpTuple, irs: number, cookie: number, ticksNow: number, hz: number,
): number | null {
  const x = (cookie ^ irs) >>> 0;
  const idx = x & 31;
  const now = syncookieEpoch(ticksNow, hz);
  const epoch = now - ((now - idx) & 31);
  if (epoch < 0) return null;
  const y = (x ^ cookieBits(seed, epoch, t)) >>> 0;
  const cls = y >>> 5;
  return cls < SYNCOOKIE_MSS.length ? cls : null;
}

/**
 * TP-14 (dragonfly.md B.3 `SYNCACHE_HASH`): the syncache bucket of a SYN on CPU `cpu`:
 * (faddr ^ faddr>>16 ^ fport ^ lport ^ secret(cpu)) mod hashsize.
 */
export function syncacheBucket(seed: number, cpu: number, t: TcpTuple, hashSize: number): number {
  assert(Number.isInteger(hashSize) && hashSize >= 1, `syncacheBucket: hash size ${hashSize}`);
  const secret = keyed(seed, TAG_SYNCACHE, [cpu]);
  const h = (t.faddr ^ (t.faddr >>> 16) ^ t.fport ^ t.lport ^ secret) >>> 0;
  return h % hashSize;
}
